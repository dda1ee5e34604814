"""Options shared by several commands, defined once.

The filter options (`--lang` to `--since`) are one set that `history`, `compare`,
`export` and `report` share, as sqlite-utils' `output_options` decorator gives its
commands one set of output options: a command names a parameter `select:
FilterOptions` where the options stand in its --help, `@filter_options()` puts them
there, and the command reads them with `select.filters()`.
"""

from __future__ import annotations

import functools
import inspect
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup, TyperOption

from profiler.errors import UsageError
from profiler.languages import langs
from profiler.paths import default_db
from profiler.scenarios.definitions import PROFILES, SCENARIOS, check_names, split_values

# Every command module imports this one to declare its options, so `buildprof --help`
# loads it: the storage modules (sqlite_utils, which loads numpy, and psutil) are
# imported where a command reads the database, not here.
if TYPE_CHECKING:
    from profiler.model.filters import Filters
    from profiler.storage.db import ResultsDB


class QuickHelpGroup(TyperGroup):
    """A command group whose --help flag defaults to False.

    typer's help flag has no default, so a group's unused flag (the root's, on
    `buildprof run --help`; the root's and `cache`'s, on `buildprof cache info
    --help`) arrives as None, and typer converts anything but a bool through a
    pydantic TypeAdapter: pydantic, the largest import of `COMMAND --help`, would
    load for nothing. typer passes a bool through as it is."""

    def get_help_option(self, ctx: typer.Context) -> TyperOption | None:
        option = super().get_help_option(ctx)
        if option is not None and option.default is None:
            option.default = False
        return option


DB_HELP = "Results database (default: $BUILDPROF_DB, else ./results.db)"
DbOption = Annotated[Path | None, typer.Option("--db", help=DB_HELP, show_default=False)]
ForceOption = Annotated[bool, typer.Option(
    "--force", help="Write the output file even over an SQLite file (a results database)")]
LabelOption = Annotated[str | None, typer.Option(help="A label stored with the session",
                                                 show_default=False)]

# The largest integer SQLite stores; a larger id or limit makes sqlite3 raise OverflowError.
SQLITE_MAX_INT = 2**63 - 1

# -- the filter options ------------------------------------------------------------------


def _values(*decls: str, help: str) -> Any:
    """A filter option that takes values, repeated or comma-separated."""
    return Annotated[list[str] | None, typer.Option(*decls, help=help, show_default=False)]


# In the order --help lists them.
FILTER_OPTIONS: dict[str, Any] = {
    "lang": _values("--lang", help=f"Language(s): {', '.join(langs())}"),
    "project": _values("--project", "--size", help="Project name(s); graded samples are "
                                                   "named by size (tiny, small, …)"),
    "scenario": _values("--scenario", help=f"Scenario(s): {', '.join(SCENARIOS)}"),
    "profile": _values("--profile", help=f"Profile(s): {', '.join(PROFILES)}"),
    "toolchain": _values("--toolchain", help="Toolchain(s): go@1.26.8, rust@nightly, or a "
                                             "version such as 1.26.8"),
    "label": _values("--label", help="Session label(s) given to `buildprof run --label`"),
    "machine": _values("--machine", help="Machine(s): hostname or id prefix"),
    "since": Annotated[str | None, typer.Option(
        "--since", help="Sessions started on or after this ISO date (UTC), e.g. 2026-05-01",
        show_default=False)],
}


@dataclass(frozen=True)
class FilterOptions:
    """The filter options as given: values repeated or comma-separated; None: any."""

    lang: list[str] | None = None
    project: list[str] | None = None
    scenario: list[str] | None = None
    profile: list[str] | None = None
    toolchain: list[str] | None = None
    label: list[str] | None = None
    machine: list[str] | None = None
    since: str | None = None

    def filters(self) -> Filters:
        """As model.filters.Filters; UsageError for a --since that is not an ISO date,
        and for a language, scenario or profile buildprof does not know (the storage
        layer refuses names that match nothing recorded)."""
        from profiler.model.filters import Filters, parse_since

        since = parse_since(self.since)
        check_names("language", split_values(self.lang), langs())
        check_names("scenario", split_values(self.scenario), list(SCENARIOS))
        check_names("profile", split_values(self.profile), list(PROFILES))
        return Filters(langs=tuple(split_values(self.lang)),
                       projects=tuple(split_values(self.project)),
                       scenarios=tuple(split_values(self.scenario)),
                       profiles=tuple(split_values(self.profile)),
                       toolchains=tuple(split_values(self.toolchain)),
                       labels=tuple(split_values(self.label)),
                       machines=tuple(split_values(self.machine)), since=since)


