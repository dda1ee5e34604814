"""Options shared by several commands, defined once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DbOption = Annotated[Path | None, typer.Option(
    "--db", help="Results database (default: $BUILDPROF_DB, else ./results.db)",
    show_default=False)]
FormatOption = Annotated[str, typer.Option("--format", help="Output format: table or json")]
MultiOption = Annotated[list[str] | None, typer.Option()]
