"""Run a matrix of cells: set up, warm up, then timed runs interleaved.

Cells that are compared with each other form a block (`blocks`): one scenario
on one project in both languages, every profile, toolchain, edit and jobs
value. Within a block runs alternate between cells (A B A B ...), as asv does,
so slow drift on a noisy machine falls on every cell alike instead of on
whichever ran last. Blocks run one after another, so each block's results are
final, and shown, long before the session ends; clean builds come first, as
the verdict rests on them.
With `runs=None` ("auto") a cell keeps running, round after round, until the
95% confidence interval of its median is within `precision_pct`, or it hits
`max_runs` or `max_time_s`. A build that fails (in the warm-up, a timed run
or the build of the starting state) fails its cell, which then stops: it
would fail again, and the time is better spent on the other cells.

The runner knows nothing of storage or terminals: results go to `on_result`
and progress to `on_progress` as each run ends. What runs a command is an
`Executor`, real by default; tests hand in a fake one (as hyperfine's
`MockExecutor`) to check the scheduling in milliseconds.
"""

from __future__ import annotations

import math
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from profiler.backends import backend_for
from profiler.backends.base import STEP_TIMEOUT_S, Backend
from profiler.errors import BuildprofError
from profiler.machine.noise import disturbance
from profiler.measure.process import Measurement, measure
from profiler.model.units import Unit
from profiler.scenarios.plan import CellPlan
from profiler.scenarios.workspace import Workspace

AUTO_MIN_RUNS = 3


@dataclass(frozen=True)
class Plan:
    runs: int | None  # None: auto
    warmup: int | None = 1  # None: `auto_warmups` per cell
    precision_pct: float = 3.0
    max_runs: int = 30
    max_time_s: float = 600.0
    sample_ms: float = 20.0
    timeout: float | None = None


@dataclass(frozen=True)
class Executor:
    """What the runner runs commands with: `measure(argv, cwd, env, log_dir,
    sample_ms=, timeout=)`, the check for other busy processes before a run,
    and the backend of each language."""

    measure: Callable[..., Measurement] = field(default=measure)
    disturbance: Callable[[], str | None] = field(default=disturbance)
    backend_for: Callable[[str], Backend] = field(default=backend_for)
    clock: Callable[[], float] = field(default=time.perf_counter)  # elapsed time and costs


@dataclass(frozen=True)
class RunResult:
    cell: CellPlan
    iteration: int  # 1-based; warm-ups count separately; 0: the starting-state build
    warmup: bool
    measurement: Measurement
    artifact_bytes: int | None
    rebuilt_units: int | None
    command: str
    started: float  # time.time() at spawn
    disturbed: str | None  # why the run may be noisy, if it looked so
    units: list[Unit]  # with --breakdown: one per compiler/linker call
    error: str | None = None  # a failed build: its first error line (and a toolchain hint)
    compiled_loc: int | None = None  # lines this build compiled, dependencies included
    # A successful timed clean build: the program binaries it made, valid until the
    # next run of the cell (on_result is called before that).
    executables: tuple[Path, ...] = ()

    @property
    def status(self) -> str:
        if self.measurement.timed_out:
            return "timeout"
        return "ok" if self.measurement.exit_code == 0 else "failed"

    @property
    def phase(self) -> str:
        """Where in the cell's life the run happened, for messages."""
        if self.warmup:
            return "the starting-state build" if self.iteration == 0 else "the warm-up"
        return f"run {self.iteration}"


@dataclass(frozen=True)
class Progress:
    cell: CellPlan
    done: int  # runs finished (warm-ups included)
    total: int  # planned runs; with auto, the most there can be
    iteration: int
    runs: int | None
    warmup: bool
    elapsed_s: float
    eta_s: float | None  # seconds left, each cell estimated on its own (profiler.scenarios.eta)
    cells_done: int = 0
    cells: int = 0
    start_state: bool = False  # this step builds the cell's starting state first


@dataclass
class _CellState:
    ws: Workspace
    walls: list[float]
    warmups: int = 0
    spent_s: float = 0.0
    failed: bool = False
    done: bool = False
    counted: bool = False  # the compiled lines were counted (once per cell)
    precision_pct: float = math.inf
    costs: list[float] = field(default_factory=list)  # each run's whole cost, in seconds
    state_cost: float | None = None  # what building the starting state cost
    runs_done: int = 0  # timed runs done, failed ones included
    prior: int = 0  # good timed runs recorded before this session (a resumed range)

    @property
    def finished(self) -> bool:
        return self.failed or self.done


