"""`buildprof tune`: measured build advice for a project, knob by knob."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from profiler.cli.options import DbOption, LabelOption, format_option, parse_runs
from profiler.errors import UsageError
from profiler.scenarios.definitions import PROFILES, SCENARIOS, check_names, split_values

DEFAULT_SCENARIOS = ("clean", "incremental")


def _list_knobs() -> None:
    from profiler.report.console import SafeTable, make_console
    from profiler.scenarios.knobs import all_knobs

    table = SafeTable(title="Knobs (buildprof tune --knob NAME)", title_justify="left")
    for col in ("knob", "lang", "what it does", "what you give up"):
        table.add_column(col, overflow="fold")
    for k in all_knobs():
        table.add_row(k.name, k.lang, k.what, k.caveat)
    make_console().print(table)


def tune(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Your project's directory (or crate:NAME, go:MODULE)", show_default=False)] = None,
    sample: Annotated[list[str] | None, typer.Option(
        help="A sample instead of a path: cli-tool, http-service, small…", show_default=False)
    ] = None,
    lang: Annotated[list[str] | None, typer.Option(
        help="Language(s) of a sample: go, rust", show_default=False)] = None,
    knob: Annotated[list[str] | None, typer.Option(
        help="Knob(s) to measure (default: every one of the language; see --list)",
        show_default=False)] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the knobs and exit")] = False,
    scenario: Annotated[list[str] | None, typer.Option(
        help="Scenario(s) [default: clean,incremental]", show_default=False)] = None,
    profile: Annotated[list[str] | None, typer.Option(
        help="Profile(s) [default: debug]", show_default=False)] = None,
    runs: Annotated[str, typer.Option(
        help="Timed runs of each knob and the baseline, or 'auto': until the 95% CI of each "
             "median is within 3% (at most 30 runs or 600 s a cell)")] = "5",
    edit: Annotated[list[str] | None, typer.Option(
        help="For incremental on your own project: the file to append a change to",
        show_default=False)] = None,
    toolchain: Annotated[list[str] | None, typer.Option(
        help="Toolchain: go@1.26.8, rust@nightly (default: the one on PATH)",
        show_default=False)] = None,
    label: LabelOption = None,
    db: DbOption = None,
    fmt: format_option("table", "json") = "table",
) -> None:
    """Measure well-known build knobs on a project, one at a time against the baseline.

    Each knob (debuginfo, the linker, codegen-units, incremental, optimised
    dependencies, -Zthreads, jobs; Go's -p, -trimpath, -ldflags=-s -w, CGO_ENABLED=0,
    GOGC, PGO) is set through environment variables and build flags only, in a copy:
    your files are never edited. Its cells run interleaved with the baseline's, --runs
    each, and are stored with the knob as their variant. Prints a ranked table (change
    of the median wall time, its 95% CI, the U test, memory and artifact size, what
    you give up), the knobs that do not apply and why, and the exact lines that keep
    each significant win."""
    if list_:
        _list_knobs()
        return
    n_runs = parse_runs(runs)
    paths = list(paths or [])
    samples = split_values(sample)
    if not paths and not samples:
        raise UsageError("tune needs a project: buildprof tune PATH (or --sample cli-tool "
                         "--lang rust)")
    knobs = split_values(knob)
    if knobs:
        from profiler.scenarios.knobs import all_knobs

        names = {k.name for k in all_knobs()}
        for name in knobs:
            if name not in names:
                raise UsageError(f"unknown knob '{name}'; `buildprof tune --list` lists them")
    scenarios = check_names("scenario", split_values(scenario), list(SCENARIOS)) \
        or list(DEFAULT_SCENARIOS)
    notes = []
    if paths and not edit and "incremental" in scenarios and not scenario:
        scenarios.remove("incremental")
        notes.append("Note: incremental needs --edit FILE on your own project (the file to "
                     "append a change to); measuring clean only.")
    from profiler.cli.progress import ProgressBar
    from profiler.report.console import make_console
    from profiler.scenarios.runner import Plan
    from profiler.session.resolve import RunRequest
    from profiler.session.run import execute

    request = RunRequest(
        paths=paths, langs=split_values(lang), sizes=[], samples=samples, scenarios=scenarios,
        profiles=check_names("profile", split_values(profile), list(PROFILES)) or ["debug"],
        toolchains=split_values(toolchain), jobs=[], edits=split_values(edit), knobs=knobs,
        plan=Plan(runs=n_runs, warmup=None), label=label, db_path=db,
        command_line=shlex.join(["buildprof", *sys.argv[1:]]))
    from profiler.cli.signals import install_signal_handlers

    install_signal_handlers()
    err = make_console(stderr=True)
    for note in notes:
        err.print(note, highlight=False)
    with ProgressBar(err) as bar:
        outcome = execute(request, bar)
    _show(outcome, fmt)
    if any("[" not in f.cell for f in outcome.failures):
        raise typer.Exit(1)  # a baseline failed: nothing was compared




def _show(outcome: Any, fmt: str) -> None:
    from profiler.analysis.tune import notes, results

    errors = {f.cell: f.error for f in outcome.failures}
    ranked = results(outcome.runs, errors)
    if fmt == "json":
        from profiler.report.tune import tune_dict
        from profiler.report.writers import write_json

        write_json(tune_dict(outcome.session, ranked, outcome.skipped), sys.stdout)
        return
    from profiler.report.console import make_console
    from profiler.report.tune import tune_report

    tune_report(ranked, outcome.skipped, notes(outcome.runs), make_console())
