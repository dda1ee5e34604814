"""`buildprof export`: history cells as hyperfine-compatible JSON, CSV or Markdown,
Bencher Metric Format JSON (bmf) or Go benchmark format for benchstat (benchfmt)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from profiler.cli import options
from profiler.paths import default_db

if TYPE_CHECKING:  # annotations only: profiler.model loads the statistics
    from profiler.model.cells import CellSummary


@options.filter_options()
def export(
    fmt: options.format_option("json", "csv", "markdown", "bmf", "benchfmt", help=(
        "json (hyperfine's), csv, markdown, bmf (Bencher Metric Format: build-time and "
        "cpu-time in seconds; peak-rss, tree-peak-rss and file-size in bytes) or benchfmt "
        "(Go benchmark format for benchstat: sec/op, cpu-sec/op, *-bytes); see "
        "docs/exports.md")) = "json",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to FILE instead of stdout", show_default=False,
        dir_okay=False)] = None,
    select: options.FilterOptions = options.UNFILTERED,
    limit: Annotated[int, typer.Option(help="Only the newest N cells; 0: all")] = 0,
    db: options.DbOption = None,
    force: options.ForceOption = False,
) -> None:
    """Export one result per session and cell (the rows of `history`), with every run's
    time. The JSON is hyperfine's `{"results": [...]}` with buildprof's fields beside
    hyperfine's. bmf: one benchmark per cell, named by its label, each measure's median
    with the median's 95% CI as lower/upper value (min and max below 6 runs). benchfmt:
    one line per successful timed run, for `benchstat -table machine A B`."""
    from profiler.report.writers import check_output, write_file

    rows_wanted = options.check_limit(limit)
    filters = select.filters()
    if output is not None:
        check_output(output, "--output", db or default_db(), force)
    with options.reading(db, filters) as store:
        cells = store.history_cells(filters, rows_wanted)
        machines = store.machines()
    write = _writer(cells, fmt, machines)
    if output is None:
        write(sys.stdout)
        return
    write_file(output, write, option="--output", db=db or default_db(), force=force)
    print(f"wrote {len(cells)} result(s) to {output}", file=sys.stderr)


def _writer(cells: list[CellSummary], fmt: str,
            machines: dict[str, dict[str, Any]]) -> Callable[[TextIO], None]:
    """What writes the export in `fmt`; the notes on cells a format leaves out go to
    stderr now, before anything is written."""
    from profiler.report import exports
    from profiler.report.writers import write_json

    if fmt == "bmf":
        data, notes = exports.bmf(cells)
        text = None
    elif fmt == "benchfmt":
        text, notes = exports.benchfmt(cells, machines)
    else:
        return lambda out: exports.export(cells, fmt, out)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if text is not None:
        return lambda out: out.write(text)
    return lambda out: write_json(data, out)
