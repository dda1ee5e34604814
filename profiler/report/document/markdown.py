"""The gap report as GitHub-flavoured Markdown, for an issue or a blog post.

The same numbers as the terminal report (report.document.terminal), from the
same GapReport; writes to a text stream and returns nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TextIO

from profiler.analysis import wording as w
from profiler.analysis.document import Document
from profiler.analysis.own import ProjectSection, ProjectsReport
from profiler.analysis.payoff import PayoffSection
from profiler.analysis.records import GapReport, Pair
from profiler.analysis.releases import CompilersOverTime
from profiler.analysis.rule import THRESHOLDS
from profiler.report.document import own as pr
from profiler.report.document import releases as rr
from profiler.report.payoff import TITLE as PAYOFF_TITLE
from profiler.report.payoff import payoff_markdown, rows_of
from profiler.report.writers import markdown_table, md_text

BAR = 20


def table(heads: Sequence[str], rows: Sequence[Sequence[object]], out: TextIO,
          right: Collection[int] = ()) -> None:
    """A Markdown table (writers.markdown_table) and the blank line after it."""
    markdown_table(heads, rows, out, right)
    out.write("\n")


def bar_text(p: Pair) -> str:
    """Rust's time as a bar of `BAR` blocks per Go's: `▇` per Go-time, capped."""
    if p.ratio is None:
        return ""
    blocks = min(BAR, max(1, round(p.ratio)))
    return "▇" * blocks + ("…" if p.ratio > BAR else "")


def payoff_block(section: PayoffSection, out: TextIO) -> None:
    """What the build time buys: the payoff table, its sentences, how it was loaded."""
    out.write(f"## {PAYOFF_TITLE}\n\n{section.caption}.\n\n")
    out.write(payoff_markdown(rows_of(section.payoff)) + "\n\n")
    for line in section.payoff.sentences:
        out.write(f"{line}\n\n")
    for name, value in section.facts:
        out.write(f"- {name}: {value}\n")
    out.write("\n")
    for note in section.notes:
        out.write(f"> {note}\n>\n")
    if section.notes:
        out.write("\n")


def compilers_block(s: CompilersOverTime, out: TextIO, level: int = 2) -> None:
    """Compilers over time at heading `level`: the sentence, the releases, each
    scenario's times, the steps the U test names, the Rust/Go ratio by year."""
    h, sub = "#" * level, "#" * (level + 1)
    out.write(f"{h} {rr.TITLE}\n\n{md_text(rr.intro(s))}\n\n")
    if s.sentence:
        out.write(f"**{md_text(s.sentence)}**\n\n*{rr.SENTENCE_RULE}*\n\n")
    out.write(f"{sub} {rr.RELEASES_TITLE}\n\n")
    table(rr.RELEASE_HEADS, rr.release_rows(s), out, right=rr.RELEASE_RIGHT)
    for tt in rr.times_tables(s):
        out.write(f"{sub} {tt.title}\n\n")
        table(tt.heads, tt.rows, out, right=tt.right)
    out.write(f"{sub} {rr.STEPS_TITLE}\n\n{rr.steps_summary(s)}\n\n")
    if s.shown_steps:
        table(rr.STEP_HEADS, rr.step_rows(s), out, right=rr.STEP_RIGHT)
    if s.ratios:
        out.write(f"{sub} {rr.RATIOS_TITLE}\n\n")
        table(rr.RATIO_HEADS, rr.ratio_rows(s), out, right=rr.RATIO_RIGHT)
    for note in s.notes:
        out.write(f"> {md_text(note)}\n>\n")
    if s.notes:
        out.write("\n")


