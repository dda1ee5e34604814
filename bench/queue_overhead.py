"""What does the job queue itself cost per job? The figure in docs/fleet.md.

Starts a throw-away PostgreSQL cluster (tests/pgserver.py), queues N jobs of a tiny
block (the Go tiny sample, noop, debug, one run: the block itself is short, so the
queue's part shows), runs one `buildprof worker --idle-exit 2` until the queue is
drained, and reads the job log (the store's clock) for each job:

- claim to start: procrastinate's claim done, to the block's `buildprof run` started
  (buildprof's log writes and the quiet-machine check, a 0.5 s window of CPU counters);
- the block: `buildprof run` as a child process, start-up included;
- end to pushed: the block's results file merged into the worker's own, then pushed
  to the store (a new connection, the schema check, the runs);
- pushed to next claim: the job marked done, the stalled-job query, the queues this
  worker can serve, a new procrastinate Worker registered, the next claim.

It also times the same block as a plain `buildprof run` N times, for comparison.

    .venv/bin/python bench/queue_overhead.py [--jobs 10]

Measure on a quiet machine.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import pgserver  # noqa: E402  (the tests' server helper)

BLOCK = ["--size", "tiny", "--lang", "go", "--scenario", "noop", "--profile", "debug",
         "--runs", "1"]


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "profiler.cli.main", *args], env=env,
                          capture_output=True, text=True, cwd=REPO, check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=10)
    args = ap.parse_args()
    srv = pgserver.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "PGPASSWORD": pgserver.PASSWORD}
            url = srv.url_for(password=None)
            for _ in range(args.jobs):
                cli("queue", "add", *BLOCK, "--store", url, env=env)
            start = time.perf_counter()
            cli("worker", "--store", url, "--name", "bench", "--db", f"{tmp}/w.db",
                "--idle-exit", "2", "--quiet-wait", "0", env=env)
            drained = time.perf_counter() - start
            from profiler.storage import queue

            os.environ["PGPASSWORD"] = pgserver.PASSWORD
            log = queue.log_of(url)
            at = {(e["job_id"], e["event"]): e["at"] for e in log}
            jobs = sorted({e["job_id"] for e in log})
            rows = {
                "claim to start": [at[j, "started"] - at[j, "claimed"] for j in jobs],
                "the block (buildprof run)": [at[j, "measured"] - at[j, "started"]
                                              for j in jobs],
                "end to pushed": [at[j, "pushed"] - at[j, "measured"] for j in jobs],
                "pushed to next claim": [at[b, "claimed"] - at[a, "pushed"]
                                         for a, b in itertools.pairwise(jobs)],
            }
            plain = []
            for _ in range(args.jobs):
                t = time.perf_counter()
                cli("run", *BLOCK, "--db", f"{tmp}/plain.db", "--format", "json", env=env)
                plain.append(time.perf_counter() - t)
    finally:
        srv.stop()
    print(f"{args.jobs} jobs of `buildprof run {' '.join(BLOCK)}`, one worker; "
          f"drained in {drained:.1f} s\n")
    print(f"{'step':<28} {'median':>8} {'min':>8} {'max':>8}")
    for name, vals in rows.items():
        print(f"{name:<28} {statistics.median(vals):>7.3f}s {min(vals):>7.3f}s "
              f"{max(vals):>7.3f}s")
    print(f"{'plain `buildprof run`':<28} {statistics.median(plain):>7.3f}s "
          f"{min(plain):>7.3f}s {max(plain):>7.3f}s")
    queue_part = [statistics.median(rows[k]) for k in
                  ("claim to start", "end to pushed", "pushed to next claim")]
    print(f"\nthe queue's own part per job (medians): {sum(queue_part):.3f} s")


if __name__ == "__main__":
    main()
