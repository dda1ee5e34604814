"""One `buildprof run` session: from a request to recorded runs.

CLI -> session (resolve projects, toolchains and cells) -> scenarios.runner
(prepare, measure, through each toolchain's backend) -> storage (each run
committed as it ends). What the user sees while it runs goes through a
`Reporter`, which the CLI draws; this module prints nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from profiler.machine.facts import current_machine
from profiler.machine.noise import Window, load_warning
from profiler.model.cells import CellKey, CellSummary, summarize
from profiler.model.units import CriticalPath, Unit, critical_path
from profiler.paths import default_db, locked_work_dir, reclaim_work_dirs, work_root
from profiler.scenarios.definitions import (
    DEFAULT_NOTE,
    DEFAULT_PROFILES,
    FROM_BUILT,
    default_profiles,
)
from profiler.scenarios.plan import CellPlan
from profiler.scenarios.runner import Progress as RunProgress
from profiler.scenarios.runner import RunResult, run_cells
from profiler.session.resolve import (
    RunRequest,
    build_cells,
    locate,
    resolve_projects,
    resolve_toolchains,
)
from profiler.sources.local import Project, tree_stats
from profiler.sources.revisions import is_range
from profiler.storage.db import ResultsDB
from profiler.storage.units import unit_rows


@dataclass(frozen=True)
class Failure:
    """A cell that failed: where, how, and the compiler's first error line."""

    cell: str  # the cell's label
    phase: str  # "the warm-up", "run 2", "the starting-state build"
    status: str  # "failed" or "timeout"
    exit_code: int
    error: str


@dataclass(frozen=True)
class RunUnits:
    """The units of one recorded run and the critical path computed when it was
    recorded (what `run --breakdown` shows without reading them back)."""

    run_id: int
    units: list[Unit]
    path: CriticalPath | None  # None when the build ran no compiler (a no-op)


@dataclass
class Outcome:
    session: dict[str, Any]
    runs: list[dict[str, Any]] = field(default_factory=list)
    failed_runs: int = 0  # warm-ups and starting-state builds included
    failures: list[Failure] = field(default_factory=list)
    precision: dict[str, float] = field(default_factory=dict)  # auto runs: cell label -> %
    warnings: list[str] = field(default_factory=list)
    # With --breakdown: each cell's last successful timed run, in the cells' order.
    units: list[RunUnits] = field(default_factory=list)
    skipped: list[Any] = field(default_factory=list)  # tune knobs that did not apply


class Reporter(Protocol):
    """What a session tells its caller while it runs; the CLI draws it."""

    def warning(self, text: str) -> None: ...

    def note(self, text: str) -> None: ...

    def setup(self, cell: CellPlan) -> None: ...

    def progress(self, p: RunProgress) -> None: ...

    def cell_done(self, cell: CellSummary, so_far: list[CellSummary],
                  planned: list[CellKey]) -> None:
        """A cell's runs are all recorded: its summary, every cell done so far in the
        session (the one just done included) and every cell the session plans."""


