"""`tune`'s answer as data: each knob against the baseline it was interleaved with.

From stored runs only (db.runs_of_session rows), so anyone can recompute it: for
each knob cell, the baseline cell is the one with the same project, toolchain,
scenario, edit and profile, variant `baseline` (and no --jobs, for a jobs knob).
The change is of the median wall time; the confidence interval is the knob
median's (order statistics, as everywhere); the verdict is the Mann-Whitney U
test of the two cells' runs at alpha = 0.05, `~` when not significant.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from profiler.model.cells import BASELINE, CellKey, CellSummary, summarize
from profiler.stats import UTest, mann_whitney, utest_min_n
from profiler.tune.knobs import advice, knob_of


def _pct(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or a == 0:
        return None
    return 100.0 * (b / a - 1.0)


@dataclass(frozen=True)
class KnobResult:
    key: CellKey  # the knob's cell
    baseline: CellSummary
    cell: CellSummary
    test: UTest | None  # None when a side has no successful run
    error: str | None = None  # the knob's build failed: the compiler's first error line

    @property
    def knob(self) -> str:
        return self.key.variant

    @property
    def change_pct(self) -> float | None:
        return _pct(self.baseline.wall.median, self.cell.wall.median)

    @property
    def memory_change_pct(self) -> float | None:
        return _pct(self.baseline.tree_peak_rss.median, self.cell.tree_peak_rss.median)

    @property
    def artifact_change_pct(self) -> float | None:
        return _pct(self.baseline.artifact.median, self.cell.artifact.median)

    @property
    def significant(self) -> bool:
        return self.test is not None and self.test.significant

    @property
    def win(self) -> bool:
        """Significantly faster than the baseline."""
        return self.significant and (self.change_pct or 0.0) < 0

    def verdict(self) -> str:
        if self.error or self.test is None:
            return "failed" if self.error else "-"
        if self.test.too_few:
            return f"too few runs ({utest_min_n()} a side needed)"
        return f"p={self.test.p:.3f}" if self.significant else f"~ (p={self.test.p:.2f})"

    @property
    def caveat(self) -> str:
        knob = knob_of(self.key.lang, self.knob)
        return knob.caveat if knob else ""

    @property
    def advice(self) -> str:
        return advice(self.key.lang, self.knob, self.key.profile)

    def rank_key(self) -> tuple[int, float]:
        """Significant wins first (largest first), then the others by change, then
        the failed ones."""
        if self.error or self.change_pct is None:
            return (2, 0.0)
        return (0 if self.win else 1, self.change_pct)


def _baseline_key(key: CellKey) -> CellKey:
    jobs = None if key.variant.startswith("jobs=") else key.jobs
    return replace(key, variant=BASELINE, jobs=jobs)


def results(runs: list[dict[str, Any]], errors: dict[str, str] | None = None
            ) -> list[KnobResult]:
    """Every knob cell of `runs` against its baseline, ranked best first. `errors`:
    the first error line of each failed cell, by its label."""
    errors = errors or {}
    cells = {c.key: c for c in summarize(runs)}
    out = []
    for key, cell in cells.items():
        if key.variant == BASELINE:
            continue
        base = cells.get(_baseline_key(key))
        if base is None:
            continue
        test = (mann_whitney(base.wall.values, cell.wall.values)
                if base.wall.n and cell.wall.n else None)
        error = errors.get(key.label) or (
            "every run failed" if cell.n == 0 and cell.failed else None)
        out.append(KnobResult(key, base, cell, test, error))
    return sorted(out, key=lambda r: (r.key.scenario, r.key.edit or "", r.key.profile,
                                      r.key.project, *r.rank_key()))
