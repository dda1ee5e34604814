"""How fast are `history` and `compare` on a long history?

Fills a fresh results database with synthetic runs (default 100,000) spread the
way a real history is: ~1,000 sessions on 3 machines over a year, each building
2-4 projects of one language with 1-2 toolchains, 2-3 scenarios, both profiles,
one warm-up and 4-6 timed runs per cell (a few failures); project sources change
every ~250 sessions (new content hash). Then it times, through the library
functions the CLI calls:

- history: the newest 50 cells, with no filter and with typical filters;
- history --runs: the newest 50 runs;
- compare of two Go releases over the whole history (hundreds of cells), and of
  two labelled sessions;

and through the real CLI, as a user's shell runs it (the `buildprof` script beside
this interpreter, a new process each time: interpreter start-up and imports
included; median of 5). Targets: the query, history < 0.5 s and compare < 1 s
(issue 5); the whole command, history < 0.5 s and compare < 1.5 s (issue 14).

    .venv/bin/python bench/history_bench.py [--runs 100000] [--db PATH] [--without-v2]

--without-v2 drops the index of schema migration _v2, to show what it buys.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from profiler.analysis import compare
from profiler.model.filters import Filters
from profiler.storage import queries
from profiler.storage.db import ResultsDB

REPO = Path(__file__).resolve().parents[1]
TARGETS = {"history": 0.5, "compare": 1.0}
CLI_TARGETS = {"history": 0.5, "compare": 1.5}

MACHINES = [("m-laptop-0001", "laptop"), ("m-ci-0002", "ci-runner"), ("m-desk-0003", "desk")]
TOOLCHAINS = {
    "go": [("go@1.22.10", "1.22.10"), ("go@1.25.5", "1.25.5"), ("go@1.26.8", "1.26.8")],
    "rust": [("rust@stable", "1.95.0"), ("rust@nightly", "1.97.0-nightly")],
}
PROJECTS = ["tiny", "small", "medium", "large", "http-service"]
BASE_WALL = {"tiny": 1.0, "small": 3.0, "medium": 12.0, "large": 45.0, "http-service": 25.0}
SCENARIOS = ["clean", "cold", "incremental", "noop", "check", "test"]


def _id(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def fill(path: Path, n_runs: int, seed: int = 5) -> dict[str, Any]:
    """Write about n_runs runs (warm-ups included) into a new database at path."""
    rng = random.Random(seed)
    db = ResultsDB.open(path)
    conn = db.conn
    now = datetime(2026, 11, 1, tzinfo=UTC)
    conn.execute("BEGIN")
    for mid, host in MACHINES:
        conn.execute("INSERT INTO machines (id, hostname, cpu_model, cores, logical_cpus, "
                     "memory_bytes, os, kernel, python, first_seen) VALUES "
                     "(?, ?, 'Synthetic CPU', 2, 2, 25769803776, 'Debian', '6.1', '3.11', ?)",
                     [_id(mid), host, now.isoformat()])
    tc_ids: dict[str, str] = {}
    for lang, tcs in TOOLCHAINS.items():
        for spec, version in tcs:
            tc_ids[spec] = _id(spec)
            conn.execute("INSERT INTO toolchains (id, lang, spec, version, version_full, path, "
                         "first_seen) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         [tc_ids[spec], lang, spec, version, f"{lang} {version}",
                          f"/opt/{spec}/bin", now.isoformat()])
    project_ids: dict[tuple[str, str, int], int] = {}

    def project(name: str, lang: str, era: int) -> int:
        key = (name, lang, era)
        if key not in project_ids:
            cur = conn.execute(
                "INSERT INTO projects (name, lang, source, path, content_hash, loc, files, "
                "first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [name, lang, f"sample:{name}", name,
                 hashlib.sha256(f"{name}{lang}{era}".encode()).hexdigest(), 1000, 10,
                 now.isoformat()])
            project_ids[key] = int(cur.lastrowid or 0)
        return project_ids[key]

    cols = ("session_id", "project_id", "toolchain_id", "machine_id", "scenario", "profile",
            "jobs", "edit", "iteration", "warmup", "started", "status", "wall_s", "user_s",
            "sys_s", "cpu_util", "peak_rss_bytes", "tree_peak_rss_bytes", "processes",
            "exit_code", "artifact_bytes", "rebuilt_units", "command", "launcher")
    insert = f"INSERT INTO runs ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    start = now - timedelta(days=365)
    batch: list[list[Any]] = []
    speed = {"go@1.22.10": 1.06, "go@1.25.5": 1.0, "go@1.26.8": 0.97, "rust@stable": 1.0,
             "rust@nightly": 1.02}  # newer Go a little faster, nightly a little slower

    def add_session(session: int, machine: tuple[str, str], lang: str, tcs: list[str],
                    projects: list[str], scenarios: list[str], label: str | None,
                    n_timed: int) -> int:
        mid, host = machine
        t0 = start + timedelta(hours=12 * session)
        conn.execute("INSERT INTO sessions (id, started, ended, status, buildprof_version, "
                     "command_line, label, machine_id, hostname, pid, pid_started) VALUES "
                     "(?, ?, ?, 'completed', '0.1.0', 'buildprof run', ?, ?, ?, 1, 0)",
                     [session, t0.isoformat(timespec="milliseconds"),
                      (t0 + timedelta(minutes=30)).isoformat(timespec="milliseconds"), label,
                      _id(mid), host])
        era = session // 250
        added = 0
        for name in projects:
            pid = project(name, lang, era)
            for spec in tcs:
                for scen in scenarios:
                    for prof in ("debug", "release"):
                        base = BASE_WALL[name] * speed[spec] * (
                            2.5 if lang == "rust" else 1.0) * (
                            1.4 if prof == "release" and lang == "rust" else 1.0) * (
                            0.1 if scen in ("noop", "incremental") else 1.0)
                        edit = "leaf-body" if scen == "incremental" else None
                        for it in range(0, n_timed + 1):
                            failed = rng.random() < 0.005
                            wall = base * rng.lognormvariate(0, 0.03)
                            batch.append([
                                session, pid, tc_ids[spec], _id(mid), scen, prof, None, edit,
                                max(it, 1), int(it == 0),
                                (t0 + timedelta(seconds=added)).strftime("%Y-%m-%dT%H:%M:%S"),
                                "failed" if failed else "ok", wall, wall * 1.6, wall * 0.2,
                                1.8, int(2e8 * base ** 0.3), int(3e8 * base ** 0.3), 12,
                                1 if failed else 0, 2_500_000, 20,
                                f"/opt/{spec}/bin/build {name}", "c"])
                            added += 1
        if len(batch) > 20_000:
            conn.executemany(insert, batch)
            batch.clear()
        return added

    runs = 0
    session = 0
    # Two labelled sessions at the end compare like a PR against its base.
    final = ("go", ["go@1.26.8"], ["small", "medium", "large"], ["clean", "incremental"], 5)
    reserve = 3 * 1 * 2 * 2 * (final[4] + 1) * 2
    while runs < n_runs - reserve:
        session += 1
        lang = rng.choice(list(TOOLCHAINS))
        tcs = [t for t, _ in rng.sample(TOOLCHAINS[lang], k=rng.choice((1, 2)))]
        runs += add_session(session, rng.choice(MACHINES), lang, tcs,
                            rng.sample(PROJECTS, k=rng.randint(2, 4)),
                            rng.sample(SCENARIOS, k=rng.randint(2, 3)),
                            rng.choice([None, None, None, f"pr-{session}", "nightly"]),
                            rng.randint(4, 6))
    for label in ("baseline", "candidate"):
        session += 1
        runs += add_session(session, MACHINES[1], *final[:4], label, final[4])
    conn.executemany(insert, batch)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    db.close()
    return {"runs": runs, "sessions": session, "projects": len(project_ids)}


def timed(fn: Callable[[], Any], repeat: int = 5) -> tuple[float, float, float, Any]:
    """(first call, median of the following calls, median CPU time of those, result),
    in seconds. CPU time is what the code costs; wall time also counts waiting for
    a core, which on a busy machine can double it."""
    walls, cpus, result = [], [], None
    for _ in range(repeat + 1):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return walls[0], statistics.median(walls[1:]), statistics.median(cpus[1:]), result


def cli(*args: str, db: Path) -> float:
    t = time.perf_counter()
    script = Path(sys.executable).with_name("buildprof")
    base = [str(script)] if script.is_file() else [sys.executable, "-m", "profiler.cli.main"]
    res = subprocess.run([*base, *args, "--db", str(db)],
                         capture_output=True, text=True, cwd=REPO,
                         env={**os.environ, "COLUMNS": "200"})
    elapsed = time.perf_counter() - t
    if res.returncode != 0:
        raise SystemExit(f"buildprof {' '.join(args)} failed: {res.stderr.strip()}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--db", type=Path, help="keep the database here (default: a temp dir)")
    ap.add_argument("--without-v2", action="store_true",
                    help="drop the _v2 index first, to measure without it")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    path = args.db or Path(tmp.name) / "bench.db"
    if path.exists():
        path.unlink()
    t = time.perf_counter()
    info = fill(path, args.runs)
    print(f"filled {path}: {info['runs']:,} runs, {info['sessions']:,} sessions, "
          f"{info['projects']} project versions, {len(MACHINES)} machines "
          f"in {time.perf_counter() - t:.1f} s")
    if args.without_v2:
        import sqlite3

        con = sqlite3.connect(path)
        con.execute("DROP INDEX idx_runs_session_cell")
        con.close()
        print("dropped the _v2 index")

    db = ResultsDB.open(path, readonly=True)
    conn = db.conn
    F = Filters
    rows: list[tuple[str, str, float, float, float, str]] = []

    def case(kind: str, name: str, fn: Callable[[], Any], describe: Callable[[Any], str]
             ) -> None:
        first, warm, cpu, result = timed(fn)
        rows.append((kind, name, first, warm, cpu, describe(result)))

    def cells(r: list[Any]) -> str:
        return f"{len(r)} cells"

    case("history", "latest 50 cells", lambda: queries.history_cells(conn, F(), 50), cells)
    case("history", "--toolchain go@1.25.5 --scenario clean",
         lambda: queries.history_cells(conn, F(toolchains=("go@1.25.5",),
                                               scenarios=("clean",)), 50), cells)
    case("history", "--project large --profile release --machine ci-runner",
         lambda: queries.history_cells(conn, F(projects=("large",), profiles=("release",),
                                               machines=("ci-runner",)), 50), cells)
    case("history", "--label nightly", lambda: queries.history_cells(
        conn, F(labels=("nightly",)), 50), cells)
    case("history", "--since 2026-10-01 --lang rust", lambda: queries.history_cells(
        conn, F(since="2026-10-01", langs=("rust",)), 50), cells)
    case("history", "--runs (latest 50 runs)", lambda: queries.fetch_runs(
        conn, F(), timed_only=False, newest_first=True, limit=50), lambda r: f"{len(r)} runs")
    case("history", "all cells (export --limit 0)",
         lambda: queries.history_cells(conn, F(), None), cells)

    def cmp_desc(r: compare.Comparison) -> str:
        return f"{len(r.cells)} cells, {sum(c.a.n + c.b.n for c in r.cells):,} runs"

    case("compare", "go@1.25.5 go@1.26.8 (whole history)",
         lambda: compare.compare(db, "go@1.25.5", "go@1.26.8"), cmp_desc)
    case("compare", "go@1.25.5 go@1.26.8 --project medium",
         lambda: compare.compare(db, "go@1.25.5", "go@1.26.8",
                                 F(projects=("medium",))), cmp_desc)
    case("compare", "baseline candidate (two labelled sessions)",
         lambda: compare.compare(db, "baseline", "candidate"), cmp_desc)
    db.close()

    width = max(len(r[1]) for r in rows)
    print(f"\n{'':8} {'case':{width}}  {'first':>8}  {'warm':>8}  {'warm CPU':>8}  result")
    for kind, name, first, warm, cpu, desc in rows:
        print(f"{kind:8} {name:{width}}  {first * 1000:6.0f}ms  {warm * 1000:6.0f}ms  "
              f"{cpu * 1000:6.0f}ms  {desc}")
    print("\n(first: the first call in this process, imports included; "
          "warm: median of 5 more calls, wall and CPU time; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")

    print("\nThrough the CLI (a new process each, start-up and imports included, "
          "median of 5):")
    cli_rows = [
        ("history", ["history"]),
        ("history", ["history", "--runs"]),
        ("history", ["history", "--toolchain", "go@1.25.5", "--scenario", "clean"]),
        ("compare", ["compare", "go@1.25.5", "go@1.26.8"]),
        ("compare", ["compare", "baseline", "candidate"]),
    ]
    cli("history", db=path)  # untimed: file caches and .pyc files
    slowest: dict[str, float] = {}
    for kind, argv in cli_rows:
        elapsed = statistics.median(cli(*argv, db=path) for _ in range(5))
        slowest[kind] = max(slowest.get(kind, 0.0), elapsed)
        print(f"  buildprof {' '.join(argv):45} {elapsed * 1000:6.0f}ms")
    for kind, target in CLI_TARGETS.items():
        verdict = "meets" if slowest[kind] < target else "MISSES"
        print(f"buildprof {kind}: slowest whole command {slowest[kind] * 1000:.0f} ms, "
              f"{verdict} the {target * 1000:.0f} ms target")
    for kind, target in TARGETS.items():
        mine = [r for r in rows if r[0] == kind and "all cells" not in r[1]]
        wall, cpu = max(r[3] for r in mine), max(r[4] for r in mine)
        verdict = "meets" if wall < target else "MISSES"
        print(f"{kind} query: slowest warm case {wall * 1000:.0f} ms wall "
              f"({cpu * 1000:.0f} ms CPU), "
              f"{verdict} the {target * 1000:.0f} ms target")


if __name__ == "__main__":
    main()
