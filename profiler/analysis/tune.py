"""`tune`'s answer as data: each knob against the baseline it was interleaved with.

From stored runs only (db.runs_of_session rows), so anyone can recompute it: for
each knob cell, the baseline cell is the one with the same project, toolchain,
scenario, edit and profile, variant `baseline` (and no --jobs, for a jobs knob).
The change is of the median wall time; the confidence interval is the knob
median's (order statistics, as everywhere); the verdict is the Mann-Whitney U
test of the two cells' runs at alpha = 0.05, `~` when not significant: a knob
against its baseline is a TwoSample, as a cell against a cell in `compare`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from profiler.analysis.twosample import TwoSample, change_of
from profiler.backends import backend_for
from profiler.languages import langs
from profiler.model.cells import BASELINE, CellKey, CellSummary, summarize
from profiler.scenarios.knobs import advice, knob_of


@dataclass(frozen=True, kw_only=True)
class KnobResult(TwoSample):
    """A knob's cell against its baseline: the wall times (TwoSample: the change, the
    U test, the verdict), both cells' summaries, and the knob's build error if any."""

    key: CellKey  # the knob's cell
    baseline: CellSummary
    cell: CellSummary
    error: str | None = None  # the knob's build failed: the compiler's first error line

    @property
    def knob(self) -> str:
        return self.key.variant

    @property
    def memory_change_pct(self) -> float | None:
        return change_of(self.baseline.tree_peak_rss.median, self.cell.tree_peak_rss.median)

    @property
    def artifact_change_pct(self) -> float | None:
        return change_of(self.baseline.artifact.median, self.cell.artifact.median)

    @property
    def win(self) -> bool:
        """Significantly faster than the baseline."""
        return self.better

    def verdict_text(self) -> str:
        """The U test's verdict (TwoSample.p_verdict); `failed` for a knob whose build
        failed, `-` when a side has no successful run."""
        if self.error:
            return "failed"
        return "-" if self.empty else self.p_verdict()

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


def notes(runs: Sequence[dict[str, Any]]) -> list[str]:
    """What each toolchain says beside its tables (Backend.tune_note: Rust's default
    linker here), from the first run of each language."""
    out = []
    for lang in dict.fromkeys(r["lang"] for r in runs if r["lang"] in langs()):
        first = next(r for r in runs if r["lang"] == lang)
        note = backend_for(lang).tune_note(first.get("toolchain"), first.get("toolchain_version"))
        if note:
            out.append(note)
    return out


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
        error = errors.get(key.label) or (
            "every run failed" if cell.n == 0 and cell.failed else None)
        ab = TwoSample.of(base.wall, cell.wall)
        out.append(KnobResult(ab.a, ab.b, ab.test, key=key, baseline=base, cell=cell,
                              error=error))
    return sorted(out, key=lambda r: (r.key.scenario, r.key.edit or "", r.key.profile,
                                      r.key.project, *r.rank_key()))
