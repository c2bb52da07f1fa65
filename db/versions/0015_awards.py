"""Award voting: awards, finalists with their counts, and who voted (no ballot rows).

award_voter is WITHOUT ROWID on SQLite: no hidden rowid keeps the order people voted in.

Revision ID: 0015
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('award',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('open_until', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('ballots', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award')),
    sa.UniqueConstraint('key', name=op.f('uq_award_key'))
    )
    op.create_table('award_finalist',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('reached_at_ballot', sa.Integer(), nullable=False),
    sa.CheckConstraint('votes >= 0', name=op.f('ck_award_finalist_votes')),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_award_finalist_award_id_award')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_finalist')),
    sa.UniqueConstraint('award_id', 'key', name=op.f('uq_award_finalist_award_id'))
    )
    op.create_table('award_voter',
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], name=op.f('fk_award_voter_award_id_award')),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.registration_id'],
                            name=op.f('fk_award_voter_registration_id_registration')),
    sa.PrimaryKeyConstraint('award_id', 'registration_id', name=op.f('pk_award_voter')),
    sqlite_with_rowid=False
    )


def downgrade() -> None:
    op.drop_table('award_voter')
    op.drop_table('award_finalist')
    op.drop_table('award')
