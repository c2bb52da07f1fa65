"""Matchmaking: participants, requests, slots, schedules, presence and outcomes.

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-25 19:14:40.557338
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('match_outcome',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('requester', sa.String(length=64), nullable=False),
    sa.Column('partner', sa.String(length=64), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=8), nullable=False),
    sa.Column('absent', sa.String(length=64), nullable=True),
    sa.Column('desk', sa.String(length=100), nullable=False),
    sa.CheckConstraint("outcome IN ('held','no_show')", name=op.f('ck_match_outcome_outcome')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_outcome'))
    )
    with op.batch_alter_table('match_outcome', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_outcome_at'), ['at'], unique=False)

    op.create_table('match_participant',
    sa.Column('participant_id', sa.String(length=64), nullable=False),
    sa.Column('organisation', sa.String(length=300), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('country', sa.String(length=300), nullable=False),
    sa.Column('registration_id', sa.String(length=64), nullable=True),
    sa.Column('available', sa.String(length=4000), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('participant_id', name=op.f('pk_match_participant'))
    )
    with op.batch_alter_table('match_participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_participant_registration_id'), ['registration_id'], unique=False)

    op.create_table('match_presence',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('participant_id', sa.String(length=64), nullable=False),
    sa.Column('desk', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_presence'))
    )
    with op.batch_alter_table('match_presence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_presence_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_presence_participant_id'), ['participant_id'], unique=False)

    op.create_table('match_schedule',
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('held', sa.Integer(), nullable=False),
    sa.Column('requested', sa.Integer(), nullable=False),
    sa.Column('upper_bound', sa.Integer(), nullable=False),
    sa.Column('optimal', sa.Boolean(), nullable=False),
    sa.Column('tables', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_match_schedule'))
    )
    op.create_table('match_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tables', sa.Integer(), nullable=False),
    sa.CheckConstraint('tables >= 0', name=op.f('ck_match_settings_tables')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_settings'))
    )
    op.create_table('match_slot',
    sa.Column('number', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('start_at', sa.DateTime(), nullable=False),
    sa.Column('end_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('number', name=op.f('pk_match_slot'))
    )
    op.create_table('match_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('requester', sa.String(length=64), nullable=False),
    sa.Column('partner', sa.String(length=64), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('table_number', sa.Integer(), nullable=False),
    sa.Column('adhoc', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['version'], ['match_schedule.version'], name=op.f('fk_match_meeting_version_match_schedule'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_meeting'))
    )
    with op.batch_alter_table('match_meeting', schema=None) as batch_op:
        batch_op.create_index('ix_match_meeting_version_slot', ['version', 'slot'], unique=False)

    op.create_table('match_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requester', sa.String(length=64), nullable=False),
    sa.Column('partner', sa.String(length=64), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.CheckConstraint('priority >= 1', name=op.f('ck_match_request_priority')),
    sa.ForeignKeyConstraint(['partner'], ['match_participant.participant_id'], name=op.f('fk_match_request_partner_match_participant')),
    sa.ForeignKeyConstraint(['requester'], ['match_participant.participant_id'], name=op.f('fk_match_request_requester_match_participant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_request')),
    sa.UniqueConstraint('requester', 'partner', name='uq_match_request_pair')
    )
    with op.batch_alter_table('match_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_request_partner'), ['partner'], unique=False)

    op.create_table('match_unscheduled',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('requester', sa.String(length=64), nullable=False),
    sa.Column('partner', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['version'], ['match_schedule.version'], name=op.f('fk_match_unscheduled_version_match_schedule'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_unscheduled'))
    )
    with op.batch_alter_table('match_unscheduled', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_unscheduled_version'), ['version'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('match_unscheduled', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_unscheduled_version'))

    op.drop_table('match_unscheduled')
    with op.batch_alter_table('match_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_request_partner'))

    op.drop_table('match_request')
    with op.batch_alter_table('match_meeting', schema=None) as batch_op:
        batch_op.drop_index('ix_match_meeting_version_slot')

    op.drop_table('match_meeting')
    op.drop_table('match_slot')
    op.drop_table('match_settings')
    op.drop_table('match_schedule')
    with op.batch_alter_table('match_presence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_presence_participant_id'))
        batch_op.drop_index(batch_op.f('ix_match_presence_at'))

    op.drop_table('match_presence')
    with op.batch_alter_table('match_participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_participant_registration_id'))

    op.drop_table('match_participant')
    with op.batch_alter_table('match_outcome', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_outcome_at'))

    op.drop_table('match_outcome')
