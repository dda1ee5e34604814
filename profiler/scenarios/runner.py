"""Run a matrix of cells: set up, warm up, then timed runs interleaved.

Runs alternate between cells (A B A B ...), as asv does, so slow drift on a
noisy machine falls on every cell alike instead of on whichever ran last.
The runner knows nothing of storage or terminals: results go to `on_result`
and progress to `on_progress` as soon as each run ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from profiler.measure.process import Measurement, measure
from profiler.scenarios.workspace import Cell, Workspace


@dataclass(frozen=True)
class RunResult:
    cell: Cell
    iteration: int  # 1-based; warm-ups count separately
    warmup: bool
    measurement: Measurement
    artifact_bytes: int | None
    rebuilt_units: int | None
    command: str
    started: float  # time.time() at spawn

    @property
    def status(self) -> str:
        if self.measurement.timed_out:
            return "timeout"
        return "ok" if self.measurement.exit_code == 0 else "failed"


@dataclass(frozen=True)
class Progress:
    cell: Cell
    done: int  # runs finished (warm-ups included)
    total: int
    iteration: int
    runs: int
    warmup: bool
    elapsed_s: float
    eta_s: float | None


def command_text(argv: list[str]) -> str:
    import shlex
    return " ".join(shlex.quote(a) for a in argv)


def run_cells(
    cells: list[Cell],
    work_dir: Path,
    runs: int,
    warmup: int,
    sample_ms: float,
    timeout: float | None,
    on_result: Callable[[RunResult], None],
    on_progress: Callable[[Progress], None] | None = None,
    on_setup: Callable[[Cell], None] | None = None,
) -> list[RunResult]:
    """Measure every cell `runs` times after `warmup` runs; return all results."""
    spaces = [Workspace(cell, work_dir / f"{i:03d}-{cell.key}") for i, cell in enumerate(cells)]
    for ws in spaces:
        if on_setup:
            on_setup(ws.cell)
        ws.setup()

    schedule = [(w, ws, True) for w in range(1, warmup + 1) for ws in spaces]
    schedule += [(i, ws, False) for i in range(1, runs + 1) for ws in spaces]
    failed: set[int] = set()
    results: list[RunResult] = []
    start = time.perf_counter()
    for done, (iteration, ws, is_warmup) in enumerate(schedule):
        if id(ws) in failed:
            continue  # a failed build fails again; spend the time on other cells
        if on_progress:
            elapsed = time.perf_counter() - start
            eta = elapsed / done * (len(schedule) - done) if done else None
            on_progress(Progress(ws.cell, done, len(schedule), iteration, runs, is_warmup,
                                 elapsed, eta))
        ws.prepare()
        argv = ws.argv()
        started = time.time()
        m = measure(argv, ws.src, ws.env(), ws.logs, sample_ms=sample_ms, timeout=timeout)
        result = RunResult(ws.cell, iteration, is_warmup, m,
                           ws.artifact_bytes() if m.ok else None, ws.rebuilt_units(),
                           command_text(argv), started)
        if m.ok:
            ws.finish()
        else:
            failed.add(id(ws))
        results.append(result)
        on_result(result)
    for ws in spaces:
        ws.remove()
    return results
