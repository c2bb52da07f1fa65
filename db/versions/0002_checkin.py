"""The entrance: check-ins and the append-only scan log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 18:56:39.866821
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('scan_log',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('desk', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('code', sa.String(length=512), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('registration_id', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_log'))
    )
    with op.batch_alter_table('scan_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scan_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_scan_log_registration_id'), ['registration_id'], unique=False)

    op.create_table('checkin',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('registration_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('desk', sa.String(length=100), nullable=False),
    sa.Column('undone_at', sa.DateTime(), nullable=True),
    sa.Column('undone_desk', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.registration_id'], name=op.f('fk_checkin_registration_id_registration')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin'))
    )
    with op.batch_alter_table('checkin', schema=None) as batch_op:
        batch_op.create_index('ix_checkin_registration_day', ['registration_id', 'day'], unique=False)
        batch_op.create_index('uq_checkin_active', ['registration_id', 'day'], unique=True,
                              sqlite_where=sa.text('undone_at IS NULL'),
                              postgresql_where=sa.text('undone_at IS NULL'))



def downgrade() -> None:
    with op.batch_alter_table('checkin', schema=None) as batch_op:
        batch_op.drop_index('uq_checkin_active')
        batch_op.drop_index('ix_checkin_registration_day')

    op.drop_table('checkin')
    with op.batch_alter_table('scan_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scan_log_registration_id'))
        batch_op.drop_index(batch_op.f('ix_scan_log_at'))

    op.drop_table('scan_log')
