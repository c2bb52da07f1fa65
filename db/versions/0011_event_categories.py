"""event categories: the event's label, badge word and badge colour per category

An existing event gets today's six categories, so its badges and lists read as before.

Revision ID: 0011
Revises: 0010
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_DEFAULTS = (
    ("policy_maker", "Policy-maker", "Policy-maker", "#004d99"),
    ("cluster_practitioner", "Cluster practitioner", "Cluster practitioner", "#008c59"),
    ("other_stakeholder", "Other stakeholder", "Other stakeholder", "#8c8c8c"),
    ("staff", "Staff", "Staff", "#1a1a1a"),
    ("speaker", "Speaker", "Speaker", "#cc1a26"),
    ("press", "Press", "Press", "#f2a600"),
)


def upgrade() -> None:
    table = op.create_table(
        'event_category',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('label', sa.String(length=100), nullable=False),
        sa.Column('badge_word', sa.String(length=40), nullable=False),
        sa.Column('colour', sa.String(length=7), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_category_event_id_event')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_event_category')),
        sa.UniqueConstraint('event_id', 'category', name=op.f('uq_event_category_event_id')),
    )
    events = [row[0] for row in op.get_bind().execute(sa.text("SELECT id FROM event"))]
    if events:
        op.bulk_insert(table, [
            {"event_id": event, "category": key, "label": label, "badge_word": word, "colour": colour,
             "position": i}
            for event in events for i, (key, label, word, colour) in enumerate(_DEFAULTS)
        ])


def downgrade() -> None:
    op.drop_table('event_category')
