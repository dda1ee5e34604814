"""What `run` prints when it ends: the session's cells and the headline."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console

from profiler.analysis.gap import Headline
from profiler.analysis.wording import seconds, size
from profiler.model.cells import CellSummary
from profiler.report.console import Markup, SafeTable, median_mad, min_max, shown, statuses


def summary_table(cells: Sequence[CellSummary], console: Console, title: str = "Summary"
                  ) -> None:
    """One row per project x scenario x profile (x toolchain, jobs, edit)."""
    table = SafeTable(title=title, title_justify="left")
    for col, just in [("project", "left"), ("toolchain", "left"),
                      ("scenario", "left"), ("profile", "left"), ("n", "right"),
                      ("wall median ± MAD", "right"), ("min – max", "right"),
                      ("CPU", "right"), ("par.", "right"), ("peak proc", "right"),
                      ("peak tree", "right"), ("artifact", "right")]:
        table.add_column(col, justify=just, overflow="fold")  # type: ignore[arg-type]
    for c in cells:
        if c.n == 0:
            wall = statuses(c)
        else:
            wall = median_mad(c)
            if c.failed:
                wall = Markup(f"{wall} [red]({c.failed} failed)[/red]")
        util = c.cpu_util.median
        table.add_row(
            c.key.project_text, c.key.toolchain, c.key.scenario_text, c.key.profile, str(c.n), wall,
            min_max(c) if c.n else "-", seconds(c.cpu.median) if c.n else "-",
            f"{util:.2f}×" if util is not None else "-",
            size(c.peak_rss.median), size(c.tree_peak_rss.median), size(c.artifact_bytes),
        )
    console.print(table)


def headline(lines: Sequence[Headline], console: Console) -> None:
    """For each project present in both languages and each scenario: Go (its default,
    optimising build) against Rust debug and Rust release, in one sentence each
    (analysis.gap.headlines)."""
    if not lines:
        return
    console.print("[bold]Headline[/bold]")
    for h in lines:
        what = f"{h.scenario}{' ' + h.edit if h.edit else ''} build, {h.project}"
        cmp = f"{h.ratio:.1f}× longer" if h.ratio >= 1 else f"{1 / h.ratio:.1f}× shorter"
        rust, go = ((f" ({h.rust.key.toolchain})", f" ({h.go.key.toolchain})") if h.several
                    else ("", ""))
        console.print(shown(f"  {what}: Rust {h.rust.key.profile}{rust} {seconds(h.rust_s)} vs "
                            f"Go {h.go.key.profile}{go} {seconds(h.go_s)} — {cmp}; minutes vs "
                            f"seconds: {h.verdict}"))
