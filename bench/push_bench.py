"""How long does a push to the shared store take? 10,000 runs into a real PostgreSQL.

Starts a throw-away PostgreSQL cluster (tests/pgserver.py: Debian's server binaries,
a free port on 127.0.0.1), writes a results file of N synthetic runs (10 sessions, 4
cells each, every 10th run with 20 units and 50 RSS samples, as --breakdown runs have),
and times, as a user runs them (a new process each, start-up included):

    buildprof push --to URL --db FILE        (first: everything is new)
    buildprof push --to URL --db FILE        (again: nothing to add)
    buildprof pull --from URL --db NEW       (everything back into a new file)

and prints the counts the server holds after each step.

    .venv/bin/python bench/push_bench.py [--runs 10000]

Measure on a quiet machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import pgserver  # noqa: E402  (the tests' server helper)


def make(path: Path, n: int) -> None:
    from profiler.storage import identity
    from profiler.storage.db import ResultsDB

    db = ResultsDB.open(path)
    db.ensure_machine({"id": "bench000machine0", "hostname": "bench", "cpu_model": "cpu",
                       "cores": 2, "logical_cpus": 2})
    db.ensure_toolchain({"id": "tc-bench", "lang": "go", "spec": "go@1.26.8",
                         "version": "1.26.8", "version_full": "go1.26.8", "path": "/go"})
    pids = [db.ensure_project(f"p{i}", "go", "path", f"/src/p{i}", f"{i:064x}", 1000, 10)
            for i in range(4)]
    sessions = [db.start_session("bench000machine0", "buildprof run", f"s{i}")
                for i in range(10)]
    rows, units, samples = [], [], []
    for i in range(n):
        rows.append((identity.new_id(), sessions[i % 10], pids[i % 4], "tc-bench",
                     "bench000machine0", "clean", "debug", i, 0, "2026-11-20T10:00:00", "ok",
                     1.0 + (i % 97) / 100, 1.5, 0.2, 1 << 27, 1 << 28, 0))
    with db.conn:
        db.conn.executemany(
            "INSERT INTO runs (uuid, session_id, project_id, toolchain_id, machine_id, "
            "scenario, profile, iteration, warmup, started, status, wall_s, user_s, sys_s, "
            "peak_rss_bytes, tree_peak_rss_bytes, exit_code) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        ids = [r[0] for r in db.conn.execute("SELECT id FROM runs WHERE id % 10 = 0")]
        for rid in ids:
            units += [(rid, f"pkg{u}", "lib", u * 0.1, u * 0.1 + 0.5, 0.5, 0.4, 1 << 24, "[]", 0)
                      for u in range(20)]
            samples += [(rid, t * 0.02, (1 << 26) + t) for t in range(50)]
        db.conn.executemany("INSERT INTO units (run_id, name, kind, start_s, end_s, wall_s, "
                            "cpu_s, peak_rss_bytes, deps, critical) VALUES "
                            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", units)
        db.conn.executemany("INSERT INTO tree_samples (run_id, t_s, tree_rss_bytes) "
                            "VALUES (?, ?, ?)", samples)
    for sid in sessions:
        db.finish_session(sid, "completed")
    db.close()


def timed(*args: str) -> tuple[float, str]:
    start = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "profiler.cli.main", *args], cwd=REPO,
                         capture_output=True, text=True)
    took = time.perf_counter() - start
    if res.returncode != 0:
        sys.exit(f"Error: buildprof {args[0]} exited {res.returncode}: {res.stderr.strip()}")
    return took, res.stdout.strip()


def counts(server: pgserver.Server) -> str:
    return ", ".join(f"{t} {server.psql(f'SELECT count(*) FROM buildprof.{t}', 'team').strip()}"
                     for t in ("sessions", "runs", "projects", "units", "tree_samples"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10_000)
    opts = ap.parse_args()
    server = pgserver.start()
    try:
        with tempfile.TemporaryDirectory(prefix="buildprof-push-") as tmp:
            src = Path(tmp) / "results.db"
            make(src, opts.runs)
            print(f"made {src.name}: {opts.runs:,} runs")
            for what, args in (
                    ("push", ("push", "--to", server.url, "--db", str(src))),
                    ("push again", ("push", "--to", server.url, "--db", str(src))),
                    ("pull", ("pull", "--from", server.url, "--db", str(Path(tmp) / "n.db")))):
                took, out = timed(*args)
                print(f"{what:<11} {took:6.2f} s   {out}")
                print(f"{'':<11} server: {counts(server)}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
