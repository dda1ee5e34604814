"""The units of a --breakdown run as stored, with the critical path computed once.

`run` computes a run's critical path when it records the run (model.units.
critical_path) and stores it with the units: `critical` marks the units on it,
`critical_rank` gives each its place (1 first), `saving_s` how much shorter the path
would be if that unit took no time (for the path's longest units, as
critical_path's `savings_s`). Every reader (`breakdown`, its trace, the report's
units, `run --breakdown`) reads these; none computes the path again.

Units recorded before schema 9 had only `critical`: `derived_path` works out the
order and the savings from the stored units once, when the file is migrated or a
pre-9 file is merged in (`fill`), or when a pre-9 file is opened read-only.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from profiler.model.units import CriticalPath, Unit, savings


@dataclass(frozen=True)
class StoredUnits:
    """The units of one recorded run (by start time), and its critical path as
    recorded (None when no unit is on one: a build that compiled nothing)."""

    units: list[Unit]
    path: CriticalPath | None

    @property
    def chain(self) -> tuple[str, ...]:
        """The critical path's units, first to last (empty without one)."""
        return self.path.chain if self.path else ()


def unit_rows(units: Sequence[Unit], path: CriticalPath | None) -> list[dict[str, Any]]:
    """The rows `units` stores for a run's units and the critical path computed for
    them when the run was recorded."""
    rank = {name: i for i, name in enumerate(path.chain, 1)} if path else {}
    savings = path.savings_s if path else {}
    return [{"name": u.name, "kind": u.kind, "start_s": u.start_s, "end_s": u.end_s,
             "wall_s": u.wall_s, "cpu_s": u.cpu_s, "peak_rss_bytes": u.peak_rss_bytes,
             "deps": json.dumps(list(u.deps)), "critical": int(u.name in rank),
             "critical_rank": rank.get(u.name), "saving_s": savings.get(u.name)}
            for u in units]


def _unit(r: dict[str, Any]) -> Unit:
    return Unit(r["name"], r["kind"], r["start_s"], r["end_s"], r["cpu_s"],
                r["peak_rss_bytes"], tuple(json.loads(r["deps"] or "[]")))


def stored(rows: Sequence[dict[str, Any]]) -> StoredUnits:
    """A run's stored unit rows (by start time) as units and their critical path."""
    units = [_unit(r) for r in rows]
    on_path = [r for r in rows if r["critical"]]
    if not on_path:
        return StoredUnits(units, None)
    if any(r.get("critical_rank") is None for r in on_path):
        return StoredUnits(units, derived_path(units, {r["name"] for r in on_path}))
    by_name = {u.name: u for u in units}
    chain = tuple(r["name"] for r in sorted(on_path, key=lambda r: r["critical_rank"]))
    # In chain order, as the longest-path search adds them up: the same float.
    length = sum(by_name[n].wall_s for n in chain)
    saved = {r["name"]: r["saving_s"] for r in on_path if r.get("saving_s") is not None}
    return StoredUnits(units, CriticalPath(chain, length, dict(
        sorted(saved.items(), key=lambda kv: -by_name[kv[0]].wall_s))))


def derived_path(units: Sequence[Unit], critical: set[str]) -> CriticalPath:
    """The critical path of units stored before schema 9, which marked its units
    (`critical`) but not their order nor the savings: the order from the dependency
    graph (the k-th unit of a path has k-1 of its units before it), the savings as
    critical_path computes them, with the units as stored."""
    deps = {u.name: set(u.deps) & critical for u in units if u.name in critical}

    def before(name: str) -> set[str]:
        """The critical units `name` depends on, directly or not."""
        seen: set[str] = set()
        stack = list(deps.get(name, ()))
        while stack:
            d = stack.pop()
            if d not in seen:
                seen.add(d)
                stack.extend(deps.get(d, ()))
        return seen

    chain = tuple(sorted(deps, key=lambda n: len(before(n))))
    by_name = {u.name: u for u in units}
    length = sum(by_name[n].wall_s for n in chain)
    return CriticalPath(chain, length, savings(units, chain, length))


def fill(conn: sqlite3.Connection, run_ids: Iterable[int] | None = None) -> None:
    """Store the critical path's order and savings for the runs (all, by default)
    whose critical units have none: units recorded before schema 9."""
    sql = ("SELECT DISTINCT run_id FROM units WHERE critical = 1 AND critical_rank IS NULL")
    pending = [r[0] for r in conn.execute(sql)]
    if run_ids is not None:
        wanted = set(run_ids)
        pending = [r for r in pending if r in wanted]
    for run_id in pending:
        cur = conn.execute("SELECT * FROM units WHERE run_id = ? ORDER BY start_s", [run_id])
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur]
        path = stored(rows).path
        if path is None:
            continue
        for rank, name in enumerate(path.chain, 1):
            conn.execute("UPDATE units SET critical_rank = ?, saving_s = ? "
                         "WHERE run_id = ? AND name = ?",
                         [rank, path.savings_s.get(name), run_id, name])
