"""The terminal: one console maker, one table shape, and a cell's figures as text
with rich markup. Only the reporters draw with rich (tests/test_layout.py)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from profiler.analysis.wording import seconds
from profiler.model.cells import CellSummary


def make_console(stderr: bool = False) -> Console:
    """A console that keeps wide tables readable when output is not a terminal."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 160
    return Console(stderr=stderr, width=width)


def new_table(title: str, columns: Sequence[tuple[str, str]]) -> Table:
    table = Table(title=title, title_justify="left")
    for name, justify in columns:
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    return table


def median_mad(c: CellSummary) -> str:
    return f"{seconds(c.wall.median)} ± {seconds(c.wall.mad)}"


def min_max(c: CellSummary) -> str:
    return f"{seconds(c.wall.min)} – {seconds(c.wall.max)}"


def statuses(c: CellSummary) -> str:
    """What became of a cell without a successful run: `failed`, `failed/timeout`."""
    return f"[red]{'/'.join(sorted(set(c.statuses)))}[/red]"
