"""The gap report's records: what `report` says of Go against Rust, as data.

profiler.analysis.gap computes them from the stored runs (and
profiler.analysis.realpairs the real pairs); profiler.analysis.wording phrases
them; the renderers in profiler.report draw them. Nothing here computes more
than a record's own figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from profiler.analysis.rule import LANG_ORDER, MIN_SIZES, outcome
from profiler.model.cells import CellSummary, scenario_text


@dataclass(frozen=True)
class Pair:
    """Go against Rust for one project × scenario × profile."""

    project: str
    kind: str
    scenario: str
    edit: str | None
    jobs: int | None
    profile: str
    go: CellSummary | None
    rust: CellSummary | None

    @property
    def scenario_text(self) -> str:
        return scenario_text(self.scenario, self.edit, self.jobs)

    @property
    def ratio(self) -> float | None:
        """Rust's median over Go's: how many times longer Rust takes."""
        if not (self.go and self.rust and self.go.n and self.rust.n):
            return None
        g, r = self.go.wall.median, self.rust.wall.median
        if g is None or r is None or g <= 0:
            return None
        return r / g


@dataclass(frozen=True)
class Fit:
    """time = a·LOC^b, least squares on (ln LOC, ln time) over the graded sizes."""

    lang: str
    toolchain: str
    scenario: str
    edit: str | None
    jobs: int | None
    profile: str
    points: tuple[tuple[str, int, float], ...]  # (size, LOC, median seconds), by LOC
    a: float | None
    b: float | None
    r2: float | None
    crossings: tuple[tuple[float, float | None], ...]  # (threshold s, LOC or None)

    @property
    def scenario_text(self) -> str:
        return scenario_text(self.scenario, self.edit, self.jobs)

    @property
    def sizes(self) -> int:
        return len(self.points)

    @property
    def trusted(self) -> bool:
        return self.b is not None and self.sizes >= MIN_SIZES

    @property
    def loc_range(self) -> tuple[int, int]:
        return self.points[0][1], self.points[-1][1]

    def predict(self, loc: float) -> float | None:
        if self.a is None or self.b is None:
            return None
        return self.a * loc ** self.b

    def crossing(self, threshold: float) -> float | None:
        return dict(self.crossings).get(threshold)

    def extrapolated(self, loc: float) -> bool:
        lo, hi = self.loc_range
        return not (lo <= loc <= hi)

    @property
    def note(self) -> str:
        if self.b is None:
            return "one size: no fit" if self.sizes == 1 else "no fit"
        if not self.trusted:
            return f"{self.sizes} sizes: too few to trust"
        return ""


@dataclass(frozen=True)
class Evidence:
    """The claim tested at one project (the verdict uses the largest)."""

    project: str
    go_loc: int | None
    rust_loc: int | None
    go_profile: str
    go_s: float
    rust_s: tuple[tuple[str, float], ...]  # (profile, seconds) for each Rust profile measured

    @property
    def outcome(self) -> str:
        return outcome(self.go_s, dict(self.rust_s))


@dataclass(frozen=True)
class Verdict:
    outcome: str  # holds | partly holds | does not hold | not measured
    evidence: Evidence | None
    by_size: tuple[Evidence, ...]  # every graded size measured in both languages
    reasons: tuple[str, ...]  # the numbers behind it, in sentences
    missing_profiles: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScenarioGap:
    """How the gap of another scenario compares with the clean build's."""

    project: str
    scenario: str
    edit: str | None
    profile: str
    go_s: float
    rust_s: float
    ratio: float
    clean_ratio: float | None
    why: str
    jobs: int | None = None

    @property
    def scenario_text(self) -> str:
        return scenario_text(self.scenario, self.edit, self.jobs)

    @property
    def change(self) -> str:
        if self.clean_ratio is None:
            return ""
        if self.ratio < 1 <= self.clean_ratio:
            return "reversed: Rust is faster here"
        if self.ratio < self.clean_ratio / 1.25:
            return "narrower"
        if self.ratio > self.clean_ratio * 1.25:
            return "wider"
        return "about the same"