def _precise_enough(state: _CellState, plan: Plan) -> bool:
    n = len(state.walls)
    if plan.runs is not None:
        return n + state.prior >= plan.runs
    from profiler.stats import ci_halfwidth_pct

    if n >= plan.max_runs or state.spent_s >= plan.max_time_s:
        return True
    if n < AUTO_MIN_RUNS:
        return False
    state.precision_pct = ci_halfwidth_pct(state.walls)
    return state.precision_pct <= plan.precision_pct


# Scenarios whose build compiles the whole project and every dependency: what
# "lines compiled" means.
FULL_BUILDS = ("clean", "cold")


def auto_warmups(plan: Plan, cell: CellPlan) -> int:
    """The untimed warm-ups a cell gets: `plan.warmup` when given, else none for
    clean, cold and incremental builds and one for the others. A clean build's
    warm-up only fills the page cache with the toolchain and the sources; an
    incremental cell's untimed build of its starting state has just done that.
    bench/warmup.py found the first timed run no more of an outlier without a
    warm-up than with one (small and medium, debug, both languages, quiet machine;
    off the median of the others: clean +1.8 to +9.2 % without, -0.1 to +11.8 %
    with; incremental -4.9 to +4.1 % without, -7.0 to +2.4 % with), and each
    warm-up costs as much as a timed run. A no-op's costs next to nothing."""
    if plan.warmup is not None:
        return plan.warmup
    return 0 if cell.scenario in NO_WARMUP else 1


# Scenarios that get no warm-up by default (`auto_warmups`).
NO_WARMUP = (*FULL_BUILDS, "incremental")


def block_key(cell: CellPlan) -> tuple[str, str]:
    """Which block a cell runs in: its scenario, and its project as compared across
    languages (a sample by name, the same in both; the user's own projects together)."""
    source = cell.project.source
    return cell.scenario, source if source.startswith("sample:") else "paths"


