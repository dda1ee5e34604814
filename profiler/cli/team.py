"""`buildprof merge`: result files from several machines or CI jobs into one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from profiler.errors import UsageError


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
