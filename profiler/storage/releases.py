"""The runs behind the report's "Compilers over time": each release's builds of the
graded samples.

One query (`release_runs`): the timed runs of the graded samples' clean and
incremental cells, at each tool's default parallelism (no --jobs), baseline builds
(no `tune` knob) of no revision, on one machine, with their toolchain's provenance,
source and release date (schema 12). profiler.analysis.releases makes the section
from them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from profiler.model.cells import BASELINE
from profiler.model.filters import Filters
from profiler.samples.spec import SIZES
from profiler.storage.queries import where

if TYPE_CHECKING:
    from profiler.storage.db import ResultsDB

# The scenarios a release's timeline follows: the clean build and the edit-build loop.
SCENARIOS = ("clean", "incremental")


def _columns(db: ResultsDB, table: str) -> set[str]:
    return {row[1] for row in db.conn.execute(f"PRAGMA table_info({table})")}


def release_runs(db: ResultsDB, f: Filters, machine_id: str | None) -> list[dict[str, Any]]:
    """Timed runs (any status) matching `f` of the graded samples' clean and
    incremental cells, with no --jobs, no knob and no revision, on `machine_id` (None:
    every machine), oldest first. Each has its run's cell and figures (`session_id`,
    `scenario`, `edit`, `profile`, `status`, `wall_s`, `started`), its project (`project`:
    the size, `lang`, `content_hash`), its session's start (`session_started`) and its
    toolchain (`toolchain`: the spec, `version`, `provenance`, `source`, `released`:
    NULL for a toolchain recorded before schema 12, or a file opened read-only before
    it was migrated)."""
    cond, params = where(f)
    runs, toolchains = _columns(db, "runs"), _columns(db, "toolchains")
    variant = "coalesce(r.variant, ?) = ?" if "variant" in runs else "? = ?"
    rev = "r.rev IS NULL" if "rev" in runs else "1"
    tc = ", ".join(f"t.{c}" if c in toolchains else f"NULL AS {c}"
                   for c in ("provenance", "source", "released"))
    sizes = [f"sample:{s}" for s in SIZES]
    conds = [cond, "r.warmup = 0", "r.jobs IS NULL", rev, variant,
             f"r.scenario IN ({', '.join('?' * len(SCENARIOS))})",
             f"p.source IN ({', '.join('?' * len(sizes))})"]
    params = [*params, BASELINE, BASELINE, *SCENARIOS, *sizes]
    if machine_id is not None:
        conds.append("r.machine_id = ?")
        params.append(machine_id)
    sql = ("SELECT r.id, r.session_id, r.machine_id, r.scenario, r.edit, r.profile, "
           "r.status, r.wall_s, r.started, s.started AS session_started, "
           "p.name AS project, p.lang, p.content_hash, r.toolchain_id, t.spec AS toolchain, "
           f"t.version, {tc} FROM runs r JOIN projects p ON p.id = r.project_id "
           "JOIN toolchains t ON t.id = r.toolchain_id "
           "LEFT JOIN sessions s ON s.id = r.session_id "
           f"WHERE {' AND '.join(conds)} ORDER BY r.id")
    cur = db.conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur]
