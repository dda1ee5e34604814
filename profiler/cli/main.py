"""The `buildprof` command: a thin layer over the library.

Every BuildprofError becomes one `Error: ...` line on stderr and exit code 2
(1 is kept for "a build failed" and for compare's --fail-above), with no
traceback unless BUILDPROF_DEBUG=1.
"""

from __future__ import annotations

import os
import sys

import typer

from profiler.errors import BuildprofError

app = typer.Typer(
    name="buildprof",
    help="Measure what Go and Rust builds really cost: wall, CPU, parallelism, peak memory, "
         "artifact size, recorded in SQLite.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    from profiler.cli import breakdown as breakdown_cmd
    from profiler.cli import compare as compare_cmd
    from profiler.cli import export as export_cmd
    from profiler.cli import history as history_cmd
    from profiler.cli import maintenance
    from profiler.cli import report as report_cmd
    from profiler.cli import run as run_cmd
    from profiler.cli import samples as samples_cmd
    from profiler.cli import toolchain as toolchain_cmd

    app.command("run")(run_cmd.run)
    app.command("history")(history_cmd.history)
    app.command("compare")(compare_cmd.compare)
    app.command("export")(export_cmd.export)
    app.add_typer(toolchain_cmd.app, name="toolchain")
    app.add_typer(maintenance.cache_app, name="cache")
    app.command("doctor")(maintenance.doctor)
    app.command("breakdown")(breakdown_cmd.breakdown)
    app.command("report")(report_cmd.report)
    app.add_typer(samples_cmd.app, name="samples")


_register()


def main() -> None:
    debug = os.environ.get("BUILDPROF_DEBUG") == "1"
    try:
        # Without standalone mode, click returns the code of typer.Exit instead of exiting.
        code = app(standalone_mode=False)
        if code == 130:  # typer turns KeyboardInterrupt (Ctrl-C, and our SIGTERM) into 130
            print("Interrupted. Completed runs are kept in the database.", file=sys.stderr)
        sys.exit(code if isinstance(code, int) else 0)
    except BuildprofError as exc:
        if debug:
            raise
        print(f"Error: {exc}", file=sys.stderr)
        sys.exit(2)
    except typer.Abort:
        print("Aborted.", file=sys.stderr)
        sys.exit(130)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.ClickException):
            if debug:
                raise
            print(f"Error: {exc.format_message()}", file=sys.stderr)
            sys.exit(exc.exit_code)
        if debug:
            raise
        print(f"Error: unexpected {type(exc).__name__}: {exc} (a bug in buildprof; "
              f"BUILDPROF_DEBUG=1 shows the traceback)", file=sys.stderr)
        sys.exit(3)


if __name__ == "__main__":
    main()
