"""`buildprof compare A B`: two toolchains, sessions, labels or revisions, cell by cell."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from profiler.cli.options import (
    DbOption,
    FilterOptions,
    check_finite,
    filter_options,
    format_option,
    reading,
)
from profiler.errors import UsageError

# Annotations only: the storage modules load sqlite_utils (and numpy), which
# `buildprof --help` must not pay for.
if TYPE_CHECKING:
    from profiler.analysis.compare import Comparison


# Not --toolchain or --label: A and B say which toolchains, labels or sessions.
@filter_options(without=("toolchain", "label"))
def compare(
    a: Annotated[str, typer.Argument(
        metavar="A", help="Baseline: a toolchain (go@1.25.5, rust@stable), a session id, a "
                          "label or a revision recorded with run --rev (name or commit "
                          "prefix); a prefix says which: session:3, label:2024, "
                          "toolchain:1.26.8, rev:main (a label of digits needs label:)",
        show_default=False)],
    b: Annotated[str, typer.Argument(
        metavar="B", help="Compared with A: a toolchain, a session id, a label or a "
                          "revision, with the same prefixes; must select other runs than A",
        show_default=False)],
    select: FilterOptions,
    metric: Annotated[str, typer.Option(
        help="Builds: wall, cpu (user+sys), peak-rss (largest process) or tree-rss (process "
             "tree); load rounds of `buildprof payoff`: rps (requests/s, higher is better), "
             "p99 (latency) or server-rss")
    ] = "wall",
    fail_above: Annotated[float | None, typer.Option(
        "--fail-above", metavar="PCT",
        help="Exit 1 when a cell is significantly worse in B than in A by more than PCT % "
             "(slower, larger; for rps: fewer requests/s)", show_default=False)] = None,
    allow_cross_machine: Annotated[bool, typer.Option(
        "--allow-cross-machine", help="Compare runs made on different machines")] = False,
    units: Annotated[bool, typer.Option(
        "--units", help="Also compare the units (packages, crates, links) of runs recorded "
                        "with run --breakdown: which got slower, which are new or removed")
    ] = False,
    top: Annotated[int, typer.Option(help="--units: how many units to list per cell")] = 10,
    db: DbOption = None,
    fmt: format_option("table", "json", "csv", "markdown", "junit", help=(
        "table, json, csv, markdown, or junit (JUnit XML: a test case per cell, failed when "
        "over --fail-above, 0 without it)")) = "table",
) -> None:
    """Compare B against A per matching cell: medians with 95% confidence intervals,
    the change in %, and a Mann–Whitney U verdict at α = 0.05 (`~`: not significant),
    with a geometric-mean row, as benchstat does.

    A and B are each a toolchain, a session id, a session label or a git revision
    recorded with `run --rev` (by name or commit prefix). A bare number is a session
    id; prefixes choose explicitly: session:3, label:2024, toolchain:go@1.26.8, rev:main.

    --metric rps, p99 or server-rss compares the load rounds of `buildprof payoff`
    instead of builds, per project, language and connection count; for rps higher is
    better, so a significant drop is what --fail-above gates on.

    When GITHUB_STEP_SUMMARY is set (GitHub Actions), a Markdown summary (the verdict,
    the table, the geomean) is appended to that file. Exit codes: 0 compared (no cell
    over --fail-above); 1 a cell is significantly worse by more than --fail-above;
    2 bad input or nothing to compare."""
    from profiler.analysis import compare as cmp
    from profiler.report import compare as view
    from profiler.report.writers import write_json

    check_finite("--fail-above", fail_above)
    if fail_above is not None and fail_above < 0:
        raise UsageError(f"--fail-above takes a percentage of 0 or more (got {fail_above:g})")
    if top < 1:
        raise UsageError(f"--top takes a whole number of at least 1 (got {top})")
    if units and metric in cmp.LOAD_METRICS:
        raise UsageError(f"--units compares the units of builds; --metric {metric} compares "
                         f"load rounds, which have none: leave out one of the two")
    filters = select.filters()
    with reading(db, filters) as store:  # a bad filter is named before the sides
        result = cmp.compare(store, a, b, filters, metric=metric,
                             allow_cross_machine=allow_cross_machine)
        diffs = cmp.unit_diffs(store, result) if units else []
    if fmt == "junit":
        from profiler.report.ci import junit

        sys.stdout.write(junit(result, fail_above))
    elif fmt == "json":
        data = view.compare_dict(result)
        if units:
            data["units"] = [view.unit_dict(title, d, top) for title, d in diffs]
        write_json(data, sys.stdout)
    elif fmt == "csv":
        view.compare_csv(result, sys.stdout)
    elif fmt == "markdown":
        view.compare_markdown(result, sys.stdout)
    else:
        from profiler.report.compare import compare_table
        from profiler.report.console import make_console

        console = make_console()
        compare_table(result, console)
        if diffs:
            from profiler.report.compare import unit_table

            for title, d in diffs:
                unit_table(title, d, top, console)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        _append_summary(Path(os.environ["GITHUB_STEP_SUMMARY"]), result, fail_above)
    if fail_above is not None:
        worse = cmp.regressions(result, fail_above)
        for c in worse:
            print(cmp.regression_line(c, fail_above), file=sys.stderr)
        if worse:
            raise typer.Exit(1)






def _append_summary(path: Path, result: Comparison, fail_above: float | None) -> None:
    """Append the Markdown summary to GitHub's step-summary file, within its 1 MiB."""
    from profiler.report.ci import SUMMARY_CAP, step_summary

    try:
        used = path.stat().st_size if path.exists() else 0
        text = step_summary(result, fail_above, budget=max(SUMMARY_CAP - used - 1, 0))
        if text:
            with path.open("a", encoding="utf-8") as out:
                out.write(("\n" if used else "") + text)
    except OSError as exc:
        raise UsageError(f"cannot write the job summary to {path} (GITHUB_STEP_SUMMARY): "
                         f"{exc.strerror}; unset it or fix the path") from None


