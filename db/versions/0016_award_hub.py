"""award hub: what the hub made of each station's ballot envelopes (counted, refused)

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


def downgrade() -> None:
    op.drop_table('award_station')
