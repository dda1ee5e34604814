"""The report as one self-contained HTML file: tables and inline SVG charts.

The file loads nothing: no script, stylesheet, font or image from anywhere (the
charts are inline SVG, document/charts.py, drawn with document/htmlkit.py). The
document is also well-formed XML, so it can be checked by any XML parser.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from profiler.analysis import wording as w
from profiler.analysis.document import Document
from profiler.analysis.own import ProjectSection, ProjectsReport
from profiler.analysis.payoff import PayoffSection
from profiler.analysis.records import GapReport, Pair
from profiler.analysis.releases import CompilersOverTime
from profiler.analysis.rule import LANG_ORDER, THRESHOLDS
from profiler.report.document import own as pr
from profiler.report.document import releases as rr
from profiler.report.document.charts import (
    gantt_chart,
    memory_chart,
    releases_chart,
    scaling_chart,
    series_chart,
    times_chart,
    toolchain_chart,
    trend_chart,
    wall_of,
)
from profiler.report.document.htmlkit import CSS, OUTCOME_COLORS, Charts, esc, section, table
from profiler.report.payoff import HEADERS as PAYOFF_HEADERS
from profiler.report.payoff import TITLE as PAYOFF_TITLE
from profiler.report.payoff import rows_of


def _bars(p: Pair) -> str:
    vals = {lang: wall_of(p, lang) for lang in LANG_ORDER}
    top = max((v for v in vals.values() if v), default=0)
    if not top:
        return ""
    return "".join(f'<span class="bar {lang}" style="width:{100 * (v or 0) / top:.0f}%"'
                   f' title="{lang}"></span>' for lang, v in vals.items())


def times_table(report: GapReport) -> str:
    rows = []
    for p in report.pairs:
        rows.append([esc(p.project),
                     esc(w.locs_text(p)), esc(p.scenario_text), esc(p.profile), esc(w.ns_text(p)),
                     esc(w.median_text(p.go)), esc(w.median_text(p.rust)), esc(w.ratio_text(p)),
                     f'<div style="width:160px">{_bars(p)}</div>'])
    return table(["project", "lines Go / Rust", "scenario", "profile", "n Go/Rust", "Go",
                   "Rust", "Rust/Go", "Go / Rust"], rows, num=(1, 4, 5, 6, 7))


def resources_table(report: GapReport) -> str:
    rows = [[esc(p.project), esc(p.scenario_text), esc(p.profile),
             esc(w.both_text(p, "peak_rss", w.size)), esc(w.both_text(p, "tree_peak_rss", w.size)),
             esc(w.both_text(p, "cpu_util", w.parallelism)),
             esc(w.both_text(p, "artifact", w.size))] for p in report.pairs]
    return table(["project", "scenario", "profile", "peak process (Go | Rust)",
                   "peak tree (Go | Rust)", "parallelism (Go | Rust)", "artifact (Go | Rust)"],
                  rows, num=(3, 4, 5, 6))


def fits_table(report: GapReport) -> str:
    rows = []
    for f in report.fitted:
        cross = []
        for t, _ in THRESHOLDS:
            loc = f.crossing(t)
            star = "*" if loc is not None and f.extrapolated(loc) else ""
            cross.append(esc(w.loc_text(loc) + star))
        rows.append([esc(f.lang), esc(f.scenario_text), esc(f.profile), esc(f.sizes),
                     esc(w.number_text(f.a, ".3g")), esc(w.number_text(f.b, ".2f")),
                     esc(w.number_text(f.r2, ".3f")), *cross, esc(f.note)])
    return table(["language", "scenario", "profile", "sizes", "a", "b", "R²",
                   *(f"{label} at" for _, label in THRESHOLDS), ""], rows,
                  num=(3, 4, 5, 6, 7, 8, 9))


def toolchains_table(report: GapReport, lang: str) -> str:
    tcs, by_row = report.toolchain_cells(lang)
    return table(["project", "scenario", "profile", *tcs],
                  [[*(esc(k) for k in key), *(esc(w.median_text(v.get(tc))) for tc in tcs)]
                   for key, v in by_row.items()], num=tuple(range(3, 3 + len(tcs))))


def payoff_body(section: PayoffSection) -> str:
    """What the build time buys: the payoff table, its sentences, how it was loaded."""
    facts = "".join(f"<li>{esc(name)}: {esc(value)}</li>" for name, value in section.facts)
    return (f"<p>{esc(section.caption)}</p>"
            + table(PAYOFF_HEADERS, [[esc(v) for v in row] for row in rows_of(section.payoff)],
                     num=(1, 2, 3))
            + "".join(f"<p>{esc(s)}</p>" for s in section.payoff.sentences)
            + f"<ul>{facts}</ul>"
            + "".join(f'<p class="note">{esc(n)}</p>' for n in section.notes))


def compilers_section(s: CompilersOverTime, chart: Charts) -> str:
    """Compilers over time: the sentence, the chart of every release's times (both
    languages in each panel), the releases, times, steps and ratios tables."""
    drawn = any(p.release.date and p.wall.n for p in s.points)
    body = [f'<p class="muted">{esc(rr.intro(s))}</p>']
    if s.sentence:
        body.append(f"<p><b>{esc(s.sentence)}</b></p>"
                    f'<p class="muted">{esc(rr.SENTENCE_RULE)}</p>')
    if drawn:
        body.append(chart(releases_chart(s), "Compilers over time: median build time per "
                                              "release, by release date"))
    else:
        body.append('<p class="muted">No release has a recorded date: nothing to place on '
                    "a time axis (the tables list every release).</p>")
    body += [f"<h3>{esc(rr.RELEASES_TITLE)}</h3>",
             table(rr.RELEASE_HEADS, _rows(rr.release_rows(s)), num=rr.RELEASE_RIGHT)]
    for tt in rr.times_tables(s):
        body += [f"<h3>{esc(tt.title)}</h3>", table(tt.heads, _rows(tt.rows), num=tt.right)]
    body += [f"<h3>{esc(rr.STEPS_TITLE)}</h3>", f"<p>{esc(rr.steps_summary(s))}</p>"]
    if s.shown_steps:
        body.append(table(rr.STEP_HEADS, _rows(rr.step_rows(s)), num=rr.STEP_RIGHT))
    if s.ratios:
        body += [f"<h3>{esc(rr.RATIOS_TITLE)}</h3>",
                 table(rr.RATIO_HEADS, _rows(rr.ratio_rows(s)), num=rr.RATIO_RIGHT)]
    body += [f'<p class="note">{esc(n)}</p>' for n in s.notes]
    return section("compilers", rr.TITLE, "\n".join(body), chart=drawn)


def gap_sections(report: GapReport, payoff: PayoffSection | None, chart: Charts,
                 compilers: CompilersOverTime | None = None) -> list[str]:
    """The Go-against-Rust sections, verdict to what the claim leaves out; the
    compilers over time and `payoff` (when the selection holds payoff rounds) before
    the last."""
    v = report.verdict
    parts: list[str] = []
    color = OUTCOME_COLORS.get(v.outcome, "#57606a")
    reasons = "".join(f"<li>{esc(r)}</li>" for r in v.reasons)
    parts.append(section("verdict", "Verdict", (
        f"<p>“{esc(w.CLAIM)}” on this machine:</p>"
        f'<p><span class="verdict" style="background:{color}">{esc(v.outcome)}</span></p>'
        f"<ul>{reasons}</ul>"
        f'<p class="muted"><b>Rule.</b> {esc(w.RULE)}</p>')))
    sentences = "".join(f"<p>{esc(s)}</p>" for s in report.sentences)
    parts.append(section("scaling", "Build time against lines of code", (
        chart(scaling_chart(report), "Build time against lines of code, log–log, with fits")
        + sentences + (fits_table(report) if report.fitted else "")
        + (f"<p>No fit (one graded size measured): {esc(', '.join(report.unfitted))}.</p>"
           if report.unfitted else "")
        + '<p class="muted">Fits: time = a·LOC^b, least squares on log–log over the graded '
          "sizes; dotted lines and * are extrapolations beyond the sizes measured.</p>"),
        chart=True))
    parts.append(section("times", "Build times per scenario and profile", (
        chart(times_chart(report), "Go and Rust median build times per scenario and profile")
        + times_table(report)), chart=True))
    parts.append(section("memory", "Peak memory, parallelism and artifacts", (
        chart(memory_chart(report), "Peak memory: largest process and whole process tree")
        + resources_table(report)), chart=True))
    if report.real_pairs:
        predicted = w.prediction_rows(report.real_pairs)
        parts.append(section("real-pairs", w.PAIRS_TITLE, (
            f"<p>{esc(w.PAIRS_INTRO)}</p>"
            + table(w.PAIRS_HEADS, [[esc(v) for v in row]
                                     for row in w.real_pair_rows(report.real_pairs)],
                     num=w.PAIRS_RIGHT)
            + (f"<p>{esc(w.PREDICTED_INTRO)}</p>"
               + table(w.PREDICTED_HEADS, [[esc(v) for v in row] for row in predicted],
                        num=w.PREDICTED_RIGHT) if predicted else ""))))
    if report.multi_toolchain_langs:
        tables = "".join(f"<h3>{esc(lang)}</h3>" + toolchains_table(report, lang)
                         for lang in report.multi_toolchain_langs)
        parts.append(section("toolchains", "Toolchains compared", (
            chart(toolchain_chart(report), "Median build times per toolchain") + tables),
            chart=True))
    if report.timelines:
        rows = [[esc(t.lang), esc(t.run_id), esc(t.project), esc(f"{t.scenario} {t.profile}"),
                 esc(len(t.units)), esc(w.seconds(t.wall_s)),
                 esc(" → ".join(u.name for u in t.units if u.critical) or "-")]
                for t in report.timelines]
        parts.append(section("timeline", "Where the time goes: units over time", (
            chart(gantt_chart(report), "Per-unit timeline with the critical path")
            + table(["language", "run", "project", "scenario", "units", "wall",
                      "critical path"], rows, num=(1, 4, 5))), chart=True))
    if compilers is not None:
        parts.append(compilers_section(compilers, chart))
    if payoff is not None:
        parts.append(section("payoff", PAYOFF_TITLE, payoff_body(payoff)))
    parts.append(section("leaves-out", "What the claim leaves out",
                          "<ul>" + "".join(f"<li>{esc(c)}</li>" for c in w.caveats(report))
                          + "</ul>"))
    return parts


def _machine_section(machine: dict[str, Any], notes: Sequence[str],
                     toolchains: Sequence[dict[str, Any]],
                     sessions: Sequence[dict[str, Any]]) -> str:
    m = machine
    notes_html = "".join(f'<p class="note">{esc(n)}</p>' for n in notes)
    tcs = "".join(f"<h3>{esc(t['spec'])}</h3><pre>{esc(t['version_full'])}</pre>"
                  for t in toolchains)
    listed = table(["session", "started (UTC)", "status", "label", "command"],
                   [[esc(s["id"]), esc((s["started"] or "")[:19].replace("T", " ")),
                     esc(s["status"]), esc(s.get("label") or ""),
                     f"<code>{esc(s['command_line'])}</code>"] for s in sessions])
    commands = "\n".join(s["command_line"] for s in sessions)
    facts = table(["hostname", "CPU", "cores / logical", "memory", "OS", "kernel"], [[
        esc(m.get("hostname")), esc(m.get("cpu_model")),
        esc(f"{m.get('cores')} / {m.get('logical_cpus')}"), esc(w.size(m.get("memory_bytes"))),
        esc(m.get("os")), esc(m.get("kernel"))]])
    return section("machine", "Machine, toolchains and how to reproduce", (
        notes_html + facts + tcs + "<h3>Sessions</h3>" + listed
        + "<h3>Reproduce</h3><pre>" + esc(commands) + "</pre>"))


def _union(first: Sequence[dict[str, Any]], second: Sequence[dict[str, Any]], key: str
           ) -> list[dict[str, Any]]:
    """The rows of both, each once (by `key`), the first's first."""
    seen = {r[key] for r in first}
    return [*first, *(r for r in second if r[key] not in seen)]


