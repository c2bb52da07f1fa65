"""Rooms: the programme (rooms, sessions), door events and headcounts.

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-25 19:01:55.047857
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('room',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('full_policy', sa.String(length=8), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("full_policy IN ('refuse','warn')", name=op.f('ck_room_full_policy')),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_room_capacity')),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_room'))
    )
    op.create_table('headcount',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('room', sa.String(length=100), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('counted_before', sa.Integer(), nullable=False),
    sa.Column('desk', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['room'], ['room.name'], name=op.f('fk_headcount_room_room')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_headcount'))
    )
    with op.batch_alter_table('headcount', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_headcount_at'), ['at'], unique=False)

    op.create_table('programme_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('priority_area', sa.String(length=200), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('room', sa.String(length=100), nullable=False),
    sa.Column('start_at', sa.DateTime(), nullable=False),
    sa.Column('end_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['room'], ['room.name'], name=op.f('fk_programme_session_room_room')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_session'))
    )
    with op.batch_alter_table('programme_session', schema=None) as batch_op:
        batch_op.create_index('ix_programme_session_room_start', ['room', 'start_at'], unique=False)

    op.create_table('door_event',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('room', sa.String(length=100), nullable=False),
    sa.Column('registration_id', sa.String(length=64), nullable=False),
    sa.Column('move', sa.String(length=8), nullable=False),
    sa.Column('desk', sa.String(length=100), nullable=False),
    sa.CheckConstraint("move IN ('entry','exit')", name=op.f('ck_door_event_move')),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.registration_id'], name=op.f('fk_door_event_registration_id_registration')),
    sa.ForeignKeyConstraint(['room'], ['room.name'], name=op.f('fk_door_event_room_room')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_door_event'))
    )
    with op.batch_alter_table('door_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_door_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_door_event_registration_id'), ['registration_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('door_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_door_event_registration_id'))
        batch_op.drop_index(batch_op.f('ix_door_event_at'))

    op.drop_table('door_event')
    with op.batch_alter_table('programme_session', schema=None) as batch_op:
        batch_op.drop_index('ix_programme_session_room_start')

    op.drop_table('programme_session')
    with op.batch_alter_table('headcount', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_headcount_at'))

    op.drop_table('headcount')
    op.drop_table('room')
