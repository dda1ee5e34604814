"""`compare`: B against A, benchstat's way, as a terminal table, JSON, CSV or
Markdown, and `--units`' table of which units changed."""

from __future__ import annotations

import math
from typing import Any, TextIO

from rich.console import Console

from profiler.analysis.compare import LOAD_METRICS, METRIC_TEXT, CellComparison, Comparison
from profiler.analysis.twosample import change_text
from profiler.analysis.unitdiff import UnitDiff, UnitStat
from profiler.analysis.wording import seconds, size
from profiler.report.console import Markup, new_table
from profiler.report.writers import (
    ci_text,
    markdown_table,
    ms_text,
    range_note,
    rps_text,
    write_csv,
)


def value_text(x: float, unit: str) -> str:
    """A median with four significant figures, enough to see a 1% change."""
    if not math.isfinite(x):
        return "-"
    if unit == "B":
        return size(x)
    if unit == "req/s":
        return f"{rps_text(x)} req/s"
    if unit == "ms":
        return ms_text(x)
    if x < 10:
        return f"{x:.3f} s"
    return f"{x:.2f} s" if x < 100 else f"{x:.1f} s"


def compare_dict(result: Comparison) -> dict[str, Any]:
    """A Comparison as plain data (for JSON). `higher_is_better` says which way is
    worse (true for requests per second); a load metric's cells (scenario `load`,
    the edit naming the connection count) also carry `connections`."""
    def side(c: CellComparison, which: str) -> dict[str, Any]:
        s, cell = (c.a, c.cell_a) if which == "a" else (c.b, c.cell_b)
        return {"n": s.n, "median": s.median, "ci_low": s.ci_low, "ci_high": s.ci_high,
                "ci_pct": s.ci_pct, "values": s.values, "toolchains": cell.toolchains,
                "machines": cell.machines, "sessions": cell.sessions}

    def load(c: CellComparison) -> dict[str, Any]:
        return ({"connections": c.cell_a.connections}  # type: ignore[attr-defined]
                if result.metric in LOAD_METRICS else {})

    return {
        "a": {"text": result.a.text, "kind": result.a.kind},
        "b": {"text": result.b.text, "kind": result.b.kind},
        "metric": result.metric, "unit": result.unit, "alpha": result.alpha,
        "higher_is_better": result.higher_is_better,
        "cells": [{"project": c.key.project, "lang": c.key.lang,
                   "content_hash": c.content_hash, "scenario": c.key.scenario,
                   "edit": c.key.edit, "profile": c.key.profile, "jobs": c.key.jobs,
                   **load(c), "a": side(c, "a"), "b": side(c, "b"),
                   "change_pct": c.change_pct, "p": c.test.p, "min_p": c.test.min_p,
                   "significant": c.test.significant, "verdict": c.verdict,
                   "note": c.too_few_text if c.test.too_few else None} for c in result.cells],
        "geomean": {"a": result.geomean_a, "b": result.geomean_b,
                    "change_pct": result.geomean_change_pct},
        "only_a": result.only_a, "only_b": result.only_b, "refused": result.refused,
        "cross_machine": result.cross_machine, "different_builds": result.builds,
    }


COMPARE_CSV_FIELDS = ("project", "lang", "scenario", "edit", "profile", "jobs",
                      "a_toolchain", "b_toolchain", "a_n", "a_median", "a_ci_low",
                      "a_ci_high", "b_n", "b_median", "b_ci_low", "b_ci_high", "change_pct",
                      "p", "verdict", "note")


def compare_rows(result: Comparison) -> list[dict[str, Any]]:
    """One flat row per cell, then the geomean row."""
    rows = []
    for c in result.cells:
        rows.append({"project": c.key.project, "lang": c.key.lang, "scenario": c.key.scenario,
                     "edit": c.key.edit, "profile": c.key.profile, "jobs": c.key.jobs,
                     "a_toolchain": ", ".join(c.cell_a.toolchains),
                     "b_toolchain": ", ".join(c.cell_b.toolchains),
                     "a_n": c.a.n, "a_median": c.a.median, "a_ci_low": c.a.ci_low,
                     "a_ci_high": c.a.ci_high, "a_ci_pct": c.a.ci_pct,
                     "b_n": c.b.n, "b_median": c.b.median, "b_ci_low": c.b.ci_low,
                     "b_ci_high": c.b.ci_high, "b_ci_pct": c.b.ci_pct,
                     "change_pct": c.change_pct, "p": c.test.p, "verdict": c.verdict,
                     "note": c.too_few_text if c.test.too_few else None})
    rows.append({"project": "geomean", "a_median": result.geomean_a,
                 "b_median": result.geomean_b, "change_pct": result.geomean_change_pct})
    return rows


def compare_csv(result: Comparison, out: TextIO) -> None:
    write_csv(compare_rows(result), COMPARE_CSV_FIELDS, out)


def compare_columns(c: CellComparison) -> tuple[str, str, str]:
    """The cell as the comparison tables name it: project (language), scenario, profile."""
    return f"{c.key.project} ({c.key.lang})", c.key.scenario_text, c.key.profile


def sample_text(c: CellComparison, which: str, unit: str) -> str:
    """One side's median with the ± of its 95% CI: `1.234 s ± 2.1%`."""
    s = c.a if which == "a" else c.b
    return f"{value_text(s.median, unit)} {ci_text(s)}"  # type: ignore[arg-type]


