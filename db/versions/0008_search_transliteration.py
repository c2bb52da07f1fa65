"""registration: search text with the registration id and Latin spellings of other scripts

Search now finds a person by registration id and, from a Latin keyboard, by a name written
in Greek or Cyrillic ("shevchenko" finds Шевченко). The search text of stored registrations
is recomputed with the code the import uses, and SQLite's word index is rebuilt over it.
No column changes.

Revision ID: 0008
Revises: 0007
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from desk.core.attendees import Category, Registration, Status

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_CHUNK_ROWS = 5_000


def _search_text(rid: str, first: str, last: str, email: str, organisation: str) -> str:
    # status, country, category and days play no part in the search text
    reg = Registration(rid, Status.VALIDATED, first or "", last or "", email or "", organisation or "", "",
                       Category.OTHER_STAKEHOLDER, ())
    return reg.folded_texts()[0]


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, registration_id, first_name, last_name, email, organisation, search_text FROM registration"
    )).fetchall()
    changed = [{"id": row[0], "text": text} for row in rows
               if (text := _search_text(*row[1:6])) != row[6]]
    update = sa.text("UPDATE registration SET search_text = :text WHERE id = :id")
    for i in range(0, len(changed), _CHUNK_ROWS):
        conn.execute(update, changed[i:i + _CHUNK_ROWS])
    if changed and conn.dialect.name == "sqlite":
        # the word index holds a copy of every word: index the new texts from scratch
        conn.exec_driver_sql("INSERT INTO registration_fts(registration_fts) VALUES ('rebuild')")


def downgrade() -> None:
    # The older code searches the richer text just as well (more words, same columns): kept.
    pass
