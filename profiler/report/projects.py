"""The user's own projects in the report, as text rows every renderer shares, and as
HTML sections with each project's trend chart.

The terminal (terminal_gap.py), Markdown (markdown.py) and HTML (html.py) renderers
all take their rows from here, so they show the same numbers for a ProjectSection
(profiler.analysis.projects). The HTML part uses html.py's SVG and table helpers;
html.py imports this module only when it renders, so the two do not import each
other at load time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from profiler.analysis import wording as w
from profiler.analysis.own import ProjectSection, ProjectsReport, Trend, UnitsSummary
from profiler.analysis.tune import KnobResult
from profiler.model.cells import BASELINE, CellKey, CellSummary, scenario_text
from profiler.report.html import COLORS, _Charts, _e, _figure, _section, _table, _time_axis

CELLS_TITLE = "Build times per scenario and profile (median ± MAD)"
TREND_TITLE = "Trend: median wall time per session, oldest first"
UNITS_TITLE = "Slowest units and the critical path"
TUNE_TITLE = "Tune results: each knob against the baseline it was interleaved with"

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

# Series colours of a trend chart: the cells of one project (Go's and Rust's colours
# first, so a one-cell chart looks like the rest of the report).
SERIES = (COLORS["go"], COLORS["rust"], "#4c78a8", "#f58518", "#54a24b", "#b279a2",
          "#e45756", "#72b7b2", "#9d755d", "#bab0ac")


# -- text rows ---------------------------------------------------------------------------


def _scenario(key: CellKey) -> str:
    """The scenario with its edit, jobs and knob, and the revision of `run --rev`."""
    return key.scenario_text + (f" @{key.rev}" if key.rev else "")


def pct_text(x: float | None) -> str:
    return "-" if x is None else f"{x:+.1f}%"


def n_text(c: CellSummary) -> str:
    return str(c.n) + (f" ({c.failed} failed)" if c.failed else "")


def cell_row(c: CellSummary) -> list[str]:
    """One cell of a project's table (CELL_HEADS)."""
    k = c.key
    util = c.cpu_util.median
    return [_scenario(k), k.profile, k.toolchain, n_text(c), w.median_text(c),
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


def change_text(t: Trend) -> str:
    if len(t.measured) < 2:
        return "one session"
    return pct_text(t.change_pct)


def trend_row(t: Trend) -> list[str]:
    """One cell's trend (TREND_HEADS)."""
    return [_scenario(t.key), t.key.profile, sessions_text(t), values_text(t), change_text(t)]


def unit_rows(u: UnitsSummary) -> list[list[str]]:
    """The slowest units (UNIT_HEADS), longest first."""
    return [[x.name, x.kind, w.seconds(x.start_s), w.seconds(x.wall_s), w.seconds(x.cpu_s),
             w.size(x.peak_rss_bytes)] for x in u.slowest]


def units_intro(u: UnitsSummary) -> str:
    k = u.key
    return (f"Run {u.run_id} (session {u.session}, {_scenario(k)} {k.profile}, {k.toolchain}): "
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
            w.seconds(r.cell.wall.median), pct_text(r.change_pct), r.verdict(), r.caveat]


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


# -- HTML --------------------------------------------------------------------------------


def trend_chart(p: ProjectSection) -> Any:
    """Each cell's median per session: the sessions on the x axis in date order, one
    line per cell (a knob's cell dashed)."""
    order: dict[int, str] = {}
    for t in p.trends:
        for pt in t.points:
            order.setdefault(pt.session, pt.date or "")
    sessions = sorted(order, key=lambda s: (order[s], s))
    x_of = {s: i for i, s in enumerate(sessions)}
    fig = _figure(7.6, 3.4)
    ax = fig.subplots()
    top = 0.0
    for i, t in enumerate(p.trends):
        pts = t.measured
        if not pts:
            continue
        label = f"{_scenario(t.key)} {t.key.profile}"
        ax.plot([x_of[pt.session] for pt in pts], [pt.median for pt in pts],
                "--" if t.key.variant != BASELINE else "-", marker="o",
                color=SERIES[i % len(SERIES)], label=label, linewidth=1.4, markersize=4)
        top = max(top, *(float(pt.median or 0) for pt in pts))
    ax.set_xticks(range(len(sessions)),
                  [f"s{s}\n{order[s][:10]}" for s in sessions], fontsize=7)
    ax.set_xlim(-0.5, max(len(sessions), 2) - 0.5)
    ax.set_ylim(0, top * 1.2 or 1)
    _time_axis(ax, top * 1.2)
    ax.set_ylabel("median wall time")
    ax.set_title(f"{p.title}: median wall time per session")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def _rows(rows: Sequence[Sequence[str]]) -> list[list[str]]:
    return [[_e(v) for v in row] for row in rows]


def html_body(p: ProjectSection, chart: _Charts) -> str:
    """One project's section body: its table, trend chart and table, units, tune results."""
    out = [f'<p class="muted">{_e(about(p))}</p>', f"<h3>{_e(CELLS_TITLE)}</h3>",
           _table(CELL_HEADS, _rows([cell_row(c) for c in p.cells]), num=CELL_RIGHT),
           f"<h3>{_e(TREND_TITLE)}</h3>"]
    if any(t.measured for t in p.trends):
        out.append(chart(trend_chart(p), f"{p.title}: median wall time per session"))
    out.append(_table(TREND_HEADS, _rows([trend_row(t) for t in p.trends]), num=TREND_RIGHT))
    if p.units is not None:
        out += [f"<h3>{_e(UNITS_TITLE)}</h3>", f"<p>{_e(units_intro(p.units))}</p>",
                _table(UNIT_HEADS, _rows(unit_rows(p.units)), num=UNIT_RIGHT),
                f"<p>{_e(chain_text(p.units))}</p>"]
    if p.tune:
        out += [f"<h3>{_e(tune_title(p))}</h3>",
                _table(TUNE_HEADS, _rows([tune_row(r) for r in p.tune]), num=TUNE_RIGHT)]
    out += [f'<p class="note">{_e(n)}</p>' for n in p.notes]
    return "\n".join(out)


def html_sections(report: ProjectsReport, chart: _Charts) -> list[str]:
    """A section per project (ids project-1, project-2, …), each with its trend chart."""
    return [_section(f"project-{i}", p.title, html_body(p, chart), chart=True)
            for i, p in enumerate(report.projects, 1)]
