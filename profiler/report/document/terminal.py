"""The gap report in the terminal (rich). Takes a GapReport and a Console, returns nothing."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console

from profiler.analysis import wording as w
from profiler.analysis.document import Document
from profiler.analysis.own import ProjectSection, ProjectsReport
from profiler.analysis.payoff import PayoffSection
from profiler.analysis.records import GapReport
from profiler.analysis.releases import CompilersOverTime
from profiler.analysis.rule import THRESHOLDS
from profiler.model.cells import CellSummary
from profiler.report.console import Markup, new_table, shown
from profiler.report.document import own as pr
from profiler.report.document import releases as rr
from profiler.report.payoff import TITLE as PAYOFF_TITLE
from profiler.report.payoff import payoff_table, rows_of

BAR = 24
GO_STYLE = "cyan"
RUST_STYLE = "dark_orange"
OUTCOME_STYLE = {"holds": "bold green", "partly holds": "bold yellow",
                 "does not hold": "bold red", "not measured": "bold"}


def bars(go_s: float | None, rust_s: float | None, width: int = BAR) -> tuple[str, str]:
    """Two bars on the row's own scale (the slower one is `width` long), as plain text."""
    values = [v for v in (go_s, rust_s) if v is not None and v > 0]
    if not values:
        return "", ""
    top = max(values)

    def bar(v: float | None) -> str:
        if v is None or v <= 0:
            return ""
        return "█" * max(1, round(width * v / top))

    return bar(go_s), bar(rust_s)


def _median(c: CellSummary | None) -> str:
    text = w.median_text(c)
    return Markup(f"[red]{shown(text)}[/red]") if c is not None and not c.n else text


def times_table(report: GapReport, console: Console) -> None:
    go_tc, rust_tc = report.primary.get("go", "-"), report.primary.get("rust", "-")
    table = new_table(f"Build times: Go ({go_tc}) against Rust ({rust_tc}), median ± MAD",
                   [("project", "left"), ("lines Go / Rust", "right"), ("scenario", "left"),
                    ("profile", "left"), ("n", "right"), ("Go", "right"), ("Rust", "right"),
                    ("Rust/Go", "right"), ("", "left")])
    for p in report.pairs:
        g, r = bars(p.go.wall.median if p.go and p.go.n else None,
                    p.rust.wall.median if p.rust and p.rust.n else None)
        table.add_row(p.project, w.locs_text(p), p.scenario_text, p.profile, w.ns_text(p),
                      _median(p.go), _median(p.rust), w.ratio_text(p),
                      Markup(f"[{GO_STYLE}]{g}[/{GO_STYLE}] Go\n"
                             f"[{RUST_STYLE}]{r}[/{RUST_STYLE}] Rust"))
    console.print(table)


def resources_table(report: GapReport, console: Console) -> None:
    table = new_table("Memory, parallelism and artifacts (Go | Rust, medians)",
                   [("project", "left"), ("scenario", "left"), ("profile", "left"),
                    ("peak process", "right"), ("peak tree", "right"),
                    ("parallelism", "right"), ("artifact", "right")])
    for p in report.pairs:
        table.add_row(p.project, p.scenario_text, p.profile,
                      w.both_text(p, "peak_rss", w.size), w.both_text(p, "tree_peak_rss", w.size),
                      w.both_text(p, "cpu_util", w.parallelism),
                      w.both_text(p, "artifact", w.size))
    console.print(table)


