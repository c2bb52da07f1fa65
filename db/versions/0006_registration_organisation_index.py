"""registration: an index for the per-organisation cap

The event rules count validated people per organisation after every sync; without an index
that walks organisations in order, SQLite sorts the whole table each time (0.3 s at 100,000).

Revision ID: 0006
Revises: 0002
"""
from __future__ import annotations

from alembic import op

revision = '0006'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_registration_organisation', 'registration',
                    ['status', 'organisation_id', 'category'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_registration_organisation', table_name='registration')
