"""Bringing a database to the newest schema with Alembic, over desk's own connection.

Alembic takes ~0.4 s to import. A database already at the newest schema (every start but
the first after an update) is recognised without it: the heads are read from the
migration files' `revision`/`down_revision` lines and compared with alembic_version.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

if TYPE_CHECKING:
    from alembic.config import Config

_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)
_QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")


class UnknownSchema(Exception):
    """The database was migrated by a desk newer than this one (a revision this desk lacks)."""


def migrations_dir() -> Path:
    """The db/ folder (beside the package, or inside the frozen bundle)."""
    bundle = getattr(sys, "_MEIPASS", None)
    base = Path(bundle) if bundle else Path(__file__).resolve().parents[2]
    return base / "db"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic Config pointing at desk's migrations (no alembic.ini needed)."""
    from alembic.config import Config  # noqa: PLC0415

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revisions() -> set[str]:
    """The newest migrations' ids (one per capability branch that has not been merged)."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(connection: Connection) -> set[str]:
    """The revisions the database is at (empty for an empty database)."""
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415

    return set(MigrationContext.configure(connection).get_current_heads())


def _revision_files(versions: Path | None = None) -> list[tuple[list[str], list[str] | None]]:
    """Per migration file, read as text: its own revision(s) and its parents (None without a
    down_revision line)."""
    out = []
    for path in sorted((versions or migrations_dir() / "versions").glob("*.py")):
        lines = dict((m.group(1), m.group(2)) for m in _REVISION_LINE.finditer(path.read_text(encoding="utf-8")))
        parents = _QUOTED.findall(lines["down_revision"]) if "down_revision" in lines else None
        out.append((_QUOTED.findall(lines.get("revision", "")), parents))
    return out


def heads_from_files(versions: Path | None = None) -> set[str] | None:
    """The head revisions read from the migration files' text; None when a file cannot be read so."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for own, down in _revision_files(versions):
        if len(own) != 1 or down is None:
            return None
        revisions.add(own[0])
        parents.update(down)
    return (revisions - parents) or None


def known_revisions(versions: Path | None = None) -> set[str]:
    """Every revision this desk's migration files name."""
    return {revision for own, _down in _revision_files(versions) for revision in own}


def stored_revisions(connection: Connection) -> set[str]:
    """The revisions alembic_version holds (empty when the table is absent)."""
    if not inspect(connection).has_table("alembic_version"):
        return set()
    return {row[0] for row in connection.exec_driver_sql("SELECT version_num FROM alembic_version")}


def _at_heads(connection: Connection) -> bool:
    heads = heads_from_files()
    if heads is None or not inspect(connection).has_table("alembic_version"):
        return False
    stored = {row[0] for row in connection.exec_driver_sql("SELECT version_num FROM alembic_version")}
    return stored == heads


def upgrade(engine: Engine) -> None:
    """Upgrade the database to every head in one transaction; a no-op when already there.

    Raises UnknownSchema when the database names a migration this desk does not have.
    """
    with engine.begin() as connection:
        if _at_heads(connection):
            return
        from alembic import command  # noqa: PLC0415
        from alembic.util import CommandError  # noqa: PLC0415

        if current_revisions(connection) == head_revisions():
            return
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        try:
            command.upgrade(cfg, "heads")
        except CommandError as exc:  # alembic_version names a migration this desk does not have
            raise UnknownSchema(str(exc)) from exc
