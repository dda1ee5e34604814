"""What `buildprof site` shows, read once from the history.

The site (profiler.report.site renders it) is the whole selection at once: every
series with its change points (analysis/changes.py: the same series and detection as
`buildprof changes`), grouped into a page per project and a chart per scenario and
profile; the report of each machine (analysis/document.py: the same as `buildprof
report`); and every side `compare` accepts (sessions, toolchains, labels, revisions)
with the runs `compare` would read for it, so that the compare page can pair any two
in the browser exactly as analysis/compare.py pairs them. The newest pair of sessions
that compares is compared here too, so that the page has a table without JavaScript.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from profiler.analysis import changes as ch
from profiler.analysis.compare import Comparison, Side, compare_runs, resolve_side
from profiler.analysis.twosample import change_of
from profiler.errors import UsageError
from profiler.model.cells import scenario_text
from profiler.model.filters import Filters

if TYPE_CHECKING:
    from profiler.analysis.document import Document
    from profiler.analysis.tune import KnobResult
    from profiler.model.units import Unit
    from profiler.storage.db import ResultsDB

# How far back the page's default comparison looks for a session that pairs with the
# newest one.
DEFAULT_LOOKBACK = 20


@dataclass(frozen=True)
class Line:
    """One series on a project page, with its change points."""

    series: ch.Series
    changes: tuple[ch.ChangePoint, ...]

    @property
    def latest(self) -> ch.Point | None:
        pts = self.series.measured
        return pts[-1] if pts else None

    @property
    def previous(self) -> ch.Point | None:
        pts = self.series.measured
        return pts[-2] if len(pts) > 1 else None

    @property
    def change_pct(self) -> float | None:
        """The latest point's median against the one before it, in %."""
        a, b = self.previous, self.latest
        return change_of(a.median if a else None, b.median if b else None)

    @property
    def failed(self) -> int:
        return sum(p.failed for p in self.series.points)


@dataclass(frozen=True)
class Chart:
    """One scenario and profile of a project: every series (language, toolchain,
    variant, jobs, machine), over commits or over sessions."""

    scenario_text: str
    profile: str
    by_commit: bool
    lines: tuple[Line, ...]

    @property
    def title(self) -> str:
        over = "commits" if self.by_commit else "sessions"
        return f"{self.scenario_text} {self.profile}, over {over}"


@dataclass(frozen=True)
class ProjectView:
    name: str
    slug: str  # the page's file name, safe on any file system
    langs: tuple[str, ...]
    charts: tuple[Chart, ...]
    sessions: int
    commits: int
    machines: tuple[str, ...]

    @property
    def measured_text(self) -> str:
        """`2 sessions`, `15 commits`, `15 commits and 2 sessions`."""
        parts = [f"{n} {what}{'s' if n != 1 else ''}" for n, what in
                 ((self.commits, "commit"), (self.sessions, "session")) if n]
        return " and ".join(parts) or "nothing measured"

    @property
    def lines(self) -> list[Line]:
        return [line for c in self.charts for line in c.lines]


@dataclass(frozen=True)
class SideView:
    """A side `compare` accepts, as the compare page lists it, with its runs."""

    text: str  # as `buildprof compare` takes it: session:3, toolchain:go@1.26.8, …
    kind: str  # session | toolchain | label | rev
    title: str  # Side.title
    note: str  # when, where, what
    rows: list[dict[str, Any]]  # compare_samples of the side


@dataclass(frozen=True)
class MachineReport:
    machine_id: str
    hostname: str
    doc: Document | None  # `buildprof report --machine M`: compilers, payoff, tune
    gap: Document | None  # the newest session with Go and Rust samples paired in it
    why: str | None  # why there is no report (no build run on this machine)


@dataclass(frozen=True)
class TuneView:
    """A project's newest `tune` session on a machine and what each knob did."""

    project: str
    lang: str
    machine: str
    session: int
    results: tuple[KnobResult, ...]


