"""`buildprof export`: history cells as hyperfine-compatible JSON, CSV or Markdown."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from profiler.cli.options import (
    UNFILTERED,
    DbOption,
    FilterOptions,
    check_format,
    check_limit,
    filter_options,
    reading,
)
from profiler.errors import UsageError


@filter_options()
def export(
    fmt: Annotated[str, typer.Option("--format", help="json (hyperfine's), csv or markdown")
                   ] = "json",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to FILE instead of stdout", show_default=False,
        dir_okay=False)] = None,
    select: FilterOptions = UNFILTERED,
    limit: Annotated[int, typer.Option(help="Only the newest N cells; 0: all")] = 0,
    db: DbOption = None,
) -> None:
    """Export one result per session and cell (the rows of `history`), with every run's
    time. The JSON is hyperfine's `{"results": [...]}` with buildprof's fields beside
    hyperfine's."""
    from profiler.report import tabular

    check_format(fmt, ("json", "csv", "markdown"))
    rows_wanted = check_limit(limit)
    filters = select.filters()
    with reading(db, filters) as store:
        cells = store.history_cells(filters, rows_wanted)
    if output is None:
        tabular.export(cells, fmt, sys.stdout)
        return
    try:
        with output.open("w", encoding="utf-8", newline="") as out:
            tabular.export(cells, fmt, out)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror}; choose another --output"
                         ) from None
    print(f"wrote {len(cells)} result(s) to {output}", file=sys.stderr)
