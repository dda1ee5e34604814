"""The HTML report's charts, each a matplotlib Figure made from the report's data:
build time against lines of code, Go and Rust times and memory per project, the
toolchains compared, the units of a --breakdown run over time, an own project's
trend across sessions, and the compilers over time. document/html.py puts them in
the page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from profiler.analysis import wording as w
from profiler.analysis.own import ProjectSection
from profiler.analysis.records import GapReport, Pair
from profiler.analysis.releases import Cell, CompilersOverTime, line_title
from profiler.analysis.rule import LANG_ORDER, PROFILE_ORDER, THRESHOLDS
from profiler.languages import title
from profiler.model.cells import BASELINE
from profiler.report.document.htmlkit import (
    COLORS,
    KIND_COLORS,
    LIGHT,
    LINESTYLE,
    MARKER,
    axis_loc,
    figure,
    time_axis,
)
from profiler.report.document.own import scenario_label

# Series colours of a trend chart: the cells of one project (Go's and Rust's colours
# first, so a one-cell chart looks like the rest of the report).
SERIES = (COLORS["go"], COLORS["rust"], "#4c78a8", "#f58518", "#54a24b", "#b279a2",
          "#e45756", "#72b7b2", "#9d755d", "#bab0ac")


def scaling_chart(report: GapReport) -> Any:
    """Median build time against lines of code, log–log, one panel per scenario, with
    each fit drawn solid over the measured sizes and dotted beyond them."""
    from matplotlib.ticker import FuncFormatter

    scenarios: list[str] = []
    for c in report.cells:
        label = c.key.scenario_text
        if c.n and c.loc and label not in scenarios:
            scenarios.append(label)
    cols = min(2, len(scenarios)) or 1
    rows = math.ceil(len(scenarios) / cols) or 1
    fig = figure(7.6 * cols, 4.4 * rows)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    primary = report.primary
    max_loc = max((c.loc or 0 for c in report.cells), default=1000)
    x_hi = min(1e7, max(10 * max_loc, 1e5))
    for ax, label in zip(axes, scenarios, strict=False):
        ys: list[float] = []
        for lang in LANG_ORDER:
            for prof in PROFILE_ORDER:
                pts = [c for c in report.cells if c.key.lang == lang and c.key.profile == prof
                       and c.n and c.key.toolchain == primary.get(lang) and c.loc
                       and c.key.scenario_text == label]
                graded = [c for c in pts if c.kind == "graded"]
                other = [c for c in pts if c.kind != "graded"]
                name = f"{title(lang)} {prof}"
                if graded:
                    ax.plot([c.loc for c in graded], [c.wall.median for c in graded],
                            MARKER[prof], color=COLORS[lang], label=name, zorder=3,
                            fillstyle="full" if prof == "release" else "none")
                if other:
                    ax.plot([c.loc for c in other], [c.wall.median for c in other], "*",
                            color=COLORS[lang], markersize=11, zorder=3,
                            label=f"{name} (real-world)")
                    for c in other:
                        ax.annotate(c.key.project, (c.loc, c.wall.median), fontsize=7,
                                    xytext=(4, 4), textcoords="offset points")
                ys += [float(c.wall.median or 0) for c in pts]
                fit = next((f for f in report.fits if f.lang == lang and f.profile == prof
                            and f.scenario_text == label
                            and f.b is not None), None)
                if fit is None:
                    continue
                lo, hi = fit.loc_range
                span = [lo * 10 ** (i / 40 * math.log10(hi / lo)) for i in range(41)]
                beyond = [hi * 10 ** (i / 40 * math.log10(x_hi / hi)) for i in range(41)]
                ax.plot(span, [fit.predict(x) for x in span], LINESTYLE[prof],
                        color=COLORS[lang], linewidth=1.6,
                        label=f"{name} fit: b={fit.b:.2f}, R²={fit.r2:.2f}"
                              + ("" if fit.trusted else f" ({fit.sizes} sizes)"))
                ax.plot(beyond, [fit.predict(x) for x in beyond], ":", color=COLORS[lang],
                        linewidth=1.2, alpha=0.8)
                ys.append(float(fit.predict(x_hi) or 0))
        ax.set_xscale("log")
        ax.set_yscale("log")
        y_lo = min((y for y in ys if y > 0), default=1.0) / 2
        y_hi = max(max(ys, default=60.0) * 1.5, 90.0)
        ax.set_ylim(y_lo, y_hi)
        ax.set_xlim(min((c.loc or max_loc for c in report.cells), default=100) / 1.5, x_hi)
        for t, text in THRESHOLDS:
            if y_lo < t < y_hi:
                ax.axhline(t, color="#888888", linewidth=0.8, linestyle="-.", zorder=1)
                ax.text(x_hi / 1.1, t, text, va="center", ha="right", fontsize=7,
                        color="#555555", backgroundcolor="white")
        ax.xaxis.set_major_formatter(FuncFormatter(axis_loc))
        time_axis(ax, y_hi, log=True)
        ax.set_xlabel("lines of code")
        ax.set_ylabel("median wall time")
        ax.set_title(f"{label}: build time against size")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    for ax in axes[len(scenarios):]:
        ax.set_visible(False)
    return fig


def wall_of(p: Pair, lang: str) -> float | None:
    """The pair's median wall time in one language (None: no successful run)."""
    c = getattr(p, lang)
    return c.wall.median if c and c.n else None


