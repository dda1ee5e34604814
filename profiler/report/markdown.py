"""The gap report as GitHub-flavoured Markdown, for an issue or a blog post.

The same numbers as the terminal report (profiler.report.terminal_gap), from the
same GapReport; writes to a text stream and returns nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TextIO

from profiler.report.format import seconds, size
from profiler.report.gap import (
    CLAIM,
    RULE,
    THRESHOLDS,
    GapReport,
    Pair,
    caveats,
    loc_text,
    median_text,
    ratio_text,
    scenario_label,
)

BAR = 20


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def table(heads: Sequence[str], rows: Sequence[Sequence[object]], out: TextIO,
          right: Sequence[int] = ()) -> None:
    """A Markdown table; the columns whose index is in `right` are right-aligned."""
    out.write("| " + " | ".join(_cell(h) for h in heads) + " |\n")
    out.write("|" + "|".join("---:" if i in right else "---" for i in range(len(heads)))
              + "|\n")
    for row in rows:
        out.write("| " + " | ".join(_cell(v) for v in row) + " |\n")
    out.write("\n")


def bar_text(p: Pair) -> str:
    """Rust's time as a bar of `BAR` blocks per Go's: `▇` per Go-time, capped."""
    if p.ratio is None:
        return ""
    blocks = min(BAR, max(1, round(p.ratio)))
    return "▇" * blocks + ("…" if p.ratio > BAR else "")


def _num(x: float | None, fmt: str) -> str:
    return "-" if x is None or not math.isfinite(x) else format(x, fmt)


def render(report: GapReport, out: TextIO) -> None:
    m = report.machine
    v = report.verdict
    out.write("# Go against Rust: build times\n\n")
    out.write(f"Machine: {m.get('hostname', '?')}, {m.get('cpu_model', '?')}, "
              f"{m.get('logical_cpus') or m.get('cores')} CPUs, "
              f"{size(m.get('memory_bytes'))}, {m.get('os', '?')}.  \n")
    out.write("Toolchains: " + ", ".join(f"{t['spec']} ({t['version']})"
                                         for t in report.toolchains) + ".\n\n")
    out.write(f"## Verdict: **{v.outcome}**\n\n")
    out.write(f"“{CLAIM}”, on this machine:\n\n")
    for reason in v.reasons:
        out.write(f"- {reason}\n")
    out.write(f"\n*Rule:* {RULE}\n\n")

    out.write("## Build times (median ± MAD)\n\n")
    out.write("Rust/Go: how many times longer Rust takes; the bar has one block per Go "
              "build time.\n\n")
    table(["project", "lines Go / Rust", "scenario", "profile", "n Go/Rust", "Go", "Rust",
           "Rust/Go", ""],
          [[p.project, f"{p.go.loc if p.go else '-'} / {p.rust.loc if p.rust else '-'}",
            scenario_label(p.scenario, p.edit, p.jobs), p.profile,
            "/".join(str(c.n) if c else "-" for c in (p.go, p.rust)),
            median_text(p.go), median_text(p.rust), ratio_text(p), bar_text(p)]
           for p in report.pairs], out, right=(1, 4, 5, 6, 7))

    out.write("## Memory, parallelism and artifacts (Go \\| Rust)\n\n")

    def both(p: Pair, attr: str, fmt: Callable[[float], str]) -> str:
        vals = []
        for c in (p.go, p.rust):
            x = getattr(c, attr) if c and c.n else None
            vals.append(fmt(x) if x is not None else "-")
        return " | ".join(vals)

    table(["project", "scenario", "profile", "peak process", "peak tree", "parallelism",
           "artifact"],
          [[p.project, scenario_label(p.scenario, p.edit, p.jobs), p.profile,
            both(p, "peak_rss", size), both(p, "tree_peak_rss", size),
            both(p, "cpu_util", lambda x: f"{x:.2f}×"), both(p, "artifact_bytes", size)]
           for p in report.pairs], out, right=(3, 4, 5, 6))

    out.write("## Scaling: time = a·LOC^b\n\n")
    if report.fitted:
        out.write("Least squares on log–log across the graded sizes; * extrapolated beyond "
                  "the sizes measured.\n\n")
        rows = []
        for f in report.fitted:
            cross = []
            for t, _ in THRESHOLDS:
                loc = f.crossing(t)
                cross.append(loc_text(loc) + ("*" if loc is not None and f.extrapolated(loc)
                                              else ""))
            rows.append([f.lang, scenario_label(f.scenario, f.edit, f.jobs), f.profile,
                         f.sizes, _num(f.a, ".3g"), _num(f.b, ".2f"), _num(f.r2, ".3f"),
                         *cross, f.note])
        table(["language", "scenario", "profile", "sizes", "a", "b", "R²",
               *(f"{label} at" for _, label in THRESHOLDS), ""], rows, out,
              right=(3, 4, 5, 6, 7, 8, 9))
        for s in report.sentences:
            out.write(f"{s}\n\n")
    elif not report.fits:
        out.write("No graded sizes in this selection.\n\n")
    if report.unfitted:
        out.write(f"No fit (one graded size measured): {', '.join(report.unfitted)}.\n\n")

    for lang in report.multi_toolchain_langs:
        cells = [c for c in report.cells if c.lang == lang]
        tcs = sorted({c.toolchain for c in cells})
        by_row: dict[tuple, dict[str, str]] = {}
        for c in cells:
            key = (c.project, scenario_label(c.scenario, c.edit, c.jobs), c.profile)
            by_row.setdefault(key, {})[c.toolchain] = median_text(c)
        out.write(f"## Toolchains ({lang})\n\n")
        table(["project", "scenario", "profile", *tcs],
              [[*k, *(v.get(tc, "-") for tc in tcs)] for k, v in by_row.items()], out,
              right=tuple(range(3, 3 + len(tcs))))

    out.write("## What the claim leaves out\n\n")
    for line in caveats(report):
        out.write(f"- {line}\n")
    out.write("\n")
    if report.timelines:
        out.write("## Units\n\n")
        for t in report.timelines:
            crit = " → ".join(u.name for u in t.units if u.critical) or "-"
            out.write(f"- run {t.run_id} ({t.project}, {t.lang}, {t.scenario} {t.profile}): "
                      f"{len(t.units)} units in {seconds(t.wall_s)}; critical path: {crit}\n")
        out.write("\n")
    if report.notes:
        for note in report.notes:
            out.write(f"> {note}\n>\n")
        out.write("\n")
    out.write("## Reproduce\n\n```sh\n")
    for s in report.sessions:
        out.write(f"{s['command_line']}\n")
    out.write("```\n")
