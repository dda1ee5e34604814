"""Where the time goes: one build's units and its critical path.

A unit is one compiler (or linker) invocation: a Rust crate compilation (lib,
bin, build script, proc macro, test) or a Go package compile or link. Each
backend reads its toolchain's record of them (profiler.backends); the critical
path is computed here once, when a run is recorded, and stored with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Unit:
    name: str
    kind: str  # lib, bin, build-script, proc-macro, test, link
    start_s: float  # relative to the build's start
    end_s: float
    cpu_s: float
    peak_rss_bytes: int | None
    deps: tuple[str, ...] = field(default=())

    @property
    def wall_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class CriticalPath:
    chain: tuple[str, ...]  # first to last
    length_s: float  # sum of the chain's unit times
    savings_s: dict[str, float]  # how much sooner the path ends if that unit took no time


def _longest(units: Iterable[Unit], zero: str | None = None) -> tuple[float, dict[str, str | None]]:
    by_name = {u.name: u for u in units}
    best: dict[str, float] = {}
    prev: dict[str, str | None] = {}
    for u in sorted(by_name.values(), key=lambda u: u.end_s):
        w = 0.0 if u.name == zero else u.wall_s
        cands = [(best[d], d) for d in u.deps if d in best]
        base, p = max(cands, default=(0.0, None))
        best[u.name], prev[u.name] = base + w, p
    if not best:
        return 0.0, {}
    end = max(best, key=lambda n: best[n])
    prev["__end__"] = end
    return best[end], prev


SAVINGS_TOP = 5  # the longest units of a path whose saving is worked out


def savings(units: Sequence[Unit], chain: Sequence[str], length: float,
            top: int = SAVINGS_TOP) -> dict[str, float]:
    """For the `top` longest units of the path `chain` (of `length`), how much shorter
    the longest path gets if that unit took no time, longest unit first."""
    by_name = {u.name: u for u in units}
    return {name: length - _longest(units, zero=name)[0]
            for name in sorted(chain, key=lambda n: -by_name[n].wall_s)[:top]}


def critical_path(units: list[Unit], top: int = SAVINGS_TOP) -> CriticalPath:
    """The dependency chain with the largest total unit time, which bounds the
    build's wall time however many cores there are; for its `top` longest units,
    how much shorter that bound gets if the unit took no time (another chain may
    then become the longest). Ignores queueing for cores, so on a loaded build
    the real gain can be smaller."""
    length, prev = _longest(units)
    chain: list[str] = []
    node = prev.get("__end__")
    while node is not None:
        chain.append(node)
        node = prev.get(node)
    chain.reverse()
    return CriticalPath(tuple(chain), length, savings(units, chain, length, top))
