"""How fast does buildprof start? Process start to exit, for the commands a user
types most.

Times, as a user's shell runs them (a new process each time, interpreter start-up
included), each of:

- `buildprof --help`, `buildprof --version`, and `buildprof COMMAND --help` for every
  command and sub-command (target: 0.3 s);
- `buildprof history` and `buildprof doctor` on a small results database (target:
  0.5 s). The database is made by one tiny real run (`buildprof run --size tiny --lang
  go --scenario noop --runs 1 --warmup 0`; Rust when Go is missing), unless --db names
  one. `doctor` watches the other processes' CPU use for at least 0.25 s, overlapping
  its other checks (profiler/machine/doctor.py NOISE_WINDOW_S), which its figure includes.

The commands are run in turns (one of each, N times over), so a change in machine
load spreads over all of them; the table gives each one's median and fastest time.
Measure on a quiet machine.

    .venv/bin/python bench/startup.py [--runs 5] [--db PATH]
    .venv/bin/python bench/startup.py --importtime "run --help"   # top 15 imports

--importtime CMD runs `python -X importtime` on `buildprof CMD` once and prints the
15 modules with the largest cumulative import time (history, doctor and the other
commands that read the database get the bench database as --db unless CMD gives one).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HELP_TARGET_S = 0.3
DB_TARGET_S = 0.5
# Commands that read the results database: --importtime gives them the bench's.
READS_DB = ("history", "doctor", "export", "compare", "report", "breakdown")
HEAVY = ("matplotlib", "scipy", "numpy", "sqlite_utils", "psutil", "pydantic", "rich")


def buildprof_cmd() -> list[str]:
    """The installed `buildprof` script beside this interpreter, as a user runs it;
    else the module."""
    script = Path(sys.executable).with_name("buildprof")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "profiler.cli.main"]


def command_paths() -> list[list[str]]:
    """Every command and sub-command, from the CLI's own command tree (the bench
    process imports it; only the timed processes' start-up counts)."""
    import typer

    from profiler.cli.main import app

    out: list[list[str]] = []

    def walk(cmd: object, path: list[str]) -> None:
        for name, sub in getattr(cmd, "commands", {}).items():
            out.append([*path, name])
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return out


def make_db(directory: Path) -> Path:
    """A small results database, from one tiny real run."""
    db = directory / "results.db"
    for lang, tool in (("go", "go"), ("rust", "cargo")):
        if shutil.which(tool) is None:
            continue
        args = ["run", "--size", "tiny", "--lang", lang, "--scenario", "noop", "--runs", "1",
                "--warmup", "0", "--db", str(db)]
        print(f"making the database: buildprof {shlex.join(args)}", file=sys.stderr)
        res = subprocess.run([*buildprof_cmd(), *args], cwd=REPO, capture_output=True,
                             text=True)
        if res.returncode != 0:
            sys.exit(f"Error: the tiny run failed (exit {res.returncode}): "
                     f"{res.stderr.strip()[-500:]}")
        return db
    sys.exit("Error: neither go nor cargo is on PATH; install one, or give a results "
             "database with --db")


