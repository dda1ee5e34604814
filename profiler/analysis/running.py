"""The verdict while a session runs: the report's rule on the cells done so far.

`buildprof run` prints this line each time it changes, as the clean cells the
verdict rests on finish (profiler.analysis.rule: the clean build at the largest
graded size measured in both languages). It says whether a larger size is still
to come, so a line printed after the small sizes is not read as the final word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from profiler.analysis.gap import cell_order, pairs_of, primary_toolchains, verdict_of
from profiler.analysis.wording import seconds
from profiler.model.cells import CellKey, CellSummary
from profiler.samples.resolve import project_kind


@dataclass(frozen=True)
class RunningVerdict:
    finding: str  # the outcome and its evidence
    to_come: str  # the pending clean cells that could change it ("": final)

    def __str__(self) -> str:
        if self.to_come:
            return f"So far, {self.finding} (still to come: {self.to_come})"
        return f"Verdict: {self.finding}"


def running_verdict(done: Sequence[CellSummary],
                    pending: Sequence[CellKey]) -> RunningVerdict | None:
    """The outcome on the cells `done`, its evidence, and the clean cells still
    `pending` that could change it; None while there is no evidence."""
    # In the report's order: verdict_of takes the last graded size as the largest.
    measured = sorted((replace(c, kind=project_kind(c.source)) for c in done if c.n),
                      key=cell_order)
    verdict = verdict_of(pairs_of(measured, primary_toolchains(measured)), ())
    ev = verdict.evidence
    if ev is None:
        return None
    rust = ", ".join(f"Rust {prof} {seconds(s)}" for prof, s in ev.rust_s)
    finding = (f"minutes vs seconds {verdict.outcome.upper()} on the clean build of "
               f"{ev.project}: Go {ev.go_profile} {seconds(ev.go_s)}, {rust}")
    return RunningVerdict(finding, _to_come(
        [k for k in pending if k.scenario == "clean" and not k.edit], [c.key for c in done]))


def _to_come(pending: Sequence[CellKey], done: Sequence[CellKey]) -> str:
    """The pending clean cells, short: a project none of whose clean cells is done
    by its name alone (`medium`), else each cell (`tiny rust release`)."""
    started = {k.project for k in done if k.scenario == "clean" and not k.edit}
    items = [k.project if k.project not in started else f"{k.project} {k.lang} {k.profile}"
             for k in pending]
    return ", ".join(dict.fromkeys(items))
