"""`buildprof report`: the gap between Go and Rust on the paired projects (the samples),
and a section per project of the user's own, in the terminal, Markdown, JSON or HTML.

The filters are history's (profiler.cli.options.filter_options), so a selection that
`history` shows is the one the report covers.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from profiler.cli.options import (
    SQLITE_MAX_INT,
    UNFILTERED,
    DbOption,
    FilterOptions,
    filter_options,
    reading,
)
from profiler.errors import UsageError

if TYPE_CHECKING:  # annotations only: the report's modules load when it runs
    from profiler.analysis.own import ProjectsReport
    from profiler.analysis.records import GapReport
    from profiler.model.filters import Filters
    from profiler.model.units import Unit
    from profiler.report.payoff_section import PayoffSection
    from profiler.storage.db import ResultsDB

FORMATS = ("table", "markdown", "json")


def _check_html_path(path: Path) -> Path:
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UsageError(f"--html {path} is a directory; give a file name such as "
                         f"{path / 'report.html'}")
    if not parent.is_dir():
        raise UsageError(f"cannot write {path}: directory {parent} does not exist; create it "
                         f"or choose another --html path")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"cannot write {path}: permission denied; choose another --html path")
    return path


@filter_options()
def report(
    select: FilterOptions = UNFILTERED,
    session: Annotated[list[int] | None, typer.Option(
        "--session", help="Session number(s); without it, --label, --since or --all: the "
                          "latest session with matching runs", show_default=False)] = None,
    all_sessions: Annotated[bool, typer.Option(
        "--all", help="Every session (runs of the same cell are pooled)")] = False,
    html: Annotated[Path | None, typer.Option(
        "--html", help="Also write a self-contained HTML report (inline SVG charts) to FILE",
        metavar="FILE", show_default=False)] = None,
    fmt: Annotated[str | None, typer.Option(
        "--format", help="table, markdown or json (default: table, or nothing with --html)",
        show_default=False)] = None,
    db: DbOption = None,
) -> None:
    """Go against Rust on the samples: medians, ratios, memory, scaling fits
    (time = a·LOCᵇ) and the verdict on "Go compiles in seconds, Rust in minutes" for
    this machine. Your own projects each get their cells, trend across sessions,
    slowest units and tune results instead."""
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}'; use one of: {', '.join(FORMATS)}")
    for sid in session or ():
        if not 0 < sid <= SQLITE_MAX_INT:  # sqlite3 cannot even look up larger ids
            raise UsageError(f"--session takes a session number (got {sid}); see "
                             f"`buildprof history`")
    if all_sessions and session:
        raise UsageError("--all and --session exclude each other; give one")
    if html is not None:
        html = _check_html_path(html)
    filters = select.filters().with_(sessions=tuple(dict.fromkeys(session or ())))
    with reading(db) as store:  # report_rows checks the filters after its own checks
        try:
            rows = store.report_rows(filters, all_sessions=all_sessions)
        except UsageError as exc:
            raise _payoff_hint(exc, store, filters) from None
        from profiler.samples.resolve import project_kind

        rows["runs"] = [{**r, "kind": project_kind(r.get("source"))} for r in rows["runs"]]
        data, own = _split(rows)
        projects = _own_projects(store, own, rows, filters, all_sessions)
        payoff = _payoff(store, filters, all_sessions, rows["machine"].get("id"))
    if html is not None:
        from profiler.report.html import write_html

        write_html(data, html, payoff, projects)
        what = (f"verdict {data.verdict.outcome}" if data is not None else
                f"{len(projects.projects)} project(s)" if projects is not None else "")
        print(f"Wrote {html} ({html.stat().st_size // 1024} KiB): {what}",
              file=sys.stderr if fmt else sys.stdout)
        if fmt is None:
            return
    if fmt == "markdown":
        from profiler.report.markdown import render as render_md
        from profiler.report.markdown import render_projects as projects_md

        if data is not None:
            render_md(data, sys.stdout, payoff)
        if projects is not None:
            if data is not None:
                sys.stdout.write("\n")
            projects_md(projects, sys.stdout, payoff, standalone=data is None)
    elif fmt == "json":
        from profiler.report.tabular import report_dict, write_json

        write_json(report_dict(data, projects), sys.stdout)
    else:
        from profiler.report.terminal import make_console
        from profiler.report.terminal_gap import render, render_projects

        console = make_console()
        if data is not None:
            render(data, console, payoff)
        if projects is not None:
            if data is not None:
                console.print()
            render_projects(projects, console, payoff, standalone=data is None)


def _split(rows: dict[str, Any]) -> tuple[GapReport | None, list[dict[str, Any]]]:
    """The Go-against-Rust report of the selection's paired projects (None when it has
    none), and the runs of the projects that stand alone, which are compared with
    nothing: the user's own (a Go module and an unrelated crate are two projects, not
    a gap) and a sample measured in one language only (analysis.projects.split). With
    none of those, the report is exactly what report_rows gives to gap.build."""
    from profiler.analysis import gap
    from profiler.analysis.own import split

    paired, own = split(rows["runs"])
    # A `tune` knob's cells are variants of a sample's build, not the build the gap
    # report compares (a knob cell would stand in for its baseline): baselines only.
    every = len(paired)
    paired = [r for r in paired if (r.get("variant") or "baseline") == "baseline"]
    if not own and len(paired) == every:
        return gap.build(**rows), []
    if not paired:
        return None, own
    ids = {r["id"] for r in paired}
    sessions = {r["session_id"] for r in paired}
    return gap.build(runs=paired, sessions=[s for s in rows["sessions"] if s["id"] in sessions],
                     machine=rows["machine"], toolchains=rows["toolchains"],
                     units=[u for u in rows["units"] if u["run_id"] in ids]), own


def _own_projects(store: ResultsDB, own: list[dict[str, Any]], rows: dict[str, Any],
                  filters: Filters, all_sessions: bool) -> ProjectsReport | None:
    """A section per own project of the selection: its selected runs, and, from every
    session the filters allow on the report's machine (not only the selected one),
    its trend, its newest --breakdown run and its newest tune session."""
    if not own:
        return None
    from profiler.analysis import projects as proj

    machine_id = rows["machine"].get("id")
    sections = []
    for name, lang, sample in proj.project_keys(own):
        selected = [r for r in own if (r["project"], r["lang"], not proj.is_own(r))
                    == (name, lang, sample)]
        history = store.own_project_runs(filters, name, lang, machine_id, sample)
        run, units, chain = _newest_breakdown(store, history)
        sections.append(proj.section(name, lang, selected, history, all_sessions=all_sessions,
                                     units_run=run, units=units, chain=chain))
    return proj.build(sections, sessions=rows["sessions"], machine=rows["machine"],
                      toolchains=rows["toolchains"])


def _newest_breakdown(store: ResultsDB, history: list[dict[str, Any]]
                      ) -> tuple[dict[str, Any] | None, list[Unit], tuple[str, ...]]:
    """The project's --breakdown run that its section shows: of the newest session
    that has one (analysis.projects.pick_units_run chooses within it), with its units
    and the critical path `run` stored; (None, [], ()) when it has none."""
    from profiler.analysis.own import pick_units_run

    ids = {r["id"] for r in history}
    for sid in sorted({r["session_id"] for r in history}, reverse=True):
        with_units = set(store.breakdown_run_ids(sid)) & ids
        run = pick_units_run([r for r in history if r["id"] in with_units])
        if run is not None:
            stored = store.run_units(run["id"])
            return run, stored.units, stored.chain
    return None, [], ()


def _payoff(store: ResultsDB, filters: Filters, all_sessions: bool, machine_id: str | None
            ) -> PayoffSection | None:
    """The "What the build time buys" section, or None when no payoff round matches.
    Its rounds follow the report's session rule (queries.report_rows): the newest
    payoff session unless --session, --label, --since or --all widen the selection;
    that newest session is the payoff's own, which is not the builds' (a payoff
    records its rounds in a session of their own)."""
    from profiler.report.payoff_section import collect

    newest_only = not (all_sessions or filters.sessions or filters.labels or filters.since)
    return collect(store.load_runs(filters), store.build_costs, machine_id=machine_id,
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
