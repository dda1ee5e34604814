"""`buildprof history`: recorded cells (or runs), newest first, filtered."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from profiler.cli import options

if TYPE_CHECKING:  # annotations only: the storage layer loads when the command runs
    from profiler.model.loads import LoadSummary


@options.filter_options()
def history(
    select: options.FilterOptions = options.UNFILTERED,
    limit: Annotated[int, typer.Option(
        help="Show the newest N cells, and N load cells (with --runs: runs); 0: all")] = 50,
    runs: Annotated[bool, typer.Option(
        "--runs", help="List individual runs (warm-ups and failures included) instead of "
                       "one row per session and cell")] = False,
    db: options.DbOption = None,
    fmt: options.format_option("table", "json", "csv", "markdown",
                               help="table, json, csv or markdown") = "table",
) -> None:
    """Recorded results, newest first: one row per session and cell (project, toolchain,
    scenario, profile) with median, MAD, the median's 95% CI, n and date.

    The load rounds of `buildprof payoff` follow in a second table, one row per
    session and load cell (project, toolchain, connections): median requests/s, p50
    and p99, errors, server peak RSS and rounds (JSON: the key `load_cells`; CSV:
    rows of scenario `load` with their own columns)."""
    from profiler.report import history as view

    rows_wanted = options.check_limit(limit)
    filters = select.filters()
    load: list[LoadSummary] = []
    with options.reading(db, filters) as store:
        if runs:
            rows = store.runs(filters, timed_only=False, newest_first=True, limit=rows_wanted)
            writers = {"json": view.runs_json, "csv": view.runs_csv,
                       "markdown": view.runs_markdown}
        else:
            rows = store.history_cells(filters, rows_wanted)
            load = store.load_cells(filters, rows_wanted)
    if fmt != "table":
        if runs:
            writers[fmt](rows, sys.stdout)
        else:
            {"json": view.history_json, "csv": view.history_csv,
             "markdown": view.history_markdown}[fmt](rows, sys.stdout, load)
        return
    from profiler.report.console import make_console
    from profiler.report.history import history_table, load_table, runs_table

    console = make_console()
    if not rows and not load:
        console.print("No runs match these filters.")
    elif runs:
        runs_table(rows, console)
    else:
        if rows:
            history_table(rows, console)
        if load:
            load_table(load, console)
