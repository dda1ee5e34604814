"""How long the rest of a session will take, from what its cells have cost so far.

Cells differ by a factor of a hundred (a Go no-op against a Rust release build),
so "elapsed / runs done × runs left" is wrong whenever the cells still to come are
not like the ones done. Each cell is instead estimated on its own, from the best
evidence there is:

1. its own runs (their median cost, warm-ups included: they cost the same);
2. the same scenario, profile, edit and toolchain at another project, scaled by
   how the two projects compare: the median ratio of the cells of the same
   language measured at both (the runner does clean blocks first, smallest
   project first, so a medium Rust release build is estimated from the small
   one before it runs, times medium's debug build over small's);
3. the same project's clean build times a scenario factor (below);
4. the median cost of every run so far.

A starting-state build (incremental, noop) is a full build of the project: it is
estimated as the same project's clean run. The cost of a run is everything the
runner does for it (restoring state, the build, reading what it left), not only
the timed build. With `--runs auto` a cell's runs left are unknown: it is counted
as needing one more round than it has, which underestimates a noisy cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median

from profiler.scenarios.plan import CellPlan

# What a scenario's run costs against the same project's clean build, before it has
# run: rough, and replaced by measurement as soon as a run of the scenario exists
# (rule 2 or 1). incremental: an edit in a leaf that everything depends on.
SCENARIO_FACTOR: dict[str, float] = {
    "clean": 1.0, "cold": 1.3, "incremental": 0.5, "noop": 0.05, "check": 0.6, "test": 1.3}


@dataclass
class CellWork:
    """What one cell has cost and what it has left."""

    cell: CellPlan
    runs_left: int  # runs still to do, warm-ups included
    start_state_left: bool  # its starting state is still to be built
    costs: list[float] = field(default_factory=list)  # seconds per run done (not the state)
    state_cost: float | None = None  # seconds its starting state took, once built


def _family(c: CellPlan) -> tuple:
    """Cells that cost alike relative to their project's clean build."""
    return (c.lang, c.toolchain.path, c.scenario, c.profile, c.jobs,
            c.edit.name if c.edit else None)


def _clean_key(c: CellPlan) -> tuple:
    return (c.project, c.lang, c.toolchain.path, c.profile, c.jobs)


def _ratio(measured: dict[CellPlan, float], lang: str, project: object,
           other: object) -> float | None:
    """How much `project` costs against `other`: the median ratio over the cells of
    `lang` alike but for the project and measured at both."""
    at_other = {_family(c): s for c, s in measured.items()
                if c.project == other and c.lang == lang and s > 0}
    ratios = [s / at_other[_family(c)] for c, s in measured.items()
              if c.project == project and c.lang == lang and _family(c) in at_other]
    return median(ratios) if ratios else None


def per_run(works: Sequence[CellWork]) -> dict[CellPlan, float | None]:
    """Each cell's estimated cost of one run (None: nothing has run yet)."""
    measured = {w.cell: median(w.costs) for w in works if w.costs}
    clean = {_clean_key(c): s for c, s in measured.items() if c.scenario == "clean"}
    overall = median([x for w in works for x in w.costs]) if measured else None
    out: dict[CellPlan, float | None] = {}
    ratios: dict[tuple, float | None] = {}  # one scan per pair of projects, not per cell

    def ratio(lang: str, project: object, other: object) -> float | None:
        key = (lang, project, other)
        if key not in ratios:
            ratios[key] = _ratio(measured, lang, project, other)
        return ratios[key]

    for w in works:
        c = w.cell
        if c in measured:
            out[c] = measured[c]
            continue
        scaled = [s * r for o, s in measured.items()
                  if _family(o) == _family(c) and o.project != c.project
                  for r in [ratio(c.lang, c.project, o.project)] if r is not None]
        mine = clean.get(_clean_key(c))
        if scaled:
            out[c] = median(scaled)
        elif mine is not None:
            out[c] = mine * SCENARIO_FACTOR.get(c.scenario, 1.0)
        else:
            out[c] = overall
    return out


def remaining_s(works: Sequence[CellWork]) -> float | None:
    """Seconds the cells' remaining runs and starting states should take; None
    before any run has a cost."""
    costs = per_run(works)
    if all(v is None for v in costs.values()):
        return None
    overall = median([v for v in costs.values() if v is not None])
    # A starting state is a full build: the project's clean run, else the starting
    # state another cell of the project built (incremental and noop both build one).
    states = {_clean_key(w.cell): w.state_cost for w in works if w.state_cost is not None}
    states.update({_clean_key(w.cell): costs[w.cell] for w in works
                   if w.cell.scenario == "clean" and w.costs})
    total = 0.0
    for w in works:
        run = costs[w.cell]
        total += w.runs_left * (overall if run is None else run)
        if w.start_state_left:
            state = states.get(_clean_key(w.cell))
            total += overall if state is None else state
    return total