# -- the user's own projects ----------------------------------------------------------


def _rows(rows: Sequence[Sequence[str]]) -> list[list[str]]:
    return [[esc(v) for v in row] for row in rows]


def project_body(p: ProjectSection, chart: Charts) -> str:
    """One project's section body: its table, trend chart and table, units, tune results."""
    out = [f'<p class="muted">{esc(pr.about(p))}</p>', f"<h3>{esc(pr.CELLS_TITLE)}</h3>",
           table(pr.CELL_HEADS, _rows([pr.cell_row(c) for c in p.cells]), num=pr.CELL_RIGHT),
           f"<h3>{esc(pr.TREND_TITLE)}</h3>"]
    if any(t.measured for t in p.trends):
        out.append(chart(trend_chart(p), f"{p.title}: median wall time per session"))
    out.append(table(pr.TREND_HEADS, _rows([pr.trend_row(t) for t in p.trends]),
                     num=pr.TREND_RIGHT))
    if p.changes or any(t.key.rev for t in p.trends):
        out.append(f"<h3>{esc(pr.CHANGES_TITLE)}</h3>")
        out.append(chart(series_chart(p), f"{p.title}: each series with its change points"))
        if p.changes:
            out.append(table(pr.CHANGE_HEADS, _rows(pr.change_rows(p)), num=pr.CHANGE_RIGHT))
        else:
            out.append('<p class="muted">No change point in these series.</p>')
    if p.units is not None:
        out += [f"<h3>{esc(pr.UNITS_TITLE)}</h3>", f"<p>{esc(pr.units_intro(p.units))}</p>",
                table(pr.UNIT_HEADS, _rows(pr.unit_rows(p.units)), num=pr.UNIT_RIGHT),
                f"<p>{esc(pr.chain_text(p.units))}</p>"]
    if p.tune:
        out += [f"<h3>{esc(pr.tune_title(p))}</h3>",
                table(pr.TUNE_HEADS, _rows([pr.tune_row(r) for r in p.tune]), num=pr.TUNE_RIGHT)]
    out += [f'<p class="note">{esc(n)}</p>' for n in p.notes]
    return "\n".join(out)


