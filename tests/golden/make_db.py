"""Build tests/golden/history.db: a real history that exercises every reader.

Real `buildprof` sessions, real go and cargo builds: the graded samples in several
scenarios and profiles (one with --breakdown), two Rust toolchains, a real pair,
a sample measured in one language, a Go project of one's own at three git
revisions (the last one does not build) with its tune knobs, a Rust crate of one's
own, and two short payoffs of the http-service sample. The measured figures differ
from one build of this file to the next; the golden outputs (tests/golden/out/)
are what the reader commands print for this one file, so they are made again with
it (`tests/golden/capture.py --update`), never edited by hand.

    .venv/bin/python tests/golden/make_db.py [--out tests/golden/history.db]

It takes about a quarter of an hour on a 2-core machine; the project trees it
builds live in /tmp/buildprof-golden (their paths are in the file and so in the
outputs).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
SRC = Path("/tmp/buildprof-golden")


def buildprof(db: Path, *args: str, ok: tuple[int, ...] = (0,)) -> None:
    print("+ buildprof", " ".join(args), flush=True)
    res = subprocess.run([sys.executable, "-m", "profiler.cli.main", *args, "--db", str(db)],
                         cwd=REPO)
    if res.returncode not in ok:
        raise SystemExit(f"buildprof {' '.join(args)} exited {res.returncode}")


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "golden", "GIT_AUTHOR_EMAIL": "golden@example.com",
           "GIT_COMMITTER_NAME": "golden", "GIT_COMMITTER_EMAIL": "golden@example.com",
           "GIT_AUTHOR_DATE": "2026-12-01T10:00:00Z", "GIT_COMMITTER_DATE": "2026-12-01T10:00:00Z"}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def go_repo() -> Path:
    """The Go fixture at three commits: as is (v1), with a second package (v2), and
    with a compile error (broken)."""
    repo = SRC / "app"
    shutil.copytree(FIXTURES / "gomod", repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "v1")
    git(repo, "tag", "v1")
    extra = repo / "extra"
    extra.mkdir()
    body = "\n".join(f"func F{i}(x int) int {{ return x*{i} + {i} }}" for i in range(400))
    (extra / "extra.go").write_text(f"package extra\n\n{body}\n")
    main = repo / "main.go"
    main.write_text(main.read_text().replace('"example.com/gomod/greet"',
                                             '"example.com/gomod/extra"\n\t'
                                             '"example.com/gomod/greet"')
                    .replace("fmt.Println(greet", "fmt.Println(extra.F3(2), greet"))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "v2")
    git(repo, "tag", "v2")
    (repo / "greet" / "greet.go").write_text("package greet\n\nfunc Greet(name string) string "
                                             "{ return undefinedName }\n")
    git(repo, "commit", "-q", "-am", "broken")
    git(repo, "tag", "broken")
    return repo


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=REPO / "tests" / "golden" / "history.db")
    args = ap.parse_args()
    shutil.rmtree(SRC, ignore_errors=True)
    SRC.mkdir(parents=True)
    db = SRC / "results.db"
    app = go_repo()
    crate = SRC / "crate"
    shutil.copytree(FIXTURES / "crate", crate)

    # 1. Go against Rust on the graded samples: clean, incremental, noop.
    buildprof(db, "run", "--size", "tiny", "--scenario", "clean,incremental,noop",
              "--runs", "3", "--label", "base")
    # 2. Two sizes, clean release, with the per-unit breakdown (a fit, a timeline).
    buildprof(db, "run", "--size", "tiny,small", "--scenario", "clean", "--profile",
              "release", "--runs", "2", "--breakdown", "--label", "sizes")
    # 3. Two Rust toolchains on one cell, and a jobs scan.
    buildprof(db, "run", "--size", "tiny", "--lang", "rust", "--scenario", "clean",
              "--profile", "debug", "--toolchain", "rust@stable,rust@nightly", "--runs", "3")
    buildprof(db, "run", "--size", "tiny", "--scenario", "clean", "--profile", "debug",
              "--jobs", "1,2", "--runs", "2", "--label", "jobs")
    # 4. A real pair, and a sample measured in one language.
    buildprof(db, "run", "--sample", "jq", "--scenario", "clean", "--profile", "debug",
              "--runs", "2", "--label", "pair")
    buildprof(db, "run", "--size", "tiny", "--lang", "go", "--scenario", "check,test",
              "--runs", "2", "--label", "go-only")
    # 5. Your own projects: revisions (the last does not build), tune, a crate.
    buildprof(db, "run", str(app), "--rev", "v1", "--rev", "v2", "--runs", "6",
              "--breakdown", "--label", "revs")
    buildprof(db, "run", str(app), "--rev", "broken", "--runs", "2", ok=(1,))
    # tune builds the working tree: at `broken` every knob fails; at v2 they build.
    buildprof(db, "tune", str(app), "--runs", "3", "--knob=-trimpath,GOGC=400", ok=(1,))
    git(app, "checkout", "-q", "v2")
    buildprof(db, "tune", str(app), "--runs", "3", "--knob=-trimpath,GOGC=400")
    buildprof(db, "run", str(crate), "--scenario", "clean,incremental", "--edit",
              "src/lib.rs", "--runs", "3", "--label", "crate")
    buildprof(db, "run", str(crate), "--scenario", "clean", "--runs", "3")
    # 6. What the build time buys: a short payoff of the http-service sample.
    for _ in range(2):  # two payoff sessions: compare --metric rps has two sides
        buildprof(db, "payoff", "--duration-s", "2", "--warmup-s", "1", "--rounds", "2",
                  "--build-runs", "1", "--connections", "16,32")

    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("VACUUM")
    conn.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(db, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