def _groups(pairs: Sequence[Pair]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for p in pairs:
        key = (p.scenario_text, p.profile)
        if key not in out:
            out.append(key)
    return out


def _label_bars(ax: Any, bars: Any, values: Sequence[float | None],
                fmt: Callable[[float], str]) -> None:
    for rect, v in zip(bars, values, strict=True):
        if v:
            ax.annotate(fmt(v), (rect.get_x() + rect.get_width() / 2, rect.get_height()),
                        ha="center", va="bottom", fontsize=7, xytext=(0, 2),
                        textcoords="offset points")


def times_chart(report: GapReport) -> Any:
    """Grouped bars: Go and Rust medians per project, one panel per scenario × profile."""
    groups = _groups(report.pairs)
    cols = min(2, len(groups)) or 1
    rows = math.ceil(len(groups) / cols) or 1
    fig = figure(5.6 * cols, 3.4 * rows)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, (label, prof) in zip(axes, groups, strict=False):
        pairs = [p for p in report.pairs
                 if (p.scenario_text, p.profile) == (label, prof)]
        xs = list(range(len(pairs)))
        top = 0.0
        for i, lang in enumerate(LANG_ORDER):
            vals = [wall_of(p, lang) for p in pairs]
            bars = ax.bar([x + (i - 0.5) * 0.38 for x in xs], [v or 0 for v in vals], 0.38,
                          color=COLORS[lang], label=title(lang))
            _label_bars(ax, bars, vals, w.seconds)
            top = max(top, *(v or 0 for v in vals))
        if top >= 30:
            ax.axhline(60, color="#888888", linewidth=0.8, linestyle="-.")
        ax.set_xticks(xs, [p.project for p in pairs])
        ax.set_xlim(-0.75, max(len(xs), 2) - 0.25)  # one project: bars of normal width
        ax.set_ylim(0, top * 1.18 or 1)
        time_axis(ax, top * 1.18)
        ax.set_title(f"{label}, {prof}")
        ax.set_ylabel("median wall time")
        ax.legend(fontsize=8)
    for ax in axes[len(groups):]:
        ax.set_visible(False)
    return fig


def memory_chart(report: GapReport) -> Any:
    """Peak memory of the largest process and of the whole tree, Go and Rust, per
    project, one panel per profile of the clean scenario (else the first scenario)."""
    scenarios = [p.scenario for p in report.pairs if not p.edit and p.jobs is None]
    scenario = "clean" if "clean" in scenarios else (scenarios[0] if scenarios else None)
    profiles = [prof for prof in PROFILE_ORDER
                if any(p.profile == prof and p.scenario == scenario for p in report.pairs)]
    fig = figure(5.6 * max(1, len(profiles)), 3.6)
    axes = fig.subplots(1, max(1, len(profiles)), squeeze=False).ravel()
    mib = 1024 * 1024
    for ax, prof in zip(axes, profiles, strict=False):
        pairs = [p for p in report.pairs if p.scenario == scenario and p.profile == prof
                 and not p.edit and p.jobs is None]
        xs = list(range(len(pairs)))
        series = [("go", "peak_rss", "Go: largest process", COLORS["go"], ""),
                  ("go", "tree_peak_rss", "Go: whole tree", LIGHT["go"], "//"),
                  ("rust", "peak_rss", "Rust: largest process", COLORS["rust"], ""),
                  ("rust", "tree_peak_rss", "Rust: whole tree", LIGHT["rust"], "//")]
        width = 0.2
        top = 0.0
        for i, (lang, attr, name, color, hatch) in enumerate(series):
            vals = []
            for p in pairs:
                c = getattr(p, lang)
                v = getattr(c, attr).median if c and c.n else None
                vals.append(v / mib if v else None)
            bars = ax.bar([x + (i - 1.5) * width for x in xs], [v or 0 for v in vals], width,
                          color=color, hatch=hatch, edgecolor="#444444", linewidth=0.4,
                          label=name)
            _label_bars(ax, bars, vals, lambda v: f"{v:.0f}")
            top = max(top, *(v or 0 for v in vals))
        ax.set_xticks(xs, [p.project for p in pairs])
        ax.set_xlim(-0.75, max(len(xs), 2) - 0.25)
        ax.set_ylim(0, top * 1.2 or 1)
        ax.set_ylabel("peak RSS (MiB)")
        ax.set_title(f"{scenario}, {prof}: peak memory")
        ax.legend(fontsize=7)
    return fig


def toolchain_chart(report: GapReport) -> Any:
    """Median times per toolchain, for each language measured with several."""
    langs = report.multi_toolchain_langs
    fig = figure(11, 3.6 * len(langs))
    axes = fig.subplots(len(langs), 1, squeeze=False).ravel()
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    for ax, lang in zip(axes, langs, strict=True):
        cells = [c for c in report.cells if c.key.lang == lang and c.n]
        tcs = sorted({c.key.toolchain for c in cells})
        keys: list[tuple[str, str, str]] = []
        for c in cells:
            k = (c.key.project, c.key.scenario_text, c.key.profile)
            if k not in keys:
                keys.append(k)
        width = 0.8 / len(tcs)
        for i, tc in enumerate(tcs):
            by_key = {(c.key.project, c.key.scenario_text, c.key.profile):
                      c.wall.median for c in cells if c.key.toolchain == tc}
            vals = [by_key.get(k) for k in keys]
            bars = ax.bar([x + (i - (len(tcs) - 1) / 2) * width for x in range(len(keys))],
                          [v or 0 for v in vals], width, color=cmap(i), label=tc)
            _label_bars(ax, bars, vals, w.seconds)
        ax.set_xticks(range(len(keys)), ["\n".join(k) for k in keys], fontsize=7)
        time_axis(ax, max((c.wall.median or 0 for c in cells), default=1))
        ax.set_title(f"{title(lang)} toolchains: median wall time")
        ax.legend(fontsize=8)
    return fig


def gantt_chart(report: GapReport) -> Any:
    """Each timeline's units as horizontal bars from start to end, coloured by kind;
    units on the critical path outlined in black and marked ◆."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    heights = [max(2.0, min(10.0, 0.22 * len(t.units) + 1.2)) for t in report.timelines]
    fig = figure(11, sum(heights))
    axes = fig.subplots(len(report.timelines), 1, squeeze=False,
                        height_ratios=heights).ravel()
    kinds_seen: list[str] = []
    for ax, t in zip(axes, report.timelines, strict=True):
        for i, u in enumerate(t.units):
            color = KIND_COLORS.get(u.kind, "#9d9d9d")
            if u.kind not in kinds_seen:
                kinds_seen.append(u.kind)
            ax.barh(i, max(u.end_s - u.start_s, 1e-3), left=u.start_s, height=0.7, color=color,
                    edgecolor="black" if u.critical else color,
                    linewidth=1.6 if u.critical else 0.3)
            if u.critical:
                ax.plot([u.end_s], [i], "D", color="black", markersize=4)
        ax.axvline(t.wall_s, color="#555555", linestyle="--", linewidth=0.8)
        ax.set_ylim(len(t.units) - 0.5, -0.5)
        if len(t.units) <= 40:
            ax.set_yticks(range(len(t.units)), [u.name for u in t.units], fontsize=7)
        else:
            ax.set_yticks([])
            ax.set_ylabel(f"{len(t.units)} units")
        ax.set_xlabel("seconds since the build started")
        ax.set_title(f"{title(t.lang)}: {t.project} {t.scenario} "
                     f"{t.profile}, run {t.run_id} ({t.toolchain}), wall {w.seconds(t.wall_s)}")
    handles = [Patch(color=KIND_COLORS.get(k, "#9d9d9d"), label=k) for k in kinds_seen]
    handles.append(Line2D([], [], marker="D", color="black", linestyle="none",
                          label="critical path"))
    axes[0].legend(handles=handles, fontsize=7, loc="lower right")
    return fig


def trend_chart(p: ProjectSection) -> Any:
    """Each cell's median per session: the sessions on the x axis in date order, one
    line per cell (a knob's cell dashed)."""
    order: dict[int, str] = {}
    for t in p.trends:
        for pt in t.points:
            order.setdefault(pt.session, pt.date or "")
    sessions = sorted(order, key=lambda s: (order[s], s))
    x_of = {s: i for i, s in enumerate(sessions)}
    fig = figure(7.6, 3.4)
    ax = fig.subplots()
    top = 0.0
    for i, t in enumerate(p.trends):
        pts = t.measured
        if not pts:
            continue
        label = f"{scenario_label(t.key)} {t.key.profile}"
        ax.plot([x_of[pt.session] for pt in pts], [pt.median for pt in pts],
                "--" if t.key.variant != BASELINE else "-", marker="o",
                color=SERIES[i % len(SERIES)], label=label, linewidth=1.4, markersize=4)
        top = max(top, *(float(pt.median or 0) for pt in pts))
    ax.set_xticks(range(len(sessions)),
                  [f"s{s}\n{order[s][:10]}" for s in sessions], fontsize=7)
    ax.set_xlim(-0.5, max(len(sessions), 2) - 0.5)
    ax.set_ylim(0, top * 1.2 or 1)
    time_axis(ax, top * 1.2)
    ax.set_ylabel("median wall time")
    ax.set_title(f"{p.title}: median wall time per session")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def series_chart(p: ProjectSection) -> Any:
    """Each series of the project (a cell on a machine, over its commits or sessions,
    profiler.analysis.changes) with its change points marked: a red triangle up where
    the build got slower, a green one down where it got faster, and a dotted line
    before it; a cross on the axis for a commit that did not build."""
    fig = figure(7.6, 3.4)
    ax = fig.subplots()
    top, width = 0.0, 2
    for i, s in enumerate(p.series):
        pts = s.points
        xs = [j for j, pt in enumerate(pts) if pt.values]
        if not xs:
            continue
        ys = [float(pts[j].median or 0) for j in xs]
        width = max(width, len(pts))
        ax.plot(xs, ys, marker="o", color=SERIES[i % len(SERIES)], linewidth=1.2,
                markersize=3, label=f"{scenario_label(s.key)} {s.key.profile} "
                                    f"({s.key.toolchain})")
        failed = [j for j, pt in enumerate(pts) if pt.failed]
        if failed:
            ax.plot(failed, [0.0] * len(failed), "x", color="#b00000", markersize=6)
        for cp in p.changes:
            if cp.series is not s:
                continue
            j = pts.index(cp.point)
            ax.axvline(j - 0.5, color="#777777", linestyle=":", linewidth=1)
            ax.plot([j], [cp.point.median], "^" if cp.slower else "v", markersize=10,
                    color="#c0392b" if cp.slower else "#27ae60")
            ax.annotate(cp.point.label[:8], (j, float(cp.point.median or 0)), fontsize=6,
                        xytext=(4, 6), textcoords="offset points")
        top = max(top, *ys)
    ax.set_xlim(-0.5, width - 0.5)
    ax.set_ylim(0, top * 1.25 or 1)
    time_axis(ax, top * 1.25)
    ax.set_xlabel("commits (first-parent order) or sessions, oldest first; x: did not build")
    ax.set_ylabel("median wall time")
    ax.set_title(f"{p.title}: series and change points")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def _release_styles(lines: Sequence[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str]]:
    """Each build line's colour and line style: the language's colour, solid for its
    first line; a second line (Debian's Rust) in the light colour, dashed."""
    out = {}
    for lang in dict.fromkeys(ln[0] for ln in lines):
        mine = [ln for ln in lines if ln[0] == lang]
        for i, ln in enumerate(mine):
            color = COLORS.get(lang, SERIES[i]) if i == 0 else LIGHT.get(lang, SERIES[i])
            out[ln] = (color, ("-", "--", ":", "-.")[i % 4])
    return out


def _release_panel(ax: Any, s: CompilersOverTime, cell: Cell,
                   styles: dict[tuple[str, str], tuple[str, str]]) -> None:
    """One cell: every line's placed releases, by date; hollow where estimated."""
    from datetime import date, timedelta

    import matplotlib.dates as mdates

    ys: list[float] = []
    xs_all: list[date] = []
    for ln, (color, style) in styles.items():
        pts = sorted((p for p in s.points if p.cell == cell and p.wall.n and p.release.date
                      and (p.release.lang, p.release.line) == ln),
                     key=lambda p: (p.release.date, p.release.version))
        if not pts:
            continue
        xs = [date.fromisoformat(p.release.date or "") for p in pts]
        vals = [float(p.wall.median or 0) for p in pts]
        ax.plot(xs, vals, style, color=color, linewidth=1.4, label=line_title(*ln), zorder=2)
        for x, v, p in zip(xs, vals, pts, strict=True):
            ax.plot([x], [v], "o", color=color, markersize=5, markeredgewidth=1.2, zorder=3,
                    fillstyle="none" if p.release.estimated else "full")
            ax.annotate(p.release.version, (x, v), fontsize=6, xytext=(3, 4),
                        textcoords="offset points")
        ys += vals
        xs_all += xs
    lo, hi = min(ys), max(ys)
    if lo > 0 and hi >= 3 * lo:  # Go and Rust far apart: a log scale keeps both readable
        ax.set_yscale("log")
        ax.set_ylim(lo / 1.6, hi * 1.6)
        time_axis(ax, hi * 1.6, log=True)
    else:
        ax.set_ylim(0, hi * 1.25 or 1)
        time_axis(ax, hi * 1.25)
    first, last = min(xs_all), max(xs_all)
    pad = max(timedelta(days=60), (last - first) * 0.08)
    ax.set_xlim(first - pad, last + pad)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_title(f"{cell.size}: {cell.text}", fontsize=9)
    ax.set_ylabel("median wall time", fontsize=8)
    ax.grid(True, alpha=0.3)


def releases_chart(s: CompilersOverTime) -> Any:
    """Median build time per release against the release's date: a panel per size
    (rows) and scenario × profile (columns), both languages and every build line in
    each; a log time axis where a panel spans 3× or more; a hollow marker where the
    date is estimated. Releases without a date, recorded or estimated, are not drawn."""
    from matplotlib.lines import Line2D

    cells = [c for c in s.cells if any(p.cell == c and p.wall.n and p.release.date
                                       for p in s.points)]
    sizes = list(dict.fromkeys(c.size for c in cells))
    kinds = list(dict.fromkeys((c.scenario, c.edit, c.profile) for c in cells))
    fig = figure(3.9 * len(kinds) + 1.8, 2.9 * len(sizes) + 0.3)
    axes = fig.subplots(len(sizes), len(kinds), squeeze=False)
    styles = _release_styles(s.lines)
    for row, size in enumerate(sizes):
        for col, kind in enumerate(kinds):
            cell = Cell(size, *kind)
            if cell in cells:
                _release_panel(axes[row][col], s, cell, styles)
            else:
                axes[row][col].set_visible(False)
    handles = [Line2D([], [], linestyle=style, color=color, marker="o", label=line_title(*ln))
               for ln, (color, style) in styles.items()]
    if any(r.estimated for r in s.releases):
        handles.append(Line2D([], [], linestyle="none", marker="o", fillstyle="none",
                              color="#555555", label="release date estimated"))
    fig.legend(handles=handles, loc="outside right upper", fontsize=7)
    return fig
