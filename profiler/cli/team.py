"""A team's results in one place: `merge` result files, `push` to and `pull` from a
shared PostgreSQL store (profiler.storage.merge and profiler.storage.pg)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from profiler.cli.options import UNFILTERED, DbOption, FilterOptions, filter_options
from profiler.errors import UsageError
from profiler.paths import default_db


def merge(
    sources: Annotated[list[Path], typer.Argument(
        help="Result files to read (e.g. the results.db files CI jobs upload); they are "
             "only read", show_default=False)],
    into: Annotated[Path, typer.Option(
        "--into", help="The file to merge into, made when missing", show_default=False)],
) -> None:
    """Merge result files into one without duplicating a run.

    Sessions and runs are matched by their global ids; machines, toolchains and
    projects by their natural keys. Each source is written in one transaction."""
    from profiler.storage.db import ResultsDB

    for src in sources:
        if not src.is_file():
            raise UsageError(f"{src} does not exist; give result files written by "
                             f"`buildprof run`")
        if into.exists() and src.resolve() == into.resolve():
            raise UsageError(f"{src} is also --into; merge into another file")
    for src in sources:  # every source readable before anything is written
        ResultsDB.open(src, readonly=True).close()
    with ResultsDB.open(into) as dest:
        for src in sources:
            counts = dest.merge_from(src)
            typer.echo(f"{src}: {counts.text()}")
        sessions, runs = dest.counts()
    typer.echo(f"{into}: {sessions} sessions, {runs} runs")


def store_option(flag: str) -> Any:
    """--to / --from: the store's URL (push and pull share its help)."""
    return Annotated[str | None, typer.Option(
        flag, help="postgresql://USER@HOST:PORT/DB (default: $BUILDPROF_PG); keep the "
                   "password out of it: PGPASSWORD, ~/.pgpass or a service file",
        show_default=False)]


def store_url(given: str | None, option: str) -> str:
    """The store's URL; a password typed on the command line gets a one-line warning
    (other users see it in `ps`, and the shell keeps it in its history)."""
    from profiler.storage import pg

    url = pg.resolve_url(given, option)
    if given and pg.has_password(given):
        typer.echo(f"Warning: a password in {option} is visible to other users (ps) and in "
                   f"your shell history; use PGPASSWORD, ~/.pgpass or a service file, or "
                   f"set BUILDPROF_PG", err=True)
    return url


@filter_options()
def push(
    to: store_option("--to") = None,
    select: FilterOptions = UNFILTERED,
    db: DbOption = None,
) -> None:
    """Copy runs (with their sessions, machines, toolchains, projects, units and RSS
    samples) into a shared PostgreSQL store. Pushing again adds only what is new."""
    from profiler.storage import pg
    from profiler.storage.db import ResultsDB

    url = store_url(to, "--to")
    filters = select.filters()
    with ResultsDB.open(db or default_db(), readonly=True) as store:
        store.check_filters(filters)
        snap = store.snapshot(filters)
    with pg.connect(url, "buildprof push") as conn:
        pg.ensure_schema(conn, url)
        counts = pg.push(conn, snap, url)
    typer.echo(f"pushed to {pg.shown(url)}: {counts.text()}")


@filter_options()
def pull(
    from_: store_option("--from") = None,
    select: FilterOptions = UNFILTERED,
    db: DbOption = None,
) -> None:
    """Copy a filtered slice of the shared store into a local results file, which every
    command (history, compare, report, export) then reads."""
    from profiler.storage import pg

    url = store_url(from_, "--from")
    path = db or default_db()
    counts, held, runs = pull_into(url, select.filters(), path)
    typer.echo(f"pulled from {pg.shown(url)} into {path}: {counts.text()}; "
               f"{path} holds {held} sessions, {runs} runs")


def pull_into(url: str, filters: Any, path: Path) -> tuple[Any, int, int]:
    """Copy the store's runs matching `filters` into the results file `path` (made
    only when something matches): (merge counts, sessions and runs `path` holds)."""
    from profiler.storage import pg
    from profiler.storage.db import ResultsDB
    from profiler.storage.merge import Counts

    dest: ResultsDB | None = None
    counts = Counts()
    sessions: set[str] = set()  # a session whose runs span batches is counted once
    try:
        with pg.connect(url, "buildprof pull") as conn:
            pg.check_schema(conn, url)  # a pull only reads: it makes no tables
            for snap in pg.pull(conn, filters):
                if dest is None:  # made only when something matches
                    dest = ResultsDB.open(path)
                counts += dest.merge_snapshot(snap)
                sessions |= {s["uuid"] for s in snap.tables["sessions"]}
        if dest is None:
            raise UsageError(f"no run in {pg.shown(url)} matches these filters; push some "
                             f"first, or loosen --machine/--project/--toolchain/--since/--label")
        counts.had["sessions"] = len(sessions) - counts.added["sessions"]
        held, runs = dest.counts()
    finally:
        if dest is not None:
            dest.close()
    return counts, held, runs
