"""What buildprof adds to the time of a build, part by part, against the plain command.

For one project, scenario and profile, three ways of running the same build alternate
(same copy, same caches, same state before each):

- plain: the command a user would time with hyperfine (`go build -o DIR/ ./...` with
  the profile's flags; `cargo build [--release]`) in buildprof's environment, spawned
  and reaped from Python (hyperfine's `-N`: no shell);
- argv: buildprof's own command line (go: adds `-v`; cargo: adds `--offline
  --message-format=json-render-diagnostics`), spawned the same way;
- buildprof: measure(), as `run` times a build: the launcher and the memory sampler.
  Its recorded wall (the launcher's clock) is what buildprof stores.

Prints medians and ratios: argv/plain is what buildprof's extra flags add,
buildprof/argv what the measurement adds, buildprof/plain the whole.

    .venv/bin/python bench/overhead.py PROJECT_DIR [--lang go|rust]
        [--scenario noop|clean] [--profile debug|release] [--runs 15] [--sample-ms 20]

Run it on a quiet machine: the differences are milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from profiler.backends import backend_for
from profiler.measure.process import measure
from profiler.scenarios.plan import CellPlan
from profiler.scenarios.workspace import Workspace
from profiler.session.resolve import resolve_toolchains
from profiler.sources.local import detect_project


def plain_argv(ws: Workspace) -> list[str]:
    """The command a user would type for the same build: the same flags and output
    directory (without `-o`, `go build ./...` of several packages links the binary
    afresh every time, into a temporary directory, so a no-op is never one)."""
    cell = ws.cell
    if cell.project.lang == "go":
        out = ["-o", f"{ws.out}/"] if ws.makes_binaries else []
        return [cell.toolchain.path, "build", *ws.backend.flags(ws), *out, "./..."]
    return [cell.toolchain.path, "build", *(["--release"] if cell.profile == "release" else [])]


def spawn(argv: list[str], ws: Workspace) -> float:
    """Wall seconds from spawn to reap, as hyperfine -N measures a command."""
    t0 = time.perf_counter()
    res = subprocess.run(argv, cwd=ws.build_dir, env=ws.env(), stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {res.returncode}")
    return wall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("project", type=Path)
    ap.add_argument("--lang")
    ap.add_argument("--scenario", default="noop", choices=["noop", "clean"])
    ap.add_argument("--profile", default="release")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--sample-ms", type=float, default=20.0,
                    help="the memory sampler's interval (run --sample-ms)")
    args = ap.parse_args()
    project = detect_project(args.project, args.lang)
    tc = resolve_toolchains([], [project.lang])[project.lang][0]
    walls: dict[str, list[float]] = {"plain": [], "argv": [], "buildprof": []}
    outer: list[float] = []
    sampler: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        # A clean cell's workspace: prepare() resets the state; a no-op build is the
        # same command again once a build has run.
        ws = Workspace(CellPlan(project, tc, "clean", args.profile), Path(tmp) / "ws",
                       backend_for(project.lang))
        ws.setup()
        ws.prepare()
        spawn(ws.argv(), ws)  # builds the state (and fills the page cache)

        def ready() -> None:
            if args.scenario == "clean":
                ws.prepare()

        for i in range(args.runs):
            order = ("plain", "argv", "buildprof")
            for way in order[i % 3:] + order[:i % 3]:  # rotate: no way always goes first
                ready()
                if way == "plain":
                    walls[way].append(spawn(plain_argv(ws), ws))
                elif way == "argv":
                    walls[way].append(spawn(ws.argv(), ws))
                else:
                    m = measure(ws.argv(), ws.build_dir, ws.env(), ws.logs,
                                sample_ms=args.sample_ms)
                    walls[way].append(m.wall_s)
                    outer.append(m.outer_wall_s)
                    sampler.append(m.sampler_cpu_s)
    med = {k: statistics.median(v) for k, v in walls.items()}
    print(f"{project.name} ({project.lang}) {args.scenario} {args.profile}, {args.runs} runs "
          f"each, interleaved, sampler every {args.sample_ms:g} ms; medians")
    for way, text in (("plain", "plain command (as hyperfine -N)"),
                      ("argv", "buildprof's command and environment"),
                      ("buildprof", "buildprof's measure() (recorded wall)")):
        print(f"  {text:<40} {med[way] * 1000:9.1f} ms")
    print(f"  {'measure() spawn to reap, Python side':<40} "
          f"{statistics.median(outer) * 1000:9.1f} ms")
    print(f"  {'sampler CPU per build':<40} {statistics.median(sampler) * 1000:9.1f} ms")
    print(f"ratios: argv/plain {med['argv'] / med['plain']:.3f}×, buildprof/argv "
          f"{med['buildprof'] / med['argv']:.3f}×, buildprof/plain "
          f"{med['buildprof'] / med['plain']:.3f}×")


if __name__ == "__main__":
    main()
