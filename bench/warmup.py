"""Does a cell need a warm-up? The first timed run against the others.

A warm-up build is untimed: it only fills the page cache with the toolchain and the
sources, and costs as much as a timed run. This runs the same cells twice, as two
real sessions in one results file:

    buildprof run --size SIZES --scenario S --profile PROFILES --runs N --warmup 0
    buildprof run --size SIZES --scenario S --profile PROFILES --runs N --warmup 1

and prints, for each cell and session, the first timed run, the median of the
others, and the first's difference from that median. Without a warm-up, an
outlier first run would show here as a first run well above the median.

    .venv/bin/python bench/warmup.py [--scenario clean] [--sizes small,medium]
                                     [--profiles debug] [--runs 5] [--db PATH]

An incremental cell's first timed run follows the (untimed) build of its starting
state, which has already read the toolchain and the sources: `--scenario
incremental` shows whether that build serves as its warm-up.

Measure on a quiet machine (the script says when runs were flagged `disturbed`).
"""

from __future__ import annotations

import argparse
import shlex
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def buildprof_cmd() -> list[str]:
    script = Path(sys.executable).with_name("buildprof")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "profiler.cli.main"]


def session(db: Path, scenario: str, sizes: str, profiles: str, runs: int,
            warmup: int) -> None:
    args = ["run", "--size", sizes, "--scenario", scenario, "--profile", profiles,
            "--runs", str(runs), "--warmup", str(warmup), "--db", str(db),
            "--label", f"warmup-{warmup}"]
    print(f"buildprof {shlex.join(args)}", file=sys.stderr, flush=True)
    res = subprocess.run([*buildprof_cmd(), *args], cwd=REPO, stdout=subprocess.DEVNULL)
    if res.returncode != 0:
        sys.exit(f"Error: the session with --warmup {warmup} exited {res.returncode}")


def table(db: Path) -> None:
    con = sqlite3.connect(db)
    rows = con.execute("""
        SELECT s.label, p.name, p.lang, r.profile, r.iteration, r.wall_s, r.disturbed
        FROM runs r JOIN sessions s ON s.id = r.session_id JOIN projects p ON p.id = r.project_id
        WHERE r.warmup = 0 AND r.status = 'ok' ORDER BY s.id, p.name, p.lang, r.profile,
        r.iteration""").fetchall()
    cells: dict[tuple[str, str, str, str], list[float]] = {}
    disturbed = 0
    for label, name, lang, profile, _it, wall, dist in rows:
        cells.setdefault((label, name, lang, profile), []).append(wall)
        disturbed += dist is not None
    print(f"{'session':<9} {'cell':<22} {'first':>8} {'median of rest':>15} "
          f"{'first vs median':>16} {'range of rest':>18}")
    for (label, name, lang, profile), walls in cells.items():
        first, rest = walls[0], walls[1:]
        if not rest:
            continue
        med = statistics.median(rest)
        print(f"{label:<9} {f'{name} {lang} {profile}':<22} {first:>7.2f}s {med:>14.2f}s "
              f"{(first / med - 1) * 100:>+15.1f}% {min(rest):>8.2f}–{max(rest):.2f}s")
    print(f"\nruns flagged disturbed: {disturbed}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="clean", help="one scenario")
    ap.add_argument("--sizes", default="small,medium")
    ap.add_argument("--profiles", default="debug")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per cell (at least 2)")
    ap.add_argument("--db", type=Path, help="keep the results here (default: a temp dir)")
    opts = ap.parse_args()
    if opts.runs < 2:
        ap.error("--runs must be at least 2: the first run is compared with the others")
    with tempfile.TemporaryDirectory(prefix="buildprof-warmup-") as tmp:
        db = opts.db or Path(tmp) / "warmup.db"
        for warmup in (0, 1):
            session(db, opts.scenario, opts.sizes, opts.profiles, opts.runs, warmup)
        table(db)


if __name__ == "__main__":
    main()
