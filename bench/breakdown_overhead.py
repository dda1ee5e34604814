"""What --breakdown adds to a build: the same cell with and without it, interleaved.

    .venv/bin/python bench/breakdown_overhead.py [--size small] [--lang go,rust]
        [--scenario clean] [--profile debug] [--runs 5]

For each language, alternates a plain build and a --breakdown build of the same
sample from the same state, and prints the median wall and CPU of each, with the
difference. The wrapper is a C program (profiler/measure/unitwrap.c): one extra
fork+exec and one log line per compiler call.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from profiler.backends import backend_for
from profiler.measure.process import measure
from profiler.samples.resolve import graded
from profiler.scenarios.plan import CellPlan
from profiler.scenarios.workspace import Workspace
from profiler.session.resolve import resolve_toolchains


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="small")
    ap.add_argument("--lang", default="go,rust")
    # Scenarios that start from a built state need the runner; these compare one command.
    ap.add_argument("--scenario", default="clean", choices=["clean", "cold", "check", "test"])
    ap.add_argument("--profile", default="debug")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    print(f"{args.size} {args.scenario} {args.profile}, {args.runs} runs each, interleaved; "
          f"medians")
    print(f"{'lang':<6}{'plain wall':>12}{'breakdown':>12}{'diff':>9}{'plain CPU':>12}"
          f"{'breakdown':>12}{'units':>7}")
    for lang in args.lang.split(","):
        project = graded(args.size, lang)
        tc = resolve_toolchains([], [lang])[lang][0]
        with tempfile.TemporaryDirectory() as tmp:
            spaces = [Workspace(CellPlan(project, tc, args.scenario, args.profile, breakdown=bd),
                                Path(tmp) / f"bd{int(bd)}", backend_for(lang))
                      for bd in (False, True)]
            for ws in spaces:
                ws.setup()
            walls: dict[bool, list[float]] = {False: [], True: []}
            cpus: dict[bool, list[float]] = {False: [], True: []}
            units = 0
            for _ in range(args.runs + 1):  # the first round warms up
                for ws in spaces:
                    ws.prepare()
                    m = measure(ws.argv(), ws.src, ws.env(), ws.logs)
                    assert m.ok, m.stderr_tail
                    ws.finish()
                    if ws.cell.breakdown:
                        units = len(ws.units(m.start_time))
                    walls[ws.cell.breakdown].append(m.wall_s)
                    cpus[ws.cell.breakdown].append(m.user_s + m.sys_s)
        med = statistics.median
        a, b = med(walls[False][1:]), med(walls[True][1:])
        print(f"{lang:<6}{a:>10.3f} s{b:>10.3f} s{(b - a) / a * 100:>8.1f}%"
              f"{med(cpus[False][1:]):>10.3f} s{med(cpus[True][1:]):>10.3f} s{units:>7}")


if __name__ == "__main__":
    main()
