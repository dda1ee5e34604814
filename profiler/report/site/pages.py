"""The site's pages as HTML: every table is in the page, so it reads without
JavaScript; the charts, filters, details pane and compare picker are drawn by the
page's scripts (static/site.js, static/compare.js) from the data files beside it
(report/site/data.py).

Every text from the database goes through `esc` (htmlkit): a project called
`<script>` is shown as text, never run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from profiler.analysis import wording as w
from profiler.analysis.changes import ChangePoint
from profiler.analysis.compare import METRIC_TEXT, Comparison
from profiler.analysis.site import Chart, Line, MachineReport, ProjectView, Site
from profiler.analysis.twosample import change_text
from profiler.model.cells import CellKey, scenario_text
from profiler.report.changes import cause_lines
from profiler.report.compare import compare_grid, compare_notes, value_text
from profiler.report.document.htmlkit import OUTCOME_COLORS, esc, table
from profiler.stats import median_ci

NAV = (("index.html", "Index"), ("compare.html", "Compare"), ("toolchains.html", "Toolchains"),
       ("gap.html", "Go against Rust"), ("help.html", "How to read this"))
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
           "#17becf", "#7f7f7f", "#bcbd22")
SPARK_POINTS = 30


def page(title: str, body: str, *, here: str, depth: int = 0, scripts: Sequence[str] = (),
         data: str | None = None) -> str:
    """A whole page: the site's stylesheet, the navigation, `body`, then the scripts
    (paths relative to the site's root) and the page's data file."""
    up = "../" * depth
    nav = " · ".join(f"<b>{esc(text)}</b>" if href == here else
                     f'<a href="{up}{href}">{esc(text)}</a>' for href, text in NAV)
    tags = "".join(f'<script src="{up}{s}"></script>\n' for s in scripts)
    boot = (f'<script>bp.start({_js_string(data)}, {_js_string(up)});</script>\n'
            if scripts else "")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n"
            f"<title>{esc(title)}</title>\n"
            f'<link rel="stylesheet" href="{up}static/uPlot.min.css" />\n'
            f'<link rel="stylesheet" href="{up}static/site.css" />\n</head>\n<body>\n'
            f'<nav class="top">{nav}</nav>\n{body}\n{tags}{boot}</body>\n</html>\n')


def _js_string(s: str | None) -> str:
    if s is None:
        return "null"
    import json

    return json.dumps(s).replace("<", "\\u003c")


def num(x: float | None, unit: str = "s") -> str:
    return "-" if x is None or not math.isfinite(x) else value_text(x, unit)


def sparkline(values: Sequence[float], color: str = "#1f77b4", width: int = 120,
              height: int = 24) -> str:
    """The last values of a series as a small inline SVG line (drawn without script)."""
    vals = [v for v in values[-SPARK_POINTS:] if v is not None and math.isfinite(v)]
    if not vals:
        return ""
    lo, hi = min(vals), max(vals)
    span = (hi - lo) or 1.0
    step = (width - 4) / max(len(vals) - 1, 1)
    pts = " ".join(f"{2 + i * step:.1f},{height - 2 - (v - lo) / span * (height - 4):.1f}"
                   for i, v in enumerate(vals))
    last = pts.rsplit(" ", 1)[-1].split(",")
    return (f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} '
            f'{height}" role="img"><title>{esc(num(lo))} to {esc(num(hi))}</title>'
            f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{pts}"/>'
            f'<circle cx="{last[0]}" cy="{last[1]}" r="2" fill="{color}"/></svg>')


def key_label(k: CellKey) -> str:
    """A series within its chart (a scenario with its edit, and a profile): language,
    toolchain, jobs, variant."""
    jobs = f" -j{k.jobs}" if k.jobs else ""
    knob = f" [{k.variant}]" if k.variant != "baseline" else ""
    return f"{k.lang} {k.toolchain}{jobs}{knob}"


def line_label(line: Line) -> str:
    return key_label(line.series.key)


def band_of(values: Sequence[float]) -> tuple[float, float, str]:
    """The band drawn around a point's median: its 95% CI when the runs give one (6 or
    more), else the range of the runs."""
    lo, hi = median_ci(values)
    if math.isfinite(lo) and math.isfinite(hi):
        return lo, hi, "95% CI"
    return min(values), max(values), "min–max"


def _cp_cells(cp: ChangePoint) -> list[str]:
    s = cp.step
    return [esc(cp.point.label), esc((cp.point.date or "")[:16].replace("T", " ")),
            esc(f"{num(s.a.median)} → {num(s.b.median)}"), esc(s.change_text),
            esc(s.p_verdict()), esc("; ".join(cause_lines(cp.cause)))]


CP_HEADS = ["at", "date", "before → after (median)", "change", "U test", "what changed"]


def change_table(points: Sequence[ChangePoint], site: Site | None = None) -> str:
    """Change points with their series: with `site`, the project (a link to its page)
    and the whole cell on its machine (the index); else the series on its chart."""
    rows = []
    for cp in points:
        cells = _cp_cells(cp)
        s = cp.series
        if site is not None:
            p = site.project_of(s)
            name = esc(s.key.project)
            link = f'<a href="p/{p.slug}.html">{name}</a>' if p else name
            cells = [link, esc(f"{s.key.label.split(' ', 1)[1]} on {s.machine}"), *cells]
        else:
            cells = [esc(f"{key_label(s.key)} on {s.machine}"), *cells]
        rows.append(cells)
    heads = (["project", "series"] if site is not None else ["series"]) + CP_HEADS
    return table(heads, rows, num=(4, 5) if site is not None else (3, 4))


# -- the index --------------------------------------------------------------------------


def _verdicts(site: Site) -> str:
    out = []
    for r in ranked_reports(site):
        assert r.gap is not None and r.gap.gap is not None  # ranked_reports keeps these
        v = r.gap.gap.verdict
        color = OUTCOME_COLORS.get(v.outcome, "#57606a")
        out.append(f'<p>“{esc(w.CLAIM)}” on <b>{esc(r.hostname)}</b>: '
                   f'<span class="verdict" style="background:{color}">{esc(v.outcome)}</span> '
                   f'<a href="{report_file(site, r)}">the report</a></p>'
                   f"<ul>{''.join(f'<li>{esc(x)}</li>' for x in v.reasons)}</ul>")
    if not out:
        return ('<p class="muted">No Go-against-Rust verdict: no machine has paired Go and '
                "Rust samples (<code>buildprof run</code> measures them).</p>")
    return "".join(out)


def _payoff_and_tune(site: Site) -> str:
    from profiler.report.document import own as pr
    from profiler.report.document.html import payoff_body

    out = []
    for r in site.reports:
        if r.doc is None:
            continue
        if r.doc.payoff is not None:
            out.append(f"<h3>What Rust's build time buys, on {esc(r.hostname)}</h3>"
                       + payoff_body(r.doc.payoff))
    for t in site.tunes:
        out.append(f"<h3>tune: {esc(t.project)} ({esc(t.lang)}) on {esc(t.machine)}, "
                   f"session {t.session}</h3>"
                   + table(pr.TUNE_HEADS, [[esc(v) for v in pr.tune_row(k)] for k in t.results],
                           num=pr.TUNE_RIGHT))
    return "".join(out)


INDEX_HEADS = ["project", "series", "scenario", "profile", "machine", "over", "latest",
               "last 30", "vs previous", "points", "failed", "change points"]


def _index_row(site: Site, p: ProjectView, line: Line, color: str) -> str:
    s = line.series
    k = s.key
    latest = line.latest
    change = line.change_pct
    cls = "" if change is None or abs(change) < 2 else (" up" if change > 0 else " down")
    attrs = (f' data-lang="{esc(k.lang)}" data-machine="{esc(s.machine)}" '
             f'data-scenario="{esc(k.scenario)}" data-profile="{esc(k.profile)}"')
    cells = [f'<a href="p/{p.slug}.html">{esc(p.name)}</a>', esc(line_label(line)),
             esc(scenario_text(k.scenario, k.edit)), esc(k.profile),
             esc(s.machine), "commits" if s.by_commit else "sessions",
             esc(num(latest.median if latest else None)),
             sparkline([pt.median for pt in s.measured], color),  # type: ignore[misc]
             f'<span class="chg{cls}">{esc(change_text(change))}</span>',
             str(len(s.points)), str(line.failed), str(len(line.changes))]
    right = {6, 8, 9, 10, 11}
    tds = "".join(f'<td class="num">{c}</td>' if i in right else f"<td>{c}</td>"
                  for i, c in enumerate(cells))
    return f'<tr class="series"{attrs}>{tds}</tr>'


def index(site: Site, generated: str, source: str) -> str:
    if site.empty:
        body = ("<h1>Build times</h1>"
                f'<p class="muted">{esc(source)} · generated {esc(generated)}</p>'
                '<p class="empty">Nothing measured yet: the database holds no timed run '
                "for this selection. Run <code>buildprof run</code> (the graded samples) or "
                "<code>buildprof run PATH</code>, then build the site again.</p>")
        return page("buildprof: nothing measured yet", body, here="index.html")
    rows = []
    for p in site.projects:
        rows.append(f'<tr class="project"><th colspan="{len(INDEX_HEADS)}">'
                    f'<a href="p/{p.slug}.html">{esc(p.name)}</a> '
                    f'<span class="muted">{esc(", ".join(p.langs))} · '
                    f"{len(p.lines)} series</span></th></tr>")
        for i, line in enumerate(p.lines):
            rows.append(_index_row(site, p, line, PALETTE[i % len(PALETTE)]))
    series_table = ('<table id="series"><thead><tr>'
                    + "".join(f"<th>{esc(h)}</th>" for h in INDEX_HEADS)
                    + "</tr></thead><tbody>" + "\n".join(rows) + "</tbody></table>")
    newest = site.newest_changes()
    changes = (change_table(newest, site) if newest else
               '<p class="muted">No change point in any series (a series needs several '
               "points: sessions or commits).</p>")
    n_series = sum(len(p.lines) for p in site.projects)
    about = (f"{len(site.runs):,} timed runs in {site.sessions:,} "
             f"session{'s' if site.sessions != 1 else ''} on {len(site.machines)} "
             f"machine(s): {len(site.projects)} project(s), {n_series:,} series")
    pay = _payoff_and_tune(site)
    body = (f"<h1>Build times</h1>\n<p class=\"muted\">{esc(about)} · {esc(source)} · generated "
            f"{esc(generated)}</p>\n<h2>Go against Rust</h2>\n{_verdicts(site)}\n"
            f"<h2>Newest change points</h2>\n{changes}\n"
            "<h2>Every series</h2>\n<p class=\"muted\">The latest point's median, the last "
            "30 points, and the change of the latest point against the one before it. A "
            "series is one cell (project, language, toolchain, scenario, profile, jobs, "
            "variant) on one machine.</p>\n"
            '<form id="filters" class="filters" hidden="hidden"><input type="search" '
            'id="search" placeholder="search project, toolchain, machine…" '
            'aria-label="search" /> <select id="f-lang" aria-label="language"></select> '
            '<select id="f-machine" aria-label="machine"></select> '
            '<select id="f-scenario" aria-label="scenario"></select> '
            '<select id="f-profile" aria-label="profile"></select> '
            '<span id="shown" class="muted"></span></form>\n'
            f"{series_table}\n" + (f"<h2>Payoff and tune</h2>\n{pay}\n" if pay else ""))
    return page("buildprof: build times", body, here="index.html",
                scripts=("static/site.js",))


# -- a project -------------------------------------------------------------------------------


def _chart_table(chart: Chart) -> str:
    rows = []
    for i, line in enumerate(chart.lines):
        s = line.series
        latest = line.latest
        ci = ""
        if latest and latest.values:
            lo, hi, what = band_of(latest.values)
            ci = f"{num(lo)} – {num(hi)} ({what})"
        first = s.measured[0] if s.measured else None
        since = change_text(None if not (first and latest and first is not latest) else
                            (latest.median / first.median - 1) * 100  # type: ignore[operator]
                            if first.median else None)
        color = PALETTE[i % len(PALETTE)]
        rows.append([f'<span class="key" style="background:{color}"></span>'
                     + esc(line_label(line)), esc(s.machine), str(len(s.points)),
                     str(line.failed), esc(num(latest.median if latest else None)), esc(ci),
                     esc(change_text(line.change_pct)), esc(since), str(len(line.changes))])
    return table(["series", "machine", "points", "failed", "latest median", "its band",
                  "vs previous", "since first", "change points"], rows,
                 num=(2, 3, 4, 6, 7, 8))


def project(site: Site, p: ProjectView) -> str:
    parts = [f"<h1>{esc(p.name)}</h1>",
             f'<p class="muted">{esc(", ".join(p.langs))} · {len(p.lines)} series on '
             f'{esc(", ".join(p.machines))} · {esc(p.measured_text)}</p>',
             '<p class="muted">Each chart: the median of each point\'s runs as a line, '
             "its 95% CI (or the runs' min–max below 6 runs) as a band, failed points as "
             "red dots, change points as dashed lines. Hover a point for what it is; "
             "click it for its runs. <a href=\"../help.html\">How to read this</a>.</p>"]
    for i, chart in enumerate(p.charts):
        cps = [cp for line in chart.lines for cp in line.changes]
        failed = [(line, pt) for line in chart.lines for pt in line.series.points
                  if pt.failed]
        parts.append(f'<section class="chart" id="chart-{i}"><h2>{esc(chart.title)}</h2>'
                     f'<div class="plot" data-chart="{i}"></div>' + _chart_table(chart))
        if cps:
            parts.append("<h3>Change points</h3>" + change_table(
                [cp for cp in sorted(cps, key=lambda c: c.point.order)]))
        if failed:
            parts.append("<h3>Failed points</h3>" + table(
                ["series", "at", "error"],
                [[esc(line_label(line)), esc(pt.label), esc(pt.error or "failed")]
                 for line, pt in failed]))
        parts.append("</section>")
    parts.append('<aside id="details" class="details" hidden="hidden" aria-live="polite">'
                 '</aside><div id="tip" class="tip" hidden="hidden"></div>')
    return page(f"{p.name}: build times", "\n".join(parts), here="", depth=1,
                scripts=("static/uPlot.iife.min.js", "static/site.js"),
                data=f"p-{p.slug}")


# -- compare -----------------------------------------------------------------------------------


def comparison_table(result: Comparison) -> str:
    """`compare`'s table for two sides (report/compare.py's compare_grid) and its notes."""
    title, cols, rows, geomean = compare_grid(result)
    right = tuple(i for i, (_, justify) in enumerate(cols) if justify == "right")
    notes = "".join(f'<p class="note">{esc(n)}</p>' for n in compare_notes(result))
    return (f'<p class="caption">{esc(title)}</p>'
            + table([name for name, _ in cols], [[esc(v) for v in row]
                                                  for row in (*rows, geomean)], num=right)
            + notes)


def compare(site: Site) -> str:
    if site.default_compare is not None:
        r = site.default_compare
        default = (f'<p class="muted">Without a choice: {esc(r.b.title)} against '
                   f"{esc(r.a.title)}, the newest session against the newest earlier one "
                   f"it compares with. The same table as <code>buildprof compare "
                   f"{esc(r.a.text)} {esc(r.b.text)}</code>.</p>" + comparison_table(r))
    else:
        default = f'<p class="muted">{esc(site.compare_note or "nothing to compare")}</p>'
    body = ("<h1>Compare</h1>\n<p class=\"muted\">Any two sessions, toolchains, labels or "
            "revisions: every cell measured on both, B against A, as <code>buildprof "
            "compare A B</code> prints it (cells pair on the same sources and machine; see "
            '<a href="help.html">how to read this</a>). The address of this page holds the '
            "choice: copy it to share the comparison.</p>\n"
            '<form id="pick" class="filters" hidden="hidden">'
            '<label>A <select id="side-a"></select></label> '
            '<label>B <select id="side-b"></select></label> '
            '<label>metric <select id="metric">'
            + "".join(f'<option value="{m}">{esc(t)}</option>' for m, t in METRIC_TEXT.items()
                      if m in ("wall", "cpu", "peak-rss", "tree-rss"))
            + '</select></label> <a id="permalink" href="compare.html">permalink</a></form>\n'
            f'<div id="result">{default}</div>')
    return page("buildprof: compare", body, here="compare.html",
                scripts=("static/stats.js", "static/compare.js", "static/site.js"),
                data="sides")


# -- the reports, the toolchains, how to read this -------------------------------------------------


def report_file(site: Site, r: MachineReport) -> str:
    """gap.html for the machine with the most runs, gap-N.html for the others."""
    i = ranked_reports(site).index(r)
    return "gap.html" if i == 0 else f"gap-{i + 1}.html"


def ranked_reports(site: Site) -> list[MachineReport]:
    """The machines whose report has Go against Rust (paired samples), most runs first."""
    counts: dict[str, int] = {}
    for run in site.runs.values():
        counts[run["machine_id"]] = counts.get(run["machine_id"], 0) + 1
    return sorted((r for r in site.reports if r.gap is not None and r.gap.gap is not None),
                  key=lambda r: -counts.get(r.machine_id, 0))


def with_nav(html: str, here: str, others: str) -> str:
    """An HTML report (document/html.py, self-contained) with the site's navigation."""
    nav = " · ".join(f"<b>{esc(text)}</b>" if href == here else f'<a href="{href}">{esc(text)}</a>'
                     for href, text in NAV)
    return html.replace("<body>\n", f'<body>\n<nav class="top">{nav}</nav>{others}\n', 1)


