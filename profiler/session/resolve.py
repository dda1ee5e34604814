"""What a `run` request names, resolved: its projects, toolchains and cells.

Everything here is checked before the database is opened, so bad input writes
nothing: the projects (paths, samples, published crate:/go: specs, git revisions
of a checkout), the toolchain of each (an explicit --toolchain, the project's pin
file, or the default), where a project of the user's really lives (its workspace
and local path dependencies), and every cell the request runs. `payoff` resolves
its two servers with the same functions.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from profiler import languages
from profiler.backends import backend_for
from profiler.errors import UsageError
from profiler.samples.spec import LANGS as SAMPLE_LANGS
from profiler.scenarios.definitions import DEFAULT_SCENARIOS, default_profiles
from profiler.scenarios.edits import append_edit
from profiler.scenarios.plan import CellPlan
from profiler.scenarios.runner import Plan
from profiler.sources.local import Project, detect_project
from profiler.toolchains.base import Toolchain

DEFAULT_SIZES = ["tiny", "small", "medium"]
# A worker runs a queued block as `buildprof run` with its own --db and --format; the
# session records the job's command (this variable) instead, which reproduces it.
JOB_COMMAND = "BUILDPROF_JOB_COMMAND"


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
    every: int | None = None  # a range A..B: every Nth commit (--every)
    commits: int | None = None  # or N evenly spaced (--commits)
    no_install: bool = False  # --no-install: a release not installed is an error
    keep_binaries: bool = False  # keep clean release binaries for `payoff` (storage.binaries)
    # `tune`: each cell also runs with these knobs (all of its language's when the list
    # is empty); None: no knobs, the baseline only.
    knobs: list[str] | None = None
    plan: Plan = field(default_factory=lambda: Plan(runs=3))
    label: str | None = None
    db_path: Path | None = None
    command_line: str = "buildprof run"


def resolve_toolchains(specs: list[str], langs: list[str], install: bool = True,
                       say: Callable[[str], None] = lambda s: None
                       ) -> dict[str, list[Toolchain]]:
    """Map each language to the toolchains to run; default: the one on PATH. A
    numbered release, a range (`go@1.21..1.27`) or `go@*` is expanded by
    session.toolchain_ranges, installing what is missing unless `install` is False."""
    from profiler.session import toolchain_ranges

    by_lang: dict[str, list[Toolchain]] = {lang: [] for lang in langs}
    for spec in specs:
        lang = spec.split("@")[0]
        if lang not in languages.langs():
            forms = [f for lg in languages.langs() for f in (lg, languages.language(lg).spec)]
            raise UsageError(f"unknown toolchain '{spec}'; use {', '.join(forms[:-1])} or "
                             f"{forms[-1]} (see `buildprof toolchain list`)")
        if lang not in by_lang:
            continue
        if toolchain_ranges.is_range(spec) or toolchain_ranges.RELEASE.match(spec):
            found = toolchain_ranges.expand(spec, install, say)
        else:
            found = [backend_for(lang).resolve(spec)]
        by_lang[lang] += [tc for tc in found if tc not in by_lang[lang]]
    for lang, tcs in by_lang.items():
        if not tcs:
            tcs.append(backend_for(lang).resolve(None))
    return by_lang


def resolve_projects(req: RunRequest, notes: list[str]) -> list[Project]:
    """The projects to build; `notes` gets the lines to show about them."""
    from profiler.samples import pairs
    from profiler.samples import resolve as samples

    langs = [languages.check_lang(lg) for lg in req.langs]
    if (req.every is not None or req.commits is not None) and not req.revs:
        raise UsageError("--every and --commits thin a range of commits; give one with "
                         "--rev A..B")
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
                    for p in revisions(path, req.revs, langs[0] if langs else None, notes,
                                       req.every, req.commits)]
        return [project_at(p, langs[0] if langs else None) for p in req.paths]
    langs = langs or list(SAMPLE_LANGS)
    sizes = req.sizes or ([] if req.samples else DEFAULT_SIZES)
    projects = [samples.graded(size, lang) for size in sizes for lang in langs]
    projects += [samples.named(name, lang) for name in pairs.expand(req.samples)
                 for lang in langs]
    return projects


def revisions(path: Path, revs: list[str], lang: str | None, notes: list[str],
              every: int | None = None, count: int | None = None) -> list[Project]:
    """The project at `path` in each revision, exported from git (sources.revisions):
    named as the project is, so that `compare` pairs the revisions' cells."""
    from profiler.sources import revisions

    if not path.is_dir():
        raise UsageError(f"{path} is not a directory; --rev needs the directory of a git "
                         f"checkout")
    found, repo, dirty = revisions.revisions(path, revs, every, count)
    if dirty:
        notes.append(dirty)
    here = path.resolve().relative_to(repo.resolve())
    name = path.resolve().name  # as detect_project names the checkout itself
    out = []
    for rev in found:
        notes.extend(n for n in rev.notes if n not in notes)
        exported = detect_project(rev.root / here, lang)
        out.append(replace(exported, name=name, rev=rev.name, commit=rev.commit,
                           commit_meta=rev.meta))
    return out


def toolchains_for(project: Project, toolchains: dict[str, list[Toolchain]],
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


def locate(project: Project, default: Toolchain, notes: list[str]) -> Project:
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


def project_at(path: Path, lang: str | None) -> Project:
    """A directory, or a published project by name (`crate:NAME[@V]`, `go:MODULE[@V]`),
    fetched once into the cache; its source records the exact version."""
    from profiler.sources import fetch

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
    and `skipped` gets the knobs that do not apply (scenarios.knobs.Skipped)."""
    from profiler.samples.resolve import default_edit, sample_edit

    if skipped is None:
        skipped = []

    on_samples = not req.paths
    kind = "samples" if on_samples else "paths"
    scenarios = req.scenarios or list(DEFAULT_SCENARIOS[kind])
    jobs: list[int | None] = list(req.jobs) or [None]
    cells = []
    for project in projects:
        for tc, rule in toolchains_for(project, toolchains, explicit=bool(req.toolchains)):
            for scenario in scenarios:
                if scenario == "incremental":
                    if not project.source.startswith("sample:"):
                        if not req.edits:
                            raise UsageError("the incremental scenario on your own project needs "
                                             "--edit FILE (a source file to append a change to)")
                        # FILE is relative to the directory given, which may lie below
                        # the copied tree (a workspace member).
                        appended = backend_for(project.lang).appended_edit
                        edits = [append_edit(project.path,
                                             os.path.normpath(Path(project.workdir) / e),
                                             appended) for e in req.edits]
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
                            from profiler.scenarios.knobs import expand

                            tuned, skips = expand(cell, req.knobs, os.cpu_count() or 1)
                            cells += tuned
                            skipped += [s for s in skips if s not in skipped]
    return cells