def execute(req: RunRequest, reporter: Reporter | None = None) -> Outcome:
    """Run the request's matrix and record it; KeyboardInterrupt marks the session
    interrupted and propagates after the completed runs are safely stored."""
    # Other processes' CPU is watched through the preparation (no extra wait).
    quiet = Window()
    # Resolve everything before the database is opened, so bad input writes nothing.
    notes: list[str] = []
    projects = resolve_projects(req, notes)
    langs = sorted({p.lang for p in projects})
    toolchains = resolve_toolchains(req.toolchains, langs, install=not req.no_install,
                                    say=reporter.note if reporter else lambda s: None)
    projects = [locate(p, toolchains[p.lang][0], notes) for p in projects]
    skipped: list[Any] = []
    cells = build_cells(req, projects, toolchains, skipped)
    kind = "paths" if req.paths else "samples"
    if (not req.profiles and any(c.scenario in FROM_BUILT for c in cells)
            and any(default_profiles(s, kind) != DEFAULT_PROFILES[kind] for s in FROM_BUILT)):
        notes.append(f"Note: {DEFAULT_NOTE}.")  # cells the default leaves out: say so
    stats = {p.path: tree_stats(p.path, p.lang) for p in projects}
    work_root()  # may refuse (a cargo config above every place it could be): before the db
    db = ResultsDB.open(req.db_path or default_db())
    machine = current_machine()
    db.mark_dangling_aborted(machine.id)
    reclaim_work_dirs()
    machine_id = db.ensure_machine(machine.row())
    # The cells' toolchains: a project's pin may have chosen one beyond the defaults.
    tc_ids = {c.toolchain.path: db.ensure_toolchain(c.toolchain.row())
              for c in cells}
    project_ids: dict[Project, int] = {}
    for p in projects:
        st = stats[p.path]
        project_ids[p] = db.ensure_project(p.name, p.lang, p.source, p.recorded_path,
                                           st.content_hash, st.loc, st.files)
    prior: dict[CellPlan, int] = {}
    if any(is_range(r) for r in req.revs):
        cells, prior = _resume(db, machine_id, cells, tc_ids, req.plan.runs, notes)
        if not cells:
            for note in notes:
                if reporter:
                    reporter.note(note)
            db.close()
            return Outcome(session={"id": None, "status": "nothing to measure"})
    session_id = db.start_session(machine_id, req.command_line, req.label)
    failures: list[Failure] = []
    last_units: dict[CellPlan, RunUnits] = {}

    def record(res: RunResult) -> None:
        m = res.measurement
        if res.status != "ok":
            # A failed warm-up or starting-state build fails its cell like a timed run.
            failures.append(Failure(res.cell.label, res.phase, res.status, m.exit_code,
                                    res.error or m.stderr_tail))
        # The critical path is computed here, once, and stored with the units; the run,
        # its units and its RSS series are written in one transaction.
        path = critical_path(res.units) if res.units else None
        run_id = db.add_run({
            "session_id": session_id, "project_id": project_ids[res.cell.project],
            "toolchain_id": tc_ids[res.cell.toolchain.path], "machine_id": machine_id,
            "toolchain_rule": res.cell.toolchain_rule,
            "scenario": res.cell.scenario, "profile": res.cell.profile, "jobs": res.cell.jobs,
            "edit": res.cell.edit.name if res.cell.edit else None,
            "iteration": res.iteration, "warmup": int(res.warmup),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(res.started)),
            "status": res.status, "wall_s": m.wall_s, "user_s": m.user_s, "sys_s": m.sys_s,
            "cpu_util": m.cpu_util, "peak_rss_bytes": m.peak_rss_bytes,
            "tree_peak_rss_bytes": m.tree_peak_rss_bytes, "processes": m.processes,
            "exit_code": m.exit_code, "artifact_bytes": res.artifact_bytes,
            "rebuilt_units": res.rebuilt_units,
            "command": res.command, "stderr_tail": None if res.status == "ok" else m.stderr_tail,
            "outer_wall_s": m.outer_wall_s, "sampler_cpu_s": m.sampler_cpu_s,
            "samples": m.samples, "sample_ms": req.plan.sample_ms, "launcher": m.launcher,
            "disturbed": res.disturbed,
            "rev": res.cell.project.rev, "commit_hash": res.cell.project.commit,
            **commit_columns(res.cell.project),
            "variant": res.cell.variant_name,
        }, units=unit_rows(res.units, path) if path is not None else (),
            samples=[(t - m.start_time, rss) for t, rss in m.series] if m.series else ())
        if res.executables and keeps_binary(res.cell, req.keep_binaries):
            from profiler.storage import binaries

            binaries.keep(res.executables, binaries.store_dir(
                res.cell.lang, stats[res.cell.project.path].content_hash,
                tc_ids[res.cell.toolchain.path]))
        pid = project_ids[res.cell.project]
        if res.compiled_loc is not None and db.compiled_loc(pid) is None:
            db.set_compiled_loc(pid, res.compiled_loc)  # once per project content
        if req.breakdown and res.status == "ok" and not res.warmup:
            last_units[res.cell] = RunUnits(run_id, list(res.units), path)

    warnings = ([w for w in [load_warning(since=quiet)] if w]
                + [w for st in stats.values() for w in st.skipped])
    for note in notes:
        if reporter:
            reporter.note(note)
    for w in warnings:
        if reporter:
            reporter.warning(w)
    finished: set[CellKey] = set()

    def cell_done(cell: CellPlan) -> None:
        """Tell the reporter, from what is recorded: the cell's figures are final."""
        if reporter is None:
            return
        finished.add(cell.key)
        so_far = [c for c in summarize(db.runs_of_session(session_id)) if c.key in finished]
        mine = next((c for c in so_far if c.key == cell.key), None)
        if mine is not None:
            reporter.cell_done(mine, so_far, [c.key for c in cells])

    precision: dict[CellPlan, float] = {}
    status = "failed"
    try:
        with locked_work_dir("session") as work_dir:
            precision = run_cells(cells, work_dir, req.plan, on_result=record,
                                  on_progress=reporter.progress if reporter else None,
                                  on_setup=reporter.setup if reporter else None,
                                  on_cell_done=cell_done, prior=prior)
        status = "failed" if failures else "completed"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        db.finish_session(session_id, status)
    with db:  # closed once the outcome is read (an exception above ends the process)
        return Outcome(session=db.session(session_id), runs=db.runs_of_session(session_id),
                       failed_runs=len(failures), failures=failures, warnings=warnings,
                       precision={c.label: p for c, p in precision.items()
                                  if req.plan.runs is None}, units=list(last_units.values()),
                       skipped=skipped)