def machines_line(site: Site, r: MachineReport) -> str:
    others = [o for o in ranked_reports(site) if o is not r]
    if not others:
        return ""
    links = ", ".join(f'<a href="{report_file(site, o)}">{esc(o.hostname)}</a>' for o in others)
    return f'<p class="muted">This is {esc(r.hostname)}; other machines: {links}.</p>'


def no_report(site: Site) -> str:
    """gap.html when no machine has paired Go and Rust samples."""
    why = "; ".join(f"{r.hostname}: {r.why}" for r in site.reports if r.why)
    body = ("<h1>Go against Rust</h1>"
            '<p class="empty">No machine here has the graded samples measured in both Go '
            "and Rust, which the Go-against-Rust report compares: <code>buildprof run</code> "
            "measures them." + (f" ({esc(why)})" if why else "") + "</p>")
    return page("buildprof: Go against Rust", body, here="gap.html")


def toolchains(site: Site) -> str:
    from profiler.report.document.html import compilers_section
    from profiler.report.document.htmlkit import Charts

    parts = ["<h1>Compilers over time</h1>"]
    chart = Charts()
    for r in site.reports:
        if r.doc is not None and r.doc.compilers is not None:
            parts.append(f"<h2>On {esc(r.hostname)}</h2>"
                         + compilers_section(r.doc.compilers, chart))
    if len(parts) == 1:
        parts.append('<p class="empty">No release was measured against another here: the '
                     "chart needs the graded samples built with several releases, e.g. "
                     "<code>buildprof run --size small --scenario clean --toolchain "
                     "go@1.21..1.27 --toolchain rust@1.80..1.96</code>.</p>")
    return page("buildprof: compilers over time", "\n".join(parts), here="toolchains.html")


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