def fits_table(report: GapReport, console: Console) -> None:
    if not report.fits:
        console.print("Scaling: no graded sizes in this selection (`buildprof run --size "
                      "tiny,small,medium`).")
        return
    cols = [("language", "left"), ("scenario", "left"), ("profile", "left"),
            ("sizes", "right"), ("a", "right"), ("b", "right"), ("R²", "right")]
    cols += [(f"{label} at", "right") for _, label in THRESHOLDS]
    cols.append(("", "left"))
    table = new_table("Scaling: time = a·LOCᵇ, least squares on log–log over the graded sizes",
                   cols)
    for f in report.fitted:
        cross = []
        for t, _ in THRESHOLDS:
            loc = f.crossing(t)
            text = w.loc_text(loc)
            if loc is not None and f.extrapolated(loc):
                text = Markup(f"[dim]{text}*[/dim]")
            cross.append(text)
        note = Markup(f"[yellow]{shown(f.note)}[/yellow]") if f.note else ""
        table.add_row(f.lang, f.scenario_text, f.profile, str(f.sizes),
                      w.number_text(f.a, ".3g"), w.number_text(f.b, ".2f"),
                      w.number_text(f.r2, ".3f"),
                      *cross, note)
    if report.fitted:
        console.print(table)
        console.print("[dim]* extrapolated beyond the sizes measured[/dim]")
    if report.unfitted:
        console.print(f"No fit (one graded size measured): {', '.join(report.unfitted)}.")
    for s in report.sentences:
        console.print(s, highlight=False)


def toolchains_table(report: GapReport, console: Console) -> None:
    for lang in report.multi_toolchain_langs:
        tcs, rows = report.toolchain_cells(lang)
        table = new_table(f"Toolchains ({lang}): median wall time",
                       [("project", "left"), ("scenario", "left"), ("profile", "left")]
                       + [(tc, "right") for tc in tcs])
        for key, by_tc in rows.items():
            table.add_row(*key, *(_median(by_tc[tc]) if tc in by_tc else "-" for tc in tcs))
        console.print(table)


def real_pairs_block(report: GapReport, console: Console) -> None:
    """Real projects that do the same job: the pairs, then predicted against measured."""
    console.print(f"[bold]{w.PAIRS_TITLE}[/bold]")
    console.print(f"[dim]{w.PAIRS_INTRO}[/dim]", highlight=False)
    table = new_table("", [(h, "right" if i in w.PAIRS_RIGHT else "left")
                        for i, h in enumerate(w.PAIRS_HEADS)])
    for row in w.real_pair_rows(report.real_pairs):
        table.add_row(*row)
    console.print(table)
    rows = w.prediction_rows(report.real_pairs)
    if rows:
        console.print(f"[dim]{w.PREDICTED_INTRO}[/dim]", highlight=False)
        table = new_table("", [(h, "right" if i in w.PREDICTED_RIGHT else "left")
                            for i, h in enumerate(w.PREDICTED_HEADS)])
        for row in rows:
            table.add_row(*row)
        console.print(table)


def payoff_block(section: PayoffSection, console: Console) -> None:
    """What the build time buys: the payoff table, its sentences, how it was loaded."""
    console.print(f"[bold]{PAYOFF_TITLE}[/bold]")
    payoff_table(rows_of(section.payoff), console, section.caption)
    for line in section.payoff.sentences:
        console.print(line, highlight=False, soft_wrap=True)
    for name, value in section.facts:
        console.print(f"  {name}: {value}", highlight=False, soft_wrap=True)
    for note in section.notes:
        console.print(f"[yellow]Note:[/yellow] {note}", highlight=False)


def compilers_block(s: CompilersOverTime, console: Console) -> None:
    """Compilers over time: the sentence, the releases, each scenario's times per
    release and size, the steps the U test names, the Rust/Go ratio by year."""
    console.print(f"[bold]{rr.TITLE}[/bold]")
    console.print(f"[dim]{shown(rr.intro(s))}[/dim]", highlight=False, soft_wrap=True)
    if s.sentence:
        console.print(shown(s.sentence), highlight=False, soft_wrap=True)
        console.print(f"[dim]{rr.SENTENCE_RULE}[/dim]", highlight=False, soft_wrap=True)
    _rows_table(rr.RELEASES_TITLE, rr.RELEASE_HEADS, rr.RELEASE_RIGHT, rr.release_rows(s),
                console)
    for tt in rr.times_tables(s):
        _rows_table(tt.title, tt.heads, tt.right, tt.rows, console)
    console.print(f"[bold]{rr.STEPS_TITLE}[/bold]", highlight=False)
    console.print(rr.steps_summary(s), highlight=False, soft_wrap=True)
    if s.shown_steps:
        _rows_table("", rr.STEP_HEADS, rr.STEP_RIGHT, rr.step_rows(s), console)
    if s.ratios:
        _rows_table(rr.RATIOS_TITLE, rr.RATIO_HEADS, rr.RATIO_RIGHT, rr.ratio_rows(s), console)
    for note in s.notes:
        console.print(f"[yellow]Note:[/yellow] {shown(note)}", highlight=False, soft_wrap=True)


