"""How often does the CI gate fail a change that cannot have made the build slower?

docs/ci.md's gate builds two revisions, 6 runs a side, and `compare --fail-above 5`
fails a cell that is significantly slower by more than 5%. This measures its false
alarms on an A/A pair: a Go module whose second commit changes only its README, so
both revisions build the same code. It records RUNS runs of each revision with

    buildprof run REPO --rev base --rev readme --scenario clean --profile debug --runs RUNS

then draws, DRAWS times, 6 runs for A and 6 for B from the pooled runs (the two
revisions build the same code, so every run is a draw from one distribution) and
counts how often each rule would fail the gate:

- point + plain U test: the median change above 5% and the U test of B against A
  significant (buildprof's gate before 2026-12-05);
- shifted U test: B's median above A's times 1.05 and the U test of B against A's
  runs times 1.05 significant (`TwoSample.threshold_test`, the gate now).

    .venv/bin/python bench/gate_false_alarms.py [--runs 24] [--draws 4000]
        [--per-side 6] [--above 5] [--db PATH]

Measure on a quiet machine (the script says when runs were flagged `disturbed`).
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

from profiler.stats import mann_whitney


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com",
                    *args], cwd=repo, check=True, capture_output=True)


def aa_repo(root: Path) -> Path:
    """The A/A pair: tag `base`, and tag `readme`, which changes only README.md."""
    repo = root / "app"
    repo.mkdir()
    (repo / "go.mod").write_text("module example.com/app\n\ngo 1.21\n")
    (repo / "main.go").write_text('package main\n\nimport "fmt"\n\n'
                                  "func main() { fmt.Println(answer()) }\n\n"
                                  "func answer() int { return 42 }\n")
    (repo / "README.md").write_text("app\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "tag", "base")
    (repo / "README.md").write_text("app, documented\n")
    git(repo, "commit", "-qam", "readme only")
    git(repo, "tag", "readme")
    return repo


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=24)
    ap.add_argument("--draws", type=int, default=4000)
    ap.add_argument("--per-side", type=int, default=6)
    ap.add_argument("--above", type=float, default=5.0)
    ap.add_argument("--db", type=Path, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = aa_repo(Path(tmp))
        db = args.db or Path(tmp) / "aa.db"
        buildprof = str(Path(sys.executable).parent / "buildprof")
        subprocess.run([buildprof, "run", str(repo), "--rev", "base", "--rev", "readme",
                        "--scenario", "clean", "--profile", "debug", "--runs", str(args.runs),
                        "--db", str(db)], check=True, stdout=subprocess.DEVNULL)
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT wall_s, disturbed FROM runs WHERE warmup = 0 "
                                "AND status = 'ok' AND iteration > 0").fetchall()
    walls = [r[0] for r in rows]
    disturbed = sum(1 for r in rows if r[1])
    factor = 1 + args.above / 100
    rng = random.Random(1)
    point = shifted = 0
    for _ in range(args.draws):
        a = [rng.choice(walls) for _ in range(args.per_side)]
        b = [rng.choice(walls) for _ in range(args.per_side)]
        if (statistics.median(b) > statistics.median(a) * factor
                and mann_whitney(a, b).significant):
            point += 1
        if (statistics.median(b) > statistics.median(a) * factor
                and mann_whitney([x * factor for x in a], b).significant):
            shifted += 1
    print(f"{len(walls)} timed runs of one Go build (median {statistics.median(walls):.3f} s, "
          f"MAD {statistics.median(abs(w - statistics.median(walls)) for w in walls):.4f} s); "
          f"{disturbed} flagged disturbed")
    print(f"{args.draws} draws of {args.per_side} against {args.per_side}, "
          f"--fail-above {args.above:g}:")
    print(f"  point + plain U test:  {point / args.draws:.2%} false alarms")
    print(f"  shifted U test:        {shifted / args.draws:.2%} false alarms")


if __name__ == "__main__":
    main()
