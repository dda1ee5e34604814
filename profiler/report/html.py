"""The gap report as one self-contained HTML file: tables and inline SVG charts.

The file loads nothing: no script, stylesheet, font or image from anywhere. The
charts are drawn by matplotlib (the Agg backend, no pyplot state: a bare `Figure`
saved as SVG) with
`svg.fonttype = 'none'`, so text stays text in the page's own sans-serif font
instead of embedded glyphs; the SVG's XML declaration, DOCTYPE and namespace
URIs are stripped (the HTML parser puts inline <svg> in the SVG namespace), and
every id is prefixed per chart so that several charts can share one page.
The document is also well-formed XML, so it can be checked by any XML parser.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Sequence
from html import escape
from pathlib import Path
from typing import Any

from profiler.analysis import wording as w
from profiler.analysis.own import ProjectsReport
from profiler.analysis.records import GapReport, Pair
from profiler.analysis.rule import LANG_ORDER, PROFILE_ORDER, THRESHOLDS
from profiler.report.payoff import HEADERS as PAYOFF_HEADERS
from profiler.report.payoff_section import TITLE as PAYOFF_TITLE
from profiler.report.payoff_section import PayoffSection

COLORS = {"go": "#00ADD8", "rust": "#CE422B"}
LIGHT = {"go": "#8fd8ec", "rust": "#eba08f"}
KIND_COLORS = {"lib": "#4c78a8", "bin": "#f58518", "link": "#e45756",
               "build-script": "#72b7b2", "proc-macro": "#b279a2", "test": "#54a24b"}
OUTCOME_COLORS = {"holds": "#1a7f37", "partly holds": "#9a6700", "does not hold": "#cf222e",
                  "not measured": "#57606a"}
LINESTYLE = {"release": "-", "debug": "--"}
MARKER = {"release": "o", "debug": "s"}

CSS = """
body{font-family:'DejaVu Sans',Arial,Helvetica,sans-serif;margin:24px auto;max-width:1100px;
color:#1f2328;line-height:1.45;padding:0 16px}
h1{font-size:1.6em;margin-bottom:0.2em}h2{border-bottom:1px solid #d0d7de;padding-bottom:4px;
margin-top:1.8em}
table{border-collapse:collapse;margin:12px 0;font-size:0.9em}
th,td{border:1px solid #d0d7de;padding:3px 8px;vertical-align:top}
th{background:#f6f8fa;text-align:left}td.num{text-align:right;white-space:nowrap}
.verdict{font-size:1.3em;font-weight:bold;padding:10px 14px;border-radius:6px;color:#fff;
display:inline-block}
.muted{color:#57606a;font-size:0.9em}
.bar{display:block;height:7px;margin:2px 0;border-radius:2px}
.bar.go{background:#00ADD8}.bar.rust{background:#CE422B}
svg{max-width:100%;height:auto;display:block;margin:8px 0}
pre{background:#f6f8fa;padding:8px;overflow-x:auto;font-size:0.85em}
.note{background:#fff8c5;border:1px solid #d4a72c;padding:6px 10px;border-radius:6px;
margin:6px 0}
"""


# -- SVG from matplotlib ------------------------------------------------------------------


def _figure(width: float, height: float) -> Any:
    import matplotlib

    matplotlib.use("Agg")  # never a GUI backend, even if pyplot gets imported later
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def svg_of(fig: Any, prefix: str) -> str:
    """The figure as inline SVG: no XML declaration, DOCTYPE, namespace URIs or
    metadata; ids (and references to them) prefixed with `prefix`."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": prefix}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None,
                                                 "Format": None, "Type": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg)
    svg = svg.replace("xlink:href=", "href=")
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    svg = svg.replace("font-family: 'DejaVu Sans'",
                      "font-family: 'DejaVu Sans', Arial, Helvetica, sans-serif")
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    return svg.replace("<svg", f'<svg role="img" aria-labelledby="{prefix}-title"', 1)


def _fmt_s(y: float, _pos: object = None) -> str:
    """Axis labels: 0, 20 s, 1 min, 1 min 30 s, 10 min, 1 h."""
    if y == 0:
        return "0"
    if y >= 3600 and y % 3600 == 0:
        return f"{y / 3600:g} h"
    if y >= 60:
        minutes, rest = divmod(round(y), 60)
        return f"{minutes} min" + (f" {rest} s" if rest else "")
    return f"{y:g} s"


def _fmt_loc(x: float, _pos: object = None) -> str:
    return w.loc_text(x).replace(" lines", "")


# Round times for a logarithmic axis: 1, 2, 5, 10, 20, 30 s, 1, 2, 5, 10, 20, 30 min, 1 h...
LOG_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200,
             1800, 3600, 7200, 18000, 36000)


def _time_axis(ax: Any, top: float, log: bool = False) -> None:
    """Tick labels in seconds or minutes, at round values."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, MultipleLocator

    if log:
        ax.yaxis.set_major_locator(FixedLocator(LOG_TICKS))
        ax.yaxis.set_minor_locator(FixedLocator([]))
    elif top < 60:
        ax.yaxis.set_major_locator(MaxNLocator(6, steps=[1, 2, 5, 10]))
    elif top < 240:
        ax.yaxis.set_major_locator(MultipleLocator(30))
    else:
        ax.yaxis.set_major_locator(MultipleLocator(60 * max(1, math.ceil(top / 60 / 6))))
    ax.yaxis.set_major_formatter(FuncFormatter(_fmt_s))


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
    fig = _figure(7.6 * cols, 4.4 * rows)
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
                name = f"{w.lang_name(lang)} {prof}"
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
        ax.xaxis.set_major_formatter(FuncFormatter(_fmt_loc))
        _time_axis(ax, y_hi, log=True)
        ax.set_xlabel("lines of code")
        ax.set_ylabel("median wall time")
        ax.set_title(f"{label}: build time against size")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    for ax in axes[len(scenarios):]:
        ax.set_visible(False)
    return fig


def _wall(p: Pair, lang: str) -> float | None:
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
    fig = _figure(5.6 * cols, 3.4 * rows)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, (label, prof) in zip(axes, groups, strict=False):
        pairs = [p for p in report.pairs
                 if (p.scenario_text, p.profile) == (label, prof)]
        xs = list(range(len(pairs)))
        top = 0.0
        for i, lang in enumerate(LANG_ORDER):
            vals = [_wall(p, lang) for p in pairs]
            bars = ax.bar([x + (i - 0.5) * 0.38 for x in xs], [v or 0 for v in vals], 0.38,
                          color=COLORS[lang], label="Go" if lang == "go" else "Rust")
            _label_bars(ax, bars, vals, w.seconds)
            top = max(top, *(v or 0 for v in vals))
        if top >= 30:
            ax.axhline(60, color="#888888", linewidth=0.8, linestyle="-.")
        ax.set_xticks(xs, [p.project for p in pairs])
        ax.set_xlim(-0.75, max(len(xs), 2) - 0.25)  # one project: bars of normal width
        ax.set_ylim(0, top * 1.18 or 1)
        _time_axis(ax, top * 1.18)
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
    fig = _figure(5.6 * max(1, len(profiles)), 3.6)
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
    fig = _figure(11, 3.6 * len(langs))
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
        _time_axis(ax, max((c.wall.median or 0 for c in cells), default=1))
        ax.set_title(f"{'Go' if lang == 'go' else 'Rust'} toolchains: median wall time")
        ax.legend(fontsize=8)
    return fig


def gantt_chart(report: GapReport) -> Any:
    """Each timeline's units as horizontal bars from start to end, coloured by kind;
    units on the critical path outlined in black and marked ◆."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    heights = [max(2.0, min(10.0, 0.22 * len(t.units) + 1.2)) for t in report.timelines]
    fig = _figure(11, sum(heights))
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
        ax.set_title(f"{'Go' if t.lang == 'go' else 'Rust'}: {t.project} {t.scenario} "
                     f"{t.profile}, run {t.run_id} ({t.toolchain}), wall {w.seconds(t.wall_s)}")
    handles = [Patch(color=KIND_COLORS.get(k, "#9d9d9d"), label=k) for k in kinds_seen]
    handles.append(Line2D([], [], marker="D", color="black", linestyle="none",
                          label="critical path"))
    axes[0].legend(handles=handles, fontsize=7, loc="lower right")
    return fig


# -- HTML ---------------------------------------------------------------------------------


def _e(x: object) -> str:
    return escape("" if x is None else str(x), quote=True)


def _table(heads: Sequence[str], rows: Sequence[Sequence[str]], num: Sequence[int] = ()
           ) -> str:
    """Rows are HTML already (escape values with _e)."""
    out = ["<table><thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in heads)
           + "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>" + "".join(f'<td class="num">{v}</td>' if i in num else f"<td>{v}</td>"
                                    for i, v in enumerate(row)) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _bars(p: Pair) -> str:
    vals = {lang: _wall(p, lang) for lang in LANG_ORDER}
    top = max((v for v in vals.values() if v), default=0)
    if not top:
        return ""
    return "".join(f'<span class="bar {lang}" style="width:{100 * (v or 0) / top:.0f}%"'
                   f' title="{lang}"></span>' for lang, v in vals.items())


def times_table(report: GapReport) -> str:
    rows = []
    for p in report.pairs:
        rows.append([_e(p.project),
                     _e(w.locs_text(p)), _e(p.scenario_text), _e(p.profile), _e(w.ns_text(p)),
                     _e(w.median_text(p.go)), _e(w.median_text(p.rust)), _e(w.ratio_text(p)),
                     f'<div style="width:160px">{_bars(p)}</div>'])
    return _table(["project", "lines Go / Rust", "scenario", "profile", "n Go/Rust", "Go",
                   "Rust", "Rust/Go", "Go / Rust"], rows, num=(1, 4, 5, 6, 7))


def resources_table(report: GapReport) -> str:
    rows = [[_e(p.project), _e(p.scenario_text), _e(p.profile),
             _e(w.both_text(p, "peak_rss", w.size)), _e(w.both_text(p, "tree_peak_rss", w.size)),
             _e(w.both_text(p, "cpu_util", w.parallelism)),
             _e(w.both_text(p, "artifact", w.size))] for p in report.pairs]
    return _table(["project", "scenario", "profile", "peak process (Go | Rust)",
                   "peak tree (Go | Rust)", "parallelism (Go | Rust)", "artifact (Go | Rust)"],
                  rows, num=(3, 4, 5, 6))


def fits_table(report: GapReport) -> str:
    rows = []
    for f in report.fitted:
        cross = []
        for t, _ in THRESHOLDS:
            loc = f.crossing(t)
            star = "*" if loc is not None and f.extrapolated(loc) else ""
            cross.append(_e(w.loc_text(loc) + star))
        rows.append([_e(f.lang), _e(f.scenario_text), _e(f.profile), _e(f.sizes),
                     _e(w.number_text(f.a, ".3g")), _e(w.number_text(f.b, ".2f")),
                     _e(w.number_text(f.r2, ".3f")), *cross, _e(f.note)])
    return _table(["language", "scenario", "profile", "sizes", "a", "b", "R²",
                   *(f"{label} at" for _, label in THRESHOLDS), ""], rows,
                  num=(3, 4, 5, 6, 7, 8, 9))


def toolchains_table(report: GapReport, lang: str) -> str:
    tcs, by_row = report.toolchain_cells(lang)
    return _table(["project", "scenario", "profile", *tcs],
                  [[*(_e(k) for k in key), *(_e(w.median_text(v.get(tc))) for tc in tcs)]
                   for key, v in by_row.items()], num=tuple(range(3, 3 + len(tcs))))


def payoff_body(section: PayoffSection) -> str:
    """What the build time buys: the payoff table, its sentences, how it was loaded."""
    facts = "".join(f"<li>{_e(name)}: {_e(value)}</li>" for name, value in section.facts)
    return (f"<p>{_e(section.caption)}</p>"
            + _table(PAYOFF_HEADERS, [[_e(v) for v in row] for row in section.rows],
                     num=(1, 2, 3))
            + "".join(f"<p>{_e(s)}</p>" for s in section.sentences)
            + f"<ul>{facts}</ul>"
            + "".join(f'<p class="note">{_e(n)}</p>' for n in section.notes))


class _Charts:
    """Numbers the charts, so that each gets its own id prefix."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, fig: Any, title: str) -> str:
        self.n += 1
        prefix = f"c{self.n}"
        svg = svg_of(fig, prefix)
        return svg.replace(">", f'><title id="{prefix}-title">{_e(title)}</title>', 1)


def _section(sid: str, title: str, body: str, chart: bool = False) -> str:
    cls = "chart" if chart else "text"
    return f'<section id="{sid}" class="{cls}">\n<h2>{_e(title)}</h2>\n{body}\n</section>'


def gap_sections(report: GapReport, payoff: PayoffSection | None, chart: _Charts
                 ) -> list[str]:
    """The Go-against-Rust sections, verdict to what the claim leaves out; `payoff`
    (when the selection holds payoff rounds) before the last."""
    v = report.verdict
    parts: list[str] = []
    color = OUTCOME_COLORS.get(v.outcome, "#57606a")
    reasons = "".join(f"<li>{_e(r)}</li>" for r in v.reasons)
    parts.append(_section("verdict", "Verdict", (
        f"<p>“{_e(w.CLAIM)}” on this machine:</p>"
        f'<p><span class="verdict" style="background:{color}">{_e(v.outcome)}</span></p>'
        f"<ul>{reasons}</ul>"
        f'<p class="muted"><b>Rule.</b> {_e(w.RULE)}</p>')))
    sentences = "".join(f"<p>{_e(s)}</p>" for s in report.sentences)
    parts.append(_section("scaling", "Build time against lines of code", (
        chart(scaling_chart(report), "Build time against lines of code, log–log, with fits")
        + sentences + (fits_table(report) if report.fitted else "")
        + (f"<p>No fit (one graded size measured): {_e(', '.join(report.unfitted))}.</p>"
           if report.unfitted else "")
        + '<p class="muted">Fits: time = a·LOC^b, least squares on log–log over the graded '
          "sizes; dotted lines and * are extrapolations beyond the sizes measured.</p>"),
        chart=True))
    parts.append(_section("times", "Build times per scenario and profile", (
        chart(times_chart(report), "Go and Rust median build times per scenario and profile")
        + times_table(report)), chart=True))
    parts.append(_section("memory", "Peak memory, parallelism and artifacts", (
        chart(memory_chart(report), "Peak memory: largest process and whole process tree")
        + resources_table(report)), chart=True))
    if report.real_pairs:
        predicted = w.prediction_rows(report.real_pairs)
        parts.append(_section("real-pairs", w.PAIRS_TITLE, (
            f"<p>{_e(w.PAIRS_INTRO)}</p>"
            + _table(w.PAIRS_HEADS, [[_e(v) for v in row]
                                     for row in w.real_pair_rows(report.real_pairs)],
                     num=w.PAIRS_RIGHT)
            + (f"<p>{_e(w.PREDICTED_INTRO)}</p>"
               + _table(w.PREDICTED_HEADS, [[_e(v) for v in row] for row in predicted],
                        num=w.PREDICTED_RIGHT) if predicted else ""))))
    if report.multi_toolchain_langs:
        tables = "".join(f"<h3>{_e(lang)}</h3>" + toolchains_table(report, lang)
                         for lang in report.multi_toolchain_langs)
        parts.append(_section("toolchains", "Toolchains compared", (
            chart(toolchain_chart(report), "Median build times per toolchain") + tables),
            chart=True))
    if report.timelines:
        rows = [[_e(t.lang), _e(t.run_id), _e(t.project), _e(f"{t.scenario} {t.profile}"),
                 _e(len(t.units)), _e(w.seconds(t.wall_s)),
                 _e(" → ".join(u.name for u in t.units if u.critical) or "-")]
                for t in report.timelines]
        parts.append(_section("timeline", "Where the time goes: units over time", (
            chart(gantt_chart(report), "Per-unit timeline with the critical path")
            + _table(["language", "run", "project", "scenario", "units", "wall",
                      "critical path"], rows, num=(1, 4, 5))), chart=True))
    if payoff is not None:
        parts.append(_section("payoff", PAYOFF_TITLE, payoff_body(payoff)))
    parts.append(_section("leaves-out", "What the claim leaves out",
                          "<ul>" + "".join(f"<li>{_e(c)}</li>" for c in w.caveats(report))
                          + "</ul>"))
    return parts


def _machine_section(machine: dict[str, Any], notes: Sequence[str],
                     toolchains: Sequence[dict[str, Any]],
                     sessions: Sequence[dict[str, Any]]) -> str:
    m = machine
    notes_html = "".join(f'<p class="note">{_e(n)}</p>' for n in notes)
    tcs = "".join(f"<h3>{_e(t['spec'])}</h3><pre>{_e(t['version_full'])}</pre>"
                  for t in toolchains)
    table = _table(["session", "started (UTC)", "status", "label", "command"],
                   [[_e(s["id"]), _e((s["started"] or "")[:19].replace("T", " ")),
                     _e(s["status"]), _e(s.get("label") or ""),
                     f"<code>{_e(s['command_line'])}</code>"] for s in sessions])
    commands = "\n".join(s["command_line"] for s in sessions)
    facts = _table(["hostname", "CPU", "cores / logical", "memory", "OS", "kernel"], [[
        _e(m.get("hostname")), _e(m.get("cpu_model")),
        _e(f"{m.get('cores')} / {m.get('logical_cpus')}"), _e(w.size(m.get("memory_bytes"))),
        _e(m.get("os")), _e(m.get("kernel"))]])
    return _section("machine", "Machine, toolchains and how to reproduce", (
        notes_html + facts + tcs + "<h3>Sessions</h3>" + table
        + "<h3>Reproduce</h3><pre>" + _e(commands) + "</pre>"))


def _union(first: Sequence[dict[str, Any]], second: Sequence[dict[str, Any]], key: str
           ) -> list[dict[str, Any]]:
    """The rows of both, each once (by `key`), the first's first."""
    seen = {r[key] for r in first}
    return [*first, *(r for r in second if r[key] not in seen)]


def render(report: GapReport | None, payoff: PayoffSection | None = None,
           projects: ProjectsReport | None = None) -> str:
    """The whole report as one HTML document (a string): the Go-against-Rust sections
    when the selection holds paired projects (`report`), then a section per own project
    (`projects`), then the machine. `payoff` (when the selection holds payoff rounds)
    goes after the build sections of the Go-against-Rust report, or after the projects
    when there is none."""
    if report is None and projects is None:
        raise ValueError("a report needs paired projects, own projects or both")
    chart = _Charts()
    parts = gap_sections(report, payoff, chart) if report is not None else []
    sessions: list[dict[str, Any]] = list(report.sessions) if report else []
    toolchains: list[dict[str, Any]] = list(report.toolchains) if report else []
    if projects is not None:
        from profiler.report.projects import html_sections

        parts += html_sections(projects, chart)
        if report is None and payoff is not None:
            parts.append(_section("payoff", PAYOFF_TITLE, payoff_body(payoff)))
        sessions = sorted(_union(sessions, projects.sessions, "id"), key=lambda s: s["id"])
        toolchains = _union(toolchains, projects.toolchains, "spec")
    if report is not None:
        m, notes = report.machine, report.notes
        title, h1 = f"Go against Rust: {report.verdict.outcome}", "Go against Rust: build times"
    else:
        assert projects is not None  # checked above
        m, notes = projects.machine, ()
        names = ", ".join(p.name for p in projects.projects)
        title, h1 = f"Build times: {names}", f"Build times: {projects.title.lower()}"
    parts.append(_machine_section(m, notes, toolchains, sessions))
    sub = (f"{m.get('cpu_model', '?')}, {m.get('logical_cpus') or m.get('cores')} CPUs, "
           + ", ".join(f"{t['spec']} ({t['version']})" for t in toolchains))
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n"
            f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            f"<h1>{_e(h1)}</h1>\n<p class=\"muted\">{_e(sub)}</p>\n"
            + "\n".join(parts) + "\n</body>\n</html>\n")


def write_html(report: GapReport | None, path: Path, payoff: PayoffSection | None = None,
               projects: ProjectsReport | None = None) -> None:
    """Write the report to `path` (one file, nothing else)."""
    text = render(report, payoff, projects)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
