"""Start-up knows a database is at the newest schema without importing Alembic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from desk.store.migrate import head_revisions, heads_from_files

ROOT = Path(__file__).resolve().parents[2]


def test_heads_read_from_the_files_are_alembics_heads():
    assert heads_from_files() == head_revisions()


def test_merges_branches_and_unreadable_files(tmp_path):
    (tmp_path / "0001_a.py").write_text('"""a\n\nRevision ID: 0001\n"""\nrevision = "0001"\ndown_revision = None\n')
    (tmp_path / "0002_b.py").write_text("revision: str = '0002'\ndown_revision: str | None = '0001'\n")
    (tmp_path / "0003_c.py").write_text("revision = '0003'\ndown_revision = '0001'\n")
    assert heads_from_files(tmp_path) == {"0002", "0003"}
    (tmp_path / "0004_merge.py").write_text("revision = '0004'\ndown_revision = ('0002', '0003')\n")
    assert heads_from_files(tmp_path) == {"0004"}
    (tmp_path / "0005_odd.py").write_text("revision = make_id()\ndown_revision = '0004'\n")
    assert heads_from_files(tmp_path) is None  # not sure: Alembic decides


def test_opening_an_up_to_date_database_does_not_import_alembic(db_path):
    script = (f"import sys; from desk.store.db import open_database; db = open_database('sqlite:///{db_path}'); "
              "db.close(); print('alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "False"
