"""registration: a ticket code belongs to one registration only

Before, two registrations could share a ticket code and the check-in took whichever the
database found first (the same code welcomed one person or answered "cancelled" for the
other). A partial unique index now allows one holder per non-empty code.

Codes already shared stay with one holder: the validated registration, else the one the
portal updated last, else the one stored first. The others lose the code (their holders
are checked in by badge or by name), and the sync log records each change, so the desk can
see whose code was taken away and why.

Revision ID: 0009
Revises: 0008
"""
from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_NOT_EMPTY = sa.text("ticket_code <> ''")
_SHARED = sa.text(
    "SELECT id, registration_id, ticket_code, status, portal_updated_at FROM registration "
    "WHERE ticket_code IN (SELECT ticket_code FROM registration WHERE ticket_code <> '' "
    "GROUP BY ticket_code HAVING count(*) > 1) ORDER BY ticket_code, id")
_LOG = sa.table("sync_log", sa.column("at", sa.DateTime), sa.column("source", sa.String),
                sa.column("registration_id", sa.String), sa.column("action", sa.String),
                sa.column("changes", sa.Text))
_REGISTRATION = sa.table("registration", sa.column("id", sa.Integer), sa.column("ticket_code", sa.String))


def _keep_first(holders: list) -> list:
    """The holders of one code, the one who keeps it first (stable sorts, last key first)."""
    ordered = sorted(holders, key=lambda r: r.id)
    # the last portal update first (the same type within one database: text or datetime)
    ordered.sort(key=lambda r: (r.portal_updated_at is not None, r.portal_updated_at or 0), reverse=True)
    ordered.sort(key=lambda r: r.status != "validated")
    return ordered


def _release_shared_codes() -> None:
    conn = op.get_bind()
    by_code: dict[str, list] = {}
    for row in conn.execute(_SHARED):
        by_code.setdefault(row.ticket_code, []).append(row)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)  # stored as naive UTC
    for code, holders in by_code.items():
        keeper, *others = _keep_first(holders)
        for other in others:
            conn.execute(sa.update(_REGISTRATION).where(_REGISTRATION.c.id == other.id).values(ticket_code=""))
            conn.execute(sa.insert(_LOG).values(
                at=now, source=f"desk upgrade 0009: ticket code kept by {keeper.registration_id}",
                registration_id=other.registration_id, action="updated",
                changes=json.dumps({"ticket_code": [code, ""]}, ensure_ascii=False)))


def upgrade() -> None:
    _release_shared_codes()
    op.drop_index("ix_registration_ticket_code", table_name="registration")
    op.create_index("uq_registration_ticket_code", "registration", ["ticket_code"], unique=True,
                    sqlite_where=_NOT_EMPTY, postgresql_where=_NOT_EMPTY)


def downgrade() -> None:
    op.drop_index("uq_registration_ticket_code", table_name="registration")
    op.create_index("ix_registration_ticket_code", "registration", ["ticket_code"], unique=False)
