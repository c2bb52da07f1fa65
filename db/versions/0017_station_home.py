"""station home: where this station's database file lives (host, path, file); a file copied
or moved to another laptop becomes a station of its own instead of sharing the station id

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('hub_station') as batch:
        batch.add_column(sa.Column('home', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('hub_station') as batch:
        batch.drop_column('home')
