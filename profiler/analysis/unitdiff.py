"""Which units got slower: `compare A B --units`, on runs recorded with --breakdown.

For one compared cell, each side's units (a Go package's compile, a crate's rustc
call, a link) are summarised by name across that side's runs: the median wall
time, CPU and peak RSS. Units on both sides are ranked by how much their median
wall time changed, in seconds; units only in B are new, only in A removed (a
package added or deleted between two revisions, say).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

from profiler.analysis.twosample import change_pct


@dataclass(frozen=True)
class UnitStat:
    name: str
    kind: str
    wall_s: float  # median over the side's runs that built it
    cpu_s: float
    peak_rss_bytes: int
    runs: int  # how many of the side's runs built it


@dataclass(frozen=True)
class UnitChange:
    a: UnitStat
    b: UnitStat

    @property
    def name(self) -> str:
        return self.a.name

    @property
    def delta_s(self) -> float:
        return self.b.wall_s - self.a.wall_s

    @property
    def change_pct(self) -> float:
        return change_pct(self.a.wall_s, self.b.wall_s)


@dataclass(frozen=True)
class UnitDiff:
    changed: tuple[UnitChange, ...]  # on both sides, largest absolute change first
    new: tuple[UnitStat, ...]  # only in B, slowest first
    removed: tuple[UnitStat, ...]  # only in A, slowest first
    runs_a: int  # runs with units on each side
    runs_b: int

    @property
    def total_delta_s(self) -> float:
        """The change of the units' summed medians, new and removed ones included."""
        return (sum(c.delta_s for c in self.changed) + sum(u.wall_s for u in self.new)
                - sum(u.wall_s for u in self.removed))


def by_unit(runs: Sequence[Sequence[dict[str, Any]]]) -> dict[str, UnitStat]:
    """Each unit by name over runs (each a list of unit rows, as stored)."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for units in runs:
        for u in units:
            by_name.setdefault(u["name"], []).append(u)
    return {name: UnitStat(name, rows[0]["kind"], median(r["wall_s"] for r in rows),
                           median(r["cpu_s"] or 0.0 for r in rows),
                           int(median(r["peak_rss_bytes"] or 0 for r in rows)), len(rows))
            for name, rows in by_name.items()}


def diff(runs_a: Sequence[Sequence[dict[str, Any]]], runs_b: Sequence[Sequence[dict[str, Any]]]
         ) -> UnitDiff:
    """Compare the units of A's runs with B's (runs without units are left out)."""
    runs_a = [r for r in runs_a if r]
    runs_b = [r for r in runs_b if r]
    a, b = by_unit(runs_a), by_unit(runs_b)
    changed = sorted((UnitChange(a[n], b[n]) for n in a.keys() & b.keys()),
                     key=lambda c: (-abs(c.delta_s), c.name))
    by_time = lambda u: (-u.wall_s, u.name)  # noqa: E731
    return UnitDiff(tuple(changed), tuple(sorted((b[n] for n in b.keys() - a.keys()),
                                                 key=by_time)),
                    tuple(sorted((a[n] for n in a.keys() - b.keys()), key=by_time)),
                    len(runs_a), len(runs_b))
