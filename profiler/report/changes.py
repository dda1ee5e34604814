"""`buildprof changes` as a terminal listing, JSON and Markdown (a job summary)."""

from __future__ import annotations

from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape

from profiler.analysis.changes import Cause, ChangePoint, Changes, Series
from profiler.report.writers import md_text, seconds_text


def method_text(result: Changes) -> str:
    return (f"E-divisive means (Apache Otava's t-test variant): a change point needs "
            f"p < {result.max_pvalue:g} and a change of at least "
            f"{result.min_magnitude_pct:g}%")


def _when(cp: ChangePoint) -> str:
    return (cp.point.date or "")[:10]


def step_text(cp: ChangePoint) -> str:
    """`slower +430.0%: 0.35 s [0.33, 0.37] → 1.92 s [1.81, 1.99], U test p=0.000`."""
    a, b = cp.step.a, cp.step.b
    word = "slower" if cp.slower else "faster"
    return (f"{word} {cp.step.change_text}: {_with_ci(a)} → {_with_ci(b)}; "
            f"U test {cp.step.p_verdict()}, t-test p={cp.pvalue:.2g}")


def _with_ci(sample: Any) -> str:
    lo, hi = sample.ci
    text = seconds_text(sample.median)
    if lo is None or hi is None or lo == float("-inf") or hi == float("inf"):
        return f"{text} (n={sample.n})"
    return f"{text} [{seconds_text(lo)}, {seconds_text(hi)}] (n={sample.n})"


def cause_lines(c: Cause) -> list[str]:
    """What changed at a change point, one line per kind; the kinds with nothing
    to say are left out, "nothing found" when no kind has anything."""
    lines = []
    if c.toolchain:
        lines.append("toolchain: " + "; ".join(c.toolchain))
    if c.dependencies:
        lines.append(f"dependencies ({len(c.dependencies)}): " + "; ".join(c.dependencies[:8])
                     + ("; …" if len(c.dependencies) > 8 else ""))
    if c.config:
        lines.append("build configuration: " + "; ".join(c.config))
    before, after = c.compiled_loc
    if before is not None or after is not None:
        lines.append(f"lines compiled: {_int(before)} → {_int(after)}")
    if c.files is not None:
        dirs = ", ".join(f"{'top level' if d == '.' else d} {n}" for d, n in c.top_dirs)
        lines.append(f"files touched: {c.files}" + (f" ({dirs})" if dirs else ""))
    if c.units:
        lines.append("units: " + "; ".join(
            f"{name} {_secs(a)} → {_secs(b)}" for name, a, b in c.units))
    if c.note:
        lines.append(f"note: {c.note}")
    return lines or ["nothing found that changed"]


def _int(v: int | None) -> str:
    return "?" if v is None else f"{v:,}"


def _secs(v: float | None) -> str:
    return "-" if v is None else seconds_text(v)


def _series_line(s: Series, found: list[ChangePoint]) -> str:
    pts = s.measured
    failed = sum(p.failed for p in s.points)
    what = "commits" if s.by_commit else "sessions"
    return (f"{s.title}: {len(s.points)} {what}" + (f" ({failed} failed)" if failed else "")
            + f", {len(found)} change point(s)" + ("" if len(pts) >= 3 else
                                                  ", too few points to look for any"))


def changes_terminal(result: Changes, out: Console) -> None:
    out.print(f"Change points ({method_text(result)})", highlight=False)
    if not result.series:
        out.print("No runs match; measure a range with `buildprof run PATH --rev A..B`.")
        return
    for s in result.series:
        found = result.of(s)
        out.print(f"\n[bold]{escape(_series_line(s, found))}[/bold]", highlight=False)
        for cp in found:
            head = f"{cp.point.label} {_when(cp)} {cp.point.subject or ''}".rstrip()
            colour = "red" if cp.slower else "green"
            out.print(f"  [{colour}]{escape(head)}[/{colour}]", highlight=False)
            out.print(f"    {escape(step_text(cp))}", highlight=False)
            for line in cause_lines(cp.cause):
                out.print(f"    {escape(line)}", highlight=False)
        failed = [p for p in s.points if p.failed]
        for p in failed[:5]:
            out.print(f"  [yellow]did not build:[/yellow] {escape(p.label)} "
                      f"{escape(p.subject or '')}: {escape(p.error or 'failed')}", highlight=False)


def changes_markdown(result: Changes, out: TextIO) -> None:
    out.write(f"### Change points\n\n{md_text(method_text(result))}.\n")
    for s in result.series:
        found = result.of(s)
        out.write(f"\n**{md_text(_series_line(s, found))}**\n")
        if not found:
            continue
        out.write("\n| commit | date | subject | before | after | change | p |\n"
                  "|---|---|---|--:|--:|--:|--:|\n")
        for cp in found:
            out.write(f"| `{md_text(cp.point.label)}` | {_when(cp)} | "
                      f"{md_text(cp.point.subject or '')} | {_with_ci(cp.step.a)} | "
                      f"{_with_ci(cp.step.b)} | {cp.step.change_text} | "
                      f"{cp.step.p_verdict()} |\n")
        for cp in found:
            out.write(f"\nWhat changed at `{md_text(cp.point.label)}`:\n\n")
            for line in cause_lines(cp.cause):
                out.write(f"- {md_text(line)}\n")


def changes_dict(result: Changes) -> dict[str, Any]:
    def point(p: Any) -> dict[str, Any]:
        return {"label": p.label, "commit": p.commit, "subject": p.subject, "date": p.date,
                "median_s": p.median, "n": len(p.values), "failed": p.failed,
                "error": p.error, "toolchain_versions": list(p.versions),
                "compiled_loc": p.compiled_loc}

    def change(cp: ChangePoint) -> dict[str, Any]:
        c = cp.cause
        return {"commit": cp.point.commit, "label": cp.point.label,
                "subject": cp.point.subject, "date": cp.point.date,
                "previous": cp.previous.label, "direction": "slower" if cp.slower else "faster",
                "change_pct": cp.step.change_pct,
                "before": {"median_s": cp.step.a.median, "ci": list(cp.step.a.ci),
                           "n": cp.step.a.n},
                "after": {"median_s": cp.step.b.median, "ci": list(cp.step.b.ci),
                          "n": cp.step.b.n},
                "u_test_p": cp.step.test.p, "significant": cp.step.significant,
                "t_test_p": cp.pvalue,
                "cause": {"toolchain": list(c.toolchain), "dependencies": list(c.dependencies),
                          "config": list(c.config), "compiled_loc": list(c.compiled_loc),
                          "files": c.files, "top_dirs": [list(d) for d in c.top_dirs],
                          "units": [{"name": n, "before_s": a, "after_s": b}
                                    for n, a, b in c.units], "note": c.note}}

    return {"method": method_text(result), "max_pvalue": result.max_pvalue,
            "min_magnitude_pct": result.min_magnitude_pct,
            "series": [{"cell": s.key.label, "machine": s.machine,
                        "by": "commit" if s.by_commit else "session",
                        "points": [point(p) for p in s.points],
                        "change_points": [change(cp) for cp in result.of(s)]}
                       for s in result.series]}
