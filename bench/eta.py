"""How right is `buildprof run`'s ETA? Run a session and check every estimate.

Runs `buildprof run ARGS` (default: no arguments, the default samples) with stderr
piped, so buildprof prints one progress line per run:

    [3/16 cells, 7 runs] small rust rust@stable clean release: run 2/3 · elapsed 0:41 · ETA 6:02

Each line is stamped when it arrives. When the session ends, each estimate is
set against the time that really was left (the process's exit minus the line's
arrival), and the script prints the worst error after the first quarter of the
session, the target being 20 %, along with the session's whole time, the first
row and the first verdict line, measured from the process start.

    .venv/bin/python bench/eta.py [--db PATH] [-- RUN ARGS...]

Measure on a quiet machine: the session's own figures are only worth as much.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LINE = re.compile(r"elapsed (\d+(?::\d\d)+) · ETA (\d+(?::\d\d)+|after the first run)")


def seconds(clock: str) -> int:
    total = 0
    for part in clock.split(":"):
        total = total * 60 + int(part)
    return total


def buildprof_cmd() -> list[str]:
    script = Path(sys.executable).with_name("buildprof")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "profiler.cli.main"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="keep the results here (default: a temp dir)")
    ap.add_argument("--log", type=Path, help="also write the stamped stderr lines here")
    ap.add_argument("args", nargs="*", help="buildprof run's arguments (after --)")
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="buildprof-eta-") as tmp:
        db = opts.db or Path(tmp) / "eta.db"
        argv = [*buildprof_cmd(), "run", *opts.args, "--db", str(db)]
        print(f"$ {' '.join(argv)}", file=sys.stderr, flush=True)
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                text=True, bufsize=1)
        stamped: list[tuple[float, str]] = []
        assert proc.stderr is not None
        for line in proc.stderr:
            stamped.append((time.perf_counter() - start, line.rstrip("\n")))
            print(f"{stamped[-1][0]:7.1f}  {stamped[-1][1]}", file=sys.stderr, flush=True)
        code = proc.wait()
        end = time.perf_counter() - start
    if opts.log:
        opts.log.write_text("".join(f"{t:.2f}\t{ln}\n" for t, ln in stamped))
    if code != 0:
        sys.exit(f"Error: buildprof run exited {code}")
    progress = [(t, m) for t, ln in stamped if (m := LINE.search(ln))]
    if not progress:
        sys.exit("Error: no progress line: was stderr a terminal?")
    first = progress[0][0]
    span = end - first
    errors = []
    for t, m in progress:
        left = end - t
        if t - first < span / 4 or m.group(2).startswith("after") or left <= 0:
            continue
        errors.append((abs(seconds(m.group(2)) - left) / left, t, seconds(m.group(2)), left))
    row = next((t for t, ln in stamped if ln.lstrip().startswith(("done ", "failed "))), None)
    verdict = next((t for t, ln in stamped if ln.startswith(("So far,", "Verdict:"))), None)
    final = next((t for t, ln in stamped if ln.startswith("Verdict:")), None)
    print(f"session: {end:.0f} s from process start to exit ({end / 60:.1f} min)")
    for what, t in (("first row", row), ("first verdict line", verdict),
                    ("final verdict", final)):
        print(f"{what}: {'-' if t is None else f'{t:.0f} s'}")
    # In the last seconds an error of one second is a large share of what is left: the
    # estimates are shown for all, and for those made with at least 30 s to go.
    for what, subset in (("all", errors), ("30 s or more left", [e for e in errors
                                                                 if e[3] >= 30])):
        if not subset:
            continue
        worst = max(subset)
        within = sum(1 for e in subset if e[0] <= 0.2)
        print(f"ETA after the first quarter, {what}: {len(subset)} estimates, {within} within "
              f"20 %; worst {worst[0] * 100:.0f} % off (at {worst[1]:.0f} s: said "
              f"{worst[2]} s, {worst[3]:.0f} s were left), median "
              f"{sorted(e[0] for e in subset)[len(subset) // 2] * 100:.0f} %")


if __name__ == "__main__":
    main()