def render(report: GapReport, out: TextIO, payoff: PayoffSection | None = None,
           compilers: CompilersOverTime | None = None) -> None:
    """The whole report; the compilers over time, then `payoff` (when the selection
    holds payoff rounds), after the build tables, before what the claim leaves out."""
    m = report.machine
    v = report.verdict
    out.write("# Go against Rust: build times\n\n")
    out.write(f"Machine: {md_text(m.get('hostname', '?'))}, {md_text(m.get('cpu_model', '?'))}, "
              f"{m.get('logical_cpus') or m.get('cores')} CPUs, "
              f"{w.size(m.get('memory_bytes'))}, {md_text(m.get('os', '?'))}.  \n")
    out.write("Toolchains: " + md_text(", ".join(f"{t['spec']} ({t['version']})"
                                                 for t in report.toolchains)) + ".\n\n")
    out.write(f"## Verdict: **{v.outcome}**\n\n")
    out.write(f"“{w.CLAIM}”, on this machine:\n\n")
    for reason in v.reasons:
        out.write(f"- {md_text(reason)}\n")
    out.write(f"\n*Rule:* {w.RULE}\n\n")

    out.write("## Build times (median ± MAD)\n\n")
    out.write("Rust/Go: how many times longer Rust takes; the bar has one block per Go "
              "build time.\n\n")
    table(["project", "lines Go / Rust", "scenario", "profile", "n Go/Rust", "Go", "Rust",
           "Rust/Go", ""],
          [[p.project, w.locs_text(p), p.scenario_text, p.profile, w.ns_text(p),
            w.median_text(p.go), w.median_text(p.rust), w.ratio_text(p), bar_text(p)]
           for p in report.pairs], out, right=(1, 4, 5, 6, 7))

    out.write("## Memory, parallelism and artifacts (Go \\| Rust)\n\n")
    table(["project", "scenario", "profile", "peak process", "peak tree", "parallelism",
           "artifact"],
          [[p.project, p.scenario_text, p.profile, w.both_text(p, "peak_rss", w.size),
            w.both_text(p, "tree_peak_rss", w.size), w.both_text(p, "cpu_util", w.parallelism),
            w.both_text(p, "artifact", w.size)]
           for p in report.pairs], out, right=(3, 4, 5, 6))

    out.write("## Scaling: time = a·LOC^b\n\n")
    if report.fitted:
        out.write("Least squares on log–log across the graded sizes; * extrapolated beyond "
                  "the sizes measured.\n\n")
        rows = []
        for f in report.fitted:
            cross = []
            for t, _ in THRESHOLDS:
                loc = f.crossing(t)
                cross.append(w.loc_text(loc) + ("*" if loc is not None and f.extrapolated(loc)
                                                else ""))
            rows.append([f.lang, f.scenario_text, f.profile, f.sizes, w.number_text(f.a, ".3g"),
                         w.number_text(f.b, ".2f"), w.number_text(f.r2, ".3f"), *cross, f.note])
        table(["language", "scenario", "profile", "sizes", "a", "b", "R²",
               *(f"{label} at" for _, label in THRESHOLDS), ""], rows, out,
              right=(3, 4, 5, 6, 7, 8, 9))
        for s in report.sentences:
            out.write(f"{s}\n\n")
    elif not report.fits:
        out.write("No graded sizes in this selection.\n\n")
    if report.unfitted:
        out.write(f"No fit (one graded size measured): {', '.join(report.unfitted)}.\n\n")

    if report.real_pairs:
        out.write(f"## {w.PAIRS_TITLE}\n\n{w.PAIRS_INTRO}\n\n")
        table(w.PAIRS_HEADS, w.real_pair_rows(report.real_pairs), out, right=w.PAIRS_RIGHT)
        predicted = w.prediction_rows(report.real_pairs)
        if predicted:
            out.write(f"{w.PREDICTED_INTRO}\n\n")
            table(w.PREDICTED_HEADS, predicted, out, right=w.PREDICTED_RIGHT)

    for lang in report.multi_toolchain_langs:
        tcs, by_row = report.toolchain_cells(lang)
        out.write(f"## Toolchains ({lang})\n\n")
        table(["project", "scenario", "profile", *tcs],
              [[*k, *(w.median_text(v.get(tc)) for tc in tcs)] for k, v in by_row.items()],
              out, right=tuple(range(3, 3 + len(tcs))))

    if compilers is not None:
        compilers_block(compilers, out)
    if payoff is not None:
        payoff_block(payoff, out)
    out.write("## What the claim leaves out\n\n")
    for line in w.caveats(report):
        out.write(f"- {md_text(line)}\n")
    out.write("\n")
    if report.timelines:
        out.write("## Units\n\n")
        for t in report.timelines:
            crit = " → ".join(u.name for u in t.units if u.critical) or "-"
            out.write(f"- run {t.run_id} ({md_text(t.project)}, {t.lang}, {t.scenario} "
                      f"{t.profile}): {len(t.units)} units in {w.seconds(t.wall_s)}; critical "
                      f"path: {md_text(crit)}\n")
        out.write("\n")
    if report.notes:
        for note in report.notes:
            out.write(f"> {md_text(note)}\n>\n")
        out.write("\n")
    out.write("## Reproduce\n\n```sh\n")
    for s in report.sessions:
        out.write(f"{s['command_line']}\n")
    out.write("```\n")


