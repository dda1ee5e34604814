"""Options shared by several commands, defined once."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from profiler.errors import UsageError

DbOption = Annotated[Path | None, typer.Option(
    "--db", help="Results database (default: $BUILDPROF_DB, else ./results.db)",
    show_default=False)]
FormatOption = Annotated[str, typer.Option("--format", help="Output format: table or json")]
MultiOption = Annotated[list[str] | None, typer.Option()]

# The largest integer SQLite stores; a larger id or limit makes sqlite3 raise OverflowError.
SQLITE_MAX_INT = 2**63 - 1


def parse_whole(text: str) -> int | None:
    """`text` as a whole number of 0 or more, or None when it is not one.

    Checked with str.isdecimal, not isdigit: '²'.isdigit() is true, yet int('²')
    raises; and int() alone would also take '+3', '3_0' and ' 3'. Numbers too large
    for SQLite are not whole numbers here either.
    """
    # The length check first: int() refuses more than 4300 digits (ValueError).
    if not text.isdecimal() or len(text) > len(str(SQLITE_MAX_INT)):
        return None
    value = int(text)  # safe now: every isdecimal character is a digit int() reads
    return value if value <= SQLITE_MAX_INT else None


def check_finite(option: str, value: float | None) -> None:
    """Refuse nan and ±inf, which typer parses as floats: `nan <= 0` is false, so a
    range check alone lets nan through (a nan timeout never fires)."""
    if value is not None and not math.isfinite(value):
        raise UsageError(f"{option} takes a finite number (got {value:g})")
