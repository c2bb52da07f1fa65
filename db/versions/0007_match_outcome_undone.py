"""match_outcome: an outcome can be undone (a wrong key at the matchmaking desk)

The log stays append-only: undoing appends 'undone', and the latest record of a meeting wins,
so the meeting is pending again.

Revision ID: 0007
Revises: 0005
"""
from __future__ import annotations

from alembic import op

revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None

_NEW = "outcome IN ('held','no_show','undone')"
_OLD = "outcome IN ('held','no_show')"
_COLUMNS = "id, at, requester, partner, slot, outcome, absent, desk"


def _sqlite_rebuild(check: str, keep: str) -> None:
    # SQLite cannot alter a CHECK constraint: copy the table under the new one
    op.execute(
        "CREATE TABLE match_outcome_new ("
        "id VARCHAR(32) NOT NULL, at DATETIME NOT NULL, requester VARCHAR(64) NOT NULL, "
        "partner VARCHAR(64) NOT NULL, slot INTEGER NOT NULL, outcome VARCHAR(8) NOT NULL, "
        "absent VARCHAR(64), desk VARCHAR(100) NOT NULL, "
        f"CONSTRAINT ck_match_outcome_outcome CHECK ({check}), "
        "CONSTRAINT pk_match_outcome PRIMARY KEY (id))")
    op.execute(f"INSERT INTO match_outcome_new ({_COLUMNS}) SELECT {_COLUMNS} FROM match_outcome WHERE {keep}")
    op.execute("DROP TABLE match_outcome")
    op.execute("ALTER TABLE match_outcome_new RENAME TO match_outcome")
    op.execute("CREATE INDEX ix_match_outcome_at ON match_outcome (at)")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuild(_NEW, "1")
        return
    op.drop_constraint(op.f('ck_match_outcome_outcome'), 'match_outcome', type_='check')
    op.create_check_constraint(op.f('ck_match_outcome_outcome'), 'match_outcome', _NEW)


def downgrade() -> None:
    # an undo cannot be expressed in the old schema: it is dropped (the outcome before it wins again)
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuild(_OLD, "outcome != 'undone'")
        return
    op.execute("DELETE FROM match_outcome WHERE outcome = 'undone'")
    op.drop_constraint(op.f('ck_match_outcome_outcome'), 'match_outcome', type_='check')
    op.create_check_constraint(op.f('ck_match_outcome_outcome'), 'match_outcome', _OLD)