def tunes_of(runs: Sequence[dict[str, Any]]) -> tuple[TuneView, ...]:
    """Per project, language and machine, its newest `tune` session's results (as the
    report's project sections find them: analysis/own.py and analysis/tune.py)."""
    from profiler.analysis.own import tune_runs
    from profiler.analysis.tune import results

    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in runs:
        groups.setdefault((r["project"], r["lang"], r.get("machine") or r["machine_id"]),
                          []).append(r)
    out = []
    for (project, lang, machine), rows in sorted(groups.items()):
        session, knob_runs = tune_runs(rows)
        if session is not None and knob_runs:
            out.append(TuneView(project, lang, machine, session, tuple(results(knob_runs))))
    return tuple(out)


@dataclass(frozen=True)
class TraceSource:
    """What `breakdown --format trace` exports of one run (report.exports.trace)."""

    run: dict[str, Any]
    units: list[Unit]
    chain: tuple[str, ...]
    samples: list[tuple[float, int]]
    recorded_by: str | None
    machine: str | None


@dataclass(frozen=True)
class Site:
    filters: Filters
    sessions: int
    runs_total: int
    machines: dict[str, str]  # id → hostname
    projects: tuple[ProjectView, ...]
    changes: ch.Changes
    reports: tuple[MachineReport, ...]
    sides: tuple[SideView, ...]
    default_compare: Comparison | None
    compare_note: str | None
    runs: dict[int, dict[str, Any]]  # every timed run of the series, by id
    traces: dict[int, TraceSource] = field(default_factory=dict)
    tunes: tuple[TuneView, ...] = ()
    toolchains: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.runs

    def newest_changes(self, top: int = 20) -> list[ch.ChangePoint]:
        """The change points across every series, newest first."""
        return sorted(self.changes.points, key=lambda cp: (cp.point.date or ""),
                      reverse=True)[:top]

    def project_of(self, s: ch.Series) -> ProjectView | None:
        return next((p for p in self.projects if p.name == s.key.project), None)


def slug(i: int, name: str) -> str:
    """A file name for project `i`: its number and the name's plain letters."""
    plain = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:40]
    return f"{i:03d}-{plain}" if plain else f"{i:03d}"


def projects_of(changes: ch.Changes, machines: dict[str, str]) -> tuple[ProjectView, ...]:
    """The series grouped by project, then by scenario, profile and axis."""
    by_project: dict[str, list[ch.Series]] = {}
    for s in changes.series:
        by_project.setdefault(s.key.project, []).append(s)
    out = []
    for i, name in enumerate(sorted(by_project, key=lambda n: (n.lower(), n)), 1):
        groups: dict[tuple[str, str, bool], list[Line]] = {}
        for s in by_project[name]:
            # one chart per scenario (with its edit) and profile: jobs and variants are
            # series of it, beside the toolchains
            key = (scenario_text(s.key.scenario, s.key.edit), s.key.profile, s.by_commit)
            groups.setdefault(key, []).append(Line(s, tuple(changes.of(s))))
        charts = tuple(Chart(sc, prof, by_commit, tuple(lines))
                       for (sc, prof, by_commit), lines in groups.items())
        every = by_project[name]
        sessions = {p.label for s in every for p in s.points if not p.commit}
        commits = {p.commit for s in every for p in s.points if p.commit}
        out.append(ProjectView(
            name, slug(i, name), tuple(sorted({s.key.lang for s in every})), charts,
            len(sessions), len(commits),
            tuple(sorted({machines.get(s.machine_id, s.machine) for s in every}))))
    return tuple(out)


def _session_note(rows: Sequence[dict[str, Any]]) -> str:
    first = rows[0]
    when = (first.get("session_started") or first.get("started") or "")[:16].replace("T", " ")
    label = f" · {first['label']}" if first.get("label") else ""
    return f"{when} · {first.get('machine') or '?'}{label}"


