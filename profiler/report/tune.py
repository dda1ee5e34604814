"""`tune`'s ranked table, the knobs that did not apply, and the lines to copy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console

from profiler.analysis.tune import KnobResult
from profiler.analysis.twosample import change_text
from profiler.analysis.wording import seconds
from profiler.model.cells import scenario_text
from profiler.report.console import Markup, SafeTable, shown
from profiler.stats import min_runs_for_ci, range_coverage


def _ci(r: KnobResult) -> str:
    """The knob median's 95% CI from order statistics; below the 6 runs that needs,
    the range of the runs and how often such a range holds the median (93.8% at 5)."""
    low, high = r.cell.wall.ci
    if low is None or high is None:
        return "-"
    if low == float("-inf") or high == float("inf"):
        n = r.cell.wall.n
        if n < 2:
            return f"needs {min_runs_for_ci()} runs"
        coverage = 100 * range_coverage(n)
        return (f"{seconds(r.cell.wall.min)} – {seconds(r.cell.wall.max)} "
                f"({coverage:.1f}%; 95% needs {min_runs_for_ci()} runs)")
    return f"{seconds(low)} – {seconds(high)}"


def tune_report(ranked: Sequence[KnobResult], skipped: Sequence[Any], notes: Sequence[str],
                console: Console) -> None:
    # One table per project, scenario (with its edit) and profile: a jobs knob's cell
    # sets -j, but its baseline is the same as the other knobs'.
    groups: dict[tuple[str, ...], list[KnobResult]] = {}
    for r in ranked:
        groups.setdefault((r.key.project, r.key.lang, scenario_text(r.key.scenario, r.key.edit),
                           r.key.profile), []).append(r)
    for (project, lang, scenario, profile), rs in groups.items():
        rs.sort(key=KnobResult.rank_key)
        base = rs[0].baseline
        table = SafeTable(title=f"{project} ({lang}) {scenario} {profile}: baseline "
                            f"{seconds(base.wall.median)} (n={base.wall.n}), best first",
                      title_justify="left")
        for col, just in (("#", "right"), ("knob", "left"), ("median", "right"),
                          ("change", "right"), ("95% CI of the median", "right"),
                          ("U test", "left"), ("peak memory", "right"), ("artifact", "right"),
                          ("what you give up", "left")):
            table.add_column(col, justify=just, overflow="fold")  # type: ignore[arg-type]
        for i, r in enumerate(rs, 1):
            if r.error:
                table.add_row(str(i), r.knob, "-", "-", "-", Markup("[red]failed[/red]"), "-", "-",
                              r.error)
                continue
            change = change_text(r.change_pct)
            if r.win:
                change = Markup(f"[green]{change}[/green]")
            elif r.significant:
                change = Markup(f"[red]{change}[/red]")
            table.add_row(str(i), r.knob, seconds(r.cell.wall.median), change, _ci(r),
                          r.verdict_text(), change_text(r.memory_change_pct),
                          change_text(r.artifact_change_pct),
                          r.caveat)
        console.print(table)
    if skipped:
        console.print("Not measured (the knob does not apply):")
        for s in skipped:
            console.print(f"  {s.knob} ({s.lang}, {s.profile}): {shown(s.reason)}",
                          highlight=False)
    for note in notes:
        console.print(note, highlight=False)
    wins = [r for r in ranked if r.win]
    if not wins:
        console.print("No knob made a significant win here (U test, α = 0.05): keep the "
                      "defaults.", highlight=False)
        return
    console.print("To keep the significant wins (buildprof never writes these):")
    seen = set()
    for r in wins:
        if (r.knob, r.key.lang, r.key.profile) in seen:
            continue
        seen.add((r.knob, r.key.lang, r.key.profile))
        console.print(f"\n# {r.knob}: {change_text(r.change_pct)} on "
                      f"{scenario_text(r.key.scenario, r.key.edit)} {r.key.profile} "
                      f"({r.caveat})", highlight=False)
        console.print(shown(r.advice), highlight=False)


def tune_dict(session: dict[str, Any], ranked: Sequence[KnobResult], skipped: Sequence[Any]
              ) -> dict[str, Any]:
    """`tune --format json`: the session, each knob against its baseline, and the knobs
    that did not apply. An unbounded CI end (fewer runs than a 95% CI needs) is null."""
    return {"session": session, "results": [{
        "knob": r.knob, "lang": r.key.lang, "project": r.key.project,
        "scenario": r.key.scenario, "edit": r.key.edit, "profile": r.key.profile,
        "baseline_wall_s": r.baseline.wall.median, "wall_s": r.cell.wall.median,
        "change_pct": r.change_pct, "ci_low_s": r.cell.wall.ci_low,
        "ci_high_s": r.cell.wall.ci_high, "u_test_p": r.test.p, "significant": r.significant,
        "memory_change_pct": r.memory_change_pct,
        "artifact_change_pct": r.artifact_change_pct, "caveat": r.caveat,
        "advice": r.advice, "error": r.error} for r in ranked],
        "skipped": [vars(s) for s in skipped]}
