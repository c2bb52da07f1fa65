"""door day policy: what a room's door does for a person registered for other days

The event holds the policy every door follows (warn, as before: the entry is recorded);
a room may override it (NULL: as the event).

Revision ID: 0010
Revises: 0009 (and 0004, whose room table it changes: the two branches meet here)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = ('0004', '0009')
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wrong_day_policy', sa.String(length=8), server_default='warn', nullable=False))
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wrong_day_policy', sa.String(length=8), nullable=True))
        batch_op.create_check_constraint(op.f('ck_room_wrong_day_policy'), "wrong_day_policy IN ('refuse','warn')")


def downgrade() -> None:
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_room_wrong_day_policy'), type_='check')
        batch_op.drop_column('wrong_day_policy')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('wrong_day_policy')