def project_sections(report: ProjectsReport, chart: Charts) -> list[str]:
    """A section per project (ids project-1, project-2, …), each with its trend chart."""
    return [section(f"project-{i}", p.title, project_body(p, chart), chart=True)
            for i, p in enumerate(report.projects, 1)]


# -- the page ------------------------------------------------------------------------------


def render(report: GapReport | None, payoff: PayoffSection | None = None,
           projects: ProjectsReport | None = None,
           compilers: CompilersOverTime | None = None) -> str:
    """The whole report as one HTML document (a string): the Go-against-Rust sections
    when the selection holds paired projects (`report`), then a section per own project
    (`projects`), then the machine. The compilers over time and `payoff` (when the
    selection holds payoff rounds) go after the build sections of the Go-against-Rust
    report, or after the projects when there is none."""
    if report is None and projects is None:
        raise ValueError("a report needs paired projects, own projects or both")
    chart = Charts()
    parts = gap_sections(report, payoff, chart, compilers) if report is not None else []
    sessions: list[dict[str, Any]] = list(report.sessions) if report else []
    toolchains: list[dict[str, Any]] = list(report.toolchains) if report else []
    if projects is not None:
        parts += project_sections(projects, chart)
        if report is None and compilers is not None:
            parts.append(compilers_section(compilers, chart))
        if report is None and payoff is not None:
            parts.append(section("payoff", PAYOFF_TITLE, payoff_body(payoff)))
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
            f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            f"<h1>{esc(h1)}</h1>\n<p class=\"muted\">{esc(sub)}</p>\n"
            + "\n".join(parts) + "\n</body>\n</html>\n")


def write_html(doc: Document, path: Path, db: Path | None = None, force: bool = False
               ) -> None:
    """Write the report to `path` (one file, nothing else, written whole)."""
    from profiler.report.writers import write_file

    text = render(doc.gap, doc.payoff, doc.projects, doc.compilers)
    write_file(path, lambda out: out.write(text), option="--html", db=db, force=force,
               example="report.html")