def sides_of(store: ResultsDB, filters: Filters, runs: Sequence[dict[str, Any]]
             ) -> list[SideView]:
    """Every session, toolchain, label and revision of the selection, as the compare
    page lists them, with the runs `compare` reads for each (compare.resolve_side)."""
    out: list[SideView] = []
    every = store.compare_samples(filters)
    by_session: dict[int, list[dict[str, Any]]] = {}
    for r in every:
        by_session.setdefault(r["session_id"], []).append(r)
    described: dict[int, dict[str, Any]] = {}
    for r in runs:
        described.setdefault(r["session_id"], r)
    for sid in sorted(by_session, reverse=True):
        side = Side(str(sid), "session", filters.with_(sessions=(*filters.sessions, sid)))
        rows = by_session[sid] if not filters.sessions else store.compare_samples(side.filters)
        out.append(SideView(f"session:{sid}", "session", side.title,
                            _session_note([described.get(sid, rows[0])]), rows))
    specs = sorted({r["toolchain"] for r in every})
    labels = sorted({r["label"] for r in runs if r.get("label")})
    revs = list(dict.fromkeys(r["rev"] for r in runs if r.get("rev")))
    subject = {r["rev"]: r.get("commit_subject") for r in runs if r.get("rev")}
    if not filters.labels:  # a label's runs are its sessions' (resolve_side adds the label)
        label_of = {sid: r.get("label") for sid, r in described.items()}
        by_label: dict[str, list[dict[str, Any]]] = {}
        for r in every:
            if label_of.get(r["session_id"]):
                by_label.setdefault(label_of[r["session_id"]], []).append(r)
        for label in labels:
            rows = by_label.get(label, [])
            if rows:
                n = len({r["session_id"] for r in rows})
                out.append(SideView(f"label:{label}", "label", f"label:{label}",
                                    f"{len(rows)} runs in {n} session(s)", rows))
        labels = []
    for kind, values in (("toolchain", specs), ("label", labels), ("rev", revs)):
        for value in values:
            try:
                side = resolve_side(store, f"{kind}:{value}", filters)
            except UsageError:
                continue
            rows = store.compare_samples(side.filters)
            if rows:
                n = len({r["session_id"] for r in rows})
                note = f"{len(rows)} runs in {n} session(s)"
                if kind == "rev":
                    note = f"{subject.get(value) or '?'} · {len(rows)} runs"
                out.append(SideView(side.text, kind, side.title, note, rows))
    return out


def default_comparison(sides: Sequence[SideView], lookback: int = DEFAULT_LOOKBACK
                       ) -> tuple[Comparison | None, str | None]:
    """What the compare page shows before a choice, as `compare` computes it: the newest
    session against the newest earlier one it compares with (a cell in common, same
    sources and machine); with one session, its two first toolchains of a language that
    compare; or why there is none."""
    sessions = [s for s in sides if s.kind == "session"]
    candidates = [(a, b) for i, b in enumerate(sessions[:lookback])
                  for a in sessions[i + 1:i + 1 + lookback]]
    tcs = [s for s in sides if s.kind == "toolchain"]
    candidates += [(a, b) for i, a in enumerate(tcs) for b in tcs[i + 1:]
                   if a.rows[0]["lang"] == b.rows[0]["lang"]][:lookback]
    for a, b in candidates:
        side_a = Side(a.text.split(":", 1)[1] if a.kind == "session" else a.text, a.kind,
                      Filters())
        side_b = Side(b.text.split(":", 1)[1] if b.kind == "session" else b.text, b.kind,
                      Filters())
        result = compare_runs(a.rows, b.rows, side_a, side_b)
        if result.cells:
            return result, None
    if len(sessions) < 2 and len(tcs) < 2:
        return None, "one session and one toolchain per language: nothing to compare yet"
    return None, "no two sessions or toolchains here have a cell in common to compare"