# The default of a command's FilterOptions parameter: no filter (the decorator puts the
# options in its place, so the command always receives what was given).
UNFILTERED = FilterOptions()

Command = TypeVar("Command", bound=Callable[..., Any])


def filter_options(*, without: tuple[str, ...] = ()) -> Callable[[Command], Command]:
    """Give a command the filter options (all but `without`) where its parameter
    annotated FilterOptions stands; the command receives them there as one
    FilterOptions. typer reads a command's parameters from its signature, so the
    decorated command shows its new signature and takes the options' values."""
    names = [n for n in FILTER_OPTIONS if n not in without]

    def decorate(command: Command) -> Command:
        signature = inspect.signature(command, eval_str=True)
        (slot,) = [p for p in signature.parameters.values() if p.annotation is FilterOptions]
        params: list[inspect.Parameter] = []
        for p in signature.parameters.values():
            params += [inspect.Parameter(n, p.kind, default=None, annotation=FILTER_OPTIONS[n])
                       for n in names] if p is slot else [p]

        @functools.wraps(command)
        def with_filters(*args: Any, **kwargs: Any) -> Any:
            given = {n: kwargs.pop(n) for n in names if n in kwargs}
            return command(*args, **kwargs, **{slot.name: FilterOptions(**given)})

        new = signature.replace(parameters=params)
        with_filters.__signature__ = new  # type: ignore[attr-defined]
        with_filters.__annotations__ = {p.name: p.annotation for p in params}
        return with_filters  # type: ignore[return-value]

    return decorate


# -- checks and the read-only database -------------------------------------------------

def check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        raise UsageError(f"unknown format '{fmt}'; use one of: {', '.join(allowed)}")
    return fmt


def format_option(*formats: str, help: str | None = None, **option: Any) -> Any:
    """The --format option of a command that writes `formats`: one declaration for every
    command, its help (by default, the formats named), and one check, made as the
    option is read (a wrong one is one `Error:` line listing the command's formats)."""
    def check(value: str | None) -> str | None:
        return None if value is None else check_format(value, formats)

    text = help or f"Output format: {', '.join(formats[:-1])} or {formats[-1]}"
    return Annotated[str | None, typer.Option("--format", help=text, callback=check, **option)]


def parse_runs(text: str, option: str = "--runs") -> int | None:
    """A number of timed runs per cell (at least 1), or None for `auto`."""
    if text == "auto":
        return None
    n = parse_whole(text.removeprefix("-"))
    if n is None:
        raise UsageError(f"{option} takes a whole number or 'auto' (got '{text}')")
    if text.startswith("-") or n < 1:
        raise UsageError(f"{option} must be at least 1 (got {text})")
    return n


def check_limit(limit: int) -> int | None:
    """--limit as a number of rows, None for all (0, or more than SQLite can count)."""
    if limit < 0:
        raise UsageError(f"--limit must be 0 (all) or more (got {limit})")
    return min(limit, SQLITE_MAX_INT) or None


@contextmanager
def reading(db: Path | None, filters: Filters | None = None) -> Iterator[ResultsDB]:
    """The results database opened read-only (SQLite `mode=ro`): the commands that
    only read never write, and work on a file the user cannot write. `filters` are
    checked against what is recorded first. Closing also removes the WAL side files
    the open made."""
    from profiler.storage.db import ResultsDB

    with ResultsDB.open(db or default_db(), readonly=True) as store:
        if filters is not None:
            store.check_filters(filters)
        yield store


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


def show(fmt: str, result: Any, *, as_dict: Callable[[Any], Any],
         markdown: Callable[[Any, Any], None], terminal: Callable[[Any, Any], None]) -> None:
    """Write a command's result on stdout in the format asked for: JSON (`as_dict`,
    through the one JSON writer), Markdown, or the terminal's tables."""
    if fmt == "json":
        from profiler.report.writers import write_json

        write_json(as_dict(result), sys.stdout)
    elif fmt == "markdown":
        markdown(result, sys.stdout)
    else:
        from profiler.report.console import make_console

        terminal(result, make_console())
