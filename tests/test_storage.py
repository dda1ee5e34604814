"""The results database: schema versions, migrations, concurrent writers."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from profiler.storage.db import ResultsDB
from profiler.storage.migrations import APPLICATION_ID, SCHEMA_VERSION

GOLDEN_V1 = Path(__file__).parent / "data" / "schema_v1.db"


def test_opens_a_database_written_by_schema_v1(tmp_path: Path) -> None:
    """tests/data/schema_v1.db was written by the first schema version (a real
    `buildprof run` of the gomod fixture, 2 runs); every later version must open
    it, migrate it, and keep its runs."""
    db_path = tmp_path / "v1.db"
    shutil.copy(GOLDEN_V1, db_path)
    con = sqlite3.connect(db_path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 1
    con.close()
    db = ResultsDB.open(db_path)
    assert db.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    runs = db.runs_of_session(1)
    assert len(runs) == 2
    assert all(r["project"] == "gomod" and r["status"] == "ok" for r in runs)
    assert db.session(1)["label"] == "golden"
    # And new rows can be added after the migration.
    sid = db.start_session(runs[0]["machine_id"], "buildprof run test", None)
    row = {k: runs[0][k] for k in ("project_id", "toolchain_id", "machine_id", "scenario",
                                   "profile", "wall_s", "user_s", "sys_s", "status")}
    db.add_run({**row, "session_id": sid, "iteration": 1, "warmup": 0})
    assert len(db.runs_of_session(sid)) == 1


def test_new_database_is_marked_as_buildprof_and_uses_wal(tmp_path: Path) -> None:
    db = ResultsDB.open(tmp_path / "new.db")
    conn = db.db.conn
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"machines", "toolchains", "projects", "sessions", "runs"} <= set(db.db.table_names())


def test_dangling_session_is_marked_aborted(tmp_path: Path) -> None:
    db = ResultsDB.open(tmp_path / "r.db")
    db.ensure_machine({"id": "m1", "hostname": "h"})
    sid = db.start_session("m1", "buildprof run", None)
    # Pretend the session belongs to a process that no longer exists.
    db.db["sessions"].update(sid, {"pid": 2**22 + 12345})
    mine = db.start_session("m1", "buildprof run", None)
    assert db.mark_dangling_aborted() == [sid]
    assert db.session(sid)["status"] == "aborted"
    assert db.session(mine)["status"] == "running"  # this process is alive
