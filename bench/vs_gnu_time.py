"""Cross-check buildprof's figures against GNU time on the same build.

For one project and scenario, alternates: a build measured by buildprof's
measure(), then the same build (same clean state) under `/usr/bin/time -v`.
Prints both medians side by side, plus buildprof's own overhead: the Python
spawn-to-reap time minus the build's wall, and the sampler thread's CPU.

    .venv/bin/python bench/vs_gnu_time.py PROJECT_DIR [--lang go|rust]
        [--scenario clean] [--profile debug] [--runs 5]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import tempfile
from pathlib import Path

from profiler.backends import backend_for
from profiler.measure.process import measure
from profiler.scenarios.plan import CellPlan
from profiler.scenarios.workspace import Workspace
from profiler.session.resolve import resolve_toolchains
from profiler.sources.local import detect_project


def gnu_time(argv: list[str], ws: Workspace) -> dict[str, float]:
    res = subprocess.run(["/usr/bin/time", "-v", *argv], cwd=ws.src, env=ws.env(),
                         capture_output=True, text=True)
    out = res.stderr

    def field(name: str) -> str:
        m = re.search(rf"{re.escape(name)}: (.+)", out)
        assert m, f"{name} missing from GNU time output"
        return m.group(1).strip()

    h, _, rest = field("Elapsed (wall clock) time (h:mm:ss or m:ss)").rpartition(":")
    parts = reversed(h.split(":")) if h else []
    wall = float(rest) + sum(float(x) * 60 ** (i + 1) for i, x in enumerate(parts))
    return {"wall_s": wall, "user_s": float(field("User time (seconds)")),
            "sys_s": float(field("System time (seconds)")),
            "peak_rss_bytes": int(field("Maximum resident set size (kbytes)")) * 1024}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("project", type=Path)
    ap.add_argument("--lang")
    # Scenarios that start from a built state need the runner; these compare one command.
    ap.add_argument("--scenario", default="clean", choices=["clean", "cold", "check", "test"])
    ap.add_argument("--profile", default="debug")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    project = detect_project(args.project, args.lang)
    tc = resolve_toolchains([], [project.lang])[project.lang][0]
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(CellPlan(project, tc, args.scenario, args.profile), Path(tmp) / "ws",
                       backend_for(project.lang))
        ws.setup()
        ours: list[dict[str, float]] = []
        theirs: list[dict[str, float]] = []
        for _ in range(args.runs):
            ws.prepare()
            m = measure(ws.argv(), ws.src, ws.env(), ws.logs)
            ws.finish()
            ours.append({"wall_s": m.wall_s, "user_s": m.user_s, "sys_s": m.sys_s,
                         "peak_rss_bytes": m.peak_rss_bytes,
                         "overhead_s": m.outer_wall_s - m.wall_s,
                         "sampler_cpu_s": m.sampler_cpu_s})
            ws.prepare()
            theirs.append(gnu_time(ws.argv(), ws))
            ws.finish()
    med = statistics.median
    print(f"{project.name} ({project.lang}) {args.scenario} {args.profile}, "
          f"{args.runs} runs each, interleaved; medians")
    print(f"{'metric':<16}{'buildprof':>14}{'GNU time':>14}{'diff':>9}")
    for key in ("wall_s", "user_s", "sys_s", "peak_rss_bytes"):
        a, b = med(r[key] for r in ours), med(r[key] for r in theirs)
        scale, unit = (2**20, "MiB") if key == "peak_rss_bytes" else (1, "s")
        print(f"{key:<16}{a / scale:>10.3f} {unit:<3}{b / scale:>10.3f} {unit:<3}"
              f"{(a - b) / b * 100 if b else 0:>8.1f}%")
    print(f"buildprof overhead: spawn+reap {med(r['overhead_s'] for r in ours) * 1000:.1f} ms "
          f"per build; sampler CPU {med(r['sampler_cpu_s'] for r in ours) * 1000:.1f} ms per build")


if __name__ == "__main__":
    main()
