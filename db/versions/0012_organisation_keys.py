"""organisation: keys recomputed with legal forms from cleanco's tables

The organisation key now drops every common EU/EEA legal form however it is written
("Clúster Andaluz de Robótica S.L." and "cluster andaluz de robotica" are one organisation),
and no longer drops words that are not legal forms. Stored keys are recomputed from each
registration's organisation name with the code the import uses:
- organisations that now share a key are merged: the oldest row (lowest id) is kept, its
  registrations and the others' point at it, the others are deleted;
- a name that no longer shares its old organisation's key gets an organisation of its own.
No column changes.

Revision ID: 0012
Revises: 0011
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from desk.core.attendees import stored_organisation_key

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_CHUNK_ROWS = 5_000


def _chunks(rows: list[dict]) -> list[list[dict]]:
    return [rows[i:i + _CHUNK_ROWS] for i in range(0, len(rows), _CHUNK_ROWS)]


def upgrade() -> None:
    conn = op.get_bind()
    organisations = conn.execute(sa.text("SELECT id, key, name FROM organisation ORDER BY id")).fetchall()
    registrations = conn.execute(sa.text(
        "SELECT id, organisation, organisation_id FROM registration "
        "WHERE organisation_id IS NOT NULL ORDER BY id")).fetchall()
    if not organisations:
        return

    # the organisation each new key keeps: the oldest row whose own name gives that key
    kept: dict[str, int] = {}
    key_of_row: dict[int, str] = {}
    for oid, _key, name in organisations:
        key = key_of_row[oid] = stored_organisation_key(name)
        if key:
            kept.setdefault(key, oid)
    # a registration's name whose key no row's name gives: a new organisation, named as the
    # first registration that spells it
    new_names: dict[str, str] = {}
    key_of_name: dict[str, str] = {}
    for _rid, name, _oid in registrations:
        if name not in key_of_name:
            key = key_of_name[name] = stored_organisation_key(name)
            if key and key not in kept:
                new_names.setdefault(key, name)

    moving = [oid for oid, key, _name in organisations
              if key != key_of_row[oid] or kept.get(key_of_row[oid]) != oid]
    # free the keys that change first ("#" never appears in a key), so that no two rows
    # hold one key on the way
    for chunk in _chunks([{"id": oid, "key": f"#{oid}"} for oid in moving]):
        conn.execute(sa.text("UPDATE organisation SET key = :key WHERE id = :id"), chunk)
    renamed = [{"id": oid, "key": key} for key, oid in kept.items() if oid in set(moving)]
    for chunk in _chunks(renamed):
        conn.execute(sa.text("UPDATE organisation SET key = :key WHERE id = :id"), chunk)
    for key, name in new_names.items():
        conn.execute(sa.text("INSERT INTO organisation (key, name) VALUES (:key, :name)"), {"key": key, "name": name})
    if new_names:
        rows = conn.execute(sa.text("SELECT key, id FROM organisation WHERE key IN :keys").bindparams(
            sa.bindparam("keys", expanding=True)), {"keys": list(new_names)}).fetchall()
        kept.update(dict(rows))

    repoint = [{"id": rid, "org": kept[key_of_name[name]]} for rid, name, oid in registrations
               if key_of_name[name] and kept[key_of_name[name]] != oid]
    for chunk in _chunks(repoint):
        conn.execute(sa.text("UPDATE registration SET organisation_id = :org WHERE id = :id"), chunk)
    # a row merged into another is no longer anyone's organisation
    merged = [{"id": oid} for oid, _key, _name in organisations
              if kept.get(key_of_row[oid]) != oid]
    for chunk in _chunks(merged):
        conn.execute(sa.text(
            "DELETE FROM organisation WHERE id = :id "
            "AND NOT EXISTS (SELECT 1 FROM registration WHERE organisation_id = :id)"), chunk)


def downgrade() -> None:
    # The older code reads these keys as it reads its own (a key is only compared): kept.
    pass
