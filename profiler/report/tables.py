"""Rich tables for `history` and `compare`. Reporters take data and a Console."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from profiler.report.export import ci_text, compare_notes, scenario_text, value_text
from profiler.report.format import seconds, size


def _table(title: str, columns: Sequence[tuple[str, str]]) -> Table:
    table = Table(title=title, title_justify="left")
    for name, justify in columns:
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    return table


def _date(iso: str | None) -> str:
    return (iso or "")[:16].replace("T", " ")


def history_table(cells: Sequence[dict[str, Any]], console: Console,
                  title: str | None = None) -> None:
    """One row per session and cell, newest session first."""
    machines = {c["machine_id"] for c in cells}
    cols = [("session", "right"), ("date (UTC)", "left"), ("label", "left"),
            ("project", "left"), ("toolchain", "left"), ("scenario", "left"),
            ("profile", "left")]
    if len(machines) > 1:
        cols.append(("machine", "left"))
    cols += [("n", "right"), ("wall median ± MAD", "right"), ("95% CI", "right"),
             ("min – max", "right"), ("peak RSS", "right")]
    table = _table(title or f"History: {len(cells)} cell(s), newest first", cols)
    for c in cells:
        n = str(c["n"]) + (f" [red]({c['failed']} failed)[/red]" if c["failed"] else "")
        if c["n"]:
            wall = f"{seconds(c['wall_median'])} ± {seconds(c['wall_mad'])}"
            ci = ci_text(c["wall_ci_pct"])
            span = f"{seconds(c['wall_min'])} – {seconds(c['wall_max'])}"
        else:
            wall, ci, span = f"[red]{'/'.join(sorted(set(c['statuses'])))}[/red]", "-", "-"
        row = [str(c["session"]), _date(c["date"]), c.get("label") or "", c["project"],
               c["toolchain"], scenario_text(c), c["profile"]]
        if len(machines) > 1:
            row.append(c["machine"] or "")
        row += [n, wall, ci, span, size(c.get("peak_rss_median"))]
        table.add_row(*row)
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
        table.add_row(str(r["id"]), str(r["session_id"]), _date(r.get("started")),
                      r["project"], r["toolchain"], scenario_text(r), r["profile"],
                      "warm-up" if r["warmup"] else str(r["iteration"]), status,
                      seconds(r["wall_s"]), seconds(cpu), size(r.get("peak_rss_bytes")),
                      size(r.get("tree_peak_rss_bytes")))
    console.print(table)


def _verdict_markup(c: Any, unit: str) -> str:
    if c.too_few:
        return f"[yellow]too few runs[/yellow] (n={c.a.n} vs {c.b.n})"
    if not c.significant:
        return "~"
    worse = c.increase  # not change_pct > 0: it is nan when both medians are 0
    word = ("slower" if worse else "faster") if unit == "s" else ("more" if worse else "less")
    color = "red" if worse else "green"
    return f"[{color}]{c.verdict} {word}[/{color}]"


def compare_table(result: Any, console: Console) -> None:
    """benchstat's layout: A and B medians ± CI, the change, p and the verdict,
    then a geomean row and the notes (too few runs, cells on one side only)."""
    from profiler.compare import METRIC_TEXT, change_text

    unit = result.unit
    show_tc = any(c.a.toolchains != c.b.toolchains for c in result.cells) and not (
        result.a.kind == result.b.kind == "toolchain")
    machines = {m for c in result.cells for m in (*c.a.machines, *c.b.machines)}
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
        row = [f"{c.project} ({c.lang})",
               scenario_text({"scenario": c.scenario, "edit": c.edit, "jobs": c.jobs}),
               c.profile]
        if show_tc:
            row.append(f"{', '.join(c.a.toolchains)} → {', '.join(c.b.toolchains)}")
        if len(machines) > 1:
            row.append(", ".join(sorted({*c.a.machines, *c.b.machines})))
        change = c.change_text  # +∞% from a median of 0, n/a when both are 0
        row += [f"{value_text(c.a.median, unit)} {ci_text(c.a.ci_pct)}", str(c.a.n),
                f"{value_text(c.b.median, unit)} {ci_text(c.b.ci_pct)}", str(c.b.n),
                change, "-" if c.p is None else f"{c.p:.3f}", _verdict_markup(c, unit)]
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
