"""The user's own projects in the report, as the text rows every renderer shares.

The terminal (document/terminal.py), Markdown (document/markdown.py) and HTML
(document/html.py) renderers all take their rows from here, so they show the same
numbers for a ProjectSection (profiler.analysis.own).
"""

from __future__ import annotations

from typing import Any

from profiler.analysis import wording as w
from profiler.analysis.own import ProjectSection, ProjectsReport, Trend, UnitsSummary
from profiler.analysis.tune import KnobResult
from profiler.analysis.twosample import change_text
from profiler.model.cells import CellKey, CellSummary, scenario_text

CELLS_TITLE = "Build times per scenario and profile (median ± MAD)"


TREND_TITLE = "Trend: median wall time per session, oldest first"


UNITS_TITLE = "Slowest units and the critical path"


TUNE_TITLE = "Tune results: each knob against the baseline it was interleaved with"


CHANGES_TITLE = "Change points (`buildprof changes` names what changed at each)"


CHANGE_HEADS = ("series", "at", "subject", "before → after", "change")


CHANGE_RIGHT = (3, 4)


CELL_HEADS = ("scenario", "profile", "toolchain", "n", "wall median ± MAD", "CPU",
              "parallelism", "peak process", "peak tree", "artifact")


CELL_RIGHT = (3, 4, 5, 6, 7, 8, 9)


TREND_HEADS = ("scenario", "profile", "sessions", "median per session", "first → last")


TREND_RIGHT = (2, 4)


UNIT_HEADS = ("unit", "kind", "start", "wall", "CPU", "peak RSS")


UNIT_RIGHT = (2, 3, 4, 5)


TUNE_HEADS = ("knob", "scenario", "profile", "baseline", "with the knob", "change",
              "verdict (U test)", "what you give up")


TUNE_RIGHT = (3, 4, 5)


TREND_SHOWN = 8  # a longer trend shows its first value, "…", and the newest ones


def scenario_label(key: CellKey) -> str:
    """The scenario with its edit, jobs and knob, and the revision of `run --rev`."""
    return key.scenario_text + (f" @{key.rev}" if key.rev else "")


def n_text(c: CellSummary) -> str:
    return str(c.n) + (f" ({c.failed} failed)" if c.failed else "")


def cell_row(c: CellSummary) -> list[str]:
    """One cell of a project's table (CELL_HEADS)."""
    k = c.key
    util = c.cpu_util.median
    return [scenario_label(k), k.profile, k.toolchain, n_text(c), w.median_text(c),
            w.seconds(c.cpu.median), w.parallelism(util) if util is not None else "-",
            w.size(c.peak_rss.median), w.size(c.tree_peak_rss.median),
            w.size(c.artifact_bytes)]


def sessions_text(t: Trend) -> str:
    """How many sessions, and which: `3 (s1, s4, s7)`."""
    ids = [p.session for p in t.points]
    shown = ", ".join(f"s{i}" for i in ids) if len(ids) <= 4 else f"s{ids[0]} … s{ids[-1]}"
    return f"{len(ids)} ({shown})"


def values_text(t: Trend) -> str:
    """The medians, oldest first: `1.20 s → 1.31 s → 1.25 s`; a session whose runs
    all failed shows as `failed`."""
    vals = [w.seconds(p.median) if p.median is not None else "failed" for p in t.points]
    if len(vals) > TREND_SHOWN:
        vals = [vals[0], "…", *vals[-(TREND_SHOWN - 2):]]
    return " → ".join(vals)


def trend_change_text(t: Trend) -> str:
    if len(t.measured) < 2:
        return "one session"
    return change_text(t.change_pct)


def trend_row(t: Trend) -> list[str]:
    """One cell's trend (TREND_HEADS)."""
    return [scenario_label(t.key), t.key.profile, sessions_text(t), values_text(t),
            trend_change_text(t)]


def change_rows(p: ProjectSection) -> list[list[str]]:
    """Each change point of the project's series (CHANGE_HEADS), oldest first."""
    rows = []
    for cp in p.changes:
        k = cp.series.key
        rows.append([f"{scenario_label(k)} {k.profile} {k.toolchain}",
                     f"{cp.point.label} {(cp.point.date or '')[:10]}".strip(),
                     cp.point.subject or "",
                     f"{w.seconds(cp.step.a.median)} → {w.seconds(cp.step.b.median)}",
                     cp.step.change_text])
    return rows


def unit_rows(u: UnitsSummary) -> list[list[str]]:
    """The slowest units (UNIT_HEADS), longest first."""
    return [[x.name, x.kind, w.seconds(x.start_s), w.seconds(x.wall_s), w.seconds(x.cpu_s),
             w.size(x.peak_rss_bytes)] for x in u.slowest]


def units_intro(u: UnitsSummary) -> str:
    k = u.key
    return (f"Run {u.run_id} (session {u.session}, {scenario_label(k)} {k.profile}, "
            f"{k.toolchain}): "
            f"{u.count} units in {w.seconds(u.wall_s)}; the {len(u.slowest)} slowest "
            f"(`buildprof breakdown {u.run_id}` lists them all).")


def chain_text(u: UnitsSummary) -> str:
    """The critical path: its length, and its units first to last."""
    if not u.chain:
        return "Critical path: none recorded."
    return (f"Critical path: {len(u.chain)} unit(s), {w.seconds(u.chain_s)} of the "
            f"{w.seconds(u.wall_s)} wall: {' → '.join(u.chain)}")


def tune_row(r: KnobResult) -> list[str]:
    """One knob (TUNE_HEADS); a knob whose build failed says so with its error."""
    k = r.key
    scen = scenario_text(k.scenario, k.edit, k.jobs)
    if r.error:
        return [r.knob, scen, k.profile, w.seconds(r.baseline.wall.median), "-", "-",
                "failed", r.error]
    return [r.knob, scen, k.profile, w.seconds(r.baseline.wall.median),
            w.seconds(r.cell.wall.median), change_text(r.change_pct), r.verdict_text(), r.caveat]


def about(p: ProjectSection) -> str:
    """Where the project comes from, its size, and the sessions of its table."""
    loc = f"{p.loc} lines" if p.loc is not None else "lines not counted"
    sessions = ", ".join(map(str, p.sessions))
    return (f"From {p.where}; {loc}; session{'s' if len(p.sessions) > 1 else ''} "
            f"{sessions}.")


def tune_title(p: ProjectSection) -> str:
    return f"{TUNE_TITLE} (session {p.tune_session})"


def machine_text(m: dict[str, Any]) -> str:
    mem = w.size(m.get("memory_bytes")) if m.get("memory_bytes") else "?"
    return (f"{m.get('hostname', '?')}: {m.get('cpu_model', '?')}, "
            f"{m.get('logical_cpus') or m.get('cores')} CPUs, {mem}, {m.get('os', '?')}")


def toolchains_text(report: ProjectsReport) -> str:
    return ", ".join(f"{t['spec']} ({t['version']})" for t in report.toolchains) or "-"
