"""One `buildprof run` session: from a request to recorded runs.

CLI -> session (resolve projects, toolchains and cells) -> scenarios.runner
(prepare, measure, through each toolchain's backend) -> storage (each run
committed as it ends). What the user sees while it runs goes through a
`Reporter`, which the CLI draws; this module prints nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from profiler.backends import backend_for
from profiler.breakdown import CriticalPath, Unit, critical_path
from profiler.cells import CellKey, CellPlan, CellSummary, summarize
from profiler.errors import UsageError
from profiler.machine import current_machine
from profiler.measure.noise import Window, load_warning
from profiler.paths import default_db, work_root
from profiler.projects import LANGS, Project, check_lang, detect_project, tree_stats
from profiler.scenarios.definitions import (
    DEFAULT_NOTE,
    DEFAULT_PROFILES,
    DEFAULT_SCENARIOS,
    FROM_BUILT,
    default_profiles,
)
from profiler.scenarios.edits import append_edit
from profiler.scenarios.runner import Plan, RunResult, run_cells
from profiler.scenarios.runner import Progress as RunProgress
from profiler.storage.db import ResultsDB
from profiler.toolchains.base import Toolchain

DEFAULT_SIZES = ["small", "medium"]


@dataclass
class RunRequest:
    paths: list[Path]
    langs: list[str]
    sizes: list[str]
    samples: list[str]
    scenarios: list[str]
    profiles: list[str]
    toolchains: list[str]
    jobs: list[int]
    edits: list[str]
    breakdown: bool = False
    revs: list[str] = field(default_factory=list)  # git revisions of the paths (--rev)
    keep_binaries: bool = False  # keep clean release binaries for `payoff` (profiler.binaries)
    # `tune`: each cell also runs with these knobs (all of its language's when the list
    # is empty); None: no knobs, the baseline only.
    knobs: list[str] | None = None
    plan: Plan = field(default_factory=lambda: Plan(runs=3))
    label: str | None = None
    db_path: Path | None = None
    command_line: str = "buildprof run"


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


def resolve_toolchains(specs: list[str], langs: list[str]) -> dict[str, list[Toolchain]]:
    """Map each language to the toolchains to run; default: the one on PATH."""
    by_lang: dict[str, list[Toolchain]] = {lang: [] for lang in langs}
    for spec in specs:
        lang = spec.split("@")[0]
        if lang not in LANGS:
            raise UsageError(f"unknown toolchain '{spec}'; use go, go@VERSION, rust or "
                             f"rust@CHANNEL (see `buildprof toolchain list`)")
        if lang in by_lang:
            by_lang[lang].append(backend_for(lang).resolve(spec))
    for lang, tcs in by_lang.items():
        if not tcs:
            tcs.append(backend_for(lang).resolve(None))
    return by_lang


def resolve_projects(req: RunRequest, notes: list[str]) -> list[Project]:
    """The projects to build; `notes` gets the lines to show about them."""
    from profiler.samples import pairs
    from profiler.samples import resolve as samples

    langs = [check_lang(lg) for lg in req.langs]
    if req.revs and not req.paths:
        raise UsageError("--rev needs the directory of a git checkout: "
                         "buildprof run PATH --rev A --rev B")
    if req.paths:
        if req.sizes or req.samples:
            raise UsageError("give either project paths or --size/--sample, not both")
        if len(langs) > 1:
            raise UsageError("--lang takes one language when paths are given")
        if req.revs:
            return [p for path in req.paths
                    for p in _revisions(path, req.revs, langs[0] if langs else None, notes)]
        return [_project(p, langs[0] if langs else None) for p in req.paths]
    langs = langs or list(LANGS)
    sizes = req.sizes or ([] if req.samples else DEFAULT_SIZES)
    projects = [samples.graded(size, lang) for size in sizes for lang in langs]
    projects += [samples.named(name, lang) for name in pairs.expand(req.samples)
                 for lang in langs]
    return projects


def _revisions(path: Path, revs: list[str], lang: str | None, notes: list[str]
               ) -> list[Project]:
    """The project at `path` in each revision, exported from git (profiler.revisions):
    named as the project is, so that `compare` pairs the revisions' cells."""
    from profiler import revisions

    if not path.is_dir():
        raise UsageError(f"{path} is not a directory; --rev needs the directory of a git "
                         f"checkout")
    found, repo, dirty = revisions.revisions(path, revs)
    if dirty:
        notes.append(dirty)
    here = path.resolve().relative_to(repo.resolve())
    name = path.resolve().name  # as detect_project names the checkout itself
    out = []
    for rev in found:
        exported = detect_project(rev.root / here, lang)
        out.append(replace(exported, name=name, rev=rev.name, commit=rev.commit))
    return out


