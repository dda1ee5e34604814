"""What `compare` writes for CI systems: a GitHub job summary and JUnit XML.

Both are pure functions of a Comparison and the `--fail-above` threshold:

- `step_summary`: GitHub-flavoured Markdown for the file `GITHUB_STEP_SUMMARY`
  names: a heading, the verdict in one sentence, the comparison's table (with the
  geomean row) and its notes. GitHub refuses a step summary over 1 MiB (1024 KiB),
  so the text is fitted to the bytes the file has left: cells are dropped, the
  ones over the threshold last, and a line says how many were left out.
- `junit`: one `<testcase>` per compared cell in one `<testsuite>`; a cell over the
  threshold (significantly worse than A moved by PCT %, `compare.regressions`) is a
  `<failure>`, the others pass, with the figures in `<system-out>`. Without
  `--fail-above` the threshold is 0: any significant slowdown fails its case.
"""

from __future__ import annotations

import io
import math
from xml.etree import ElementTree as ET

from profiler.analysis.compare import Comparison, regressions
from profiler.analysis.twosample import change_text
from profiler.report.compare import compare_markdown, value_text

SUMMARY_CAP = 1024 * 1024  # bytes: GitHub's limit for one step's summary


def verdict_sentence(result: Comparison, fail_above: float | None) -> str:
    """One sentence: what is over the threshold, or that nothing is."""
    threshold = fail_above or 0.0
    worse = regressions(result, threshold)
    what = f"{result.b.title} against {result.a.title}"
    geo = change_text(result.geomean_change_pct)
    if worse:
        names = ", ".join(c.label for c in worse[:5]) + (
            f" and {len(worse) - 5} more" if len(worse) > 5 else "")
        word = "Worse" if result.higher_is_better else "Slower"
        return (f"**{word}**: {len(worse)} of {len(result.cells)} cell(s) of {what} are "
                f"significantly worse by more than {threshold:g}%: {names} "
                f"(geomean {geo}).")
    return (f"**No regression**: no cell of {what} is significantly worse by more than "
            f"{threshold:g}% ({len(result.cells)} cell(s), geomean {geo}).")


def _markdown(result: Comparison) -> str:
    out = io.StringIO()
    compare_markdown(result, out)
    return out.getvalue()


def step_summary(result: Comparison, fail_above: float | None, budget: int = SUMMARY_CAP
                 ) -> str:
    """The Markdown to append to the job summary, at most `budget` bytes (UTF-8)."""
    from dataclasses import replace

    head = (f"## buildprof: {result.b.title} against {result.a.title} "
            f"({result.metric})\n\n{verdict_sentence(result, fail_above)}\n\n")
    over = {id(c) for c in regressions(result, fail_above or 0.0)}
    # Kept first: the cells over the threshold; then the others in the table's order.
    ranked = sorted(result.cells, key=lambda c: id(c) not in over)

    def text_with(k: int) -> str:
        ids = {id(c) for c in ranked[:k]}
        body = _markdown(replace(result, cells=[c for c in result.cells if id(c) in ids]))
        left = len(ranked) - k
        return head + body + (
            f"\n{left} more cell(s) left out to stay under GitHub's 1 MiB summary limit (the "
            f"geomean row covers the cells shown, the sentence above all of them); "
            f"`buildprof compare … --format markdown` prints them all.\n" if left else "")

    def fits(k: int) -> bool:
        return len(text_with(k).encode()) <= budget

    if fits(len(ranked)):
        return text_with(len(ranked))
    low, high = 0, len(ranked)  # fits(high) is False; fits(low) may be too
    while high - low > 1:  # the most cells that fit, in log(cells) renderings
        mid = (low + high) // 2
        low, high = (mid, high) if fits(mid) else (low, mid)
    if fits(low):
        return text_with(low)
    text = "buildprof: summary left out (the step summary is full)\n"
    return text if len(text.encode()) <= budget else ""


def junit(result: Comparison, fail_above: float | None) -> str:
    """JUnit XML: a test case per cell, failed when it is over the threshold."""
    threshold = fail_above or 0.0
    over = {id(c) for c in regressions(result, threshold)}
    suite = ET.Element("testsuite", name=f"buildprof {result.b.title} vs {result.a.title}",
                       tests=str(len(result.cells)), failures=str(len(over)), errors="0",
                       skipped="0")
    props = ET.SubElement(suite, "properties")
    for name, value in (("metric", result.metric), ("A", result.a.title),
                        ("B", result.b.title), ("fail_above_pct", f"{threshold:g}"),
                        ("alpha", f"{result.alpha:g}"),
                        ("geomean_change", change_text(result.geomean_change_pct))):
        ET.SubElement(props, "property", name=name, value=value)
    for c in result.cells:
        case = ET.SubElement(suite, "testcase", classname=f"buildprof.{c.key.lang}",
                             name=c.label)
        p = "" if c.test.p is None or math.isnan(c.test.p) else f", p={c.test.p:.3f}"
        figures = (f"A {value_text(c.a.median, result.unit)} (n={c.a.n}), "  # type: ignore[arg-type]
                   f"B {value_text(c.b.median, result.unit)} (n={c.b.n}), "  # type: ignore[arg-type]
                   f"change {c.change_text}{p}, verdict {c.verdict}")
        if id(c) in over:
            limit = (f"a drop of more than {threshold:g}%" if c.higher_is_better
                     else f"above {threshold:g}%")
            beyond = c.threshold_test(threshold).p  # significant, so not None
            failure = ET.SubElement(case, "failure", type="regression",
                                    message=f"{c.change_text} is {limit} (p={beyond:.3f} "
                                            f"against A moved by {threshold:g}%)")
            failure.text = figures
        ET.SubElement(case, "system-out").text = figures
    ET.indent(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="unicode") \
        + "\n"
