"""The user's own projects in `buildprof report`: each one's cells, trend, units and
tune results.

Go against Rust is a comparison of paired projects only (the graded samples, the
real-world samples and the real pairs, whose two sides are the same program). A
project of the user's own (`projects.source` is `path`, or the exact `crate:`/`go:`
spec it was fetched by) has no other side: a Go module and an unrelated crate in
one database are two projects, and the report answers what their owner asks: what
each cell costs now, how that moved across sessions, where the time goes in the
build, and what a `tune` knob changed.

Pure functions of stored rows: analysis.document reads them through ResultsDB (the
report's selection, queries.report_rows; every session of a project,
own_project_runs; the units of one --breakdown run, run_units) and the renderers only
show the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from profiler.analysis import wording
from profiler.analysis.changes import ChangePoint, Series, change_points, series
from profiler.analysis.rule import LANG_ORDER, PROFILE_ORDER, SCENARIO_ORDER
from profiler.analysis.tune import KnobResult
from profiler.analysis.tune import results as tune_results
from profiler.analysis.twosample import change_pct
from profiler.languages import title
from profiler.model.cells import BASELINE, CellKey, CellSummary, summarize
from profiler.model.units import CriticalPath, Unit
from profiler.samples.resolve import project_kind, with_kinds

Row = dict[str, Any]  # a stored run, as the storage queries return it

OWN_KIND = "path"  # project_kind of a project that is neither a sample nor a pair side
TOP_UNITS = 5  # the slowest units a section lists


def is_own(run: Row) -> bool:
    """Whether the run is of the user's own project: a directory, or a published crate
    or module fetched by spec (a sample's source is `sample:<name>`)."""
    return project_kind(run.get("source")) == OWN_KIND


def split(runs: Sequence[Row]) -> tuple[list[Row], list[Row]]:
    """(paired, alone): the runs Go against Rust is about, and the runs of projects
    that stand alone in the selection: the user's own, and a sample measured in one
    language only (`run --size tiny --lang go`), whose other side is not there to
    compare with (its baseline builds, that is: `tune` knob cells are variants of a
    build, and Go against Rust compares builds). Go against Rust is never shown with
    an empty column."""
    langs: dict[str, set[str]] = {}
    for r in runs:
        if not is_own(r):
            seen = langs.setdefault(r["project"], set())
            if (r.get("variant") or BASELINE) == BASELINE:
                seen.add(r["lang"])
    paired: list[Row] = []
    alone: list[Row] = []
    for r in runs:
        (alone if is_own(r) or len(langs[r["project"]]) < 2 else paired).append(r)
    return paired, alone


def other_side_command(name: str, lang: str, source: str | None) -> str:
    """The `buildprof run` that measures a sample's other language."""
    other = next(lg for lg in LANG_ORDER if lg != lang)
    what = "--size" if project_kind(source) == "graded" else "--sample"
    return f"buildprof run {what} {name} --lang {other}"


def _order(values: Sequence[str], value: str | None) -> tuple[int, str]:
    return (values.index(value) if value in values else len(values)), value or ""


def project_keys(runs: Sequence[Row]) -> list[tuple[str, str, bool]]:
    """The (name, language, whether a sample) of each project in `runs` (split's
    second part), by name, Go before Rust, the user's before a sample of the name."""
    keys = {(r["project"], r["lang"], not is_own(r)) for r in runs}
    return sorted(keys, key=lambda k: (k[0] or "", _order(LANG_ORDER, k[1]), k[2]))


def _cell_order(c: CellSummary) -> tuple[Any, ...]:
    k = c.key
    return (_order(SCENARIO_ORDER, k.scenario), k.edit or "", k.jobs or 0,
            _order(PROFILE_ORDER, k.profile), k.toolchain or "", k.rev or "",
            k.variant != BASELINE, k.variant)


# -- records ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    """One session of a cell's trend."""

    session: int
    date: str | None  # when its first run started (UTC)
    n: int  # successful timed runs
    median: float | None  # their median wall time; None when every run failed
    toolchain: str | None
    content_hash: str | None


@dataclass(frozen=True)
class Trend:
    """A cell's median wall time per session, oldest first."""

    key: CellKey  # the cell's key in the section's table
    points: tuple[TrendPoint, ...]

    @property
    def measured(self) -> list[TrendPoint]:
        return [p for p in self.points if p.median is not None]

    @property
    def change_pct(self) -> float | None:
        """The last session's median against the first one's, in %; None with fewer
        than two measured sessions."""
        got = self.measured
        if len(got) < 2 or not got[0].median:
            return None
        return change_pct(got[0].median, float(got[-1].median or 0))

    def changes(self, field: str) -> list[int]:
        """The sessions whose `field` (content_hash, toolchain) differs from the
        session before them: a step in the trend may be the sources or the compiler,
        not the machine."""
        return [b.session for a, b in zip(self.points, self.points[1:], strict=False)
                if getattr(a, field) != getattr(b, field)]


@dataclass(frozen=True)
class UnitsSummary:
    """The slowest units and the critical path of one --breakdown run."""

    run_id: int
    session: int
    key: CellKey
    wall_s: float | None  # the build's wall time
    count: int  # units recorded
    slowest: tuple[Unit, ...]  # the TOP_UNITS longest, longest first
    chain: tuple[str, ...]  # the critical path, first to last
    chain_s: float  # its length: the sum of its units' times


@dataclass(frozen=True)
class ProjectSection:
    """Everything the report says about one own project."""

    name: str
    lang: str
    source: str | None  # `path`, or the exact crate:/go: spec
    path: str | None  # the directory (or spec) of its newest run
    loc: int | None
    sessions: tuple[int, ...]  # the sessions its cells come from
    cells: tuple[CellSummary, ...]
    trends: tuple[Trend, ...]  # one per cell, in the cells' order
    units: UnitsSummary | None  # the newest --breakdown run, if any
    tune: tuple[KnobResult, ...]  # the newest tune session's knobs, ranked
    tune_session: int | None
    notes: tuple[str, ...] = ()
    # The change points of the project's series (profiler.analysis.changes), without
    # causes: `buildprof changes` names those.
    changes: tuple[ChangePoint, ...] = ()
    series: tuple[Series, ...] = ()  # the series those were found in

    @property
    def title(self) -> str:
        return f"{self.name} ({title(self.lang)})"

    @property
    def own(self) -> bool:
        """The user's project, not a sample measured in one language."""
        return project_kind(self.source) == OWN_KIND

    @property
    def where(self) -> str:
        """Where it comes from: its directory, or the spec it was fetched by."""
        if self.source and self.source != "path":
            return self.source
        return self.path or ""


@dataclass(frozen=True)
class ProjectsReport:
    """The projects of a report's selection that stand alone (`split`)."""

    sessions: tuple[dict[str, Any], ...]  # the selection's sessions that hold them
    machine: dict[str, Any]
    toolchains: tuple[dict[str, Any], ...]
    projects: tuple[ProjectSection, ...]

    @property
    def title(self) -> str:
        """"Your projects", unless a sample measured in one language is among them."""
        return "Your projects" if all(p.own for p in self.projects) \
            else "Projects on their own"


# -- computations ----------------------------------------------------------------------


def _newest_content(runs: Sequence[Row]) -> tuple[list[Row], bool]:
    """The runs of the project's newest content (by run id), and whether older
    contents were left out: pooling runs of different sources is no median of anything."""
    newest = max(runs, key=lambda r: r["id"]).get("content_hash")
    kept = [r for r in runs if r.get("content_hash") == newest]
    return kept, len(kept) < len(runs)


def cell_runs(selected: Sequence[Row], all_sessions: bool) -> tuple[list[Row], list[str]]:
    """The runs the section's table summarises, and notes: those of the newest
    session in the selection that has the project, or with --all every session's
    (the newest content only)."""
    if not all_sessions:
        newest = max(r["session_id"] for r in selected)
        return [r for r in selected if r["session_id"] == newest], []
    kept, dropped = _newest_content(selected)
    if not dropped:
        return kept, []
    left = sorted({r["session_id"] for r in selected} - {r["session_id"] for r in kept})
    return kept, ["Its sources changed across the sessions selected: the table pools the "
                  "newest content's runs only (the trend shows every session)"
                  + (f"; session(s) {', '.join(map(str, left))} left out of it." if left
                     else ".")]


def _trend_key(key: CellKey, ambiguous: bool) -> CellKey:
    """What a cell's trend matches runs on: its key without the toolchain, so that a
    compiler upgrade shows as a step in the trend (and is named), unless the table
    holds the cell with several toolchains (then each has its own trend)."""
    return key if ambiguous else replace(key, toolchain="")


def trends_of(cells: Sequence[CellSummary], history: Sequence[Row]) -> list[Trend]:
    """For each cell, its median per session (in date order) over `history`."""
    plain = [replace(c.key, toolchain="") for c in cells]
    by_session: dict[tuple[CellKey, int], list[Row]] = {}
    for r in history:
        by_session.setdefault((CellKey.of(r), r["session_id"]), []).append(r)
    out = []
    for c, key in zip(cells, plain, strict=True):
        ambiguous = plain.count(key) > 1
        want = _trend_key(c.key, ambiguous)
        # Per session, the matching cells: one, or (a session that built it with
        # several toolchains) the table's own toolchain, else the most runs.
        groups: dict[int, list[list[Row]]] = {}
        for (k, session), rows in by_session.items():
            if _trend_key(k, ambiguous) == want:
                groups.setdefault(session, []).append(rows)
        points = []
        for session, candidates in groups.items():
            rows = max(candidates, key=lambda rs: (CellKey.of(rs[0]) == c.key, len(rs)))
            cell = CellSummary.of(rows)
            last = max(rows, key=lambda r: r["id"])
            points.append(TrendPoint(session, cell.date, cell.n, cell.wall.median,
                                     last.get("toolchain"), last.get("content_hash")))
        points.sort(key=lambda p: (p.date or "", p.session))
        out.append(Trend(c.key, tuple(points)))
    return out


def trend_notes(trends: Sequence[Trend]) -> list[str]:
    """What else moved along a trend: the sessions at which the project's sources or
    its toolchain changed from the session before (a step there need not be the build
    getting slower or faster on its own)."""
    out = []
    for field, what in (("content_hash", "its sources"), ("toolchain", "the toolchain")):
        at = sorted({s for t in trends for s in t.changes(field)})
        if at:
            out.append(f"In the trend, {what} changed at session(s) "
                       f"{', '.join(map(str, at))}: a step there is that change as much as "
                       f"the build.")
    return out


def pick_units_run(candidates: Sequence[Row]) -> Row | None:
    """Of a session's --breakdown runs, the one a section shows: the baseline before
    a tune knob, clean before other scenarios, no edit, then the newest."""
    ok = [r for r in candidates if r.get("status") == "ok"]
    if not ok:
        return None
    return max(ok, key=lambda r: ((r.get("variant") or BASELINE) == BASELINE,
                                  r["scenario"] == "clean", not r.get("edit"), r["id"]))


def units_summary(run: Row, units: Sequence[Unit], path: CriticalPath | None
                  ) -> UnitsSummary:
    """The run's slowest units and the critical path `run` stored for it."""
    slowest = tuple(sorted(units, key=lambda u: (-u.wall_s, u.name))[:TOP_UNITS])
    return UnitsSummary(run["id"], run["session_id"], CellKey.of(run), run.get("wall_s"),
                        len(units), slowest, path.chain if path else (),
                        float(path.length_s) if path else 0.0)


def tune_runs(history: Sequence[Row]) -> tuple[int | None, list[Row]]:
    """The newest session that measured `tune` knobs on the project, and its runs
    (the knobs' and the baseline's they were interleaved with)."""
    sessions = [r["session_id"] for r in history if (r.get("variant") or BASELINE) != BASELINE]
    if not sessions:
        return None, []
    newest = max(sessions)
    return newest, [r for r in history if r["session_id"] == newest]


def section(name: str, lang: str, selected: Sequence[Row], history: Sequence[Row], *,
            all_sessions: bool = False, units_run: Row | None = None,
            units: Sequence[Unit] = (), path: CriticalPath | None = None) -> ProjectSection:
    """One own project's section. `selected`: its runs in the report's selection;
    `history`: its runs of every session the filters allow (own_project_runs, which
    holds the selected ones too), for the trend and the tune results; `units_run`,
    `units`, `path`: its newest --breakdown run with the units and critical path
    stored for it."""
    runs, notes = cell_runs(selected, all_sessions)
    cells = sorted(summarize(with_kinds(runs)), key=_cell_order)
    trends = trends_of(cells, history)
    tune_session, knob_runs = tune_runs(history)
    every = series(history)
    newest = max(runs, key=lambda r: r["id"])
    if not is_own(newest):
        notes.append(f"{name} is a sample with a side in each language, measured here in "
                     f"{title(lang)} only, so there is nothing to compare it "
                     f"with: `{other_side_command(name, lang, newest.get('source'))}` "
                     f"measures the other side.")
    notes += trend_notes(trends)
    notes += wording.notes([], {}, failed=sum(c.failed for c in cells),
                           disturbed=sum(1 for r in runs if r.get("disturbed")),
                           single=sum(1 for c in cells if c.n == 1))
    return ProjectSection(
        name=name, lang=lang, source=newest.get("source"), path=newest.get("project_path"),
        loc=newest.get("loc"), sessions=tuple(sorted({r["session_id"] for r in runs})),
        cells=tuple(cells), trends=tuple(trends),
        units=units_summary(units_run, units, path) if units_run is not None and units
        else None,
        tune=tuple(tune_results(knob_runs)) if knob_runs else (), tune_session=tune_session,
        notes=tuple(notes), changes=tuple(cp for s in every for cp in change_points(s)),
        series=tuple(every))


def build(sections: Sequence[ProjectSection], *, sessions: Sequence[dict[str, Any]] = (),
          machine: dict[str, Any] | None = None,
          toolchains: Sequence[dict[str, Any]] = ()) -> ProjectsReport:
    """The projects part of a report: its sections, and of the selection's sessions
    and toolchains those its cells use."""
    ids = {s for p in sections for s in p.sessions}
    specs = {c.key.toolchain for p in sections for c in p.cells}
    return ProjectsReport(tuple(s for s in sessions if s["id"] in ids), dict(machine or {}),
                          tuple(t for t in toolchains if t["spec"] in specs), tuple(sections))