def _toolchains_for(project: Project, toolchains: dict[str, list[Toolchain]],
                    explicit: bool) -> list[tuple[Toolchain, str]]:
    """Each toolchain to build `project` with, and the rule that chose it: an
    explicit --toolchain always wins; else a toolchain the project pins
    (rust-toolchain.toml), as rustup would pick it; else the default."""
    default = toolchains[project.lang]
    if explicit:
        return [(tc, "--toolchain") for tc in default]
    backend = backend_for(project.lang)
    pin = backend.pinned(project.path, default[0])
    if pin:
        return [(backend.resolve(pin.spec), pin.source)]
    return [(tc, "default") for tc in default]


def _located(project: Project, default: Toolchain, notes: list[str]) -> Project:
    """A user's project widened to the tree it needs (its workspace, local path
    dependencies), as the backend finds it; `notes` gets the line that says so."""
    if project.source != "path":
        return project
    layout = backend_for(project.lang).locate(project.path, default)
    if layout.note:
        notes.append(layout.note)
    if layout.root == project.path and layout.package is None:
        return project
    return replace(project, name=layout.package or project.name, path=layout.root,
                   workdir=layout.workdir, package=layout.package)


def _project(path: Path, lang: str | None) -> Project:
    """A directory, or a published project by name (`crate:NAME[@V]`, `go:MODULE[@V]`),
    fetched once into the cache; its source records the exact version."""
    from profiler import fetch

    remote = None if path.exists() else fetch.parse(str(path))
    if remote is None:
        return detect_project(path, lang)
    if lang is not None and lang != remote.lang:
        raise UsageError(f"{remote.spec} is a {remote.lang} project, not {lang}; drop --lang")
    fetched = fetch.fetch(remote)
    project = detect_project(fetched.path, remote.lang)
    return Project(remote.name, remote.lang, project.path, fetched.source)


def build_cells(req: RunRequest, projects: list[Project],
                toolchains: dict[str, list[Toolchain]],
                skipped: list[Any] | None = None) -> list[CellPlan]:
    """Every cell the request runs; with `req.knobs`, each cell's knob variants too,
    and `skipped` gets the knobs that do not apply (tune.knobs.Skipped)."""
    from profiler.samples.resolve import default_edit, sample_edit

    if skipped is None:
        skipped = []

    on_samples = not req.paths
    kind = "samples" if on_samples else "paths"
    scenarios = req.scenarios or list(DEFAULT_SCENARIOS[kind])
    jobs: list[int | None] = list(req.jobs) or [None]
    cells = []
    for project in projects:
        for tc, rule in _toolchains_for(project, toolchains, explicit=bool(req.toolchains)):
            for scenario in scenarios:
                if scenario == "incremental":
                    if not project.source.startswith("sample:"):
                        if not req.edits:
                            raise UsageError("the incremental scenario on your own project needs "
                                             "--edit FILE (a source file to append a change to)")
                        # FILE is relative to the directory given, which may lie below
                        # the copied tree (a workspace member).
                        edits = [append_edit(project.path,
                                             os.path.normpath(Path(project.workdir) / e),
                                             project.lang) for e in req.edits]
                    else:
                        edits = [sample_edit(project, e)
                                 for e in (req.edits or [default_edit(project)])]
                else:
                    edits = [None]
                profiles = req.profiles or list(default_profiles(scenario, kind))
                for edit in edits:
                    for profile in profiles:
                        for j in jobs:
                            cell = CellPlan(project, tc, scenario, profile, j, edit,
                                            req.breakdown, rule)
                            if req.knobs is None:
                                cells.append(cell)
                                continue
                            from profiler.tune.knobs import expand

                            tuned, skips = expand(cell, req.knobs, os.cpu_count() or 1)
                            cells += tuned
                            skipped += [s for s in skips if s not in skipped]
    return cells


def _toolchain_row(tc: Toolchain) -> dict[str, Any]:
    return {"id": tc.fingerprint, "lang": tc.lang, "spec": tc.spec, "version": tc.version,
            "version_full": tc.version_full, "path": tc.path}


