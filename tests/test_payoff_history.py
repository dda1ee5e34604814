"""The load runs of `buildprof payoff` in the rest of the tool: `history` shows them,
`compare --metric rps|p99|server-rss` compares them, `merge`, `push` and `pull` carry
them. Real SQLite files written through ResultsDB (as payoff writes them), the real
CLI, and for push/pull a throw-away PostgreSQL (tests/pgserver.py)."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import sqlite3
import statistics
import subprocess
from pathlib import Path

import pgserver
import psycopg
import pytest

from profiler.report.history import HISTORY_FIELDS
from profiler.storage.db import ResultsDB
from profiler.storage.migrations import SCHEMA_VERSION

from conftest import buildprof

MACHINE = "m1aaaaaaaaaaaaaa"
GO_HASH, RUST_HASH = "a" * 64, "b" * 64
TC = {"go": "tc-go@1.26.8", "rust": "tc-rust@1.90.0"}

# Requests per second of five rounds a side: Go drops about 10% from `before` to
# `after`; Rust does not change (the same values, reordered).
RPS = {("before", "go"): [100_000, 101_000, 99_000, 100_500, 100_200],
       ("before", "rust"): [110_000, 111_000, 109_500, 110_400, 110_800],
       ("after", "go"): [90_000, 90_500, 89_000, 91_000, 90_200],
       ("after", "rust"): [110_800, 110_000, 111_000, 110_400, 109_500]}
# p99 in ms: Go's rises from `before` to `after` (worse), Rust's stays.
P99 = {("before", "go"): [2.0, 2.1, 1.9, 2.05, 2.0], ("before", "rust"): [1.5] * 5,
       ("after", "go"): [3.0, 3.1, 2.9, 3.05, 3.2], ("after", "rust"): [1.5] * 5}
RSS = {"go": 20 << 20, "rust": 8 << 20}


class LoadFill:
    """Writes sessions of payoff rounds (and of builds) through ResultsDB."""

    def __init__(self, path: Path) -> None:
        self.db = ResultsDB.open(path)
        self.db.ensure_machine({"id": MACHINE, "hostname": "host-a", "cpu_model": "cpu",
                                "cores": 2, "logical_cpus": 2})
        for lang, tc in TC.items():
            version = tc.split("@")[1]
            self.db.ensure_toolchain({"id": tc, "lang": lang, "spec": tc.removeprefix("tc-"),
                                      "version": version, "version_full": version,
                                      "path": f"/opt/{lang}"})
        self.pid = {lang: self.db.ensure_project("http-service", lang, "sample:http-service",
                                                 f"http-service/{lang}", h, 500, 10)
                    for lang, h in (("go", GO_HASH), ("rust", RUST_HASH))}

    def session(self, label: str | None) -> int:
        sid = self.db.start_session(MACHINE, "buildprof payoff", label)
        self.db.finish_session(sid, "completed")
        return sid

    def rounds(self, sid: int, lang: str, rps: list[float], p99: list[float],
               connections: int = 256, failed: int = 0, errors: int = 0) -> None:
        for i, (r, p) in enumerate(zip(rps, p99, strict=True), 1):
            self.db.add_load_run({
                "session_id": sid, "project_id": self.pid[lang], "toolchain_id": TC[lang],
                "machine_id": MACHINE, "profile": "release", "connections": connections,
                "round": i, "started": f"2026-11-20T10:00:{i:02d}", "status": "ok",
                "duration_s": 10.0, "warmup_s": 2.0, "requests": int(r * 10),
                "requests_per_s": float(r), "p50_ms": p / 4, "p90_ms": p / 2, "p99_ms": p,
                "max_ms": p * 2, "errors": errors, "non_2xx": 0,
                "socket_errors": "connect 0, read 0, write 0, timeout 0",
                "server_peak_rss_bytes": RSS[lang] + i, "server_cpu_s": 9.0,
                "loadgen_cpu_s": 5.0, "binary_bytes": 5 << 20, "loadgen": "wrk 4.2.0",
                "cores": "server 0, wrk 1", "mix": "GET / 100%"})
        for j in range(failed):
            self.db.add_load_run({
                "session_id": sid, "project_id": self.pid[lang], "toolchain_id": TC[lang],
                "machine_id": MACHINE, "profile": "release", "connections": connections,
                "round": len(rps) + j + 1, "started": "2026-11-20T10:01:00",
                "status": "failed", "requests": 0, "requests_per_s": 0.0, "p50_ms": 0.0,
                "p99_ms": 0.0, "errors": 7, "server_peak_rss_bytes": 1,
                "error": "the server died"})

    def build(self, sid: int, lang: str, walls: list[float]) -> None:
        for i, wall in enumerate(walls, 1):
            self.db.add_run({"session_id": sid, "project_id": self.pid[lang],
                             "toolchain_id": TC[lang], "machine_id": MACHINE,
                             "scenario": "clean", "profile": "release", "iteration": i,
                             "warmup": 0, "started": "2026-11-20T09:00:00", "status": "ok",
                             "wall_s": wall, "user_s": wall, "sys_s": 0.1,
                             "peak_rss_bytes": 100 << 20, "exit_code": 0})


def make_db(path: Path) -> Path:
    """Session 1: a build session (labelled `builds`) of both servers; sessions 2
    (`before`) and 3 (`after`): payoff rounds at 256 connections, session 3 also at 16
    with a failed Rust round."""
    f = LoadFill(path)
    s = f.session("builds")
    f.build(s, "go", [1.0, 1.1, 1.2])
    f.build(s, "rust", [5.0, 5.5, 6.0])
    for label in ("before", "after"):
        s = f.session(label)
        for lang in ("go", "rust"):
            f.rounds(s, lang, RPS[(label, lang)], P99[(label, lang)])
    f.rounds(s, "go", [5000.0, 5100.0, 4900.0], [0.5, 0.6, 0.4], connections=16, errors=2)
    f.rounds(s, "rust", [6000.0, 6100.0], [0.3, 0.3], connections=16, failed=1)
    f.db.close()
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_db(tmp_path / "results.db")


def history_json(path: Path, *args: str) -> dict:
    res = buildprof("history", "--db", str(path), "--format", "json", *args)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def load_cells(path: Path, *args: str) -> list[tuple]:
    return [(c["session"], c["label"], c["lang"], c["connections"], c["n"], c["failed"])
            for c in history_json(path, *args)["load_cells"]]


# -- history --------------------------------------------------------------------------


def test_history_shows_a_load_table_with_the_medians(db: Path) -> None:
    data = history_json(db)
    assert [(c["project"], c["lang"]) for c in data["cells"]] == [
        ("http-service", "go"), ("http-service", "rust")]  # the build cells, as before
    cells = {(c["label"], c["lang"], c["connections"]): c for c in data["load_cells"]}
    # Newest session first; within it project, language, toolchain, connections.
    assert [(c["session"], c["lang"], c["connections"]) for c in data["load_cells"]] == [
        (3, "go", 16), (3, "go", 256), (3, "rust", 16), (3, "rust", 256),
        (2, "go", 256), (2, "rust", 256)]
    go = cells[("before", "go", 256)]
    assert go["requests_per_s_median"] == statistics.median(RPS[("before", "go")]) == 100_200
    assert go["p99_ms_median"] == 2.0 and go["p50_ms_median"] == 0.5
    assert go["server_peak_rss_median"] == RSS["go"] + 3
    assert (go["n"], go["failed"], go["errors"], go["toolchain"]) == (5, 0, 0, "go@1.26.8")
    assert go["requests_per_s"] == RPS[("before", "go")]
    # A failed round is counted, not in a median; errors add up over every round.
    rust16 = cells[("after", "rust", 16)]
    assert (rust16["n"], rust16["failed"], rust16["errors"]) == (2, 1, 7)
    assert rust16["requests_per_s_median"] == 6050.0
    assert cells[("after", "go", 16)]["errors"] == 6

    res = buildprof("history", "--db", str(db))
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "History: 2 cell(s)" in out
    assert out.index("History: 2 cell(s)") < out.index("Load runs (buildprof payoff)")
    load = out[out.index("Load runs (buildprof payoff)"):]
    assert "100,200" in load and "110,400" in load and "90,200" in load  # medians
    assert "2.000 ms" in load and "20.0 MiB" in load and "2 (1 failed)" in load


def test_history_filters_and_limit_apply_to_the_load_cells(db: Path) -> None:
    assert load_cells(db, "--lang", "rust") == [(3, "after", "rust", 16, 2, 1),
                                               (3, "after", "rust", 256, 5, 0),
                                               (2, "before", "rust", 256, 5, 0)]
    assert load_cells(db, "--label", "before") == [(2, "before", "go", 256, 5, 0),
                                                  (2, "before", "rust", 256, 5, 0)]
    assert history_json(db, "--label", "before")["cells"] == []
    assert load_cells(db, "--label", "before", "--toolchain", "go@1.26.8") == [
        (2, "before", "go", 256, 5, 0)]
    assert load_cells(db, "--label", "builds") == []
    assert load_cells(db, "--scenario", "clean") == []  # a build scenario: no load rounds
    # --limit counts each table: the newest cell of each.
    data = history_json(db, "--limit", "1")
    assert len(data["cells"]) == 1
    assert [(c["session"], c["lang"], c["connections"]) for c in data["load_cells"]] == [
        (3, "go", 16)]
    assert len(history_json(db, "--limit", "5")["load_cells"]) == 5
    # Only load cells selected: the table says so, without an empty build table.
    res = buildprof("history", "--db", str(db), "--label", "before")
    assert res.returncode == 0, res.stderr
    assert "Load runs (buildprof payoff)" in res.stdout and "History:" not in res.stdout
    assert "No runs match" not in res.stdout


def test_history_csv_and_markdown_hold_the_load_cells(db: Path, tmp_path: Path) -> None:
    res = buildprof("history", "--db", str(db), "--format", "csv")
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    header = res.stdout.splitlines()[0].split(",")
    assert header[:len(HISTORY_FIELDS)] == list(HISTORY_FIELDS)
    assert "connections" in header and "requests_per_s_median" in header
    build = [r for r in rows if r["scenario"] != "load"]
    load = [r for r in rows if r["scenario"] == "load"]
    assert len(build) == 2 and len(load) == 6
    go = next(r for r in load if r["label"] == "after" and r["lang"] == "go"
              and r["connections"] == "256")
    assert float(go["requests_per_s_median"]) == 90_200
    assert float(go["p99_ms_median"]) == 3.05 and go["n"] == "5" and go["wall_median"] == ""
    res = buildprof("history", "--db", str(db), "--format", "markdown")
    assert res.returncode == 0, res.stderr
    assert "### Load runs (buildprof payoff)" in res.stdout and "| 90,200 |" in res.stdout
    # A file without load runs: the CSV is exactly as before, the JSON's list empty.
    plain = tmp_path / "plain.db"
    f = LoadFill(plain)
    f.build(f.session("x"), "go", [1.0, 1.2])
    f.db.close()
    res = buildprof("history", "--db", str(plain), "--format", "csv")
    assert res.stdout.splitlines()[0].split(",") == list(HISTORY_FIELDS)
    data = history_json(plain)
    assert len(data["cells"]) == 1 and data["load_cells"] == []


# -- compare --------------------------------------------------------------------------


def compare(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return buildprof("compare", *args, "--db", str(db))


def test_compare_rps_a_drop_is_the_regression(db: Path) -> None:
    res = compare(db, "before", "after", "--metric", "rps", "--format", "json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["higher_is_better"] is True and data["unit"] == "req/s"
    # 16 connections were loaded in `after` only: not compared.
    cells = {c["lang"]: c for c in data["cells"]}
    assert set(cells) == {"go", "rust"} and cells["go"]["connections"] == 256
    go, rust = cells["go"], cells["rust"]
    assert (go["a"]["median"], go["b"]["median"]) == (100_200, 90_200)
    assert go["change_pct"] == pytest.approx((90_200 / 100_200 - 1) * 100)  # -9.98%
    assert go["significant"] and go["p"] < 0.05 and go["verdict"] == "-10.0%"
    assert rust["change_pct"] == 0 and not rust["significant"]
    assert any("16 connections" in s for s in data["only_b"])

    # --fail-above: fewer requests per second by more than 5% fails...
    res = compare(db, "before", "after", "--metric", "rps", "--fail-above", "5")
    assert res.returncode == 1, res.stdout + res.stderr
    assert "regression: http-service (go) load (256 connections) release: -10.0%" in res.stderr
    assert "is a drop of more than --fail-above 5%" in res.stderr
    assert "rust" not in res.stderr
    assert "fewer" in res.stdout and "requests per second under load" in res.stdout
    # ...by less than the threshold does not, and a rise (after → before) never does.
    assert compare(db, "before", "after", "--metric", "rps", "--fail-above", "15"
                   ).returncode == 0
    res = compare(db, "after", "before", "--metric", "rps", "--fail-above", "5")
    assert res.returncode == 0, res.stderr
    assert "more" in res.stdout and "+11.1%" in res.stdout


def test_compare_p99_and_server_rss_and_builds_ignore_load(db: Path) -> None:
    # p99: lower is better, so the rise is the regression.
    res = compare(db, "before", "after", "--metric", "p99", "--fail-above", "20")
    assert res.returncode == 1, res.stdout + res.stderr
    assert "http-service (go) load (256 connections) release: +52.5%" in res.stderr
    assert "is above --fail-above 20%" in res.stderr
    res = compare(db, "before", "after", "--metric", "server-rss", "--format", "json")
    assert res.returncode == 0, res.stderr
    cells = {c["lang"]: c for c in json.loads(res.stdout)["cells"]}
    assert cells["go"]["a"]["median"] == RSS["go"] + 3 and cells["go"]["change_pct"] == 0
    # A side without load rounds (a session of builds) is named.
    res = compare(db, "before", "builds", "--metric", "rps")
    assert res.returncode == 2
    assert "no successful load rounds for builds" in res.stderr
    # A build metric reads builds only: the load sessions have none.
    res = compare(db, "before", "after", "--metric", "wall")
    assert res.returncode == 2
    assert "no successful timed runs for before" in res.stderr
    res = compare(db, "before", "after", "--metric", "rps", "--units")
    assert res.returncode == 2 and "--units compares the units of builds" in res.stderr
    # The same rounds on both sides are refused, as the same runs are.
    res = compare(db, "before", "2", "--metric", "rps")
    assert res.returncode == 2 and "A and B select the same runs" in res.stderr


# -- merge ----------------------------------------------------------------------------


def _refs(path: Path) -> list[tuple]:
    """Every load run with what it refers to, by natural keys, not ids."""
    con = sqlite3.connect(path)
    try:
        return sorted(con.execute(
            "SELECT l.uuid, p.name, p.lang, p.content_hash, t.spec, s.uuid, s.label, "
            "l.machine_id, l.connections, l.round, l.requests_per_s FROM load_runs l "
            "JOIN projects p ON p.id = l.project_id JOIN toolchains t ON t.id = l.toolchain_id "
            "JOIN sessions s ON s.id = l.session_id").fetchall())
    finally:
        con.close()


def test_merge_carries_load_runs_once_with_their_references(db: Path, tmp_path: Path) -> None:
    # The destination already holds other projects and sessions: ids differ from db's.
    dest = tmp_path / "dest.db"
    f = LoadFill(dest)
    other = f.db.ensure_project("other", "go", "path", "/src/other", "c" * 64, 5, 1)
    s = f.session("mine")
    f.db.add_run({"session_id": s, "project_id": other, "toolchain_id": TC["go"],
                  "machine_id": MACHINE, "scenario": "clean", "profile": "debug",
                  "iteration": 1, "warmup": 0, "status": "ok", "wall_s": 1.0})
    f.db.close()
    con = sqlite3.connect(dest)
    con.execute("DELETE FROM projects WHERE name = 'http-service'")  # ids 1-2 left unused
    con.commit()
    con.close()
    res = buildprof("merge", str(db), "--into", str(dest))
    assert res.returncode == 0, res.stderr
    assert "added 3 sessions, 6 runs, 26 load runs, 2 projects" in res.stdout
    assert _refs(dest) == _refs(db) and len(_refs(db)) == 26
    assert [c[1:] for c in load_cells(dest)] == [c[1:] for c in load_cells(db)]
    res = buildprof("merge", str(db), "--into", str(dest))
    assert res.returncode == 0, res.stderr
    assert "added nothing; 3 sessions, 6 runs and 26 load runs already there" in res.stdout
    assert len(_refs(dest)) == 26


def test_a_source_from_before_load_runs_still_merges(db: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    f = LoadFill(old)
    f.build(f.session("old"), "go", [2.0, 2.1])
    f.db.close()
    con = sqlite3.connect(old)  # as schema 6 wrote it: no load_runs table
    con.execute("DROP TABLE load_runs")
    con.execute("PRAGMA user_version = 6")
    con.commit()
    con.close()
    res = buildprof("merge", str(old), "--into", str(db))
    assert res.returncode == 0, res.stderr
    assert "added 1 sessions, 2 runs;" in res.stdout
    assert len(_refs(db)) == 26


# -- push and pull ----------------------------------------------------------------------


_numbers = itertools.count(1)


@pytest.fixture
def url(pg_server: pgserver.Server, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new database; the password in PGPASSWORD, as the docs recommend (a password in
    --to gets a warning)."""
    name = f"loads{next(_numbers)}"
    pg_server.psql(f"CREATE DATABASE {name} OWNER {pgserver.USER}")
    monkeypatch.setenv("PGPASSWORD", pgserver.PASSWORD)
    return pg_server.url_for(database=name, password=None)