def compare_markdown(result: Comparison, out: TextIO) -> None:
    unit = result.unit
    rows: list[list[Any]] = [
        [" ".join(compare_columns(c)), sample_text(c, "a", unit), c.a.n,
         sample_text(c, "b", unit), c.b.n, c.change_text,  # +∞% from 0, n/a for 0 → 0
         "" if c.test.p is None else f"{c.test.p:.3f}", c.verdict] for c in result.cells]
    rows.append(["geomean", value_text(result.geomean_a, unit), "",
                 value_text(result.geomean_b, unit), "", change_text(result.geomean_change_pct),
                 "", ""])
    markdown_table(("cell", f"A: {result.a.title}", "n", f"B: {result.b.title}", "n",
                    "change", "p", "verdict"), rows, out, right=range(1, 8))
    for note in compare_notes(result):
        out.write(f"\n{note}\n")


def compare_notes(result: Comparison) -> list[str]:
    """The lines under a comparison: too-few-runs explanations, refused cells,
    cells measured on one side only."""
    notes = list(dict.fromkeys(c.too_few_text for c in result.cells if c.test.too_few))
    if note := range_note(s for c in result.cells for s in (c.a, c.b)):
        notes.append(note)
    notes += result.refused
    notes += result.builds
    if result.cross_machine:
        notes.append("warning: runs from different machines were pooled "
                     "(--allow-cross-machine)")
    for side, cells in ((result.a, result.only_a), (result.b, result.only_b)):
        if cells:
            shown = "; ".join(cells[:5]) + (f"; … {len(cells) - 5} more" if len(cells) > 5
                                              else "")
            notes.append(f"only in {side.title} (not compared): {shown}")
    return notes


def unit_dict(title: str, d: UnitDiff, top: int) -> dict[str, object]:
    def stat(u: UnitStat) -> dict[str, object]:
        return {"name": u.name, "kind": u.kind, "wall_s": u.wall_s, "cpu_s": u.cpu_s,
                "peak_rss_bytes": u.peak_rss_bytes, "runs": u.runs}

    return {"cell": title, "runs_a": d.runs_a, "runs_b": d.runs_b,
            "total_delta_s": d.total_delta_s,
            "changed": [{"name": c.name, "kind": c.a.kind, "a_wall_s": c.a.wall_s,
                         "b_wall_s": c.b.wall_s, "delta_s": c.delta_s,
                         "change_pct": c.change_pct} for c in d.changed[:top]],
            "new": [stat(u) for u in d.new], "removed": [stat(u) for u in d.removed]}


# -- the terminal ---------------------------------------------------------------------


def _verdict_markup(c: CellComparison, unit: str) -> str:
    if c.test.too_few:
        return Markup(f"[yellow]too few runs[/yellow] (n={c.a.n} vs {c.b.n})")
    if not c.test.significant:
        return "~"
    up = c.increase  # not change_pct > 0: it is nan when both medians are 0
    # Requests per second: higher is better, so fewer is the worse direction (c.worse).
    word = {"s": ("slower", "faster"), "ms": ("slower", "faster"),
            "req/s": ("more", "fewer")}.get(unit, ("more", "less"))[0 if up else 1]
    color = "red" if c.worse else "green"
    return Markup(f"[{color}]{c.verdict} {word}[/{color}]")


def compare_grid(result: Comparison) -> tuple[str, list[tuple[str, str]], list[list[str]],
                                                list[str]]:
    """benchstat's layout, for every renderer of the table: the title, the columns
    (name, justification), a row per cell (its verdict last, as text) and the geomean
    row. The toolchains column only when a cell's sides used different ones (and the
    sides are not toolchains), the machine column only when there are several."""
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
    rows = []
    for c in result.cells:
        row = list(compare_columns(c))
        if show_tc:
            row.append(f"{', '.join(c.cell_a.toolchains)} → {', '.join(c.cell_b.toolchains)}")
        if len(machines) > 1:
            row.append(", ".join(sorted({*c.cell_a.machines, *c.cell_b.machines})))
        change = c.change_text  # +∞% from a median of 0, n/a when both are 0
        row += [sample_text(c, "a", unit), str(c.a.n), sample_text(c, "b", unit), str(c.b.n),
                change, "-" if c.test.p is None else f"{c.test.p:.3f}", c.verdict]
        rows.append(row)
    geomean = ["geomean", "", "", *[""] * (len(cols) - 10), value_text(result.geomean_a, unit),
               "", value_text(result.geomean_b, unit), "",
               change_text(result.geomean_change_pct), "", ""]
    return title, cols, rows, geomean


def compare_table(result: Comparison, console: Console) -> None:
    """benchstat's layout (compare_grid) in the terminal, the verdict coloured, then
    the notes (too few runs, cells on one side only)."""
    title, cols, rows, geomean = compare_grid(result)
    table = new_table(title, cols)
    for c, row in zip(result.cells, rows, strict=True):
        table.add_row(*row[:-1], _verdict_markup(c, result.unit))
    table.add_section()
    table.add_row(*geomean)
    console.print(table)
    for note in compare_notes(result):
        console.print(note, highlight=False, soft_wrap=True)


def unit_table(title: str, d: UnitDiff, top: int, console: Console) -> None:
    """`compare --units`: the units whose median wall time changed most, then the new
    and removed ones."""
    table = new_table(f"Units of {title}: B against A, median wall time over "
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