@dataclass(frozen=True)
class TimelineUnit:
    """One unit (crate, package, link step) on a --breakdown run's timeline."""

    name: str
    kind: str
    start_s: float
    end_s: float
    cpu_s: float | None
    peak_rss_bytes: int | None
    critical: bool


@dataclass(frozen=True)
class Timeline:
    """The per-unit record of one --breakdown run."""

    run_id: int
    lang: str
    project: str
    toolchain: str
    scenario: str
    profile: str
    wall_s: float
    units: tuple[TimelineUnit, ...]


# -- real pairs -------------------------------------------------------------------------


@dataclass(frozen=True)
class RealSide:
    """One program of a pair, as recorded."""

    lang: str
    spec: str | None  # the exact published version: crate:jaq@3.1.2
    loc: int | None  # its own code lines
    compiled_loc: int | None  # its own and every non-std dependency's


@dataclass(frozen=True)
class Prediction:
    """The graded fit read at one side's compiled lines, against the measurement."""

    lang: str
    scenario_text: str
    profile: str
    loc: int
    predicted_s: float
    measured_s: float
    extrapolated: bool  # beyond the graded sizes measured

    @property
    def ratio(self) -> float:
        """Measured over predicted: above 1, the real project builds slower than a
        generated one of the same compiled size."""
        return self.measured_s / self.predicted_s


@dataclass(frozen=True)
class RealPair:
    name: str
    sides: tuple[RealSide, ...]  # Go, then Rust
    rows: tuple[Pair, ...]  # clean and incremental, debug and release
    outcome: str  # holds | partly holds | does not hold | not measured
    predicted: str | None  # the verdict the graded fits give at these sizes; None: no fit
    predictions: tuple[Prediction, ...]

    @property
    def agrees(self) -> bool | None:
        if self.predicted is None or self.outcome == "not measured":
            return None
        return self.predicted == self.outcome

    def side(self, lang: str) -> RealSide | None:
        return next((s for s in self.sides if s.lang == lang), None)


@dataclass(frozen=True)
class GapReport:
    sessions: tuple[dict[str, Any], ...]  # id, started, status, label, command_line
    machine: dict[str, Any]
    toolchains: tuple[dict[str, Any], ...]  # lang, spec, version, version_full
    primary: dict[str, str]  # lang -> the toolchain of the Go-vs-Rust tables
    cells: tuple[CellSummary, ...]  # every toolchain
    pairs: tuple[Pair, ...]
    fits: tuple[Fit, ...]
    verdict: Verdict
    gaps: tuple[ScenarioGap, ...]
    not_measured: tuple[str, ...]  # caveat scenarios absent from the data
    sentences: tuple[str, ...]  # the scaling in words
    timelines: tuple[Timeline, ...] = ()
    notes: tuple[str, ...] = field(default=())
    real_pairs: tuple[RealPair, ...] = ()  # real programs that do the same job

    @property
    def fitted(self) -> list[Fit]:
        """The fits on two sizes or more (the others have no line to show)."""
        return [f for f in self.fits if f.b is not None]

    @property
    def unfitted(self) -> list[str]:
        """Scenario labels measured at a single graded size: no fit."""
        out: list[str] = []
        for f in self.fits:
            if f.b is None and f.scenario_text not in out:
                out.append(f.scenario_text)
        return out

    @property
    def multi_toolchain_langs(self) -> list[str]:
        return [lang for lang in LANG_ORDER
                if len({c.key.toolchain for c in self.cells if c.key.lang == lang}) > 1]

    def toolchain_cells(self, lang: str
                        ) -> tuple[list[str], dict[tuple[str, str, str], dict[str, CellSummary]]]:
        """For a language measured with several toolchains: the toolchains, and per
        (project, scenario, profile) each toolchain's cell."""
        cells = [c for c in self.cells if c.key.lang == lang]
        rows: dict[tuple[str, str, str], dict[str, CellSummary]] = {}
        for c in cells:
            rows.setdefault((c.key.project, c.key.scenario_text, c.key.profile),
                            {})[c.key.toolchain] = c
        return sorted({c.key.toolchain for c in cells}), rows
