"""`buildprof export`: history cells as hyperfine-compatible JSON, CSV or Markdown."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from profiler.cli.history import (
    LabelOpt,
    LangOpt,
    MachineOpt,
    ProfileOpt,
    ProjectOpt,
    ScenarioOpt,
    SinceOpt,
    ToolchainOpt,
    check_format,
    make_filters,
    open_db,
)
from profiler.cli.options import SQLITE_MAX_INT, DbOption
from profiler.errors import UsageError


def export(
    fmt: Annotated[str, typer.Option("--format", help="json (hyperfine's), csv or markdown")
                   ] = "json",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to FILE instead of stdout", show_default=False,
        dir_okay=False)] = None,
    lang: LangOpt = None,
    project: ProjectOpt = None,
    scenario: ScenarioOpt = None,
    profile: ProfileOpt = None,
    toolchain: ToolchainOpt = None,
    label: LabelOpt = None,
    machine: MachineOpt = None,
    since: SinceOpt = None,
    limit: Annotated[int, typer.Option(help="Only the newest N cells; 0: all")] = 0,
    db: DbOption = None,
) -> None:
    """Export one result per session and cell (the rows of `history`), with every run's
    time. The JSON is hyperfine's `{"results": [...]}` with buildprof's fields beside
    hyperfine's."""
    from profiler.report import tabular

    check_format(fmt, ("json", "csv", "markdown"))
    if limit < 0:
        raise UsageError(f"--limit must be 0 (all) or more (got {limit})")
    limit = min(limit, SQLITE_MAX_INT)  # more than SQLite can count means all of them
    filters = make_filters(lang, project, scenario, profile, toolchain, label, machine, since)
    with open_db(db) as store:
        store.check_filters(filters)
        cells = store.history_cells(filters, limit or None)
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