def _resume(db: ResultsDB, machine_id: str, cells: list[CellPlan], tc_ids: dict[Any, str],
            runs: int | None, notes: list[str]) -> tuple[list[CellPlan], dict[CellPlan, int]]:
    """A range measured again: the cells whose commits already have their good runs
    on this machine are left out, and each partly measured one gets only the runs it
    lacks (with --runs auto: every cell with fewer than the least auto takes, from
    the start). `notes` gets what was skipped."""
    from profiler.scenarios.runner import AUTO_MIN_RUNS
    from profiler.storage import commits

    have = commits.ok_runs(db, machine_id, {c.project.commit for c in cells
                                                 if c.project.commit})
    needed = runs if runs is not None else AUTO_MIN_RUNS
    keep, prior = [], {}
    for cell in cells:
        n = have.get((cell.project.name, cell.lang, cell.project.commit or "",
                      tc_ids[cell.toolchain.path], cell.scenario, cell.profile, cell.jobs,
                      cell.edit.name if cell.edit else None, cell.variant_name), 0)
        if n >= needed:
            continue
        keep.append(cell)
        if n and runs is not None:
            prior[cell] = n
    done = len(cells) - len(keep)
    if done:
        notes.append(f"Resuming: {done} of {len(cells)} commit cell(s) already have {needed} "
                     f"good run(s) on this machine and are skipped"
                     + (f"; {len(prior)} partly measured get only the runs they lack"
                        if prior else "") + (" (nothing left to measure)" if not keep else ""))
    elif prior:
        notes.append(f"Resuming: {len(prior)} partly measured commit cell(s) get only the "
                     f"runs they lack")
    return keep, prior


def commit_columns(project: Project) -> dict[str, Any]:
    """A revision's commit_order, commit_date, commit_subject and repo (none for
    other projects)."""
    meta = project.commit_meta
    if meta is None:
        return {}
    return {"commit_order": meta.order, "commit_date": meta.date,
            "commit_subject": meta.subject, "repo": meta.repo}


def keeps_binary(cell: CellPlan, asked: bool) -> bool:
    """Whether a cell's executables are kept for `payoff`: release builds of a server
    sample (or when asked), and only the baseline: never a `tune` knob's binary nor a
    --jobs scan's."""
    return (cell.profile == "release" and cell.variant is None and cell.jobs is None
            and (asked or cell.project.serves))
