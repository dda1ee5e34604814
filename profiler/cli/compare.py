"""`buildprof compare A B`: two toolchains, sessions or labels, cell by cell."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from profiler.cli.history import (
    FormatOpt,
    LangOpt,
    MachineOpt,
    ProfileOpt,
    ProjectOpt,
    ScenarioOpt,
    SinceOpt,
    check_format,
    make_filters,
    open_db,
)
from profiler.cli.options import DbOption
from profiler.errors import UsageError


def compare(
    a: Annotated[str, typer.Argument(
        metavar="A", help="Baseline: a toolchain (go@1.25.5, rust@stable), a session id or a label",
        show_default=False)],
    b: Annotated[str, typer.Argument(
        metavar="B", help="Compared with A: a toolchain, a session id or a label",
        show_default=False)],
    lang: LangOpt = None,
    project: ProjectOpt = None,
    scenario: ScenarioOpt = None,
    profile: ProfileOpt = None,
    machine: MachineOpt = None,
    since: SinceOpt = None,
    metric: Annotated[str, typer.Option(
        help="wall, cpu (user+sys), peak-rss (largest process) or tree-rss (process tree)")
    ] = "wall",
    fail_above: Annotated[float | None, typer.Option(
        "--fail-above", metavar="PCT",
        help="Exit 1 when a cell is significantly slower (larger) in B than in A by more "
             "than PCT %", show_default=False)] = None,
    allow_cross_machine: Annotated[bool, typer.Option(
        "--allow-cross-machine", help="Compare runs made on different machines")] = False,
    db: DbOption = None,
    fmt: FormatOpt = "table",
) -> None:
    """Compare B against A per matching cell: medians with 95% confidence intervals,
    the change in %, and a Mann–Whitney U verdict at α = 0.05 (`~`: not significant),
    with a geometric-mean row, as benchstat does."""
    from profiler import compare as cmp
    from profiler.report import export

    check_format(fmt)
    if fail_above is not None and fail_above < 0:
        raise UsageError(f"--fail-above takes a percentage of 0 or more (got {fail_above:g})")
    filters = make_filters(lang, project, scenario, profile, None, None, machine, since)
    results = open_db(db)
    try:
        result = cmp.compare(results.db.conn, a, b, filters, metric=metric,
                             allow_cross_machine=allow_cross_machine)
    finally:
        results.close()
    if fmt == "json":
        export.write_json(export.compare_dict(result), sys.stdout)
    elif fmt == "csv":
        export.compare_csv(result, sys.stdout)
    elif fmt == "markdown":
        export.compare_markdown(result, sys.stdout)
    else:
        from profiler.report.tables import compare_table
        from profiler.report.terminal import make_console

        compare_table(result, make_console())
    if fail_above is not None:
        worse = cmp.regressions(result, fail_above)
        for c in worse:
            print(f"regression: {c.label}: {c.change_pct:+.1f}% (p={c.p:.3f}) is above "
                  f"--fail-above {fail_above:g}%", file=sys.stderr)
        if worse:
            raise typer.Exit(1)