# -- the user's own projects -------------------------------------------------------------


def project_block(p: ProjectSection, out: TextIO, level: int = 2) -> None:
    """One own project at heading `level`: its cells, trend, slowest units, tune results."""
    h, sub = "#" * level, "#" * (level + 1)
    out.write(f"{h} {p.title}\n\n{pr.about(p)}\n\n")
    out.write(f"{sub} {pr.CELLS_TITLE}\n\n")
    table(pr.CELL_HEADS, [pr.cell_row(c) for c in p.cells], out, right=pr.CELL_RIGHT)
    out.write(f"{sub} {pr.TREND_TITLE}\n\n")
    table(pr.TREND_HEADS, [pr.trend_row(t) for t in p.trends], out, right=pr.TREND_RIGHT)
    if p.changes:
        out.write(f"{sub} {pr.CHANGES_TITLE}\n\n")
        table(pr.CHANGE_HEADS, pr.change_rows(p), out, right=pr.CHANGE_RIGHT)
    if p.units is not None:
        out.write(f"{sub} {pr.UNITS_TITLE}\n\n{pr.units_intro(p.units)}\n\n")
        table(pr.UNIT_HEADS, pr.unit_rows(p.units), out, right=pr.UNIT_RIGHT)
        out.write(f"{pr.chain_text(p.units)}\n\n")
    if p.tune:
        out.write(f"{sub} {pr.tune_title(p)}\n\n")
        table(pr.TUNE_HEADS, [pr.tune_row(r) for r in p.tune], out, right=pr.TUNE_RIGHT)
    for note in p.notes:
        out.write(f"> {note}\n>\n")
    if p.notes:
        out.write("\n")


def render_projects(report: ProjectsReport, out: TextIO, payoff: PayoffSection | None = None,
                    standalone: bool = True, compilers: CompilersOverTime | None = None
                    ) -> None:
    """The own projects of the selection: a document of its own (`standalone`: the
    machine first, the payoff section and the commands last), or a part after the
    Go-against-Rust report, under a heading of its own."""
    if standalone:
        out.write(f"# Build times: {report.title.lower()}\n\n")
        out.write(f"Machine: {pr.machine_text(report.machine)}.  \n")
    else:
        out.write(f"## {report.title}\n\nEach project on its own (not paired with another "
                  f"language).  \n")
    out.write(f"Toolchains: {pr.toolchains_text(report)}.\n\n")
    level = 2 if standalone else 3
    for p in report.projects:
        project_block(p, out, level)
    if standalone and compilers is not None:
        compilers_block(compilers, out)
    if standalone and payoff is not None:
        payoff_block(payoff, out)
    out.write(f"{'#' * level} Reproduce\n\n```sh\n")
    for s in report.sessions:
        out.write(f"{s['command_line']}\n")
    out.write("```\n")


def render_document(doc: Document, out: TextIO) -> None:
    """The whole report: Go against Rust, then the projects that stand alone."""
    if doc.gap is not None:
        render(doc.gap, out, doc.payoff, doc.compilers)
    if doc.projects is not None:
        if doc.gap is not None:
            out.write("\n")
        render_projects(doc.projects, out, doc.payoff, standalone=doc.gap is None,
                        compilers=doc.compilers)
