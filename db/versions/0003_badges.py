"""Badge printing: the event's public keys, the print queue and the print log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 18:59:50.243557
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('badge_key',
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('event_key', sa.String(length=64), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_badge_key'))
    )
    op.create_table('print_log',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('desk', sa.String(length=100), nullable=False),
    sa.Column('user', sa.String(length=100), nullable=False),
    sa.Column('registration_id', sa.String(length=64), nullable=False),
    sa.Column('job_id', sa.String(length=32), nullable=False),
    sa.Column('printer', sa.String(length=200), nullable=False),
    sa.Column('reprint', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_log'))
    )
    with op.batch_alter_table('print_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_print_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_print_log_registration_id'), ['registration_id'], unique=False)

    op.create_table('print_job',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('registration_id', sa.String(length=64), nullable=False),
    sa.Column('layout', sa.String(length=32), nullable=False),
    sa.Column('desk', sa.String(length=100), nullable=False),
    sa.Column('user', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('reprint', sa.Boolean(), nullable=False),
    sa.Column('printer', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("state IN ('queued','printing','done','failed')", name=op.f('ck_print_job_state')),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.registration_id'], name=op.f('fk_print_job_registration_id_registration')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_job'))
    )
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_print_job_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index('ix_print_job_state_created', ['state', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.drop_index('ix_print_job_state_created')
        batch_op.drop_index(batch_op.f('ix_print_job_registration_id'))

    op.drop_table('print_job')
    with op.batch_alter_table('print_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_print_log_registration_id'))
        batch_op.drop_index(batch_op.f('ix_print_log_at'))

    op.drop_table('print_log')
    op.drop_table('badge_key')