def blocks(cells: list[CellPlan]) -> list[list[int]]:
    """The cells' indices grouped into blocks, in run order: scenarios in the order
    given (clean, the verdict's evidence, first by default), then projects in the
    order given (smallest first)."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, cell in enumerate(cells):
        groups.setdefault(block_key(cell), []).append(i)
    scenarios = list(dict.fromkeys(c.scenario for c in cells))
    return [groups[k] for k in sorted(groups, key=lambda k: scenarios.index(k[0]))]


def _compiled_loc(ws: Workspace) -> int | None:
    """The lines the build just done compiled, counted from what it left in the
    workspace (untimed, between runs); None when the backend cannot tell."""
    try:
        return ws.backend.compiled_lines(ws).total
    except (BuildprofError, NotImplementedError):
        return None


def run_cells(
    cells: list[CellPlan],
    work_dir: Path,
    plan: Plan,
    on_result: Callable[[RunResult], None],
    on_progress: Callable[[Progress], None] | None = None,
    on_setup: Callable[[CellPlan], None] | None = None,
    executor: Executor | None = None,
    on_cell_done: Callable[[CellPlan], None] | None = None,
    prior: dict[CellPlan, int] | None = None,
) -> dict[CellPlan, float]:
    """Measure every cell, block after block; `on_cell_done` hears of each cell as
    soon as its last run is recorded; `prior` gives the good runs a cell already has
    (with a fixed number of runs, it gets only the rest). Return each cell's final
    precision (CI half-width, %) for auto runs (inf where it could not be computed)."""
    ex = executor or Executor()
    states = [_CellState(Workspace(cell, work_dir / f"{i:03d}-{cell.dirname}",
                                   ex.backend_for(cell.lang)), [],
                         prior=(prior or {}).get(cell, 0) if plan.runs is not None else 0)
              for i, cell in enumerate(cells)]
    # Every cell is set up first: a download that fails should fail before any build.
    for st in states:
        if on_setup:
            on_setup(st.ws.cell)
        st.ws.setup()

    per_cell = plan.runs if plan.runs is not None else plan.max_runs
    total = sum(auto_warmups(plan, st.ws.cell) + per_cell - st.prior for st in states)
    done, start = 0, ex.clock()

    def runs_left(st: _CellState) -> int:
        if st.finished:
            return 0
        warm = auto_warmups(plan, st.ws.cell) - st.warmups
        if plan.runs is not None:
            return warm + plan.runs - st.runs_done - st.prior
        return warm + max(AUTO_MIN_RUNS - st.runs_done, 1)  # auto: at least one more round

    def eta() -> float | None:
        from profiler.scenarios.eta import CellWork, remaining_s

        return remaining_s([CellWork(st.ws.cell, runs_left(st),
                                     not st.finished and st.ws.needs_start_state(),
                                     st.costs, st.state_cost) for st in states])

    def timed(ws: Workspace, timeout: float | None) -> tuple[Measurement, list[str], float]:
        argv = ws.argv()
        started = time.time()
        # A --breakdown run keeps the tree's RSS series too (the trace export draws it).
        extra = {"series": True} if ws.cell.breakdown else {}
        m = ex.measure(argv, ws.build_dir, ws.env(), ws.logs, sample_ms=plan.sample_ms,
                       timeout=timeout, **extra)
        return m, argv, started

    def failure(st: _CellState, m: Measurement, timeout: float | None) -> str:
        """The one line that says why a build failed; the cell stops."""
        st.failed = True
        if m.timed_out:
            return f"timed out after {timeout:g} s; the whole process tree was killed"
        return st.ws.explain_failure(m.stderr_tail)

    def start_state(st: _CellState) -> RunResult | None:
        """Build the starting state (untimed, but measured like any build so that
        a timeout or an interrupt kills its whole tree); a failure comes back as
        a failed warm-up with iteration 0, to be recorded."""
        t0 = ex.clock()
        st.ws.begin_start_state()
        timeout = plan.timeout or STEP_TIMEOUT_S
        m, argv, started = timed(st.ws, timeout)
        if m.ok:
            st.ws.keep_start_state()
            st.state_cost = ex.clock() - t0
            return None
        return RunResult(st.ws.cell, 0, True, m, None, None, shlex.join(argv), started, None,
                         [], failure(st, m, timeout))

    def one(st: _CellState, iteration: int, is_warmup: bool) -> None:
        nonlocal done
        ws = st.ws
        if on_progress:
            on_progress(Progress(ws.cell, done, total, iteration, plan.runs, is_warmup,
                                 ex.clock() - start, eta(),
                                 sum(s.finished for s in states), len(states),
                                 ws.needs_start_state()))
        t_state = ex.clock()
        result = start_state(st) if ws.needs_start_state() else None
        t0 = ex.clock()
        if result is None:
            try:
                ws.prepare()
                noisy = ex.disturbance()
                m, argv, started = timed(ws, plan.timeout)
            finally:
                ws.finish()  # an edited copy is reverted even when the run fails or is stopped
            result = RunResult(ws.cell, iteration, is_warmup, m,
                               ws.artifact_bytes() if m.ok else None, ws.rebuilt_units(),
                               shlex.join(argv), started, noisy, ws.units(m.start_time),
                               None if m.ok else failure(st, m, plan.timeout))
            if m.ok and not is_warmup:
                st.walls.append(m.wall_s)
                if not st.counted and ws.cell.scenario in FULL_BUILDS:
                    st.counted = True
                    result = replace(result, compiled_loc=_compiled_loc(ws))
                if ws.cell.scenario == "clean":
                    result = replace(result, executables=tuple(ws.backend.executables(ws)))
            st.costs.append(ex.clock() - t0)  # the run alone, for the ETA
        st.spent_s += ex.clock() - t_state  # with the starting state, for --max-time
        if is_warmup:
            st.warmups += 1
        else:
            st.runs_done += 1
        done += 1
        on_result(result)

    def run_block(block: list[_CellState]) -> None:
        for w in range(1, max((auto_warmups(plan, st.ws.cell) for st in block),
                              default=0) + 1):
            for st in block:
                if not st.failed and w <= auto_warmups(plan, st.ws.cell):
                    one(st, w, True)
        iteration = 0
        while any(not st.finished for st in block):
            iteration += 1
            for st in block:
                if not st.finished:
                    one(st, iteration, False)
                    st.done = _precise_enough(st, plan)
                    if st.finished and on_cell_done:
                        on_cell_done(st.ws.cell)
        for st in block:
            if st.failed and st.runs_done == 0 and on_cell_done:
                on_cell_done(st.ws.cell)  # failed before its timed runs: done all the same

    try:
        for indices in blocks(cells):
            block = [states[i] for i in indices]
            run_block(block)
            for st in block:
                st.ws.remove()  # its build state is no longer needed: free the disk now
    finally:
        for st in states:
            st.ws.remove()
    return {st.ws.cell: st.precision_pct for st in states}
