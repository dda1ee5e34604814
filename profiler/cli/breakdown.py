"""`buildprof breakdown RUN_OR_SESSION`."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any

import typer

from profiler.cli.options import DbOption, parse_whole
from profiler.errors import UsageError
from profiler.paths import default_db

# Annotations only: rich's console, the report modules and the storage modules
# (sqlite_utils, numpy) are imported where they are used, not by `buildprof --help`.
if TYPE_CHECKING:
    from rich.console import Console

    from profiler.breakdown import CriticalPath, Unit
    from profiler.storage.db import ResultsDB, StoredUnits


def breakdown(
    target: Annotated[str, typer.Argument(
        help="A run id (12), or a session (s3 or session:3): each of its cells' last timed run")],
    top: Annotated[int, typer.Option(help="How many units to list")] = 10,
    db: DbOption = None,
) -> None:
    """Per-unit times, CPU and memory of a recorded --breakdown run, and its critical path."""
    from profiler.report.terminal import make_console
    from profiler.storage.db import ResultsDB

    # Closing also removes the WAL side files the read-only open made.
    with ResultsDB.open(db or default_db(), readonly=True) as store:
        runs = _runs(store, target)
        console = make_console()
        for run in runs:
            stored = store.run_units(run["id"])
            show_units(run, stored.units, stored_path(stored), console, top)


def _runs(store: ResultsDB, target: str) -> list[dict[str, Any]]:
    low = target.lower()
    # parse_whole, not isdigit + int: '²' is a digit int() refuses, and ids past
    # SQLite's integer range make sqlite3 raise OverflowError.
    if low.isdecimal():
        run_id = parse_whole(low)
        run = None if run_id is None else store.run(run_id)
        if run is None:
            raise UsageError(f"no run {target} in {store.path}; see `buildprof history --runs`")
        return [run]
    if (num := low.removeprefix("session:").removeprefix("s")).isdecimal():
        sid = parse_whole(num)
        if sid is None:
            raise UsageError(f"no session {num} in {store.path}; see `buildprof history`")
        run_ids = store.breakdown_run_ids(sid)
        if not run_ids:
            raise UsageError(f"session {sid} has no runs with a breakdown; run "
                             f"`buildprof run --breakdown …` first")
        return [run for rid in run_ids if (run := store.run(rid)) is not None]
    raise UsageError(f"'{target}' is neither a run id (12) nor a session (s3)")


def stored_path(stored: StoredUnits, top: int = 5) -> CriticalPath | None:
    """The critical path `run` recorded: its chain and length from the `critical`
    column; the savings, which are not stored, from the stored units, as
    profiler.breakdown.critical_path computes them. None when no unit is marked."""
    from profiler.breakdown import CriticalPath, critical_path

    if not stored.chain:
        return None
    by_name = {u.name: u for u in stored.units}
    # In chain order, as the longest-path search adds them up: the same float.
    length = sum(by_name[n].wall_s for n in stored.chain)
    savings = {}
    for name in sorted(stored.chain, key=lambda n: -by_name[n].wall_s)[:top]:
        # The unit taking no time: it starts when it ends, so the order by end time
        # that the longest-path search walks is unchanged.
        zeroed = [replace(u, start_s=u.end_s) if u.name == name else u for u in stored.units]
        savings[name] = length - critical_path(zeroed, top=0).length_s
    return CriticalPath(stored.chain, length, savings)


def show_units(run: dict[str, Any], units: list[Unit], path: CriticalPath | None,
               console: Console, top: int = 10) -> None:
    """One run's units (`run`: a row of ResultsDB.run or runs_of_session)."""
    from profiler.report.breakdown import render

    render(f"run {run['id']}: {run['project']} ({run['lang']}, {run['toolchain']}) "
           f"{run['scenario']} {run['profile']}", units, run["wall_s"], console, top, path)