def _toolchains(runs: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    from profiler.backends import backend_for
    from profiler.toolchains.base import origin

    out: dict[str, dict[str, Any]] = {}
    for r in runs:
        spec = r.get("toolchain")
        if spec in out or spec is None:
            continue
        prov, src = r.get("provenance"), r.get("source")
        out[spec] = {"lang": r.get("lang"), "version": r.get("toolchain_version"),
                     "provenance": prov, "source": src,
                     "build_line": backend_for(r["lang"]).build_line(prov) if prov else None,
                     "origin": origin(prov, src) if prov else None}
    return out


def _traces(store: ResultsDB, runs: dict[int, dict[str, Any]]) -> dict[int, TraceSource]:
    wanted = sorted(store.unit_run_ids() & runs.keys())
    sessions: dict[int, dict[str, Any]] = {}
    out = {}
    for rid in wanted:
        run = runs[rid]
        sid = run["session_id"]
        if sid not in sessions:
            try:
                sessions[sid] = store.session(sid)
            except KeyError:
                sessions[sid] = {}
        stored = store.run_units(rid)
        out[rid] = TraceSource(run, stored.units, stored.chain, store.tree_samples(rid),
                               sessions[sid].get("buildprof_version"),
                               run.get("machine"))
    return out


def _paired_sessions(runs: Sequence[dict[str, Any]]) -> dict[str, list[int]]:
    """Per machine, its sessions (newest first) that built a project in both Go and
    Rust: where the Go-against-Rust report can have pairs."""
    langs: dict[tuple[str, int, str], set[str]] = {}
    for r in runs:
        langs.setdefault((r["machine_id"], r["session_id"], r["project"]), set()).add(r["lang"])
    out: dict[str, set[int]] = {}
    for (mid, sid, _), seen in langs.items():
        if {"go", "rust"} <= seen:
            out.setdefault(mid, set()).add(sid)
    return {mid: sorted(sids, reverse=True) for mid, sids in out.items()}


def reports_of(store: ResultsDB, filters: Filters, machines: dict[str, str],
               runs: Sequence[dict[str, Any]], tries: int = 3) -> tuple[MachineReport, ...]:
    """`buildprof report` of each machine (a report never mixes machines), and its
    Go-against-Rust report of the newest session that pairs the languages."""
    from profiler.analysis.document import assemble

    paired = _paired_sessions(runs)
    out = []
    for mid, host in machines.items():
        mine = filters.with_(machines=(mid,))
        try:
            doc = assemble(store, mine, projects=False)
        except UsageError as exc:
            out.append(MachineReport(mid, host, None, None, str(exc)))
            continue
        gap = doc if doc.gap is not None else None
        for sid in paired.get(mid, [])[:tries] if gap is None else ():
            try:
                found = assemble(store, mine.with_(sessions=(*filters.sessions, sid)),
                                 projects=False)
            except UsageError:
                continue
            if found.gap is not None:
                gap = found
                break
        out.append(MachineReport(mid, host, doc, gap, None))
    return tuple(out)


def collect(store: ResultsDB, filters: Filters,
            say: Callable[[str], None] = lambda _: None) -> Site:
    """Everything the site shows, for the runs `filters` select."""
    store.check_filters(filters)
    sessions, total = store.counts()
    say("reading the runs")
    runs = store.runs(filters, timed_only=True)
    machines: dict[str, str] = {}
    for r in runs:
        machines.setdefault(r["machine_id"], r.get("machine") or r["machine_id"][:12])
    say(f"finding the change points of {len(runs):,} runs")
    found = ch.find(store, filters, causes=True, runs=runs)
    by_id = {r["id"]: r for r in runs}
    say("reading the compare page's sides")
    sides = sides_of(store, filters, runs)
    default, note = default_comparison(sides)
    say("assembling each machine's report")
    reports = reports_of(store, filters, machines, runs) if runs else ()
    return Site(filters, sessions, total, machines, projects_of(found, machines), found,
                reports, tuple(sides), default, note, by_id, traces=_traces(store, by_id),
                tunes=tunes_of(runs), toolchains=_toolchains(runs))
