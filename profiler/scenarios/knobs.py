"""How `buildprof tune` turns a cell into its knobs' cells.

A knob (backends.base.Knob) is one of a toolchain's well-known build settings,
set through environment variables and build-command flags only, so the
project's files are never edited; each backend lists its own (`Backend.knobs`:
profiler/backends/go_knobs.py, cargo_knobs.py). `expand` gives a cell the
variants of the knobs that apply to it and says why the others do not.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from profiler.backends import backend_for
from profiler.backends.base import Context, Knob
from profiler.languages import langs
from profiler.scenarios.plan import CellPlan


@dataclass(frozen=True)
class Skipped:
    knob: str
    lang: str
    profile: str
    reason: str


def all_knobs() -> list[Knob]:
    """Every registered toolchain's knobs (`tune --list`)."""
    return [k for lang in langs() for k in backend_for(lang).knobs]


def knobs_for(lang: str, names: list[str] | None = None) -> list[Knob]:
    """The knobs of a language, all or those named (a UsageError names the others)."""
    from profiler.errors import UsageError

    mine = list(backend_for(lang).knobs)
    if not names:
        return mine
    known = {k.name for k in all_knobs()}
    for name in names:
        if name not in known:
            raise UsageError(f"unknown knob '{name}'; `buildprof tune --list` lists them")
    return [k for k in mine if k.name in names]


def expand(cell: CellPlan, names: list[str], cores: int) -> tuple[list[CellPlan], list[Skipped]]:
    """The baseline cell and one cell per knob that applies to it; the others with
    their reasons. A jobs knob leaves a cell that already sets --jobs alone."""
    ctx = Context(cell.lang, cell.profile, cell.toolchain, cell.project.path, cores)
    cells, skipped = [cell], []
    for knob in knobs_for(cell.lang, names):
        s = knob.setting(ctx)
        if s.variant is None:
            skipped.append(Skipped(knob.name, cell.lang, cell.profile, s.skip or "does not apply"))
            continue
        cells.append(replace(cell, variant=s.variant, jobs=s.jobs or cell.jobs))
    return cells, skipped


def knob_of(lang: str, variant: str) -> Knob | None:
    """The knob a stored variant name comes from (incremental=off: `incremental`)."""
    if lang not in langs():
        return None
    for knob in backend_for(lang).knobs:
        if knob.name == variant or variant.split("=")[0] == knob.name:
            return knob
    return None


def advice(lang: str, variant: str, profile: str) -> str:
    """The lines to copy to keep a knob for good (Cargo.toml, .cargo/config.toml or
    the build command), from the knob's backend. buildprof never writes them. A
    language no longer registered (a merged result) has none: the knob's name."""
    return backend_for(lang).advice(variant, profile) if lang in langs() else variant