def verdict_block(report: GapReport, console: Console) -> None:
    v = report.verdict
    style = OUTCOME_STYLE.get(v.outcome, "bold")
    console.print(f"[bold]Verdict[/bold] on “{w.CLAIM}” for this machine: "
                  f"[{style}]{v.outcome.upper()}[/{style}]")
    for reason in v.reasons:
        console.print(f"  {shown(reason)}", highlight=False)
    console.print(f"  [dim]Rule: {w.RULE}[/dim]", highlight=False)


def caveats_block(report: GapReport, console: Console) -> None:
    console.print("[bold]What the claim leaves out[/bold]")
    for line in w.caveats(report):
        console.print(f"  - {shown(line)}", highlight=False)


def timelines_block(report: GapReport, console: Console) -> None:
    for t in report.timelines:
        crit = [u.name for u in t.units if u.critical]
        console.print(f"[bold]Units[/bold] of run {t.run_id} ({shown(t.project)}, {t.lang}, "
                      f"{t.scenario} {t.profile}): {len(t.units)} units in "
                      f"{w.seconds(t.wall_s)}; critical path: "
                      f"{shown(' → '.join(crit)) or '-'} "
                      f"(`buildprof breakdown {t.run_id}`)", highlight=False)


def header(report: GapReport, console: Console) -> None:
    m = report.machine
    mem = w.size(m.get("memory_bytes")) if m.get("memory_bytes") else "?"
    console.print(f"[bold]Go against Rust[/bold] on {shown(m.get('hostname', '?'))}: "
                  f"{shown(m.get('cpu_model', '?'))}, {m.get('logical_cpus') or m.get('cores')} "
                  f"CPUs, {mem}, {shown(m.get('os', '?'))}", highlight=False)
    ids = ", ".join(str(s["id"]) for s in report.sessions)
    started = min((s["started"] or "" for s in report.sessions), default="")
    tcs = ", ".join(f"{t['spec']} ({t['version']})" for t in report.toolchains)
    console.print(f"Session(s) {ids}, from {shown(started[:16].replace('T', ' '))} UTC; "
                  f"toolchains: {shown(tcs)}", highlight=False)


def render(report: GapReport, console: Console, payoff: PayoffSection | None = None,
           compilers: CompilersOverTime | None = None) -> None:
    """The whole report: verdict first, then the tables behind it; the compilers over
    time, then `payoff` (when the selection holds payoff rounds), after the build
    tables, before the caveats."""
    header(report, console)
    console.print()
    verdict_block(report, console)
    console.print()
    times_table(report, console)
    resources_table(report, console)
    fits_table(report, console)
    if report.real_pairs:
        console.print()
        real_pairs_block(report, console)
    toolchains_table(report, console)
    if compilers is not None:
        console.print()
        compilers_block(compilers, console)
    if payoff is not None:
        console.print()
        payoff_block(payoff, console)
    console.print()
    caveats_block(report, console)
    if report.timelines:
        console.print()
        timelines_block(report, console)
    if report.notes:
        console.print()
        for note in report.notes:
            console.print(f"[yellow]Note:[/yellow] {shown(note)}", highlight=False)
    console.print()
    console.print("[bold]Reproduce[/bold]")
    for s in report.sessions:
        console.print(f"  {shown(s['command_line'] or '')}", highlight=False, soft_wrap=True)


