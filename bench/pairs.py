"""The real pairs, whole: every pair in both languages, clean and incremental,
debug and release, beside the graded sizes whose fit predicts them; and what a
published project costs before its first build.

    .venv/bin/python bench/pairs.py [--db PATH] [--runs 3] [--warmup 1]
        [--sizes tiny,small,medium] [--skip-matrix] [--skip-prep]

Matrix (minutes to an hour on 2 cores; not for CI):
1. `buildprof run --sample pairs --scenario clean,incremental --profile debug,release`
2. `buildprof run --size SIZES --scenario clean --profile debug,release`
   (the graded fit the pairs are predicted from; skipped when SIZES is empty)
3. `buildprof report --all --format markdown` on that database: its real-pairs
   section is printed (the table docs/real-projects.md holds).

Preparation (`--skip-prep` leaves it out), with a cache of its own:
- the time from a cold cache (nothing fetched, no dependencies) to the first
  result of `buildprof run crate:jaq --runs 1 --warmup 0`, process start to exit;
- a second run of the same spec in-process: the time from the call to the
  start of the first build (fetched source, hash, copy, the backend's offline
  dependency check), the preparation the issue bounds at 1 s.

Run it on a quiet machine: every figure is a build time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUILDPROF = [sys.executable, "-m", "profiler.cli.main"]
SPEC = "crate:jaq"


def buildprof(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    res = subprocess.run([*BUILDPROF, *args], capture_output=True, text=True, env=env)
    if res.returncode != 0:
        sys.exit(f"buildprof {' '.join(args)} failed ({res.returncode}): "
                 f"{res.stderr.strip().splitlines()[-1:] or res.stdout[-300:]}")
    return res


def matrix(db: Path, runs: int, warmup: int, sizes: str) -> None:
    common = ["--runs", str(runs), "--warmup", str(warmup), "--db", str(db)]
    steps = [["run", "--sample", "pairs", "--scenario", "clean,incremental",
              "--profile", "debug,release", *common]]
    if sizes:
        steps.append(["run", "--size", sizes, "--scenario", "clean",
                      "--profile", "debug,release", *common])
    for argv in steps:
        start = time.perf_counter()
        print(f"$ buildprof {' '.join(argv)}", flush=True)
        buildprof(*argv)
        print(f"  {time.perf_counter() - start:.0f} s", flush=True)
    report = buildprof("report", "--all", "--format", "markdown", "--db", str(db)).stdout
    verdict = report.split("## Verdict", 1)[1].split("\n## ", 1)[0]
    pairs = report.split("## Real projects that do the same job", 1)[1].split("\n## ", 1)[0]
    print(f"\n## Verdict{verdict}\n## Real projects that do the same job{pairs}")


class _FirstBuild:
    """A session Reporter that notes when the first build starts."""

    def __init__(self) -> None:
        self.at: float | None = None

    def warning(self, text: str) -> None: ...

    def note(self, text: str) -> None: ...

    def setup(self, cell: object) -> None: ...

    def progress(self, p: object) -> None:
        if self.at is None:
            self.at = time.perf_counter()

    def cell_done(self, cell: object, so_far: object, planned: object) -> None: ...


def prep(tmp: Path) -> None:
    env = {**os.environ, "BUILDPROF_CACHE": str(tmp / "cache")}
    start = time.perf_counter()
    buildprof("run", SPEC, "--runs", "1", "--warmup", "0", "--db", str(tmp / "cold.db"),
              env=env)
    print(f"cold cache to the first result, `buildprof run {SPEC} --runs 1 --warmup 0`: "
          f"{time.perf_counter() - start:.1f} s (process start to exit)")
    before = os.environ.get("BUILDPROF_CACHE")
    os.environ["BUILDPROF_CACHE"] = env["BUILDPROF_CACHE"]  # the cache the cold run filled
    from profiler.scenarios.runner import Plan
    from profiler.session.resolve import RunRequest
    from profiler.session.run import execute

    seen = []
    for i in range(3):
        req = RunRequest(paths=[Path(SPEC)], langs=[], sizes=[], samples=[], scenarios=[],
                         profiles=[], toolchains=[], jobs=[], edits=[],
                         plan=Plan(runs=1, warmup=0), db_path=tmp / f"warm{i}.db")
        reporter = _FirstBuild()
        start = time.perf_counter()
        execute(req, reporter)
        assert reporter.at is not None
        seen.append(reporter.at - start)
    if before is None:
        del os.environ["BUILDPROF_CACHE"]
    else:
        os.environ["BUILDPROF_CACHE"] = before
    print(f"second run's preparation (call to first build, in-process, 3 runs): "
          f"{', '.join(f'{s:.2f} s' for s in seen)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, help="results database (default: a temporary one)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--sizes", default="tiny,small,medium",
                    help="graded sizes for the fit; '' for none")
    ap.add_argument("--skip-matrix", action="store_true")
    ap.add_argument("--skip-prep", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="buildprof-pairs-") as tmp:
        if not args.skip_prep:
            prep(Path(tmp))
        if not args.skip_matrix:
            matrix(args.db or Path(tmp) / "pairs.db", args.runs, args.warmup, args.sizes)


if __name__ == "__main__":
    main()
