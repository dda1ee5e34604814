"""`buildprof breakdown RUN_OR_SESSION`."""

from __future__ import annotations

from typing import Annotated

import typer

from profiler.cli.options import DbOption, parse_whole
from profiler.errors import UsageError
from profiler.paths import default_db
from profiler.report.breakdown import render, units_from_rows
from profiler.report.terminal import make_console
from profiler.storage.db import ResultsDB


def breakdown(
    target: Annotated[str, typer.Argument(
        help="A run id (12), or a session (s3 or session:3): each of its cells' last timed run")],
    top: Annotated[int, typer.Option(help="How many units to list")] = 10,
    db: DbOption = None,
) -> None:
    """Per-unit times, CPU and memory of a recorded --breakdown run, and its critical path."""
    store = ResultsDB.open(db or default_db(), readonly=True)
    try:  # close() also removes the WAL side files the read-only open made
        _breakdown(store, target, top)
    finally:
        store.close()


def _breakdown(store: ResultsDB, target: str, top: int) -> None:
    low = target.lower()
    # parse_whole, not isdigit + int: '²' is a digit int() refuses, and ids past
    # SQLite's integer range make sqlite3 raise OverflowError.
    if low.isdecimal():
        run_id = parse_whole(low)
        if run_id is None or not store.db.execute(
                "SELECT id FROM runs WHERE id = ?", [run_id]).fetchall():
            raise UsageError(f"no run {target} in {store.path}; see `buildprof history --runs`")
        run_ids = [run_id]
    elif (num := low.removeprefix("session:").removeprefix("s")).isdecimal():
        sid = parse_whole(num)
        if sid is None:
            raise UsageError(f"no session {num} in {store.path}; see `buildprof history`")
        rows = store.db.execute(
            """SELECT max(r.id) FROM runs r WHERE r.session_id = ? AND NOT r.warmup
               AND EXISTS (SELECT 1 FROM units u WHERE u.run_id = r.id)
               GROUP BY r.project_id, r.toolchain_id, r.scenario, r.profile, r.jobs, r.edit
               ORDER BY 1""", [sid]).fetchall()
        if not rows:
            raise UsageError(f"session {sid} has no runs with a breakdown; run "
                             f"`buildprof run --breakdown …` first")
        run_ids = [r[0] for r in rows]
    else:
        raise UsageError(f"'{target}' is neither a run id (12) nor a session (s3)")
    console = make_console()
    for rid in run_ids:
        show_run(store, rid, console, top)


def show_run(store: ResultsDB, run_id: int, console, top: int = 10) -> None:  # type: ignore[no-untyped-def]
    run = store.db.execute(
        """SELECT r.wall_s, r.scenario, r.profile, p.name, p.lang, t.spec FROM runs r
           JOIN projects p ON p.id = r.project_id JOIN toolchains t ON t.id = r.toolchain_id
           WHERE r.id = ?""", [run_id]).fetchone()
    wall, scenario, profile, project, lang, tc = run
    units = units_from_rows(store.units_of_run(run_id))
    render(f"run {run_id}: {project} ({lang}, {tc}) {scenario} {profile}", units, wall, console,
           top)