def execute(req: RunRequest, reporter: Reporter | None = None) -> Outcome:
    """Run the request's matrix and record it; KeyboardInterrupt marks the session
    interrupted and propagates after the completed runs are safely stored."""
    # Other processes' CPU is watched through the preparation (no extra wait).
    quiet = Window()
    # Resolve everything before the database is opened, so bad input writes nothing.
    notes: list[str] = []
    projects = resolve_projects(req, notes)
    langs = sorted({p.lang for p in projects})
    toolchains = resolve_toolchains(req.toolchains, langs)
    projects = [_located(p, toolchains[p.lang][0], notes) for p in projects]
    skipped: list[Any] = []
    cells = build_cells(req, projects, toolchains, skipped)
    kind = "paths" if req.paths else "samples"
    if (not req.profiles and any(c.scenario in FROM_BUILT for c in cells)
            and any(default_profiles(s, kind) != DEFAULT_PROFILES[kind] for s in FROM_BUILT)):
        notes.append(f"Note: {DEFAULT_NOTE}.")  # cells the default leaves out: say so
    stats = {p.path: tree_stats(p.path, p.lang) for p in projects}
    work = work_root()  # may refuse: a cargo config above every place it could be
    db = ResultsDB.open(req.db_path or default_db())
    db.mark_dangling_aborted()
    reclaim_work_dirs()

    machine = current_machine()
    machine_id = db.ensure_machine(machine.row())
    # The cells' toolchains: a project's pin may have chosen one beyond the defaults.
    tc_ids = {c.toolchain.path: db.ensure_toolchain(_toolchain_row(c.toolchain))
              for c in cells}
    project_ids: dict[Project, int] = {}
    for p in projects:
        st = stats[p.path]
        # What was built: a sample's name, a published project's exact spec, the
        # user's directory.
        path = (p.fetched or p.source.removeprefix("sample:") if p.source != "path"
                else os.path.normpath(p.path / p.workdir))
        project_ids[p] = db.ensure_project(p.name, p.lang, p.source, path,
                                                st.content_hash, st.loc, st.files)
    session_id = db.start_session(machine_id, req.command_line, req.label)
    work_dir = work / f"session-{os.getpid()}-{session_id}"
    failures: list[Failure] = []
    last_units: dict[CellPlan, RunUnits] = {}

    def record(res: RunResult) -> None:
        m = res.measurement
        if res.status != "ok":
            # A failed warm-up or starting-state build fails its cell like a timed run.
            failures.append(Failure(res.cell.label, res.phase, res.status, m.exit_code,
                                    res.error or m.stderr_tail))
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
            "variant": res.cell.variant_name,
        })
        if res.executables and res.cell.profile == "release" and (
                req.keep_binaries or _serves(res.cell.project)):
            from profiler import binaries

            binaries.keep(res.executables, binaries.store_dir(
                res.cell.lang, stats[res.cell.project.path].content_hash,
                tc_ids[res.cell.toolchain.path]))
        pid = project_ids[res.cell.project]
        if res.compiled_loc is not None and db.compiled_loc(pid) is None:
            db.set_compiled_loc(pid, res.compiled_loc)  # once per project content
        if m.series:
            db.add_tree_samples(run_id, [(t - m.start_time, rss) for t, rss in m.series])
        path = critical_path(res.units) if res.units else None
        if path is not None:
            chain = set(path.chain)
            db.add_units(run_id, [{
                "name": u.name, "kind": u.kind, "start_s": u.start_s, "end_s": u.end_s,
                "wall_s": u.wall_s, "cpu_s": u.cpu_s, "peak_rss_bytes": u.peak_rss_bytes,
                "deps": json.dumps(list(u.deps)), "critical": int(u.name in chain),
            } for u in res.units])
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
        precision = run_cells(cells, work_dir, req.plan, on_result=record,
                              on_progress=reporter.progress if reporter else None,
                              on_setup=reporter.setup if reporter else None,
                              on_cell_done=cell_done)
        status = "failed" if failures else "completed"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
        db.finish_session(session_id, status)
    with db:  # closed once the outcome is read (an exception above ends the process)
        return Outcome(session=db.session(session_id), runs=db.runs_of_session(session_id),
                       failed_runs=len(failures), failures=failures, warnings=warnings,
                       precision={c.label: p for c, p in precision.items()
                                  if req.plan.runs is None}, units=list(last_units.values()),
                       skipped=skipped)


def _serves(project: Project) -> bool:
    """A sample that is a server (it has a payoff route file): its clean release
    binaries are kept, so that `payoff` can reuse a recorded build."""
    if not project.source.startswith("sample:"):
        return False
    from profiler.payoff.routes import ROUTE_FILE

    return (project.path.parent / ROUTE_FILE).is_file()


def reclaim_work_dirs() -> list[Path]:
    """Remove work directories of sessions whose buildprof process is gone."""
    import psutil

    removed = []
    for d in work_root().glob("session-*"):
        try:
            pid = int(d.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not psutil.pid_exists(pid):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed
