"""Rich tables for `history` and `compare`. Reporters take data and a Console."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from profiler.analysis.compare import METRIC_TEXT, CellComparison, Comparison, change_text
from profiler.analysis.unitdiff import UnitDiff
from profiler.analysis.wording import seconds, size
from profiler.model.cells import CellKey, CellSummary
from profiler.report.tabular import (
    LOAD_HEADS,
    LOAD_NOTE,
    LOAD_TITLE,
    ci_text,
    compare_columns,
    compare_notes,
    date_text,
    load_columns,
    sample_text,
    value_text,
)


def _table(title: str, columns: Sequence[tuple[str, str]]) -> Table:
    table = Table(title=title, title_justify="left")
    for name, justify in columns:
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    return table


def median_mad(c: CellSummary) -> str:
    return f"{seconds(c.wall.median)} ± {seconds(c.wall.mad)}"


def min_max(c: CellSummary) -> str:
    return f"{seconds(c.wall.min)} – {seconds(c.wall.max)}"


def statuses(c: CellSummary) -> str:
    """What became of a cell without a successful run: `failed`, `failed/timeout`."""
    return f"[red]{'/'.join(sorted(set(c.statuses)))}[/red]"


def history_table(cells: Sequence[CellSummary], console: Console,
                  title: str | None = None) -> None:
    """One row per session and cell, newest session first."""
    machines = {c.machine_id for c in cells}
    cols = [("session", "right"), ("date (UTC)", "left"), ("label", "left"),
            ("project", "left"), ("toolchain", "left"), ("scenario", "left"),
            ("profile", "left")]
    if len(machines) > 1:
        cols.append(("machine", "left"))
    cols += [("n", "right"), ("wall median ± MAD", "right"), ("95% CI", "right"),
             ("min – max", "right"), ("peak RSS", "right")]
    table = _table(title or f"History: {len(cells)} cell(s), newest first", cols)
    for c in cells:
        if c.n:
            wall, ci, span = median_mad(c), ci_text(c.wall.ci_pct), min_max(c)
        else:
            wall, ci, span = statuses(c), "-", "-"
        row = [str(c.session), date_text(c.date), c.label or "", c.key.project_text,
               c.key.toolchain, c.key.scenario_text, c.key.profile]
        if len(machines) > 1:
            row.append(c.machine or "")
        n = str(c.n) + (f" [red]({c.failed} failed)[/red]" if c.failed else "")
        row += [n, wall, ci, span, size(c.peak_rss.median)]
        table.add_row(*row)
    console.print(table)


def load_table(load_cells: Sequence[dict[str, Any]], console: Console) -> None:
    """`buildprof payoff`'s rounds, one row per session and load cell (project,
    toolchain, connections), newest session first: medians over the successful
    rounds, errors summed over all of them. The machine only when there are several."""
    several = len({lc.get("machine_id") for lc in load_cells}) > 1
    left = {"date (UTC)", "label", "project", "toolchain", "machine"}
    keep = [i for i, h in enumerate(LOAD_HEADS) if h != "machine" or several]
    table = _table(LOAD_TITLE, [(LOAD_HEADS[i], "left" if LOAD_HEADS[i] in left else "right")
                                for i in keep])
    for lc in load_cells:
        cols = load_columns(lc)
        for name, bad in (("rounds", lc.get("failed")), ("errors", lc.get("errors"))):
            if bad:
                i = LOAD_HEADS.index(name)
                cols[i] = f"[red]{cols[i]}[/red]"
        table.add_row(*(cols[i] for i in keep))
    table.caption, table.caption_justify = LOAD_NOTE, "left"
    console.print(table)


def runs_table(runs: Sequence[dict[str, Any]], console: Console) -> None:
    """Individual runs, newest first; warm-ups are marked and never in a median."""
    table = _table(f"Runs: {len(runs)}, newest first",
                   [("run", "right"), ("session", "right"), ("started (UTC)", "left"),
                    ("project", "left"), ("toolchain", "left"), ("scenario", "left"),
                    ("profile", "left"), ("#", "right"), ("status", "left"),
                    ("wall", "right"), ("CPU", "right"), ("peak RSS", "right"),
                    ("peak tree", "right")])
    for r in runs:
        status = r["status"] if r["status"] == "ok" else f"[red]{r['status']}[/red]"
        if r.get("disturbed"):
            status += " [yellow](disturbed)[/yellow]"
        cpu = (r["user_s"] or 0) + (r["sys_s"] or 0)
        table.add_row(str(r["id"]), str(r["session_id"]), date_text(r.get("started")),
                      r["project"], r["toolchain"], CellKey.of(r).scenario_text, r["profile"],
                      "warm-up" if r["warmup"] else str(r["iteration"]), status,
                      seconds(r["wall_s"]), seconds(cpu), size(r.get("peak_rss_bytes")),
                      size(r.get("tree_peak_rss_bytes")))
    console.print(table)


def _verdict_markup(c: CellComparison, unit: str) -> str:
    if c.test.too_few:
        return f"[yellow]too few runs[/yellow] (n={c.a.n} vs {c.b.n})"
    if not c.test.significant:
        return "~"
    up = c.increase  # not change_pct > 0: it is nan when both medians are 0
    # Requests per second: higher is better, so fewer is the worse direction (c.worse).
    word = {"s": ("slower", "faster"), "ms": ("slower", "faster"),
            "req/s": ("more", "fewer")}.get(unit, ("more", "less"))[0 if up else 1]
    color = "red" if c.worse else "green"
    return f"[{color}]{c.verdict} {word}[/{color}]"


def compare_table(result: Comparison, console: Console) -> None:
    """benchstat's layout: A and B medians ± CI, the change, p and the verdict,
    then a geomean row and the notes (too few runs, cells on one side only)."""
    unit = result.unit
    show_tc = any(c.cell_a.toolchains != c.cell_b.toolchains for c in result.cells) and not (
        result.a.kind == result.b.kind == "toolchain")
    machines = {m for c in result.cells for m in (*c.cell_a.machines, *c.cell_b.machines)}
    cols = [("project", "left"), ("scenario", "left"), ("profile", "left")]
    if show_tc:
        cols.append(("toolchains A → B", "left"))
    if len(machines) > 1:
        cols.append(("machine", "left"))
    cols += [(f"A: {result.a.title}", "right"), ("n", "right"),
             (f"B: {result.b.title}", "right"), ("n", "right"), ("change", "right"),
             ("p", "right"), ("verdict", "left")]
    title = (f"{METRIC_TEXT[result.metric]}: B against A, median ± 95% CI, "
             f"Mann–Whitney U at α={result.alpha:g}")
    table = _table(title, cols)
    for c in result.cells:
        row = list(compare_columns(c))
        if show_tc:
            row.append(f"{', '.join(c.cell_a.toolchains)} → {', '.join(c.cell_b.toolchains)}")
        if len(machines) > 1:
            row.append(", ".join(sorted({*c.cell_a.machines, *c.cell_b.machines})))
        change = c.change_text  # +∞% from a median of 0, n/a when both are 0
        row += [sample_text(c, "a", unit), str(c.a.n), sample_text(c, "b", unit), str(c.b.n),
                change, "-" if c.test.p is None else f"{c.test.p:.3f}", _verdict_markup(c, unit)]
        table.add_row(*row)
    geo = result.geomean_change_pct
    table.add_section()
    filler = [""] * (len(cols) - 10)
    table.add_row("geomean", "", "", *filler, value_text(result.geomean_a, unit), "",
                  value_text(result.geomean_b, unit), "",
                  change_text(geo), "", "")
    console.print(table)
    for note in compare_notes(result):
        console.print(note, highlight=False, soft_wrap=True)


def unit_table(title: str, d: UnitDiff, top: int, console: Console) -> None:
    """`compare --units`: the units whose median wall time changed most, then the new
    and removed ones."""
    table = _table(f"Units of {title}: B against A, median wall time over "
                   f"{d.runs_a} and {d.runs_b} run(s)",
                   [("unit", "left"), ("kind", "left"), ("A", "right"), ("B", "right"),
                    ("Δ", "right"), ("change", "right")])
    for c in d.changed[:top]:
        table.add_row(c.name, c.a.kind, seconds(c.a.wall_s), seconds(c.b.wall_s),
                      f"{c.delta_s:+.3f} s", change_text(c.change_pct))
    for u in d.new[:top]:
        table.add_row(u.name, u.kind, "-", seconds(u.wall_s), f"{u.wall_s:+.3f} s", "new")
    for u in d.removed[:top]:
        table.add_row(u.name, u.kind, seconds(u.wall_s), "-", f"{-u.wall_s:+.3f} s", "removed")
    console.print(table)
    more = (max(len(d.changed) - top, 0) + max(len(d.new) - top, 0)
            + max(len(d.removed) - top, 0))
    console.print(f"{len(d.changed)} unit(s) on both sides, {len(d.new)} new, "
                  f"{len(d.removed)} removed; the units' medians add up to "
                  f"{d.total_delta_s:+.3f} s" + (f"; {more} more not shown (--top)" if more
                                                  else ""), highlight=False)
