"""The report, assembled: from a selection of the history to what every renderer of
`buildprof report` draws (terminal, Markdown, JSON, HTML).

`assemble(store, filters)` reads the selection (storage.queries.report_rows: one
session by default, every session with --all), splits it into the projects Go
against Rust is about and the projects that stand alone (own.split), and builds
each part: the gap report (gap.build), a section per project that stands alone
(own.section: its cells, its trend over every session, its newest --breakdown run
and tune session), what the build time buys where payoff rounds match
(payoff.section), and the compilers over time where the graded samples were built
by two releases or more of a language (releases.section, from every session the
filters allow on the report's machine). The command line only picks the renderer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from profiler.analysis import own
from profiler.analysis.gap import build as gap_report
from profiler.analysis.own import ProjectsReport, pick_units_run, split
from profiler.analysis.payoff import PayoffSection
from profiler.analysis.payoff import section as payoff_section
from profiler.analysis.records import Fit, GapReport
from profiler.analysis.releases import CompilersOverTime
from profiler.analysis.releases import section as releases_section
from profiler.errors import UsageError
from profiler.model.filters import Filters
from profiler.samples.spec import SIZES

if TYPE_CHECKING:
    from profiler.storage.db import ResultsDB
    from profiler.storage.units import StoredUnits


@dataclass(frozen=True)
class Document:
    """What `report` shows: the Go-against-Rust report of the paired projects, a
    section per project that stands alone, the payoff, and the compilers over time;
    each None when the selection holds none (never both of the first two, unless
    assembled without projects)."""

    gap: GapReport | None
    projects: ProjectsReport | None
    payoff: PayoffSection | None
    compilers: CompilersOverTime | None = None

    @property
    def summary(self) -> str:
        """In a few words: `verdict holds`, or `2 project(s)`."""
        if self.gap is not None:
            return f"verdict {self.gap.verdict.outcome}"
        return f"{len(self.projects.projects)} project(s)" if self.projects else ""


def assemble(store: ResultsDB, filters: Filters, *, all_sessions: bool = False,
             projects: bool = True) -> Document:
    """The report of the selection `filters` (with --all, `all_sessions`); without
    `projects`, no section of own projects (the site has a page per project). UsageError
    for a selection that holds no build run (naming the payoff rounds it does hold)
    or that spans several machines."""
    try:
        rows = store.report_rows(filters, all_sessions=all_sessions)
    except UsageError as exc:
        raise _payoff_hint(exc, store, filters) from None
    paired, alone = _split(rows)
    gap = gap_report(**paired) if paired is not None else None
    if gap is not None and gap.real_pairs and all(r.agrees is None for r in gap.real_pairs):
        reference = _graded_reference(store, gap)
        if reference is not None:
            gap = gap_report(**paired, reference=reference)
    machine_id = rows["machine"].get("id")
    own_projects = _own_projects(store, alone, rows, filters, all_sessions) if projects else None
    return Document(gap, own_projects,
                    _payoff(store, filters, all_sessions, machine_id),
                    releases_section(store, filters, machine_id))


def _split(rows: dict[str, Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """What the Go-against-Rust report is built from (gap.build's arguments: the
    selection's paired projects; None when it has none), and the runs of the projects
    that stand alone, which are compared with nothing: the user's own (a Go module and
    an unrelated crate are two projects, not a gap) and a sample measured in one
    language only (own.split). With none of those, it is exactly what report_rows
    gives."""
    paired, alone = split(rows["runs"])
    # A `tune` knob's cells are variants of a sample's build, not the build the gap
    # report compares (a knob cell would stand in for its baseline): baselines only.
    every = len(paired)
    paired = [r for r in paired if (r.get("variant") or "baseline") == "baseline"]
    if not alone and len(paired) == every:
        return rows, []
    if not paired:
        return None, alone
    ids = {r["id"] for r in paired}
    sessions = {r["session_id"] for r in paired}
    return {"runs": paired, "sessions": [s for s in rows["sessions"] if s["id"] in sessions],
            "machine": rows["machine"], "toolchains": rows["toolchains"],
            "units": [u for u in rows["units"] if u["run_id"] in ids]}, alone


def _graded_reference(store: ResultsDB, gap: GapReport) -> tuple[list[Fit], str] | None:
    """The graded fits that predict the real pairs when the selection has none of its
    own (pairs and graded samples are usually measured in different sessions): those
    of the newest session of this machine and the report's toolchains with graded
    samples, and its name; None when there is none or it gives no fit."""
    sizes = tuple(s for s in SIZES if s in store.project_names())
    if not sizes:
        return None
    graded = Filters(projects=sizes, toolchains=tuple(gap.primary.values()),
                     machines=(gap.machine["id"],) if gap.machine.get("id") else ())
    try:
        rows = store.report_rows(graded)
    except UsageError:
        return None
    paired, _ = _split(rows)
    if paired is None:
        return None
    fits = gap_report(**paired).fits
    if not fits:
        return None
    session = paired["sessions"][0] if paired["sessions"] else {}
    when = (session.get("started") or "")[:10]
    return list(fits), f"session {session.get('id')}" + (f" ({when})" if when else "")


def _own_projects(store: ResultsDB, alone: list[dict[str, Any]], rows: dict[str, Any],
                  filters: Filters, all_sessions: bool) -> ProjectsReport | None:
    """A section per own project of the selection: its selected runs, and, from every
    session the filters allow on the report's machine (not only the selected one),
    its trend, its newest --breakdown run and its newest tune session."""
    if not alone:
        return None
    machine_id = rows["machine"].get("id")
    sections = []
    for name, lang, sample in own.project_keys(alone):
        selected = [r for r in alone if (r["project"], r["lang"], not own.is_own(r))
                    == (name, lang, sample)]
        history = store.own_project_runs(filters, name, lang, machine_id, sample)
        run, stored = _newest_breakdown(store, history)
        sections.append(own.section(name, lang, selected, history, all_sessions=all_sessions,
                                    units_run=run, units=stored.units if stored else (),
                                    path=stored.path if stored else None))
    return own.build(sections, sessions=rows["sessions"], machine=rows["machine"],
                     toolchains=rows["toolchains"])


def _newest_breakdown(store: ResultsDB, history: list[dict[str, Any]]
                      ) -> tuple[dict[str, Any] | None, StoredUnits | None]:
    """The project's --breakdown run that its section shows: of the newest session
    that has one (own.pick_units_run chooses within it), with its units
    and the critical path `run` stored; (None, None) when it has none."""
    ids = {r["id"] for r in history}
    for sid in sorted({r["session_id"] for r in history}, reverse=True):
        with_units = set(store.breakdown_run_ids(sid)) & ids
        run = pick_units_run([r for r in history if r["id"] in with_units])
        if run is not None:
            return run, store.run_units(run["id"])
    return None, None


def _payoff(store: ResultsDB, filters: Filters, all_sessions: bool, machine_id: str | None
            ) -> PayoffSection | None:
    """The "What the build time buys" section, or None when no payoff round matches.
    Its rounds follow the report's session rule (queries.report_rows): the newest
    payoff session unless --session, --label, --since or --all widen the selection;
    that newest session is the payoff's own, which is not the builds' (a payoff
    records its rounds in a session of their own)."""
    newest_only = not (all_sessions or filters.sessions or filters.labels or filters.since)
    return payoff_section(store, filters, machine_id=machine_id,
                          newest_session_only=newest_only)


def _payoff_hint(exc: UsageError, store: ResultsDB, filters: Filters) -> UsageError:
    """A selection with payoff rounds but no build runs (say --session of a payoff)
    is refused as any selection without build runs is; the error then says that the
    rounds are there and what to add to see them."""
    if store.runs(filters, limit=1):
        return exc  # the refusal is about something else (several machines)
    rounds = store.load_runs(filters)
    if not rounds:
        return exc
    sessions = ", ".join(map(str, sorted({r["session_id"] for r in rounds})))
    add = (": add the session of their builds (--session once more)" if filters.sessions
           else "")
    return UsageError(f"{exc}. The selection does hold {len(rounds)} payoff round(s) "
                      f"(session(s) {sessions}), which the report shows beside build runs "
                      f"only{add}")
