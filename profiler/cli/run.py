"""`buildprof run`: resolve what to build, run the matrix, record, summarise."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from profiler.cli.options import DB_HELP, format_option
from profiler.errors import UsageError
from profiler.languages import langs
from profiler.samples.spec import SIZES
from profiler.scenarios.definitions import (
    DEFAULT_NOTE,
    DEFAULT_PROFILES,
    DEFAULT_SCENARIOS,
    PROFILES,
    SCENARIOS,
    check_names,
    split_values,
)

if TYPE_CHECKING:  # annotations only: `buildprof --help` imports this module
    from rich.console import Console

    from profiler.session.resolve import RunRequest

# The session, runner, progress bar and report modules (psutil, sqlite_utils, rich's
# live display) are imported inside run(): `buildprof --help` imports this module.

# The names only: what each scenario and profile builds is `buildprof scenarios`' table
# (the defaults are scenarios.definitions').
_SCEN_HELP = (f"Scenario(s): {', '.join(SCENARIOS)} (default: "
              f"{', '.join(DEFAULT_SCENARIOS['samples'])} on samples, "
              f"{', '.join(DEFAULT_SCENARIOS['paths'])} on your projects)")
_PROF_HELP = (f"Profile(s): {', '.join(PROFILES)} (default: "
              f"{', '.join(DEFAULT_PROFILES['samples'])} on samples, "
              f"{', '.join(DEFAULT_PROFILES['paths'])} on your projects; {DEFAULT_NOTE})")
# run's --help groups its options in these panels (tests/test_help.py checks them);
# --format stays in typer's "Options" panel with --help.
WHAT, HOW, RUNS, MEASURE, RESULTS = ("What to build", "How to build", "How many runs",
                                     "How builds are measured", "Where results go")
# For --size's help only: the session applies its own DEFAULT_SIZES, which this copy
# must name (tests/test_startup.py checks that they agree); importing profiler.session
# here would load psutil and sqlite_utils for every --help.
DEFAULT_SIZES = ("tiny", "small", "medium")
QUICK_SIZES = ["tiny", "small"]
# Timed runs per cell: 3 for a first look; when the run itself compares sides, what a
# verdict needs (the U test: 4 a side at α = 0.05) and a 95% CI of the median (6).
DEFAULT_RUNS = 3
COMPARE_RUNS = 6


def compared_sides(revs: list[str], toolchains: list[str], jobs: list[int]) -> str | None:
    """What this run compares, in words (`2 revisions`), or None when it compares
    nothing: two or more --rev, toolchains of one language, or --jobs values."""
    per_lang: dict[str, int] = {}
    ranges = set()
    for spec in toolchains:
        lang = spec.split("@", 1)[0]
        per_lang[lang] = per_lang.get(lang, 0) + 1
        if ".." in spec or spec.endswith("@*"):  # a range of releases: several
            ranges.add(lang)
    said = [f"{len(revs)} revisions"] if len(set(revs)) > 1 else []
    said += [f"{n} {lang} toolchains" for lang, n in per_lang.items()
             if n > 1 and lang not in ranges]
    said += [f"a range of {lang} releases" for lang in sorted(ranges)]
    said += [f"{len(set(jobs))} --jobs values"] if len(set(jobs)) > 1 else []
    return " and ".join(said) or None


def run(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Go modules or Cargo projects to measure; none: the graded samples",
        show_default=False)] = None,
    lang: Annotated[list[str] | None, typer.Option(
        help=f"Languages: {', '.join(langs())} (default: both); with project paths, one "
             f"language, for a project that has both go.mod and Cargo.toml",
        show_default=False, rich_help_panel=WHAT)] = None,
    size: Annotated[list[str] | None, typer.Option(
        help=f"Graded sample sizes: {', '.join(SIZES)} (default: {', '.join(DEFAULT_SIZES)}; "
             f"with --quick: {', '.join(QUICK_SIZES)}; none with --sample)",
        show_default=False, rich_help_panel=WHAT)] = None,
    sample: Annotated[list[str] | None, typer.Option(
        help="Named samples: http-service, cli-tool; real Go/Rust pairs fetched at pinned "
             "versions: jq, age, task, or pairs for all three", rich_help_panel=WHAT)] = None,
    rev: Annotated[list[str] | None, typer.Option(
        "--rev", help="A git revision of PATH to build (branch, tag, commit); repeat to "
                      "compare: --rev main --rev HEAD; or a range A..B: the first-parent "
                      "commits after A up to B, measured round-robin and resumably (run it "
                      "again to add what is missing). Each commit's whole repository is "
                      "exported byte for byte into the cache (PATH in a monorepo too), "
                      "your checkout is not touched; runs of the revisions are interleaved",
        show_default=False, rich_help_panel=WHAT)] = None,
    every: Annotated[int | None, typer.Option(
        help="--rev A..B: every Nth commit (both ends always)", show_default=False,
        rich_help_panel=WHAT)] = None,
    commits: Annotated[int | None, typer.Option(
        help="--rev A..B: N evenly spaced commits (both ends always)", show_default=False,
        rich_help_panel=WHAT)] = None,
    scenario: Annotated[list[str] | None, typer.Option(help=_SCEN_HELP, rich_help_panel=HOW)
                        ] = None,
    profile: Annotated[list[str] | None, typer.Option(help=_PROF_HELP, rich_help_panel=HOW)
                       ] = None,
    toolchain: Annotated[list[str] | None, typer.Option(
        help="Toolchain(s): go@1.25.5, rust@1.85, rust@stable, a range go@1.21..1.27, go@*",
        rich_help_panel=HOW)] = None,
    no_install: Annotated[bool, typer.Option(
        "--no-install", help="Missing releases: name them, do not install them",
        rich_help_panel=HOW)] = False,
    jobs: Annotated[list[str] | None, typer.Option(
        help="Parallel jobs: cargo -j N, go build -p N (and GOMAXPROCS=N); "
             "several values make a scan", rich_help_panel=HOW)] = None,
    edit: Annotated[list[str] | None, typer.Option(
        help="incremental: a named edit (leaf-body, leaf-api, top-body) for samples "
             "(top-body only for a real pair), "
             "or FILE (relative to the project) for your own project",
        rich_help_panel=HOW)] = None,
    runs: Annotated[str | None, typer.Option(
        help=f"Timed runs per cell (default {DEFAULT_RUNS}; {COMPARE_RUNS} when comparing "
             f"--rev, toolchains or --jobs), or 'auto': until the 95% CI of the median is "
             f"within --precision, bounded by --max-runs and --max-time",
        show_default=False, rich_help_panel=RUNS)] = None,
    precision: Annotated[float, typer.Option(
        help="--runs auto: target 95% CI half-width of the median, in %",
        rich_help_panel=RUNS)] = 3.0,
    max_runs: Annotated[int, typer.Option(
        help="--runs auto: at most this many runs per cell", rich_help_panel=RUNS)] = 30,
    max_time: Annotated[float, typer.Option(
        help="--runs auto: at most this many seconds per cell", rich_help_panel=RUNS)] = 600.0,
    warmup: Annotated[int | None, typer.Option(
        help="Untimed warm-up runs per cell (default: none for clean, cold and incremental "
             "builds, one for the others; bench/warmup.py has the data)",
        rich_help_panel=RUNS)] = None,
    quick: Annotated[bool, typer.Option(
        help="A first look: sizes tiny and small, 1 run, no warm-up",
        rich_help_panel=RUNS)] = False,
    timeout: Annotated[float | None, typer.Option(
        help="Kill a build (its whole process tree) after this many seconds",
        rich_help_panel=MEASURE)] = None,
    sample_ms: Annotated[float, typer.Option(
        help="Interval of the memory sampler in ms", rich_help_panel=MEASURE)] = 20.0,
    label: Annotated[str | None, typer.Option(help="A label stored with the session",
                                              rich_help_panel=RESULTS)] = None,
    breakdown: Annotated[bool, typer.Option(
        help="Record every crate/package compile and link: time, CPU, peak RSS, and the "
             "critical path (see `buildprof breakdown`)", rich_help_panel=MEASURE)] = False,
    db: Annotated[Path | None, typer.Option("--db", help=DB_HELP, show_default=False,
                                            rich_help_panel=RESULTS)] = None,
    # In the default "Options" panel, beside --help (typer prints that panel first).
    fmt: format_option("table", "json", help="Summary on stdout: table or json") = "table",
) -> None:
    """Build projects in defined scenarios and profiles and record every run.

    What each scenario and profile builds and times: `buildprof scenarios`."""
    request = make_request(
        paths=paths, lang=lang, size=size, sample=sample, rev=rev, every=every,
        commits=commits, scenario=scenario, profile=profile, toolchain=toolchain,
        no_install=no_install, jobs=jobs, edit=edit, runs=runs, precision=precision,
        max_runs=max_runs, max_time=max_time, warmup=warmup, quick=quick, timeout=timeout,
        sample_ms=sample_ms, label=label, breakdown=breakdown, db=db)
    from profiler.cli.progress import ProgressBar
    from profiler.cli.signals import install_signal_handlers
    from profiler.report.console import make_console
    from profiler.session.run import execute

    install_signal_handlers()
    with ProgressBar(make_console(stderr=True)) as bar:
        outcome = execute(request, bar)
    _summarise(request, outcome, fmt)


def make_request(*, paths: list[Path] | None, lang: list[str] | None, size: list[str] | None,
                 sample: list[str] | None, rev: list[str] | None, every: int | None,
                 commits: int | None, scenario: list[str] | None, profile: list[str] | None,
                 toolchain: list[str] | None, no_install: bool, jobs: list[str] | None,
                 edit: list[str] | None, runs: str | None, precision: float, max_runs: int,
                 max_time: float, warmup: int | None, quick: bool, timeout: float | None,
                 sample_ms: float, label: str | None, breakdown: bool, db: Path | None,
                 **_: object) -> RunRequest:
    """`run`'s options checked and made into a request (also `queue add`'s, which
    takes every option of run)."""
    # Imported here to keep these checks in one block: nan passes every `<= 0` test.
    from profiler.cli.options import check_finite, parse_runs, parse_whole

    for option, value in (("--precision", precision), ("--max-time", max_time),
                          ("--timeout", timeout), ("--sample-ms", sample_ms)):
        check_finite(option, value)
    job_values = []
    for j in split_values(jobs):
        n_jobs = parse_whole(j)
        if n_jobs is None or n_jobs < 1:
            raise UsageError(f"--jobs takes whole numbers of at least 1 (got '{j}')")
        job_values.append(n_jobs)
    sides = compared_sides(list(rev or []), split_values(toolchain), job_values)
    n_runs = parse_runs(runs) if runs is not None else (
        COMPARE_RUNS if sides and not quick else DEFAULT_RUNS)
    if n_runs is None and (precision <= 0 or max_runs < 1 or max_time <= 0):
        raise UsageError("--precision, --max-runs and --max-time must be positive")
    if warmup is not None and warmup < 0:
        raise UsageError(f"--warmup must be 0 or more (got {warmup})")
    if timeout is not None and timeout <= 0:
        raise UsageError(f"--timeout must be a positive number of seconds (got {timeout:g})")
    if sample_ms <= 0:
        raise UsageError(f"--sample-ms must be positive (got {sample_ms:g})")
    if quick:
        n_runs, warmup = 1, 0
    elif runs is None and sides:
        from profiler.stats import min_runs_for_ci, utest_min_n

        print(f"note: {sides}: {COMPARE_RUNS} runs per cell, so that a comparison can reach a "
              f"verdict (the U test needs ≥{utest_min_n()} a side) with a 95% CI (≥"
              f"{min_runs_for_ci()}); --runs N to choose", file=sys.stderr)
    from profiler.scenarios.runner import Plan
    from profiler.session import resolve
    from profiler.session.resolve import RunRequest

    return RunRequest(
        paths=list(paths or []),
        langs=split_values(lang),
        sizes=split_values(size) or (list(QUICK_SIZES) if quick else []),
        samples=split_values(sample),
        scenarios=check_names("scenario", split_values(scenario), list(SCENARIOS)),
        profiles=check_names("profile", split_values(profile), list(PROFILES)),
        toolchains=split_values(toolchain), no_install=no_install,
        jobs=job_values,
        edits=split_values(edit),
        breakdown=breakdown,
        revs=list(rev or []),  # not split on commas: a git ref name may hold one
        every=every, commits=commits,
        plan=Plan(runs=n_runs, warmup=warmup, precision_pct=precision, max_runs=max_runs,
                  max_time_s=max_time, sample_ms=sample_ms, timeout=timeout),
        label=label,
        db_path=db, command_line=os.environ.get(resolve.JOB_COMMAND) or shlex.join(
            ["buildprof", *sys.argv[1:]]),
    )


def _summarise(request: RunRequest, outcome: Any, fmt: str) -> None:
    """The session's summary on stdout (table or JSON); exit 1 when a build failed."""
    from profiler.report.console import make_console
    from profiler.sources.revisions import is_range

    ranged = any(is_range(r) for r in request.revs)
    if outcome.session["id"] is None:  # a resumed range with nothing left to measure
        if fmt == "json":
            from profiler.report.writers import write_json

            write_json({"session": None, "runs": [], "failures": []}, sys.stdout)
        return
    if fmt == "json":
        from profiler.report.writers import write_json

        write_json({"session": outcome.session, "runs": outcome.runs,
                    "failures": [vars(f) for f in outcome.failures]}, sys.stdout)
    else:
        from profiler.analysis.gap import headlines
        from profiler.model.cells import summarize
        from profiler.report.console import shown
        from profiler.report.run import headline, summary_table

        out = make_console()
        cells = summarize(outcome.runs)
        summary_table(cells, out, title=f"Session {outcome.session['id']}: "
                                        f"{outcome.session['status']}")
        headline(headlines(cells), out)
        for f in outcome.failures:
            what = "timed out" if f.status == "timeout" else f"exited {f.exit_code}"
            # Compiler text can hold [brackets] that rich would read as markup.
            out.print(f"[red]Failed:[/red] {shown(f'{f.cell}: {f.phase} {what}: {f.error}')}",
                      highlight=False)
        for label_, pct in outcome.precision.items():
            out.print(f"precision (95% CI half-width of the median): {label_}: {pct:.1f}%")
        if request.breakdown:
            from profiler.cli.breakdown import show_units

            # The session hands back the units it recorded: no second read of the file.
            by_id = {r["id"]: r for r in outcome.runs}
            for ru in outcome.units:
                show_units(by_id[ru.run_id], ru.units, ru.path, out)
        if len(request.revs) == 2 and not ranged:
            _compare_revisions(request, outcome.session["id"], out)
        flagged = [r for r in outcome.runs if r.get("disturbed") and not r["warmup"]]
        if flagged:
            out.print(f"[yellow]Warning:[/yellow] {len(flagged)} run(s) started while other "
                      f"processes were busy (runs.disturbed); their times may be inflated")
    # A range's commits that do not build are part of its history (recorded, listed
    # above, shown by `changes`): the range goes on and the run succeeds.
    if outcome.failed_runs and not ranged:
        raise typer.Exit(1)


def _compare_revisions(request: RunRequest, session_id: int, out: Console) -> None:
    """Two revisions: the second against the first, as `compare A B` shows them, and
    with --breakdown which units got slower (`compare A B --units`)."""
    from profiler.analysis import compare as cmp
    from profiler.analysis.compare import unit_diffs
    from profiler.cli.options import reading
    from profiler.model.filters import Filters
    from profiler.paths import default_db
    from profiler.report.compare import compare_table, unit_table

    a, b = request.revs
    try:
        with reading(request.db_path or default_db()) as store:
            result = cmp.compare(store, f"rev:{a}", f"rev:{b}", Filters(sessions=(session_id,)))
            diffs = unit_diffs(store, result) if request.breakdown else []
    except UsageError as exc:  # every cell failed on one side, say: the rows above say why
        out.print(f"Not compared: {exc}", highlight=False)
        return
    compare_table(result, out)
    for title, d in diffs:
        unit_table(title, d, 10, out)
    out.print(f"(`buildprof compare {a} {b}` shows this again; --fail-above PCT gates on it)",
              highlight=False)


