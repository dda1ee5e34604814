"""The outputs the README and docs/examples.md show, measured afresh.

    .venv/bin/python bench/readme_examples.py [--out docs/examples.md] [--keep DIR]

Builds into a new results database in a temporary directory (buildprof's own
cache, nothing of yours), then runs each command the README excerpts and writes
its command line and output, stdout and stderr as a terminal shows them, 180
columns, to docs/examples.md with the date and the machine. It first waits (up to
5 minutes) for the load average to fall below 0.5. About 8 minutes on
2 cores. Run it on a quiet machine: the run, compare, breakdown and report
outputs are build times.

Sessions, in order (so `breakdown s3` names the third):
1. `run --size tiny,small --runs 3`: the default scenarios and profiles
2. `run --size tiny --lang rust --scenario clean --profile debug
   --toolchain rust@stable,rust@nightly --runs 6`: two toolchains to compare
3. `run --size small --lang rust --scenario clean --profile debug --runs 1
   --breakdown`
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
BUILDPROF = [sys.executable, "-m", "profiler.cli.main"]

# (title, argv, what to keep: "out", "err" or "both", allowed exit codes)
STEPS: list[tuple[str, list[str], str, tuple[int, ...]]] = [
    ("doctor: before measuring", ["doctor"], "both", (0, 1)),
    ("run: the default scenarios on tiny and small", ["run", "--size", "tiny,small", "--runs", "3"],
     "both", (0,)),
    ("run: two Rust toolchains", ["run", "--size", "tiny", "--lang", "rust", "--scenario", "clean",
                                  "--profile", "debug", "--toolchain", "rust@stable,rust@nightly",
                                  "--runs", "6", "--label", "toolchains"], "both", (0,)),
    ("run: with the breakdown", ["run", "--size", "small", "--lang", "rust", "--scenario", "clean",
                                 "--profile", "debug", "--runs", "1", "--breakdown",
                                 "--label", "breakdown"], "both", (0,)),
    ("scenarios", ["scenarios"], "out", (0,)),
    ("history", ["history", "--limit", "12"], "out", (0,)),
    ("compare: two toolchains", ["compare", "rust@stable", "rust@nightly", "--project", "tiny",
                                 "--scenario", "clean", "--profile", "debug"], "out", (0,)),
    ("export: Bencher's JSON", ["export", "--format", "bmf", "--project", "small", "--lang", "go",
                                "--scenario", "clean", "--profile", "debug"], "out", (0,)),
    ("breakdown", ["breakdown", "s3", "--top", "8"], "out", (0,)),
    ("report: the first session", ["report", "--session", "1"], "out", (0,)),
    ("toolchain list", ["toolchain", "list"], "out", (0,)),
    ("samples list", ["samples", "list"], "out", (0,)),
    ("cache info", ["cache", "info"], "out", (0,)),
    ("merge: into an empty file", ["merge", "{db}", "--into", "{team}"], "both", (0,)),
    ("merge: the same file again", ["merge", "{db}", "--into", "{team}"], "both", (0,)),
]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = psutil.virtual_memory().total / 2**30
    return f"{os.cpu_count()} CPUs ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.release()}"


def settle(limit: float = 0.5, wait_s: float = 300) -> None:
    """Wait (at most wait_s) for the 1-minute load average to fall below limit."""
    deadline = time.monotonic() + wait_s
    while os.getloadavg()[0] >= limit and time.monotonic() < deadline:
        time.sleep(5)
    print(f"load average (1 min): {os.getloadavg()[0]:.2f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "examples.md")
    ap.add_argument("--keep", type=Path, help="keep the results database in this directory")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="buildprof-examples-"))
    db, team = work / "results.db", work / "team.db"
    env = {**os.environ, "COLUMNS": "180", "NO_COLOR": "1", "TERM": "dumb",
           "BUILDPROF_DB": str(db), "PYTHONPATH": str(ROOT)}
    env.pop("BUILDPROF_DEBUG", None)
    settle()
    started = dt.datetime.now(dt.UTC)
    parts = []
    for title, argv, keep, ok in STEPS:
        argv = [a.format(db=db.name, team=team.name) for a in argv]
        print(f"$ buildprof {' '.join(argv)}", flush=True)
        t0 = time.perf_counter()
        res = subprocess.run([*BUILDPROF, *argv], capture_output=True, text=True, env=env,
                             cwd=work)
        took = time.perf_counter() - t0
        print(f"  exit {res.returncode}, {took:.0f} s", flush=True)
        if res.returncode not in ok:
            sys.exit(f"buildprof {' '.join(argv)} exited {res.returncode}:\n{res.stderr[-2000:]}")
        text = {"out": res.stdout, "err": res.stderr,
                "both": res.stderr + ("\n" if res.stderr and res.stdout else "") + res.stdout}[keep]
        parts.append(f"## {title}\n\n```console\n$ buildprof {' '.join(argv)}\n"
                     f"{text.rstrip()}\n```\n")
    header = (
        "# Example outputs\n\n"
        "Every output the README excerpts, in full, written by "
        "`.venv/bin/python bench/readme_examples.py`\n"
        f"on {started:%Y-%m-%d} on a machine with {machine()}, nothing else running. "
        "Build times differ from machine to machine and from run to run; the commands "
        "and the shape of each output do not.\n\n"
        "The commands run in a new directory whose `results.db` starts empty, so "
        "session 1 is the first `run` below.\n\n")
    args.out.write_text(header + "\n".join(parts))
    print(f"wrote {args.out}")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        shutil.copy2(db, args.keep / "results.db")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