def time_once(argv: list[str], ok: tuple[int, ...]) -> float | int:
    """Seconds from process start to exit; the exit code (an int) when it is not in `ok`,
    so that a command an older buildprof lacks shows in the table as failed."""
    start = time.perf_counter()
    res = subprocess.run(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    return elapsed if res.returncode in ok else res.returncode


def bench(db: Path, runs: int) -> None:
    base = buildprof_cmd()
    # (what the table shows, argv, accepted exit codes, target)
    cases: list[tuple[str, list[str], tuple[int, ...], float]] = [
        ("--help", ["--help"], (0,), HELP_TARGET_S),
        ("--version", ["--version"], (0,), HELP_TARGET_S),
    ]
    cases += [(f"{' '.join(p)} --help", [*p, "--help"], (0,), HELP_TARGET_S)
              for p in command_paths()]
    cases += [("history (small db)", ["history", "--db", str(db)], (0,), DB_TARGET_S),
              # doctor exits 1 when a toolchain or the cache needs fixing: still timed.
              ("doctor (small db)", ["doctor", "--db", str(db)], (0, 1), DB_TARGET_S)]
    times: dict[str, list[float]] = {label: [] for label, *_ in cases}
    for _label, argv, ok, _ in cases:  # one untimed pass: file caches, .pyc files
        time_once([*base, *argv], ok)
    failed: dict[str, int] = {}
    for i in range(runs):
        print(f"round {i + 1}/{runs}", file=sys.stderr)
        for label, argv, ok, _ in cases:
            if label in failed:
                continue
            took = time_once([*base, *argv], ok)
            if isinstance(took, int):
                failed[label] = took
            else:
                times[label].append(took)
    width = max(len(label) for label in times)
    print(f"{'command':<{width}}  {'median':>8}  {'fastest':>8}  {'target':>7}")
    for label, _, _, target in cases:
        if label in failed:
            print(f"{label:<{width}}  {'fails':>8}  {f'exit {failed[label]}':>8}  "
                  f"{target:>6.1f}s")
            continue
        med = statistics.median(times[label])
        flag = "" if med < target else "  over target"
        print(f"{label:<{width}}  {med:>7.3f}s  {min(times[label]):>7.3f}s  "
              f"{target:>6.1f}s{flag}")
    print(f"\n{runs} runs each, process start to exit, with {shlex.join(base)}")


def importtime(command: str, db: Path | None) -> None:
    args = shlex.split(command)
    if (args and args[0] in READS_DB and "--db" not in args and "--help" not in args
            and db is not None):
        args += ["--db", str(db)]
    res = subprocess.run([sys.executable, "-X", "importtime", "-m", "profiler.cli.main", *args],
                         cwd=REPO, capture_output=True, text=True)
    rows = []
    for m in re.finditer(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)\s*$", res.stderr,
                         re.MULTILINE):
        rows.append((int(m.group(2)), int(m.group(1)), m.group(4)))
    if not rows:
        sys.exit(f"Error: no import times from `buildprof {shlex.join(args)}` "
                 f"(exit {res.returncode}): {res.stderr.strip()[-500:]}")
    print(f"buildprof {shlex.join(args)}: exit {res.returncode}, {len(rows)} modules imported")
    print(f"{'cumulative':>11}  {'self':>9}  module")
    for cumulative, own, name in sorted(rows, reverse=True)[:15]:
        print(f"{cumulative / 1000:>9.1f}ms  {own / 1000:>7.1f}ms  {name}")
    loaded = sorted({name.split(".")[0] for _, _, name in rows} & set(HEAVY))
    print(f"heavy packages loaded: {', '.join(loaded) or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command")
    parser.add_argument("--db", type=Path, help="a results database to use for history and "
                                                "doctor (default: one made by a tiny run)")
    parser.add_argument("--importtime", metavar="CMD",
                        help='print the top 15 imports of `buildprof CMD`, e.g. "run --help"')
    opts = parser.parse_args()
    if opts.runs < 1:
        parser.error("--runs must be at least 1")
    if opts.db is not None and not opts.db.is_file():
        parser.error(f"--db {opts.db} does not exist; give a results file, or leave --db out")
    with tempfile.TemporaryDirectory(prefix="buildprof-startup-") as tmp:
        env_db = opts.db
        if opts.importtime is not None:
            needs_db = shlex.split(opts.importtime)[:1] in ([c] for c in READS_DB)
            if needs_db and env_db is None:
                env_db = make_db(Path(tmp))
            importtime(opts.importtime, env_db)
            return
        bench(env_db or make_db(Path(tmp)), opts.runs)


if __name__ == "__main__":
    # The timed processes must not find a BUILDPROF_DB of the user's.
    os.environ.pop("BUILDPROF_DB", None)
    main()