def test_push_and_pull_carry_load_runs(db: Path, url: str, tmp_path: Path) -> None:
    res = buildprof("push", "--to", url, "--db", str(db),
                    env={**os.environ, "BUILDPROF_PG_BATCH": "4"})
    assert res.returncode == 0, res.stderr
    assert "added 3 sessions, 6 runs, 26 load runs, 2 projects" in res.stdout
    again = buildprof("push", "--to", url, "--db", str(db))
    assert again.returncode == 0, again.stderr
    assert "added nothing; 3 sessions, 6 runs and 26 load runs already there" in again.stdout
    with psycopg.connect(url, options="-c search_path=buildprof") as conn:
        assert conn.execute("SELECT count(*) FROM load_runs").fetchone() == (26,)
    pulled = tmp_path / "pulled.db"
    res = buildprof("pull", "--from", url, "--db", str(pulled))
    assert res.returncode == 0, res.stderr
    assert _refs(pulled) == _refs(db)
    assert history_json(pulled) == history_json(db)
    # A filtered pull takes the matching load runs only.
    part = tmp_path / "part.db"
    res = buildprof("pull", "--from", url, "--db", str(part), "--lang", "rust")
    assert res.returncode == 0, res.stderr
    assert {c[2] for c in load_cells(part)} == {"rust"} and len(_refs(part)) == 13
    # A filtered push sends the matching load runs only.
    with psycopg.connect(url, autocommit=True, options="-c search_path=buildprof") as conn:
        conn.execute("DELETE FROM load_runs WHERE session_id IN "
                     "(SELECT id FROM sessions WHERE label = 'after')")
    res = buildprof("push", "--to", url, "--db", str(db), "--lang", "go")
    assert res.returncode == 0, res.stderr
    assert "added 8 load runs" in res.stdout


def test_a_store_from_before_load_runs_is_pulled_and_upgraded(db: Path, url: str,
                                                              tmp_path: Path) -> None:
    assert buildprof("push", "--to", url, "--db", str(db)).returncode == 0
    # As a schema-6 buildprof made it:
    with psycopg.connect(url, autocommit=True, options="-c search_path=buildprof") as conn:
        conn.execute("DROP TABLE load_runs")
        conn.execute("UPDATE buildprof_meta SET value = '6' WHERE key = 'schema_version'")
    pulled = tmp_path / "pulled.db"
    res = buildprof("pull", "--from", url, "--db", str(pulled))
    assert res.returncode == 0, res.stderr
    assert len(history_json(pulled)["cells"]) == 2 and _refs(pulled) == []
    res = buildprof("push", "--to", url, "--db", str(db))  # makes the table, adds them
    assert res.returncode == 0, res.stderr
    assert "added 26 load runs;" in res.stdout
    with psycopg.connect(url, options="-c search_path=buildprof") as conn:
        assert conn.execute("SELECT value FROM buildprof_meta").fetchone() == (
            str(SCHEMA_VERSION),)
