"""What `run` prints when it ends: the session's cells and the headline."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from profiler.analysis.rule import verdict
from profiler.analysis.wording import seconds, size
from profiler.model.cells import CellSummary
from profiler.report.console import median_mad, min_max, statuses


def summary_table(cells: Sequence[CellSummary], console: Console, title: str = "Summary"
                  ) -> None:
    """One row per project x scenario x profile (x toolchain, jobs, edit)."""
    table = Table(title=title, title_justify="left")
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
                wall += f" [red]({c.failed} failed)[/red]"
        util = c.cpu_util.median
        table.add_row(
            c.key.project_text, c.key.toolchain, c.key.scenario_text, c.key.profile, str(c.n), wall,
            min_max(c) if c.n else "-", seconds(c.cpu.median) if c.n else "-",
            f"{util:.2f}×" if util is not None else "-",
            size(c.peak_rss.median), size(c.tree_peak_rss.median), size(c.artifact_bytes),
        )
    console.print(table)


def headline(cells: Sequence[CellSummary], console: Console) -> None:
    """For each project present in both languages and each scenario: Go (its default,
    optimising build) against Rust debug and Rust release, in one sentence each."""
    by_key: dict[tuple, CellSummary] = {}
    for c in cells:
        k = c.key
        if c.n:
            by_key[(k.project, k.scenario, k.edit, k.lang, k.profile, k.jobs, k.toolchain)] = c
    lines = []
    seen = set()
    for (project, scenario, edit, lang, _profile, jobs, _tc), _c in by_key.items():
        if lang != "go" or (project, scenario, edit, jobs) in seen:
            continue
        seen.add((project, scenario, edit, jobs))
        go = [c for k, c in by_key.items() if k[:4] == (project, scenario, edit, "go")
              and k[5] == jobs]
        go_cell = next((c for c in go if c.key.profile == "release"), go[0])
        for rprof in ("debug", "release"):
            rust = [c for k, c in by_key.items() if k[:5] == (project, scenario, edit, "rust",
                                                              rprof) and k[5] == jobs]
            if not rust:
                continue
            r, g = rust[0].wall.median, go_cell.wall.median
            ratio = r / g if g > 0 else float("inf")
            what = f"{scenario}{' ' + edit if edit else ''} build, {project}"
            cmp = f"{ratio:.1f}× longer" if ratio >= 1 else f"{1 / ratio:.1f}× shorter"
            lines.append(f"{what}: Rust {rprof} {seconds(r)} vs Go {go_cell.key.profile} "
                         f"{seconds(g)} — {cmp}; minutes vs seconds: {verdict(r, g)}")
    if lines:
        console.print("[bold]Headline[/bold]")
        for line in lines:
            console.print("  " + line)
