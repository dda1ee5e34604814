"""`buildprof cache info|clean` and `buildprof doctor`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from profiler import paths
from profiler.cli.options import DbOption, QuickHelpGroup
from profiler.paths import cache_root

# rich's console and table, profiler.cache (psutil) and the wording helpers are
# imported in the commands: `buildprof --help` imports this module.

cache_app = typer.Typer(help="Show or empty buildprof's cache directory.", no_args_is_help=True,
                        cls=QuickHelpGroup)


@cache_app.command("info")
def info() -> None:
    """Where the cache is, and the size of each part."""
    from rich.console import Console
    from rich.table import Table

    from profiler import cache as cache_lib
    from profiler.analysis.wording import size

    parts = cache_lib.info()
    table = Table(title=f"Cache: {cache_root()}", title_justify="left")
    for col in ("part", "size", "files", "what"):
        table.add_column(col, justify="right" if col in ("size", "files") else "left")
    for p in parts:
        table.add_row(p.name, size(p.bytes), str(p.files), cache_lib.WHAT.get(p.name, ""))
    table.add_row("total", size(sum(p.bytes for p in parts)),
                  str(sum(p.files for p in parts)), "")
    Console().print(table)


@cache_app.command("clean")
def clean(force: Annotated[bool, typer.Option(
        help="Clean even while a buildprof session is running")] = False) -> None:
    """Empty the cache (samples, snapshots, downloads, installed Go releases)."""
    from rich.console import Console

    from profiler import cache as cache_lib
    from profiler.analysis.wording import size

    freed, left = cache_lib.clean(force=force)
    Console().print(f"freed {size(freed)} in {cache_root()}", highlight=False)
    if left:
        print(f"left {', '.join(str(p) for p in left)}: not marked as buildprof's "
              f"({paths.PART_MARKER}); delete by hand if it is", file=sys.stderr)


def doctor(db: DbOption = None) -> None:
    """Check toolchains, cache, database and machine noise; print what to fix."""
    from rich.console import Console

    from profiler.machine.doctor import diagnose

    findings = diagnose(db)
    console = Console()
    for f in findings:
        mark = "[green]ok[/green]  " if f.ok else "[red]fix[/red] "
        console.print(f"{mark} {f.area:<10} {f.text}")
        if not f.ok and f.fix:
            console.print(f"              → {f.fix}")
    problems = [f for f in findings if not f.ok]
    console.print(f"{len(problems)} thing(s) to fix" if problems else "ready to measure")
    if any(f.area in ("toolchain", "database", "cache") and not f.ok for f in findings):
        raise typer.Exit(1)
