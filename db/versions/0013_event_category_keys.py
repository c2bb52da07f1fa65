"""event categories: event-defined keys, with what the rules need as data

A category is now any short key the event lists. Two columns say what code used to say about
two of the six default keys: `counted` (counts toward the seats and the per-organisation cap;
staff does not) and `is_default` (takes the rows whose category word is unknown or empty;
other_stakeholder). Existing events keep their rules: their staff row is not counted, their
other_stakeholder row (else their first one) is the default. Registration rows keep their keys.

Revision ID: 0013
Revises: 0012
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('event_category') as batch:
        batch.add_column(sa.Column('counted', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch.add_column(sa.Column('is_default', sa.Boolean(), server_default=sa.false(), nullable=False))
    conn = op.get_bind()
    table = sa.table('event_category', sa.column('id', sa.Integer()), sa.column('event_id', sa.Integer()),
                     sa.column('category', sa.String()), sa.column('position', sa.Integer()),
                     sa.column('counted', sa.Boolean()), sa.column('is_default', sa.Boolean()))
    conn.execute(sa.update(table).where(table.c.category == 'staff').values(counted=False))
    rows = conn.execute(sa.select(table.c.id, table.c.event_id, table.c.category)
                        .order_by(table.c.event_id, table.c.position, table.c.id)).fetchall()
    chosen: dict[int, int] = {}
    for row_id, event_id, _key in rows:
        chosen.setdefault(event_id, row_id)  # the first listed, unless the event lists other_stakeholder
    chosen.update({event_id: row_id for row_id, event_id, key in rows if key == 'other_stakeholder'})
    for row_id in chosen.values():
        conn.execute(sa.update(table).where(table.c.id == row_id).values(is_default=True))


def downgrade() -> None:
    with op.batch_alter_table('event_category') as batch:
        batch.drop_column('is_default')
        batch.drop_column('counted')
