"""Failing, hanging, interrupted, killed and concurrent sessions lose nothing."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from conftest import REPO, buildprof, copy_fixture, tree_hash


def _ours(cache: Path, grace_s: float = 3.0) -> list[psutil.Process]:
    """Live processes that run in or on buildprof's work directories, after giving
    ones already SIGKILLed up to `grace_s` to die (on a loaded machine a killed
    process can take a moment to be scheduled and exit). Zombies are dead."""
    needle = str(cache / "work")
    deadline = time.monotonic() + grace_s
    while True:
        found = []
        for p in psutil.process_iter(["cmdline", "cwd", "status"]):
            try:
                text = " ".join(p.info["cmdline"] or []) + " " + (p.info["cwd"] or "")
            except (psutil.Error, TypeError):
                continue
            if needle in text and p.pid != os.getpid() and p.info["status"] != "zombie":
                found.append(p)
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "profiler.cli.main", *args], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_runs(db: Path, n: int, proc: subprocess.Popen[str], limit: float = 300) -> int:
    deadline = time.time() + limit
    while time.time() < deadline:
        assert proc.poll() is None, proc.communicate()
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=5) as con:
                    count = con.execute("SELECT count(*) FROM runs").fetchone()[0]
            except sqlite3.OperationalError:
                count = 0  # the schema is being created
            if count >= n:
                return count
        time.sleep(0.05)
    raise AssertionError(f"fewer than {n} runs after {limit} s")


def test_timeout_kills_the_build_tree_and_is_recorded(tmp_path: Path,
                                                      buildprof_cache: Path) -> None:
    project = copy_fixture("hang", tmp_path)
    db = tmp_path / "r.db"
    # A duration no other process uses, so only this build's sleeps match below.
    secs = str(300 + os.getpid() % 97)
    res = buildprof("run", str(project), "--timeout", "8", "--runs", "2", "--warmup", "0",
                    "--db", str(db), "--format", "json", env={**os.environ, "HANG_SECS": secs})
    assert res.returncode == 1, res.stderr
    runs = json.loads(res.stdout)["runs"]
    assert [r["status"] for r in runs] == ["timeout"]  # the cell stops after it
    assert 8 <= runs[0]["wall_s"] < 20

    def left() -> list[psutil.Process]:
        return [p for p in psutil.process_iter(["cmdline"])
                if p.info["cmdline"] == ["sleep", secs]]

    # SIGKILLed processes take a moment to exit and be reaped on a loaded machine.
    deadline = time.monotonic() + 3
    while left() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _ours(buildprof_cache) == []
    assert not left()


def test_sigint_keeps_completed_runs_and_user_files(tmp_path: Path, buildprof_cache: Path) -> None:
    project = copy_fixture("crate", tmp_path / "user project")
    before = tree_hash(project)
    db = tmp_path / "r.db"
    proc = _spawn("run", str(project), "--scenario", "clean,incremental", "--edit", "src/lib.rs",
                  "--runs", "100", "--warmup", "0", "--db", str(db))
    _wait_for_runs(db, 3, proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Interrupted." in err and "Traceback" not in err
    con = sqlite3.connect(db)
    status = con.execute("SELECT status FROM sessions").fetchone()[0]
    assert status == "interrupted"
    ok = con.execute("SELECT count(*) FROM runs WHERE status='ok'").fetchone()[0]
    assert ok >= 3
    time.sleep(0.3)
    assert _ours(buildprof_cache) == []
    assert not list((buildprof_cache / "work").glob(f"session-*-{proc.pid}-*"))
    assert tree_hash(project) == before


def test_sigterm_acts_like_ctrl_c(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    proc = _spawn("run", str(copy_fixture("gomod", tmp_path)), "--runs", "200", "--warmup", "0",
                  "--db", str(db))
    _wait_for_runs(db, 2, proc)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 130
    con = sqlite3.connect(db)
    assert con.execute("SELECT status FROM sessions").fetchone()[0] == "interrupted"


def test_second_ctrl_c_exits_at_once(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    proc = _spawn("run", str(copy_fixture("gomod", tmp_path)), "--runs", "200", "--warmup", "0",
                  "--db", str(db))
    _wait_for_runs(db, 1, proc)
    proc.send_signal(signal.SIGINT)
    proc.send_signal(signal.SIGINT)
    t0 = time.time()
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err[-3000:]  # once exit 3, not reproduced: keep its line
    assert time.time() - t0 < 5


def test_sigkill_leaves_an_intact_database_and_the_next_run_cleans_up(
        tmp_path: Path, buildprof_cache: Path) -> None:
    db = tmp_path / "r.db"
    project = copy_fixture("crate", tmp_path)
    proc = _spawn("run", str(project), "--runs", "200", "--warmup", "0", "--db", str(db))
    done = _wait_for_runs(db, 2, proc)
    proc.kill()
    proc.communicate()
    time.sleep(0.5)
    # The launcher noticed its parent die and killed the build's whole tree.
    assert _ours(buildprof_cache) == []
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT count(*) FROM runs").fetchone()[0] >= done
    assert con.execute("SELECT status FROM sessions").fetchone()[0] == "running"
    con.close()
    assert list((buildprof_cache / "work").glob(f"session-*-{proc.pid}-*"))
    res = buildprof("run", str(project), "--runs", "1", "--warmup", "0", "--db", str(db))
    assert res.returncode == 0, res.stderr
    con = sqlite3.connect(db)
    assert [r[0] for r in con.execute("SELECT status FROM sessions ORDER BY id")] == \
        ["aborted", "completed"]
    assert not list((buildprof_cache / "work").glob(f"session-*-{proc.pid}-*"))


def test_two_concurrent_sessions_on_one_database(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    a = copy_fixture("gomod", tmp_path / "a")
    b = copy_fixture("crate", tmp_path / "b")
    procs = [_spawn("run", str(p), "--runs", "4", "--warmup", "0", "--db", str(db))
             for p in (a, b)]
    results = [p.communicate(timeout=300) for p in procs]
    for p, (_out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
        assert "locked" not in err
    con = sqlite3.connect(db)
    assert [r[0] for r in con.execute("SELECT status FROM sessions")] == ["completed"] * 2
    per_session = con.execute("SELECT session_id, count(*) FROM runs GROUP BY session_id")
    assert sorted(n for _s, n in per_session) == [4, 4]


def test_cache_info_and_clean(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = {**os.environ, "BUILDPROF_CACHE": str(cache)}
    res = buildprof("run", str(copy_fixture("gomod", tmp_path)), "--runs", "1", "--warmup", "0",
                    "--db", str(tmp_path / "r.db"), env=env)
    assert res.returncode == 0, res.stderr
    # Per-session work directories are removed when the session ends (the part's
    # marker stays: it says the directory is buildprof's).
    from profiler.paths import PART_MARKER

    assert [p.name for p in (cache / "work").iterdir()] == [PART_MARKER]
    res = buildprof("cache", "info", env={**env, "COLUMNS": "200"})
    assert res.returncode == 0
    assert f"Cache: {cache}" in res.stdout
    assert "gostd" in res.stdout and "deps" in res.stdout and "total" in res.stdout
    res = buildprof("cache", "clean", env=env)
    assert res.returncode == 0
    assert res.stdout.startswith("freed ") and "MiB" in res.stdout
    assert list(cache.iterdir()) == []


@pytest.mark.parametrize("db_kind", ["missing", "good", "bad"])
def test_doctor(tmp_path: Path, db_kind: str) -> None:
    db = tmp_path / "r.db"
    if db_kind == "good":
        from profiler.storage.db import ResultsDB

        ResultsDB.open(db).close()
    elif db_kind == "bad":
        db.write_text("not a database at all, really not" * 10)
    res = buildprof("doctor", "--db", str(db), env={**os.environ, "COLUMNS": "200"})
    lines = res.stdout.splitlines()
    assert any(ln.startswith(("ok   toolchain  go@", "fix  toolchain  go")) for ln in lines)
    assert any("load average (1 min)" in ln for ln in lines)
    assert any("cores now" in ln for ln in lines)
    assert lines[-1] in ("ready to measure",) or lines[-1].endswith("thing(s) to fix")
    if db_kind == "bad":
        assert res.returncode == 1
        assert any(ln.startswith("fix  database") and "is not a SQLite database" in ln
                   for ln in lines)
    else:
        assert any(ln.startswith("ok   database") for ln in lines)
