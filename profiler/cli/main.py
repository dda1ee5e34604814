"""The `buildprof` command: a thin layer over the library.

Every BuildprofError becomes one `Error: ...` line on stderr and exit code 2
(1 is kept for "a build failed" and for compare's --fail-above), with no
traceback unless BUILDPROF_DEBUG=1.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from profiler.cli.options import QuickHelpGroup
from profiler.errors import BuildprofError, scrub

# Typer 0.29 bundles its own copy of click (typer._click) and raises that copy's
# exceptions, which `click.ClickException` does not match; older typers use click
# itself. Usage errors of either kind are caught by these classes.
try:
    from typer._click.exceptions import ClickException as _BundledClickError
    from typer._click.exceptions import NoArgsIsHelpError as _BundledNoArgs
except ImportError:  # typer < 0.29: click proper
    from click.exceptions import ClickException as _BundledClickError
    from click.exceptions import NoArgsIsHelpError as _BundledNoArgs

app = typer.Typer(
    name="buildprof",
    help="Measure what Go and Rust builds really cost: wall, CPU, parallelism, peak memory, "
         "artifact size, recorded in SQLite.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=QuickHelpGroup,
)


def _register() -> None:
    from profiler.cli import bisect as bisect_cmd
    from profiler.cli import breakdown as breakdown_cmd
    from profiler.cli import changes as changes_cmd
    from profiler.cli import compare as compare_cmd
    from profiler.cli import export as export_cmd
    from profiler.cli import history as history_cmd
    from profiler.cli import maintenance
    from profiler.cli import payoff as payoff_cmd
    from profiler.cli import queue as queue_cmd
    from profiler.cli import report as report_cmd
    from profiler.cli import run as run_cmd
    from profiler.cli import samples as samples_cmd
    from profiler.cli import scenarios as scenarios_cmd
    from profiler.cli import site as site_cmd
    from profiler.cli import team as team_cmd
    from profiler.cli import toolchain as toolchain_cmd
    from profiler.cli import tune as tune_cmd

    # In the order `buildprof --help` lists them: a command, or a group of commands.
    for name, entry in (("run", run_cmd.run), ("scenarios", scenarios_cmd.scenarios),
                        ("history", history_cmd.history), ("compare", compare_cmd.compare),
                        ("changes", changes_cmd.changes), ("bisect", bisect_cmd.bisect),
                        ("export", export_cmd.export), ("toolchain", toolchain_cmd.app),
                        ("cache", maintenance.cache_app), ("doctor", maintenance.doctor),
                        ("breakdown", breakdown_cmd.breakdown), ("report", report_cmd.report),
                        ("site", site_cmd.site),
                        ("payoff", payoff_cmd.payoff), ("tune", tune_cmd.tune),
                        ("samples", samples_cmd.app), ("merge", team_cmd.merge),
                        ("push", team_cmd.push), ("pull", team_cmd.pull),
                        ("queue", queue_cmd.app), ("worker", queue_cmd.worker)):
        if isinstance(entry, typer.Typer):
            app.add_typer(entry, name=name)
        else:
            app.command(name)(entry)


_register()


def _version_text() -> str:
    """The package constant, which sessions also record as buildprof_version. Not
    importlib.metadata: importing it (email parsing, a scan of sys.path) costs more
    than the rest of `--version`; tests/test_startup.py checks that the constant,
    pyproject.toml and the installed distribution agree."""
    from profiler import __version__

    return __version__


def _show_version(value: bool) -> None:
    if value:
        print(f"buildprof {_version_text()}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option(
        "--version", "-V", callback=_show_version, is_eager=True,
        help="Print buildprof's version and exit")] = False) -> None:
    # Only the eager --version callback above: typer needs a root callback to hold it.
    pass


def _command_path(exc: Exception) -> str:
    """`buildprof history` for a usage error raised while parsing `history`'s options."""
    names: list[str] = []
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        while ctx.parent is not None:
            names.insert(0, ctx.info_name)
            ctx = ctx.parent
    else:
        # The option parser raises some errors ("requires an argument") without a
        # context: follow the command names at the start of the command line.
        cmd = typer.main.get_command(app)
        for arg in sys.argv[1:]:
            sub = getattr(cmd, "commands", {}).get(arg)
            if sub is None:
                break
            names.append(arg)
            cmd = sub
    return " ".join(["buildprof", *names])


def _usage_line(exc: Exception) -> str:
    """One line: click's message (flattened) and where the options are listed."""
    message = " ".join(exc.format_message().split()).rstrip(".")  # type: ignore[attr-defined]
    return f"Error: {message}; see `{_command_path(exc)} --help`"


def main() -> None:
    debug = os.environ.get("BUILDPROF_DEBUG") == "1"
    try:
        # Without standalone mode, click returns the code of typer.Exit instead of exiting.
        # The name in usage lines is buildprof however it was started (click would say
        # `python -m profiler.cli.main`, or the name of whatever runs it in-process).
        code = app(standalone_mode=False, prog_name="buildprof")
        if code == 130:  # typer turns KeyboardInterrupt (Ctrl-C, and our SIGTERM) into 130
            print("Interrupted. Completed runs are kept in the database.", file=sys.stderr)
        sys.exit(code if isinstance(code, int) else 0)
    except BuildprofError as exc:
        if debug:
            raise
        print(scrub(f"Error: {exc}"), file=sys.stderr)
        sys.exit(2)
    except typer.Abort:
        print("Aborted.", file=sys.stderr)
        sys.exit(130)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        sys.exit(130)
    except _BundledNoArgs as exc:
        # `buildprof` (or `buildprof samples`) alone: typer's rich help has already been
        # printed to stdout (a plain one is the message); asking for help is no error.
        text = exc.format_message()
        if text.strip():
            print(text)
        sys.exit(0)
    except _BundledClickError as exc:  # unknown option, missing argument, bad value
        if debug:
            raise
        print(scrub(_usage_line(exc)), file=sys.stderr)
        sys.exit(2)
    except Exception as exc:
        if debug:
            raise
        print(scrub(f"Error: unexpected {type(exc).__name__}: {exc} (a bug in buildprof; "
                    f"BUILDPROF_DEBUG=1 shows the traceback)"), file=sys.stderr)
        sys.exit(3)


if __name__ == "__main__":
    main()
