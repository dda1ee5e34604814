"""`buildprof breakdown RUN_OR_SESSION`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from profiler.cli.options import DbOption, ForceOption, format_option, parse_whole
from profiler.errors import UsageError
from profiler.paths import default_db

# Annotations only: rich's console, the report modules and the storage modules
# (sqlite_utils, numpy) are imported where they are used, not by `buildprof --help`.
if TYPE_CHECKING:
    from rich.console import Console

    from profiler.model.units import CriticalPath, Unit
    from profiler.storage.db import ResultsDB


def breakdown(
    target: Annotated[str, typer.Argument(
        help="A run id (12), or a session (s3 or session:3): each of its cells' last timed run")],
    top: Annotated[int, typer.Option(help="How many units to list")] = 10,
    fmt: format_option("table", "trace", help=(
        "table, or trace: Chrome trace-event JSON for ui.perfetto.dev or chrome://tracing "
        "(one process per run, each unit on a track, the tree's RSS and the units running "
        "as counters; see docs/exports.md)")) = "table",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="With --format trace: write to FILE instead of stdout",
        show_default=False, dir_okay=False)] = None,
    db: DbOption = None,
    force: ForceOption = False,
) -> None:
    """Per-unit times, CPU and memory of a recorded --breakdown run, and its critical path."""
    from profiler.storage.db import ResultsDB

    if output is not None and fmt != "trace":
        raise UsageError("--output writes a trace: add --format trace")
    if output is not None:
        from profiler.report.writers import check_output

        check_output(output, "--output", db or default_db(), force)
    # Closing also removes the WAL side files the read-only open made.
    with ResultsDB.open(db or default_db(), readonly=True) as store:
        runs = _runs(store, target)
        if fmt == "trace":
            _write_trace(store, runs, output, db or default_db(), force)
            return
        from profiler.report.console import make_console

        console = make_console()
        for run in runs:
            stored = store.run_units(run["id"])
            show_units(run, stored.units, stored.path, console, top)


def _write_trace(store: ResultsDB, runs: list[dict[str, Any]], output: Path | None,
                 db: Path, force: bool) -> None:
    """One Chrome trace of the runs, one process each (its pid the run id), to
    `output` or stdout. A run without units is refused; a run without a stored RSS
    series gets no RSS counter, and stderr says so."""
    from profiler import __version__
    from profiler.report import exports
    from profiler.report.writers import json_text, write_file

    parts = []
    for run in runs:
        stored = store.run_units(run["id"])
        if not stored.units:
            raise UsageError(
                f"run {run['id']} has no breakdown (no per-unit records) to trace; record "
                f"one with `buildprof run --breakdown …`, then see `buildprof history --runs`")
        samples = store.tree_samples(run["id"])
        if not samples:
            print(f"note: run {run['id']} has no stored RSS series (only --breakdown runs "
                  f"of buildprof with schema 5 or later store one): the trace has no "
                  f"'{exports.RSS_COUNTER}' counter", file=sys.stderr)
        session = _session(store, run.get("session_id"))
        parts.append((exports.trace_events(run, stored.units, set(stored.chain), samples),
                      exports.run_info(run, stored.units, stored.chain, samples,
                                       session.get("buildprof_version"),
                                       session.get("hostname"))))
    text = json_text(exports.trace(parts, __version__), indent=None)
    if output is None:
        sys.stdout.write(text)
        return
    write_file(output, lambda out: out.write(text), option="--output", db=db, force=force)
    print(f"wrote the trace of {len(runs)} run(s) to {output}; open it in "
          f"https://ui.perfetto.dev (Open trace file) or chrome://tracing", file=sys.stderr)


def _session(store: ResultsDB, session_id: int | None) -> dict[str, Any]:
    try:
        return store.session(session_id) if session_id is not None else {}
    except KeyError:
        return {}


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




def show_units(run: dict[str, Any], units: list[Unit], path: CriticalPath | None,
               console: Console, top: int = 10) -> None:
    """One run's units (`run`: a row of ResultsDB.run or runs_of_session)."""
    from profiler.report.breakdown import render

    render(f"run {run['id']}: {run['project']} ({run['lang']}, {run['toolchain']}) "
           f"{run['scenario']} {run['profile']}", units, run["wall_s"], console, top, path)
