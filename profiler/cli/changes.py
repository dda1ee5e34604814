"""`buildprof changes`: where each series of builds stepped up or down, and why."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from profiler.cli.options import (
    DbOption,
    FilterOptions,
    check_finite,
    filter_options,
    format_option,
    reading,
    show,
)
from profiler.errors import UsageError


@filter_options()
def changes(
    select: FilterOptions,
    fail_on_change: Annotated[bool, typer.Option(
        "--fail-on-change", help="Exit 1 when the newest commit (or session) of a series "
                                 "starts a slower step beyond --fail-above: for a nightly "
                                 "job")] = False,
    fail_above: Annotated[float, typer.Option(
        "--fail-above", metavar="PCT", help="--fail-on-change: the step must be slower by "
                                            "more than PCT % (and, where both sides have "
                                            "the runs for it, the shifted U test of compare "
                                            "--fail-above must agree)")] = 0.0,
    max_p: Annotated[float | None, typer.Option(
        "--max-p", help="The detection's t-test level (default: calibrated, docs/changes.md)",
        show_default=False)] = None,
    min_change: Annotated[float | None, typer.Option(
        "--min-change", metavar="PCT", help="Ignore steps smaller than PCT % (default: "
                                            "calibrated, docs/changes.md)",
        show_default=False)] = None,
    top: Annotated[int, typer.Option(help="Units listed per change point (runs recorded "
                                          "with --breakdown on both sides)")] = 5,
    db: DbOption = None,
    fmt: format_option("table", "json", "markdown") = "table",
) -> None:
    """Find the change points of every series: a cell on one machine, over commits
    (runs of `run PATH --rev A..B`, in first-parent order) or over sessions.

    Each change point shows its commit, the median before and after with their 95%
    CIs, the change and its significance, and what changed there: the toolchain, the
    locked dependencies, the build configuration, the lines compiled, the files
    touched and, with --breakdown runs, the units. The method and its calibration:
    docs/changes.md.

    When GITHUB_STEP_SUMMARY is set, the Markdown form is appended to that file.
    Exit codes: 0 done; 1 --fail-on-change found a slower step at the newest point;
    2 bad input."""
    from profiler.analysis import changes as analysis
    from profiler.report import changes as view

    for option, value in (("--fail-above", fail_above), ("--max-p", max_p),
                          ("--min-change", min_change)):
        check_finite(option, value)
    if fail_above < 0:
        raise UsageError(f"--fail-above takes a percentage of 0 or more (got {fail_above:g})")
    if max_p is not None and not 0 < max_p < 1:
        raise UsageError(f"--max-p takes a level between 0 and 1, such as 0.001 (got {max_p:g})")
    if min_change is not None and min_change < 0:
        raise UsageError(f"--min-change takes a percentage of 0 or more (got {min_change:g})")
    if top < 0:
        raise UsageError(f"--top takes a whole number of 0 or more (got {top})")
    filters = select.filters()
    with reading(db, filters) as store:
        result = analysis.find(
            store, filters,
            max_pvalue=analysis.MAX_PVALUE if max_p is None else max_p,
            min_magnitude_pct=analysis.MIN_MAGNITUDE_PCT if min_change is None else min_change,
            top_units=top)
    show(fmt, result, as_dict=view.changes_dict, markdown=view.changes_markdown,
         terminal=view.changes_terminal)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        _append_summary(Path(os.environ["GITHUB_STEP_SUMMARY"]), result)
    if fail_on_change:
        steps = result.newest_steps(fail_above)
        for cp in steps:
            print(f"slower step at the newest point of {cp.series.title}: {cp.point.label} "
                  f"{cp.step.change_text} (more than {fail_above:g}%; t-test "
                  f"p={cp.pvalue:.2g})", file=sys.stderr)
        if steps:
            raise typer.Exit(1)


def _append_summary(path: Path, result: object) -> None:
    import io

    from profiler.report.changes import changes_markdown

    buf = io.StringIO()
    changes_markdown(result, buf)  # type: ignore[arg-type]
    try:
        with path.open("a", encoding="utf-8") as out:
            out.write(("\n" if path.exists() and path.stat().st_size else "") + buf.getvalue())
    except OSError as exc:
        raise UsageError(f"cannot write the job summary to {path} (GITHUB_STEP_SUMMARY): "
                         f"{exc.strerror}; unset it or fix the path") from None
