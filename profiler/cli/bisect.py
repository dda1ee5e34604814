"""`buildprof bisect PATH --good A --bad B`: the first commit that made the build slower."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from profiler.cli.options import DB_HELP, check_finite, format_option, parse_whole, show
from profiler.errors import UsageError
from profiler.scenarios.definitions import PROFILES, SCENARIOS, check_names

DEFAULT_FAIL_ABOVE = 5.0
DEFAULT_RUNS = 6


def bisect(
    path: Annotated[Path, typer.Argument(help="The directory of a git checkout (a Go module "
                                              "or Cargo project in it)", show_default=False)],
    good: Annotated[str, typer.Option("--good", help="A commit whose build is the baseline",
                                      show_default=False)],
    bad: Annotated[str, typer.Option("--bad", help="A later commit whose build is slower",
                                     show_default=False)],
    scenario: Annotated[str, typer.Option(help=f"Scenario: {', '.join(SCENARIOS)}")] = "clean",
    profile: Annotated[str, typer.Option(help=f"Profile: {', '.join(PROFILES)}")] = "debug",
    toolchain: Annotated[str | None, typer.Option(
        help="Toolchain: go, go@1.25.5, rust, rust@nightly (default: the project's pin or "
             "the one on PATH)", show_default=False)] = None,
    lang: Annotated[str | None, typer.Option(
        help="The language, for a project that has both go.mod and Cargo.toml",
        show_default=False)] = None,
    fail_above: Annotated[float, typer.Option(
        "--fail-above", metavar="PCT", help="Slower means significantly slower than A by more "
                                            "than PCT % (compare --fail-above's test)")
    ] = DEFAULT_FAIL_ABOVE,
    runs: Annotated[str, typer.Option(
        help="Timed runs per probe of each side (the commit and A, interleaved)")
    ] = str(DEFAULT_RUNS),
    edit: Annotated[str | None, typer.Option(
        help="incremental: the FILE (relative to PATH) to append a change to",
        show_default=False)] = None,
    timeout: Annotated[float | None, typer.Option(
        help="Kill a build (its whole process tree) after this many seconds",
        show_default=False)] = None,
    db: Annotated[Path | None, typer.Option("--db", help=DB_HELP, show_default=False)] = None,
    fmt: format_option("table", "json", "markdown") = "table",
) -> None:
    """Find the first commit on the first-parent path from A to B whose build is
    significantly slower than A's by more than --fail-above.

    B is measured first; then a binary search, each probe's runs interleaved with
    runs of A. A commit that does not build is skipped (as `git bisect skip`). Every
    probe is recorded like `run PATH --rev A --rev C`. Your checkout is only read.
    Exit codes: 0 found; 1 no such commit (B is not slower, or skipped commits hide
    which one); 2 bad input."""
    check_finite("--fail-above", fail_above)
    check_finite("--timeout", timeout)
    if fail_above < 0:
        raise UsageError(f"--fail-above takes a percentage of 0 or more (got {fail_above:g})")
    n = parse_whole(runs)
    if n is None or n < 1:
        raise UsageError(f"--runs takes a whole number of at least 1 (got '{runs}')")
    if timeout is not None and timeout <= 0:
        raise UsageError(f"--timeout must be a positive number of seconds (got {timeout:g})")
    check_names("scenario", [scenario], list(SCENARIOS))
    check_names("profile", [profile], list(PROFILES))
    from profiler.cli.progress import ProgressBar
    from profiler.cli.signals import install_signal_handlers
    from profiler.report import bisect as view
    from profiler.report.console import make_console
    from profiler.scenarios.runner import Plan
    from profiler.session import bisect as session
    from profiler.session.resolve import RunRequest

    request = RunRequest(
        paths=[path], langs=[lang] if lang else [], sizes=[], samples=[],
        scenarios=[scenario], profiles=[profile], toolchains=[toolchain] if toolchain else [],
        jobs=[], edits=[edit] if edit else [],
        plan=Plan(runs=n, warmup=None, timeout=timeout), db_path=db,
        command_line=shlex.join(["buildprof", *sys.argv[1:]]))
    install_signal_handlers()
    err = make_console(stderr=True)

    def said(p: session.Probe, i: int) -> None:
        err.print(f"probe {i}: {view.probe_text(p)}", highlight=False, markup=False)

    with ProgressBar(err) as bar:
        result = session.bisect(request, good, bad, fail_above, bar, on_probe=said)
    show(fmt, result, as_dict=view.bisect_dict, markdown=view.bisect_markdown,
         terminal=view.bisect_terminal)
    if not result.found:
        raise typer.Exit(1)