# -- the user's own projects -------------------------------------------------------------


def _rows_table(title: str, heads: Sequence[str], right: Sequence[int],
                rows: Sequence[Sequence[str]], console: Console) -> None:
    """A titled table of plain-text rows. The title goes on a line of its own: as a
    rich table title it would wrap to the table's width, which a narrow table has."""
    if title:
        console.print(f"[bold]{shown(title)}[/bold]", highlight=False, soft_wrap=True)
    table = new_table("", [(h, "right" if i in right else "left") for i, h in enumerate(heads)])
    for row in rows:
        table.add_row(*row)
    console.print(table)


def project_block(p: ProjectSection, console: Console) -> None:
    """One own project: its cells, trend, slowest units and tune results."""
    console.print(f"[bold underline]{shown(p.title)}[/bold underline]", highlight=False)
    console.print(shown(pr.about(p)), highlight=False, soft_wrap=True)
    _rows_table(pr.CELLS_TITLE, pr.CELL_HEADS, pr.CELL_RIGHT,
                [pr.cell_row(c) for c in p.cells], console)
    _rows_table(pr.TREND_TITLE, pr.TREND_HEADS, pr.TREND_RIGHT,
                [pr.trend_row(t) for t in p.trends], console)
    if p.changes:
        _rows_table(pr.CHANGES_TITLE, pr.CHANGE_HEADS, pr.CHANGE_RIGHT, pr.change_rows(p),
                    console)
    if p.units is not None:
        console.print(f"[bold]{pr.UNITS_TITLE}[/bold]", highlight=False)
        console.print(shown(pr.units_intro(p.units)), highlight=False, soft_wrap=True)
        _rows_table("", pr.UNIT_HEADS, pr.UNIT_RIGHT, pr.unit_rows(p.units), console)
        console.print(shown(pr.chain_text(p.units)), highlight=False, soft_wrap=True)
    if p.tune:
        _rows_table(pr.tune_title(p), pr.TUNE_HEADS, pr.TUNE_RIGHT,
                    [pr.tune_row(r) for r in p.tune], console)
    for note in p.notes:
        console.print(f"[yellow]Note:[/yellow] {shown(note)}", highlight=False)


def render_projects(report: ProjectsReport, console: Console,
                    payoff: PayoffSection | None = None, standalone: bool = True,
                    compilers: CompilersOverTime | None = None) -> None:
    """The own projects of the selection. `standalone`: the report holds nothing else,
    so it starts with the machine and ends with the compilers over time and the
    payoff section (if any); after a Go-against-Rust report it starts with a heading
    of its own."""
    if standalone:
        console.print(f"[bold]{report.title}[/bold] on {shown(pr.machine_text(report.machine))}",
                      highlight=False)
    else:
        console.print(f"[bold]{report.title}[/bold] (not paired with another language: each "
                      f"project on its own)", highlight=False)
    ids = ", ".join(str(s["id"]) for s in report.sessions)
    console.print(f"Session(s) {ids}; toolchains: {shown(pr.toolchains_text(report))}",
                  highlight=False)
    for p in report.projects:
        console.print()
        project_block(p, console)
    if standalone and compilers is not None:
        console.print()
        compilers_block(compilers, console)
    if standalone and payoff is not None:
        console.print()
        payoff_block(payoff, console)
    console.print()
    console.print("[bold]Reproduce[/bold]")
    for s in report.sessions:
        console.print(f"  {shown(s['command_line'] or '')}", highlight=False, soft_wrap=True)


def render_document(doc: Document, console: Console) -> None:
    """The whole report: Go against Rust, then the projects that stand alone."""
    if doc.gap is not None:
        render(doc.gap, console, doc.payoff, doc.compilers)
    if doc.projects is not None:
        if doc.gap is not None:
            console.print()
        render_projects(doc.projects, console, doc.payoff, standalone=doc.gap is None,
                        compilers=doc.compilers)
