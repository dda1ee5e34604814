"""`buildprof bisect` as a terminal listing, JSON and Markdown."""

from __future__ import annotations

from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape

from profiler.analysis.twosample import TwoSample
from profiler.report.changes import cause_lines
from profiler.report.writers import md_text, seconds_text
from profiler.session.bisect import Bisection, Probe


def probe_text(p: Probe) -> str:
    """`3133db99a493 add generated tables: 1.89 s against A 0.35 s, +430.0% (p=0.002): slower`."""
    head = f"{p.commit[:12]} {p.subject}"
    if p.step is None:
        return f"{head}: skipped, did not build: {p.error}"
    verdict = "slower" if p.slower else "not slower"
    return (f"{head}: {seconds_text(p.step.b.median)} against A's "
            f"{seconds_text(p.step.a.median)}, {p.step.change_text} "
            f"({p.step.p_verdict()}): {verdict}")


def _step(s: TwoSample | None) -> str:
    if s is None:
        return "not measured"
    return (f"{seconds_text(s.a.median)} → {seconds_text(s.b.median)}, {s.change_text} "
            f"({s.p_verdict()})")


def summary_lines(r: Bisection) -> list[str]:
    n = len(r.candidates)
    if not r.probes or (not r.found and not r.ambiguous):
        b = r.probes[0] if r.probes else None
        return [f"{r.bad[:12]} (B) is not slower than {r.good[:12]} (A) by more than "
                f"{r.fail_above:g}%: {_step(b.step) if b else 'not measured'}; nothing to find"]
    if r.ambiguous:
        return [f"The first commit slower than A by more than {r.fail_above:g}% is one of "
                f"{', '.join(c[:12] for c in r.ambiguous)}: the others did not build"]
    c = r.culprit
    assert c is not None
    parent = "A" if r.parent == r.good else (r.parent or "")[:12]
    mine = r.probe_of(c.commit)
    return [f"First slower commit (of {n} after A): {c.commit[:12]} {c.subject}",
            f"author {c.author}, {c.date[:10]}",
            f"against A: {_step(mine.step if mine else None)}",
            f"against its parent ({parent}): {_step(r.against_parent)}"]


def bisect_terminal(r: Bisection, out: Console) -> None:
    lines = summary_lines(r)
    out.print(f"\n[bold]{escape(lines[0])}[/bold]", highlight=False)
    for line in lines[1:]:
        out.print(f"  {escape(line)}", highlight=False)
    if r.cause is not None:
        out.print("  What changed:", highlight=False)
        for line in cause_lines(r.cause):
            out.print(f"    {escape(line)}", highlight=False)
    out.print(f"Probes ({len(r.probes)}, each interleaved with runs of A):", highlight=False)
    for i, p in enumerate(r.probes, 1):
        out.print(f"  {i}. {escape(probe_text(p))}", highlight=False)
    skipped = [p for p in r.probes if p.skipped]
    if skipped:
        out.print(f"Skipped (did not build): {', '.join(p.commit[:12] for p in skipped)}",
                  highlight=False)
    out.print(f"Total time: {r.elapsed_s:.0f} s", highlight=False)


def bisect_markdown(r: Bisection, out: TextIO) -> None:
    lines = summary_lines(r)
    out.write(f"### {md_text(lines[0])}\n\n")
    for line in lines[1:]:
        out.write(f"- {md_text(line)}\n")
    if r.cause is not None:
        out.write("\nWhat changed:\n\n")
        for line in cause_lines(r.cause):
            out.write(f"- {md_text(line)}\n")
    out.write("\n| # | commit | subject | median | A's median | change | p | verdict |\n"
              "|--:|---|---|--:|--:|--:|--:|---|\n")
    for i, p in enumerate(r.probes, 1):
        if p.step is None:
            out.write(f"| {i} | `{p.commit[:12]}` | {md_text(p.subject)} | | | | | "
                      f"skipped: {md_text(p.error or '')} |\n")
        else:
            out.write(f"| {i} | `{p.commit[:12]}` | {md_text(p.subject)} | "
                      f"{seconds_text(p.step.b.median)} | {seconds_text(p.step.a.median)} | "
                      f"{p.step.change_text} | {p.step.p_verdict()} | "
                      f"{'slower' if p.slower else 'not slower'} |\n")
    out.write(f"\nTotal time: {r.elapsed_s:.0f} s\n")


def bisect_dict(r: Bisection) -> dict[str, Any]:
    def step(s: TwoSample | None) -> dict[str, Any] | None:
        if s is None:
            return None
        return {"a_median_s": s.a.median, "b_median_s": s.b.median, "n_a": s.a.n,
                "n_b": s.b.n, "change_pct": s.change_pct, "p": s.test.p,
                "significant": s.significant}

    c = r.culprit
    return {"good": r.good, "bad": r.bad, "candidates": len(r.candidates),
            "fail_above_pct": r.fail_above, "found": r.found,
            "culprit": None if c is None else {
                "commit": c.commit, "subject": c.subject, "author": c.author, "date": c.date,
                "against_good": step(p.step if (p := r.probe_of(c.commit)) else None),
                "parent": r.parent, "against_parent": step(r.against_parent)},
            "ambiguous": r.ambiguous,
            "cause": None if r.cause is None else {
                "lines": cause_lines(r.cause), "dependencies": list(r.cause.dependencies),
                "config": list(r.cause.config), "files": r.cause.files,
                "compiled_loc": list(r.cause.compiled_loc)},
            "probes": [{"commit": p.commit, "subject": p.subject, "skipped": p.skipped,
                        "error": p.error, "slower": p.slower, "session": p.session_id,
                        "step": step(p.step)} for p in r.probes],
            "elapsed_s": r.elapsed_s}
