"""The terminal: one console maker, one table shape, and a cell's figures as text
with rich markup. Only the reporters draw with rich (tests/test_layout.py).

Text from the history (labels, project, unit and host names, paths, errors) is shown
as it is: `SafeTable` takes a plain string cell or title literally (a label `[wip]`
stays `[wip]`), only a `Markup` string is read as rich markup, and `shown()` escapes
a value put into a printed line. Control characters (an ESC that would retitle the
terminal) become U+FFFD in both.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from profiler import errors
from profiler.analysis.wording import seconds
from profiler.model.cells import CellSummary


def make_console(stderr: bool = False) -> Console:
    """A console that keeps wide tables readable when output is not a terminal."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 160
    return Console(stderr=stderr, width=width)


class Markup(str):
    """A string whose rich markup is meant (a status in red); every other string a
    table receives is shown literally."""


def printable(value: Any) -> str:
    """`value` as text with control characters replaced."""
    return errors.printable(str(value))


def shown(value: Any) -> str:
    """A value from the history, ready to put into a line printed with markup."""
    return escape(printable(value))


def _literal(cell: Any, style: str = "") -> Any:
    if isinstance(cell, Markup):
        return Text.from_markup(cell, style=style)
    if isinstance(cell, str):
        return Text(printable(cell), style=style)
    return cell


class SafeTable(Table):
    """A rich Table whose plain string cells and title are literal text (see above)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if isinstance(kwargs.get("title"), str):
            kwargs["title"] = _literal(kwargs["title"], "table.title")
        super().__init__(*args, **kwargs)

    def add_row(self, *cells: Any, **kwargs: Any) -> None:
        super().add_row(*map(_literal, cells), **kwargs)


def new_table(title: str, columns: Sequence[tuple[str, str]]) -> Table:
    table = SafeTable(title=title, title_justify="left")
    for name, justify in columns:
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    return table


def median_mad(c: CellSummary) -> str:
    return f"{seconds(c.wall.median)} ± {seconds(c.wall.mad)}"


def min_max(c: CellSummary) -> str:
    return f"{seconds(c.wall.min)} – {seconds(c.wall.max)}"


def statuses(c: CellSummary) -> str:
    """What became of a cell without a successful run: `failed`, `failed/timeout`."""
    return Markup(f"[red]{'/'.join(sorted(set(c.statuses)))}[/red]")
