"""`buildprof history` and `buildprof export` on a database filled by real runs of
the gomod fixture: every filter, every output format, hyperfine-compatible JSON."""

from __future__ import annotations

import csv
import io
import json
import socket
import sqlite3
import statistics
from pathlib import Path

import pytest

from profiler.report.history import HISTORY_FIELDS
from profiler.storage import queries

from conftest import buildprof, copy_fixture

HYPERFINE_FIELDS = {"command", "mean", "stddev", "median", "user", "system", "min", "max",
                    "times", "memory_usage_byte", "exit_codes"}


@pytest.fixture(scope="module")
def history_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three real sessions: 1 'alpha' clean debug, 2 'beta' clean release, 3 unlabelled
    noop release; two timed runs each."""
    tmp = tmp_path_factory.mktemp("history")
    project = copy_fixture("gomod", tmp)
    db = tmp / "results.db"
    for args in (["--label", "alpha", "--profile", "debug"],
                 ["--label", "beta", "--profile", "release"],
                 ["--scenario", "noop", "--profile", "release"]):
        res = buildprof("run", str(project), "--runs", "2", "--warmup", "0", "--db", str(db),
                        *args)
        assert res.returncode == 0, res.stderr
    return db


def history(db: Path, *args: str) -> list[dict]:
    res = buildprof("history", "--db", str(db), "--format", "json", *args)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)["cells"]


def sessions(db: Path, *args: str) -> list[int]:
    return [c["session"] for c in history(db, *args)]


def _error(res) -> str:  # type: ignore[no-untyped-def]
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    return lines[0]


def db_walls(db: Path, session: int) -> list[float]:
    con = sqlite3.connect(db)
    return [r[0] for r in con.execute(
        "SELECT wall_s FROM runs WHERE session_id = ? AND NOT warmup AND status = 'ok' "
        "ORDER BY id", [session])]


def go_spec(db: Path) -> tuple[str, str]:
    con = sqlite3.connect(db)
    return con.execute("SELECT spec, version FROM toolchains").fetchone()


def test_one_row_per_session_and_cell_newest_first(history_db: Path) -> None:
    cells = history(history_db)
    assert [(c["session"], c["label"], c["scenario"], c["profile"]) for c in cells] == [
        (3, None, "noop", "release"), (2, "beta", "clean", "release"),
        (1, "alpha", "clean", "debug")]
    for c in cells:
        walls = db_walls(history_db, c["session"])
        assert (c["n"], c["failed"], c["project"], c["lang"]) == (2, 0, "gomod", "go")
        assert c["wall_median"] == pytest.approx(statistics.median(walls))
        assert c["wall_mad"] == pytest.approx(abs(walls[0] - walls[1]) / 2)
        assert c["times"] == walls
        assert c["wall_ci_pct"] is None  # 2 runs: no 95% CI (JSON null for ∞)
        assert c["toolchain"] == go_spec(history_db)[0]
        assert c["machine"] == socket.gethostname()
        assert len(c["content_hash"]) == 64 and c["date"].startswith("20")


@pytest.mark.parametrize("args,expected", [
    (["--label", "alpha"], [1]),
    (["--label", "alpha,beta"], [2, 1]),
    (["--label", "alpha", "--label", "beta"], [2, 1]),
    (["--profile", "release"], [3, 2]),
    (["--scenario", "noop"], [3]),
    (["--scenario", "clean", "--profile", "release"], [2]),
    (["--project", "gomod"], [3, 2, 1]),
    (["--size", "gomod"], [3, 2, 1]),
    (["--lang", "go"], [3, 2, 1]),
    (["--lang", "rust"], []),
    (["--since", "2000-01-01"], [3, 2, 1]),
    (["--since", "2999-01-01"], []),
    (["--limit", "1"], [3]),
    (["--limit", "0"], [3, 2, 1]),
])
def test_filters(history_db: Path, args: list[str], expected: list[int]) -> None:
    assert sessions(history_db, *args) == expected


def test_toolchain_and_machine_filters(history_db: Path) -> None:
    spec, version = go_spec(history_db)
    assert sessions(history_db, "--toolchain", spec) == [3, 2, 1]
    assert sessions(history_db, "--toolchain", version) == [3, 2, 1]
    machine_id = sqlite3.connect(history_db).execute("SELECT id FROM machines").fetchone()[0]
    assert sessions(history_db, "--machine", socket.gethostname()) == [3, 2, 1]
    assert sessions(history_db, "--machine", machine_id[:6]) == [3, 2, 1]
    assert sessions(history_db, "--machine", machine_id[:6], "--label", "beta") == [2]


def test_filter_errors_name_what_is_recorded(history_db: Path) -> None:
    db = ("--db", str(history_db))
    spec, _ = go_spec(history_db)
    assert _error(buildprof("history", "--toolchain", "go@1.0.0", *db)) == \
        f"Error: no recorded run used toolchain 'go@1.0.0'; recorded: {spec}"
    assert _error(buildprof("history", "--label", "gamma", *db)) == \
        ("Error: no session is labelled 'gamma'; labels: alpha, beta (set one with "
         "`buildprof run --label`)")
    assert _error(buildprof("history", "--project", "nope", *db)) == \
        "Error: no project named 'nope' in the database; recorded: gomod"
    assert _error(buildprof("history", "--machine", "zz-nohost", *db)).startswith(
        "Error: no machine matches 'zz-nohost' (give a hostname or an id prefix); recorded: "
        f"{socket.gethostname()} (")
    assert _error(buildprof("history", "--since", "last week", *db)) == \
        ("Error: --since takes an ISO date such as 2026-05-01 or 2026-05-01T14:00 "
         "(got 'last week')")
    assert _error(buildprof("history", "--scenario", "warm", *db)) == \
        "Error: unknown scenario 'warm'; use one of: clean, cold, incremental, noop, check, test"
    assert _error(buildprof("history", "--format", "xml", *db)) == \
        "Error: unknown format 'xml'; use one of: table, json, csv, markdown"
    assert _error(buildprof("history", "--limit", "-1", *db)) == \
        "Error: --limit must be 0 (all) or more (got -1)"


def test_missing_database(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    assert _error(buildprof("history", "--db", str(missing))) == \
        (f"Error: {missing} does not exist; run `buildprof run` first or give the results "
         f"file with --db")
    assert not missing.exists()


def test_table(history_db: Path) -> None:
    res = buildprof("history", "--db", str(history_db))
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].strip() == "History: 3 cell(s), newest first"
    rows = [ln for ln in lines if ln.startswith("│")]
    assert [r.split("│")[1].strip() for r in rows] == ["3", "2", "1"]
    assert "alpha" in rows[2] and "debug" in rows[2] and "(50%)" in rows[2]  # 2 runs: a range
    assert lines[-1] == ("± x% (y%): below 6 runs, the range of the runs, which holds the "
                         "median y% of the time (50% at 2 runs); a 95% CI needs ≥6 runs")
    res = buildprof("history", "--db", str(history_db), "--lang", "rust")
    assert res.stdout.strip() == "No runs match these filters."


def test_csv(history_db: Path) -> None:
    res = buildprof("history", "--db", str(history_db), "--format", "csv")
    assert res.returncode == 0, res.stderr
    reader = csv.DictReader(io.StringIO(res.stdout))
    assert tuple(reader.fieldnames or ()) == HISTORY_FIELDS
    rows = list(reader)
    assert [int(r["session"]) for r in rows] == [3, 2, 1]
    assert float(rows[1]["wall_median"]) == pytest.approx(
        statistics.median(db_walls(history_db, 2)))
    assert rows[2]["label"] == "alpha" and rows[0]["label"] == ""
    assert rows[0]["wall_ci_pct"] == ""  # no CI from 2 runs


def test_markdown(history_db: Path) -> None:
    res = buildprof("history", "--db", str(history_db), "--format", "markdown")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0] == ("| session | date (UTC) | label | project | toolchain | scenario | "
                        "profile | machine | n | wall median ± MAD | 95% CI | peak RSS |")
    assert lines[1] == "|---:|---|---|---|---|---|---|---|---:|---:|---:|---:|"
    assert len(lines) == 7
    assert lines[4].startswith("| 1 | 20") and "| alpha | gomod |" in lines[4]
    assert "| clean | debug |" in lines[4] and "| 2 |" in lines[4] and "% (50%) |" in lines[4]
    assert lines[6].startswith("± x% (y%): below 6 runs, the range of the runs")


def test_runs_listing(history_db: Path) -> None:
    res = buildprof("history", "--db", str(history_db), "--runs", "--format", "json")
    assert res.returncode == 0, res.stderr
    runs = json.loads(res.stdout)["runs"]
    assert [r["id"] for r in runs] == [6, 5, 4, 3, 2, 1]
    assert [r["session_id"] for r in runs] == [3, 3, 2, 2, 1, 1]
    assert runs[-1]["wall_s"] == db_walls(history_db, 1)[0]
    assert all(r["status"] == "ok" and r["warmup"] == 0 for r in runs)
    res = buildprof("history", "--db", str(history_db), "--runs", "--limit", "2",
                    "--label", "alpha", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["id"] for r in rows] == ["2", "1"]
    res = buildprof("history", "--db", str(history_db), "--runs", "--limit", "3")
    assert res.stdout.splitlines()[0].strip() == "Runs: 3, newest first"
    res = buildprof("history", "--db", str(history_db), "--runs", "--format", "markdown",
                    "--scenario", "noop")
    md = res.stdout.splitlines()
    assert md[0] == ("| run | session | started (UTC) | project | toolchain | scenario | "
                     "profile | run # | status | wall | peak RSS |")
    assert len(md) == 4 and md[2].startswith("| 6 | 3 |")


def test_export_is_hyperfine_json(history_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "export.json"
    res = buildprof("export", "--db", str(history_db), "--output", str(out))
    assert res.returncode == 0, res.stderr
    assert res.stderr.strip() == f"wrote 3 result(s) to {out}"
    results = json.loads(out.read_text())["results"]
    assert [r["session"] for r in results] == [3, 2, 1]
    con = sqlite3.connect(history_db)
    for r in results:
        assert set(r) >= HYPERFINE_FIELDS | {"scenario", "profile", "toolchain", "lang",
                                            "project", "content_hash", "machine",
                                            "peak_rss_bytes", "tree_peak_rss_bytes"}
        rows = con.execute("SELECT wall_s, user_s, sys_s, peak_rss_bytes, exit_code, command "
                           "FROM runs WHERE session_id = ? ORDER BY id",
                           [r["session"]]).fetchall()
        assert r["times"] == [x[0] for x in rows]
        assert r["mean"] == pytest.approx(statistics.mean(r["times"]))
        assert r["stddev"] == pytest.approx(statistics.stdev(r["times"]))
        assert r["median"] == pytest.approx(statistics.median(r["times"]))
        assert (r["min"], r["max"]) == (min(r["times"]), max(r["times"]))
        assert r["user"] == pytest.approx(statistics.mean(x[1] for x in rows))
        assert r["system"] == pytest.approx(statistics.mean(x[2] for x in rows))
        assert r["memory_usage_byte"] == [x[3] for x in rows]
        assert r["exit_codes"] == [0, 0]
        assert r["command"] == rows[0][5] and " build " in r["command"]
    # The same filters as history.
    res = buildprof("export", "--db", str(history_db), "--label", "beta")
    assert [r["label"] for r in json.loads(res.stdout)["results"]] == ["beta"]


def test_export_csv_and_markdown(history_db: Path) -> None:
    res = buildprof("export", "--db", str(history_db), "--format", "csv", "--profile", "debug")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].startswith("command,mean,stddev,median,user,system,min,max,name,project,")
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert len(rows) == 1 and rows[0]["label"] == "alpha"
    assert float(rows[0]["median"]) == pytest.approx(statistics.median(db_walls(history_db, 1)))
    res = buildprof("export", "--db", str(history_db), "--format", "markdown")
    md = res.stdout.splitlines()
    assert md[0] == "| cell | session | n | mean ± σ | median | min | max | peak RSS |"
    assert len(md) == 5 and md[2].startswith(f"| gomod {go_spec(history_db)[0]} noop release "
                                             f"| 3 | 2 |")
    assert _error(buildprof("export", "--db", str(history_db), "--format", "table")) == \
        "Error: unknown format 'table'; use one of: json, csv, markdown, bmf, benchfmt"


def test_history_reads_the_session_cell_index_backwards(history_db: Path) -> None:
    """The latest-cells query must not group the whole history: SQLite walks the _v2
    index newest first and stops at --limit (bench/history_bench.py measures it)."""
    con = sqlite3.connect(history_db)
    assert con.execute("PRAGMA user_version").fetchone()[0] >= 2
    con.set_trace_callback(None)
    sql_seen: list[str] = []
    con.set_trace_callback(sql_seen.append)
    queries.latest_cells(con, queries.Filters(), 50)
    (sql,) = [s for s in sql_seen if "GROUP BY" in s]
    plan = " ".join(str(r[3]) for r in con.execute("EXPLAIN QUERY PLAN " + sql))
    assert "idx_runs_session_cell" in plan
    assert "TEMP B-TREE" not in plan
