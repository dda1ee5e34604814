"""How often does `buildprof changes` flag a step that is not there, and how often
does it find one that is? The figures in docs/changes.md.

A/A data: one commit of each watch fixture (tests/watchrepo.py: the Go app and the
Rust crate, both at c2 by default, a 0.3 s build; --at c6 measures the Go app with
its 4,000 generated functions, about 2 s) built RUNS times in one session,

    buildprof run REPO --rev C2 --scenario clean --profile debug --runs RUNS

then cut into points of K runs (a point's value is their median, as `changes` takes
a commit's), so POINTS = RUNS / K points in measurement order. From those:

- false alarms: series of LEN points, each LEN consecutive points (a sliding window,
  so the machine's drift is kept), and DRAWS series of LEN points drawn at random
  from the pool (no drift); a series with any change point is a false alarm;
- detection: the same series with a step of 3, 5, 10 or 20% put in at a random
  place (every run after it times 1 + step), found when a change point lands
  within one point of it.

Both are computed for a grid of the detection's parameters (the t-test level and
the least change), so the defaults can be chosen from them; the defaults are marked.

    .venv/bin/python bench/changes_calibration.py [--runs 240] [--k 3] [--len 20]
        [--draws 1000] [--db PATH] [--lang go,rust] [--at c2|c6]

Measure on a quiet machine (the script says how many runs were flagged `disturbed`).
With --db of an earlier run, nothing is built again.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import watchrepo  # noqa: E402

from profiler.analysis import changes  # noqa: E402

STEPS = (3, 5, 10, 20)
GRID = ((0.001, 2.0), (0.001, 1.0), (0.01, 2.0), (0.0001, 2.0), (0.001, 3.0))


def measure(db: Path, lang: str, runs: int, work: Path, at: str) -> None:
    make = watchrepo.make_go if lang == "go" else watchrepo.make_rust
    repo = work / lang
    commits = make(repo)
    subprocess.run([sys.executable, "-m", "profiler.cli.main", "run", str(repo), "--rev",
                    commits[at], "--scenario", "clean", "--profile", "debug", "--runs",
                    str(runs), "--db", str(db)], check=True)


def walls(db: Path, lang: str) -> tuple[list[float], int]:
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT r.wall_s, r.disturbed FROM runs r JOIN projects p ON p.id = r.project_id "
        "WHERE p.lang = ? AND r.status = 'ok' AND r.warmup = 0 ORDER BY r.id", [lang]
    ).fetchall()
    con.close()
    return [w for w, _ in rows], sum(1 for _, d in rows if d)


def points(values: list[float], k: int) -> list[list[float]]:
    return [values[i:i + k] for i in range(0, len(values) - k + 1, k)]


def found_at(series: list[list[float]], p: float, mag: float) -> list[int]:
    return [i for i, _ in changes.detect([statistics.median(pt) for pt in series], p,
                                         changes.WINDOW, mag)]


def rates(pool: list[list[float]], length: int, draws: int, p: float, mag: float,
          rng: random.Random) -> dict[str, float]:
    windows = [pool[i:i + length] for i in range(0, len(pool) - length + 1)]
    drawn = [[rng.choice(pool) for _ in range(length)] for _ in range(draws)]
    out = {"false (windows)": sum(bool(found_at(s, p, mag)) for s in windows) / len(windows),
           "false (drawn)": sum(bool(found_at(s, p, mag)) for s in drawn) / len(drawn)}
    for step in STEPS:
        hit = 0
        for s in drawn:
            at = rng.randrange(3, length - 3)
            moved = s[:at] + [[v * (1 + step / 100) for v in pt] for pt in s[at:]]
            hit += any(abs(i - at) <= 1 for i in found_at(moved, p, mag))
        out[f"{step}%"] = hit / len(drawn)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=240)
    ap.add_argument("--k", type=int, default=3, help="runs per point (a commit's)")
    ap.add_argument("--len", type=int, default=20, help="points per series")
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--db", type=Path)
    ap.add_argument("--lang", default="go,rust")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--at", default="c2", help="the fixture commit measured: c2 (a 0.3 s "
                                               "build), or c6 of the Go one (about 2 s)")
    args = ap.parse_args()
    langs = args.lang.split(",")
    with tempfile.TemporaryDirectory(prefix="bp-changes-") as tmp:
        db = args.db or Path(tmp) / "aa.db"
        for lang in langs:
            if not (db.exists() and walls(db, lang)[0]):  # not measured yet
                measure(db, lang, args.runs, Path(tmp), args.at)
        print(f"Defaults: t-test p < {changes.MAX_PVALUE:g}, least change "
              f"{changes.MIN_MAGNITUDE_PCT:g}%, first passes p < {changes.FIRST_PASS:g}, "
              f"{', '.join(f'{v:g}' for v in changes.MIDDLE_PASSES)} and Otava's; "
              f"series of {args.len} points of {args.k} runs\n")
        for lang in langs:
            values, disturbed = walls(db, lang)
            pool = points(values, args.k)
            meds = [statistics.median(pt) for pt in pool]
            spread = statistics.stdev(meds) / statistics.mean(meds) * 100
            print(f"{lang}: {len(values)} runs ({disturbed} flagged disturbed), {len(pool)} "
                  f"points, median {statistics.median(values):.3f} s, points' CV "
                  f"{spread:.1f}%")
            first = " ".join(f"{m:.2f}" for m in meds[:10])
            last = " ".join(f"{m:.2f}" for m in meds[-10:])
            print(f"points in measurement order (s): first {first}; last {last}\n")
            heads = ["max p", "least change", "false (windows)", "false (drawn)",
                     *(f"{s}%" for s in STEPS)]
            print("| " + " | ".join(heads) + " |")
            print("|" + "---|" * len(heads))
            for p, mag in GRID:
                r = rates(pool, args.len, args.draws, p, mag, random.Random(args.seed))
                mark = " (default)" if (p, mag) == (changes.MAX_PVALUE,
                                                     changes.MIN_MAGNITUDE_PCT) else ""
                print(f"| {p:g}{mark} | {mag:g}% | "
                      + " | ".join(f"{r[h] * 100:.1f}%" for h in heads[2:]) + " |")
            print()


if __name__ == "__main__":
    main()
