"""`buildprof report`: the gap between Go and Rust on the paired projects (the samples),
and a section per project of the user's own, in the terminal, Markdown, JSON or HTML.

The filters are history's (profiler.cli.options.filter_options), so a selection that
`history` shows is the one the report covers.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from profiler.cli.options import (
    SQLITE_MAX_INT,
    UNFILTERED,
    DbOption,
    FilterOptions,
    ForceOption,
    filter_options,
    format_option,
    reading,
)
from profiler.errors import UsageError
from profiler.paths import default_db


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
    fmt: format_option("table", "markdown", "json", help="table, markdown or json (default: "
                       "table, or nothing with --html)", show_default=False) = None,
    db: DbOption = None,
    force: ForceOption = False,
) -> None:
    """Go against Rust on the samples: medians, ratios, memory, scaling fits
    (time = a·LOCᵇ) and the verdict on "Go compiles in seconds, Rust in minutes" for
    this machine. Your own projects each get their cells, trend across sessions,
    slowest units and tune results instead."""
    for sid in session or ():
        if not 0 < sid <= SQLITE_MAX_INT:  # sqlite3 cannot even look up larger ids
            raise UsageError(f"--session takes a session number (got {sid}); see "
                             f"`buildprof history`")
    if all_sessions and session:
        raise UsageError("--all and --session exclude each other; give one")
    if html is not None:
        from profiler.report.writers import check_output

        check_output(html, "--html", db or default_db(), force, "report.html")
    filters = select.filters().with_(sessions=tuple(dict.fromkeys(session or ())))
    from profiler.analysis.document import assemble

    # The filters' names were checked as they were read (an unknown scenario); the
    # recorded ones (a project, a label) are checked by report_rows, after its own checks.
    with reading(db) as store:
        doc = assemble(store, filters, all_sessions=all_sessions)
    if html is not None:
        from profiler.report.document.html import write_html

        write_html(doc, html, db or default_db(), force)
        print(f"Wrote {html} ({html.stat().st_size // 1024} KiB): {doc.summary}",
              file=sys.stderr if fmt else sys.stdout)
        if fmt is None:
            return
    if fmt == "markdown":
        from profiler.report.document.markdown import render_document

        render_document(doc, sys.stdout)
    elif fmt == "json":
        from profiler.report.document.json import document_dict
        from profiler.report.writers import write_json

        write_json(document_dict(doc), sys.stdout)
    else:
        from profiler.report.console import make_console
        from profiler.report.document.terminal import render_document as draw

        draw(doc, make_console())
