"""`buildprof history`: recorded cells (or runs), newest first, filtered.

The filter options are defined here once and shared with `compare` and `export`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from profiler.cli.options import SQLITE_MAX_INT, DbOption
from profiler.errors import UsageError
from profiler.paths import default_db
from profiler.scenarios.definitions import split_values
from profiler.storage.db import ResultsDB
from profiler.storage.queries import Filters, parse_since

LangOpt = Annotated[list[str] | None, typer.Option(
    "--lang", help="Language(s): go, rust", show_default=False)]
ProjectOpt = Annotated[list[str] | None, typer.Option(
    "--project", "--size", help="Project name(s); graded samples are named by size (tiny, "
                                "small, …)", show_default=False)]
ScenarioOpt = Annotated[list[str] | None, typer.Option(
    "--scenario", help="Scenario(s): clean, cold, incremental, noop, check, test",
    show_default=False)]
ProfileOpt = Annotated[list[str] | None, typer.Option(
    "--profile", help="Profile(s): debug, release", show_default=False)]
ToolchainOpt = Annotated[list[str] | None, typer.Option(
    "--toolchain", help="Toolchain(s): go@1.26.8, rust@nightly, or a version such as 1.26.8",
    show_default=False)]
LabelOpt = Annotated[list[str] | None, typer.Option(
    "--label", help="Session label(s) given to `buildprof run --label`", show_default=False)]
MachineOpt = Annotated[list[str] | None, typer.Option(
    "--machine", help="Machine(s): hostname or id prefix", show_default=False)]
SinceOpt = Annotated[str | None, typer.Option(
    "--since", help="Sessions started on or after this ISO date (UTC), e.g. 2026-05-01",
    show_default=False)]
FormatOpt = Annotated[str, typer.Option("--format", help="table, json, csv or markdown")]

FORMATS = ("table", "json", "csv", "markdown")


def check_format(fmt: str, allowed: tuple[str, ...] = FORMATS) -> str:
    if fmt not in allowed:
        raise UsageError(f"unknown format '{fmt}'; use one of: {', '.join(allowed)}")
    return fmt


def make_filters(lang: list[str] | None = None, project: list[str] | None = None,
                 scenario: list[str] | None = None, profile: list[str] | None = None,
                 toolchain: list[str] | None = None, label: list[str] | None = None,
                 machine: list[str] | None = None, since: str | None = None) -> Filters:
    """The command-line filters as queries.Filters (repetition and comma lists)."""
    return Filters(langs=tuple(split_values(lang)), projects=tuple(split_values(project)),
                   scenarios=tuple(split_values(scenario)),
                   profiles=tuple(split_values(profile)),
                   toolchains=tuple(split_values(toolchain)), labels=tuple(split_values(label)),
                   machines=tuple(split_values(machine)), since=parse_since(since))


def open_db(db: Path | None) -> ResultsDB:
    """The results database, opened read-only (SQLite `mode=ro`): history, compare,
    export and report never write, and work on a file the user cannot write."""
    return ResultsDB.open(db or default_db(), readonly=True)


def history(
    lang: LangOpt = None,
    project: ProjectOpt = None,
    scenario: ScenarioOpt = None,
    profile: ProfileOpt = None,
    toolchain: ToolchainOpt = None,
    label: LabelOpt = None,
    machine: MachineOpt = None,
    since: SinceOpt = None,
    limit: Annotated[int, typer.Option(
        help="Show the newest N cells (with --runs: runs); 0: all")] = 50,
    runs: Annotated[bool, typer.Option(
        "--runs", help="List individual runs (warm-ups and failures included) instead of "
                       "one row per session and cell")] = False,
    db: DbOption = None,
    fmt: FormatOpt = "table",
) -> None:
    """Recorded results, newest first: one row per session and cell (project, toolchain,
    scenario, profile) with median, MAD, the median's 95% CI, n and date."""
    from profiler.report import tabular

    check_format(fmt)
    if limit < 0:
        raise UsageError(f"--limit must be 0 (all) or more (got {limit})")
    limit = min(limit, SQLITE_MAX_INT)  # more than SQLite can count means all of them
    filters = make_filters(lang, project, scenario, profile, toolchain, label, machine, since)
    with open_db(db) as store:  # closing also removes the WAL side files the open made
        store.check_filters(filters)
        if runs:
            rows = store.runs(filters, timed_only=False, newest_first=True, limit=limit or None)
            writers = {"json": tabular.runs_json, "csv": tabular.runs_csv,
                       "markdown": tabular.runs_markdown}
        else:
            rows = store.history_cells(filters, limit or None)
            writers = {"json": tabular.history_json, "csv": tabular.history_csv,
                       "markdown": tabular.history_markdown}
    if fmt != "table":
        writers[fmt](rows, sys.stdout)
        return
    from profiler.report.tables import history_table, runs_table
    from profiler.report.terminal import make_console

    console = make_console()
    if not rows:
        console.print("No runs match these filters.")
    elif runs:
        runs_table(rows, console)
    else:
        history_table(rows, console)
