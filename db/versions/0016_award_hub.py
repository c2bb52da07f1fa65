"""award hub: what the hub made of each station's ballot envelopes (counted, refused), and the
clock stamp of each award's voting window (the newest opening or closing wins across stations)

Revision ID: 0016
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('award_station',
    sa.Column('station', sa.String(length=32), nullable=False),
    sa.Column('opened_seq', sa.Integer(), nullable=False),
    sa.Column('counted', sa.Integer(), nullable=False),
    sa.Column('refused', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('station', name=op.f('pk_award_station'))
    )
    with op.batch_alter_table('award') as batch:
        batch.add_column(sa.Column('window_stamp', sa.String(length=19), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('award') as batch:
        batch.drop_column('window_stamp')
    op.drop_table('award_station')
