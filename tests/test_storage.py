"""The results database: schema versions, migrations, concurrent writers."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from profiler.storage.db import ResultsDB, StoredUnits
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


def test_a_machine_recorded_before_v10_gets_its_system_and_arch(tmp_path: Path) -> None:
    from profiler.machine.facts import current_machine

    db_path = tmp_path / "v1.db"
    shutil.copy(GOLDEN_V1, db_path)
    db = ResultsDB.open(db_path)
    old = db.machines()
    (mid, row), = old.items()
    assert row["system"] is None and row["arch"] is None  # v1 did not know them
    me = current_machine().row()
    db.ensure_machine({**me, "id": mid})  # the same machine seen again by `run`
    assert db.machines()[mid]["system"] == me["system"] == "linux"
    assert db.machines()[mid]["arch"] == me["arch"] and me["arch"] != ""
    assert db.machines()[mid]["hostname"] == row["hostname"]  # nothing else rewritten


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
    # A session pulled from another machine with the same hostname (issue 26, item 15).
    db.ensure_machine({"id": "m2", "hostname": "h"})
    theirs = db.start_session("m2", "buildprof run", None)
    db.db["sessions"].update(theirs, {"pid": 2**22 + 12346})
    assert db.mark_dangling_aborted("m1") == [sid]
    assert db.session(sid)["status"] == "aborted"
    assert db.session(mine)["status"] == "running"  # this process is alive
    assert db.session(theirs)["status"] == "running"  # not this machine's to judge


# -- the read methods the commands use (nothing outside storage/ runs SQL) ---------------


def _recorded(path: Path) -> tuple[ResultsDB, dict[str, int]]:
    """Two sessions written as `run` writes them: session 1 ('before', go@1.25.5)
    with a warm-up, two timed runs and a failed one; session 2 ('after', go@1.26.8)
    with two timed runs, the second with units."""
    db = ResultsDB.open(path)
    db.ensure_machine({"id": "m1aaaaaaaaaaaaaa", "hostname": "host-a"})
    for spec in ("go@1.25.5", "go@1.26.8"):
        db.ensure_toolchain({"id": f"tc-{spec}", "lang": "go", "spec": spec,
                             "version": spec.split("@")[1], "path": f"/opt/{spec}"})
    pid = db.ensure_project("tiny", "go", "sample:tiny", "tiny", "a" * 64, 100, 3)
    ids: dict[str, int] = {}

    def run(sid: int, spec: str, name: str, wall: float, *, warmup: int = 0,
            status: str = "ok") -> None:
        ids[name] = db.add_run({
            "session_id": sid, "project_id": pid, "toolchain_id": f"tc-{spec}",
            "machine_id": "m1aaaaaaaaaaaaaa", "scenario": "clean", "profile": "debug",
            "iteration": 1, "warmup": warmup, "started": "2026-11-20T10:00:00",
            "status": status, "wall_s": wall, "user_s": wall, "sys_s": 0.1,
            "exit_code": 0 if status == "ok" else 1})

    s1 = db.start_session("m1aaaaaaaaaaaaaa", "buildprof run", "before")
    run(s1, "go@1.25.5", "warm", 1.5, warmup=1)
    run(s1, "go@1.25.5", "a1", 1.0)
    run(s1, "go@1.25.5", "a2", 1.1)
    run(s1, "go@1.25.5", "failed", 0.2, status="failed")
    db.finish_session(s1, "completed")
    s2 = db.start_session("m1aaaaaaaaaaaaaa", "buildprof run", "after")
    run(s2, "go@1.26.8", "b1", 2.0)
    run(s2, "go@1.26.8", "b2", 2.2)
    db.finish_session(s2, "completed")
    ids.update(s1=s1, s2=s2)
    return db, ids


def test_read_methods_answer_what_the_commands_ask(tmp_path: Path) -> None:
    from profiler.errors import UsageError
    from profiler.model.filters import Filters

    db, ids = _recorded(tmp_path / "r.db")
    db.close()
    with ResultsDB.open(tmp_path / "r.db", readonly=True) as store:
        assert store.counts() == (2, 6)
        cells = store.history_cells(Filters())
        assert [(c.session, c.label, c.n, c.failed) for c in cells] == [
            (ids["s2"], "after", 2, 0), (ids["s1"], "before", 2, 1)]
        assert [c.session for c in store.history_cells(Filters(), limit=1)] == [ids["s2"]]
        every = store.runs(Filters(), timed_only=False, newest_first=True)
        assert [r["id"] for r in every] == sorted(ids[k] for k in
                                                  ("warm", "a1", "a2", "failed", "b1", "b2"))[::-1]
        assert every[0]["label"] == "after" and every[0]["toolchain"] == "go@1.26.8"
        assert [r["id"] for r in store.runs(Filters(labels=("before",)))] == [
            ids["a1"], ids["a2"], ids["failed"]]
        assert [r["id"] for r in store.runs(Filters(), ok_only=True, session_ids=[ids["s1"]])
                ] == [ids["a1"], ids["a2"]]
        old = Filters(toolchains=("go@1.25.5",))
        assert [r["wall_s"] for r in store.compare_samples(old)] == [1.0, 1.1]
        assert [r["id"] for r in store.compare_samples(old)] == [ids["a1"], ids["a2"]]
        assert store.session_exists(ids["s2"]) and not store.session_exists(99)
        assert store.label_exists("after") and not store.label_exists("later")
        assert [store.toolchain_exists(v) for v in ("go", "go@1.26.8", "1.25.5", "rust")] == [
            True, True, True, False]
        assert store.known_sides() == (["go@1.25.5", "go@1.26.8"], ["after", "before"], 2)
        with pytest.raises(UsageError, match="no project named 'small' in the database; "
                                             "recorded: tiny"):
            store.check_filters(Filters(projects=("small",)))
        run = store.run(ids["b2"])
        assert run is not None
        assert (run["project"], run["lang"], run["toolchain"], run["wall_s"]) == (
            "tiny", "go", "go@1.26.8", 2.2)
        assert store.run(999) is None


def test_a_closed_store_is_closed_and_tidy(tmp_path: Path) -> None:
    """`with ResultsDB.open(...)` closes the connection, and a read-only open leaves no
    -wal/-shm side files behind."""
    db, _ = _recorded(tmp_path / "r.db")
    db.close()
    assert not (tmp_path / "r.db-wal").exists()
    with ResultsDB.open(tmp_path / "r.db", readonly=True) as store:
        store.counts()
    assert not (tmp_path / "r.db-wal").exists() and not (tmp_path / "r.db-shm").exists()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        store.db.execute("SELECT 1")


def test_counts_of_a_damaged_file_is_a_database_error(tmp_path: Path) -> None:
    from profiler.errors import DatabaseError

    db, _ = _recorded(tmp_path / "r.db")
    db.close()
    con = sqlite3.connect(tmp_path / "r.db")
    roots = [r[0] for r in con.execute("SELECT rootpage FROM sqlite_master WHERE rootpage > 1")]
    page = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    with (tmp_path / "r.db").open("r+b") as f:  # every table and index page overwritten
        for root in roots:
            f.seek((root - 1) * page)
            f.write(b"\xff" * page)
    with ResultsDB.open(tmp_path / "r.db", readonly=True) as store, \
            pytest.raises(DatabaseError, match=f"^cannot read {tmp_path / 'r.db'}: "):
        store.counts()


def _stored_units(db: ResultsDB, run_id: int, units: list, critical: set[str]) -> None:
    import json

    with db.conn:  # a fixture's units for an existing run (`run` writes them with add_run)
        db.db["units"].insert_all({
            "run_id": run_id, "name": u.name, "kind": u.kind, "start_s": u.start_s,
            "end_s": u.end_s, "wall_s": u.wall_s, "cpu_s": u.cpu_s,
            "peak_rss_bytes": u.peak_rss_bytes, "deps": json.dumps(list(u.deps)),
            "critical": int(u.name in critical)} for u in units)


def test_run_units_reads_the_stored_critical_path_in_order(tmp_path: Path) -> None:
    """The chain comes from the `critical` column, first to last along the dependencies
    (z depends on x directly as well as through y), not recomputed: here the column
    marks a chain the longest-path search would not choose."""
    from profiler.model.units import Unit, critical_path

    db, ids = _recorded(tmp_path / "r.db")
    units = [Unit("z", "bin", 3.0, 3.5, 0.5, 10, ("x", "y", "w")),
             Unit("y", "lib", 0.5, 3.0, 2.5, None, ("x",)),
             Unit("x", "lib", 0.0, 0.5, 0.5, 20),
             Unit("w", "lib", 0.0, 2.9, 2.9, 30)]
    assert critical_path(units).chain == ("x", "y", "z")
    _stored_units(db, ids["b2"], units, {"w", "z"})  # as if `run` had chosen w → z
    _stored_units(db, ids["b1"], units, {"x", "y", "z"})
    stored = db.run_units(ids["b1"])
    assert stored.chain == ("x", "y", "z")
    assert [u.name for u in stored.units] == ["x", "w", "y", "z"]  # by start time
    assert stored.units[-1] == units[0]
    assert db.run_units(ids["b2"]).chain == ("w", "z")
    assert db.run_units(ids["a1"]) == StoredUnits([], None)
    # Per cell of a session, the last timed run with units.
    assert db.breakdown_run_ids(ids["s2"]) == [ids["b2"]]
    assert db.breakdown_run_ids(ids["s1"]) == []


def test_where_is_the_sql_the_runs_index_serves() -> None:
    """The filters' SQL, to the letter: every condition is on `runs` alone, the small
    tables reached through IN (subquery) (see the module docstring of queries)."""
    from profiler.model.filters import Filters
    from profiler.storage.queries import where

    f = Filters(langs=("go", "rust"), projects=("tiny",), scenarios=("clean", "noop"),
                profiles=("debug",), toolchains=("go@1.26.8", "1.25.5"), labels=("a",),
                machines=("host", "m1"), sessions=(3, 4), since="2026-05-01T00:00:00")
    assert where(f) == (
        "r.project_id IN (SELECT id FROM projects WHERE lang IN (?, ?) AND name IN (?)) "
        "AND r.scenario IN (?, ?) AND r.profile IN (?) AND r.toolchain_id IN (SELECT id "
        "FROM toolchains WHERE (spec = ? OR (lang = ? AND version = ?)) OR (spec = ? OR "
        "version = ? OR lang = ?)) AND r.machine_id IN (SELECT id FROM machines WHERE "
        "(substr(id, 1, ?) = ? OR hostname = ?) OR (substr(id, 1, ?) = ? OR hostname = ?)) "
        "AND r.session_id IN (SELECT id FROM sessions WHERE label IN (?) AND started >= ?) "
        "AND r.session_id IN (?, ?)",
        ["go", "rust", "tiny", "clean", "noop", "debug", "go@1.26.8", "go", "1.26.8",
         "1.25.5", "1.25.5", "1.25.5", 4, "host", "host", 2, "m1", "m1", "a",
         "2026-05-01T00:00:00", 3, 4])
    assert where(Filters(projects=("tiny",), since="x"), alias="q") == (
        "q.project_id IN (SELECT id FROM projects WHERE name IN (?)) "
        "AND q.session_id IN (SELECT id FROM sessions WHERE started >= ?)", ["tiny", "x"])
    assert where(Filters()) == ("1", [])


def test_a_run_its_units_and_samples_are_one_transaction(tmp_path: Path) -> None:
    """Issue 26, item 11: a push or merge between a run and its units would copy the
    run without them for good. Written together, a failure keeps none of the three."""
    db, ids = _recorded(tmp_path / "r.db")
    row = {"session_id": 2, "project_id": 1, "toolchain_id": "tc-go@1.26.8",
           "machine_id": "m1aaaaaaaaaaaaaa", "scenario": "clean", "profile": "debug",
           "iteration": 3, "warmup": 0, "started": "2026-11-20T10:00:00", "status": "ok",
           "wall_s": 2.1, "exit_code": 0}
    unit = {"name": "app", "kind": "bin", "start_s": 0.0, "end_s": 1.0, "wall_s": 1.0,
            "cpu_s": 0.9, "peak_rss_bytes": 1 << 20, "deps": "[]", "critical": 1}
    counts = {t: db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("runs", "units", "tree_samples")}
    with pytest.raises(sqlite3.Error):  # the second unit names no column that exists
        db.add_run(row, units=[unit, {**unit, "no_such_column": 1}], samples=[(0.0, 1)])
    assert {t: db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in counts} == counts
    run_id = db.add_run(row, units=[unit], samples=[(0.0, 1 << 20), (0.5, 2 << 20)])
    assert [u.name for u in db.run_units(run_id).units] == ["app"]
    assert db.tree_samples(run_id) == [(0.0, 1 << 20), (0.5, 2 << 20)]


def test_a_transaction_a_ctrl_c_left_open_does_not_stop_the_session_being_marked(
        tmp_path: Path) -> None:
    """Ctrl-C raised right after BEGIN IMMEDIATE (between it and the `with` body) leaves
    the transaction open; marking the session interrupted must still work (it failed
    with "cannot start a transaction within a transaction": exit 3, not 130)."""
    db = ResultsDB.open(tmp_path / "r.db")
    db.ensure_machine({"id": "m1", "hostname": "h", "cpu_model": "cpu", "cores": 2,
                       "logical_cpus": 2})
    sid = db.start_session("m1", "buildprof run", None)
    db.conn.execute("BEGIN IMMEDIATE")  # what the interrupted __enter__ left
    db.finish_session(sid, "interrupted")
    db.close()
    con = sqlite3.connect(tmp_path / "r.db")
    assert con.execute("SELECT status FROM sessions").fetchone()[0] == "interrupted"
