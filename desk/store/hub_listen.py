"""Listening to the hub: PostgreSQL's NOTIFY on `desk_hub` when a station pushed entries.

A connection of its own (LISTEN needs one that stays open and idle), polled with a short
timeout so that whoever waits on it can also stop promptly.
"""

from __future__ import annotations

import psycopg
from sqlalchemy.engine import make_url

from desk.store.hub import CHANNEL

CONNECT_TIMEOUT_S = 2


class ListenLost(Exception):
    """The listening connection could not be opened or was lost; the reason is the message."""


def _conninfo(url: str) -> str:
    """libpq's form of a SQLAlchemy address (postgresql+psycopg://... → postgresql://...)."""
    parsed = make_url(url)
    parsed = parsed.set(drivername="postgresql").difference_update_query(["connect_timeout"])
    return parsed.render_as_string(hide_password=False)


class HubListener:
    """LISTEN desk_hub on the hub at `url`; `wait` gives the payloads (the pushing stations)."""

    def __init__(self, url: str) -> None:
        try:
            self._conn = psycopg.connect(_conninfo(url), autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
            self._conn.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as exc:
            raise ListenLost(_first_line(exc)) from None

    def wait(self, timeout_s: float) -> list[str]:
        """The notifications that arrive within `timeout_s` (at least one ends the wait early)."""
        try:
            got = [n.payload for n in self._conn.notifies(timeout=timeout_s, stop_after=1)]
            # whatever else is already here comes along without waiting again
            got += [n.payload for n in self._conn.notifies(timeout=0)] if got else []
            return got
        except psycopg.Error as exc:
            raise ListenLost(_first_line(exc)) from None

    def close(self) -> None:
        try:
            self._conn.close()
        except psycopg.Error:
            pass


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else exc.__class__.__name__
