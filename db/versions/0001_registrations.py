"""Registrations synced from the portal, organisations, the sync log and cursors.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 18:39:38.624789
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('venue', sa.String(length=200), nullable=False),
    sa.Column('days', sa.String(length=200), nullable=False),
    sa.Column('seat_cap', sa.Integer(), nullable=False),
    sa.Column('per_organisation_cap', sa.Integer(), nullable=False),
    sa.Column('registration_deadline', sa.DateTime(), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event'))
    )
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=500), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
    sa.UniqueConstraint('key', name=op.f('uq_organisation_key'))
    )
    op.create_table('sync_cursor',
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('cursor', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('source', name=op.f('pk_sync_cursor'))
    )
    op.create_table('sync_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('registration_id', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('changes', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_log'))
    )
    with op.batch_alter_table('sync_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_log_registration_id'), ['registration_id'], unique=False)

    op.create_table('registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('first_name', sa.String(length=500), nullable=False),
    sa.Column('last_name', sa.String(length=500), nullable=False),
    sa.Column('email', sa.String(length=500), nullable=False),
    sa.Column('organisation', sa.String(length=500), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('days', sa.String(length=200), nullable=False),
    sa.Column('ticket_code', sa.String(length=256), nullable=False),
    sa.Column('badge_ref', sa.String(length=32), nullable=True),
    sa.Column('portal_updated_at', sa.DateTime(), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('sort_key', sa.String(length=1000), nullable=False),
    sa.Column('source_hash', sa.String(length=32), nullable=True),
    sa.Column('synced_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('validated','pending','rejected','cancelled')", name=op.f('ck_registration_status')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_registration_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_registration_registration_id')),
    sa.UniqueConstraint('badge_ref', name=op.f('uq_registration_badge_ref'))
    )
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.create_index('ix_registration_status_sort', ['status', 'sort_key', 'registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_ticket_code'), ['ticket_code'], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        # Accent-folded search: an FTS5 word index over the Python-folded search_text (FTS5's
        # own remove_diacritics misses ł, ø, đ and Greek tonos), with prefix indexes so that
        # "mul" finds Müller while the name is still being typed.
        op.execute(
            "CREATE VIRTUAL TABLE registration_fts USING fts5(search_text, content='registration', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 0', prefix='1 2 3')"
        )
        # kept in step by desk.store.registrations (rows are added to it by id range, in one statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS registration_fts")
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_ticket_code'))
        batch_op.drop_index('ix_registration_status_sort')

    op.drop_table('registration')
    with op.batch_alter_table('sync_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_log_registration_id'))
        batch_op.drop_index(batch_op.f('ix_sync_log_at'))

    op.drop_table('sync_log')
    op.drop_table('sync_cursor')
    op.drop_table('organisation')
    op.drop_table('event')
