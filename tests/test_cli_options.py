"""The options `history`, `compare`, `export` and `report` share are declared once
(profiler.cli.options): the same flags, help and order in each command, read into one
Filters the same way."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from profiler.cli.main import app
from profiler.cli.options import (
    FILTER_OPTIONS,
    UNFILTERED,
    FilterOptions,
    check_limit,
    filter_options,
    reading,
)
from profiler.errors import DatabaseError, UsageError
from profiler.model.filters import Filters
from profiler.storage.db import ResultsDB


def _params(command: str) -> list[tuple[str, tuple[str, ...], str | None]]:
    cmd = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    return [(p.name, tuple(p.opts), getattr(p, "help", None)) for p in cmd.params]


def _declared(without: tuple[str, ...]) -> list[tuple[str, tuple[str, ...], str | None]]:
    """The filter options as filter_options gives them to a command, as click sees them."""

    @filter_options(without=without)
    def probe(select: FilterOptions = UNFILTERED) -> None:
        pass

    one = typer.Typer(add_completion=False)
    one.command()(probe)
    return [(p.name, tuple(p.opts), getattr(p, "help", None))
            for p in typer.main.get_command(one).params]


@pytest.mark.parametrize(("command", "without"), [
    ("history", ()), ("export", ()), ("report", ()), ("compare", ("toolchain", "label"))])
def test_the_filter_options_are_one_declaration(command: str, without: tuple[str, ...]
                                                ) -> None:
    names = [n for n in FILTER_OPTIONS if n not in without]
    declared = _declared(without)
    assert [p[0] for p in declared] == names
    params = _params(command)
    start = [p[0] for p in params].index(names[0])
    assert params[start:start + len(names)] == declared  # flags, help and order
    assert not {p[0] for p in params} & set(without)


def test_filter_options_read_into_filters() -> None:
    got = FilterOptions(lang=["go,rust"], project=["tiny", "small"], scenario=["clean"],
                        profile=None, toolchain=["go@1.26.8"], label=["a,b"],
                        machine=["host"], since="2026-05-01T14:00+02:00").filters()
    assert got == Filters(langs=("go", "rust"), projects=("tiny", "small"),
                          scenarios=("clean",), toolchains=("go@1.26.8",), labels=("a", "b"),
                          machines=("host",), since="2026-05-01T12:00:00")
    assert FilterOptions().filters() == Filters()
    with pytest.raises(UsageError, match=r"^--since takes an ISO date .* \(got 'soon'\)$"):
        FilterOptions(since="soon").filters()


def test_check_limit() -> None:
    assert [check_limit(n) for n in (0, 1, 50, 2**70)] == [None, 1, 50, 2**63 - 1]
    with pytest.raises(UsageError, match=r"^--limit must be 0 \(all\) or more \(got -1\)$"):
        check_limit(-1)


def test_reading_checks_the_filters_and_closes(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    db = ResultsDB.open(path)
    db.ensure_project("tiny", "go", "sample:tiny", "tiny", "a" * 64, 1, 1)
    db.close()
    with reading(path, Filters(projects=("tiny",))) as store:
        assert store.counts() == (0, 0)
    assert not Path(f"{path}-wal").exists()
    with pytest.raises(UsageError, match="^no project named 'small' in the database; "
                                         "recorded: tiny$"), \
            reading(path, Filters(projects=("small",))):
        pass
    with pytest.raises(DatabaseError, match=f"^{tmp_path / 'none.db'} does not exist"), \
            reading(tmp_path / "none.db"):
        pass


def test_what_a_run_compares_decides_its_default_runs() -> None:
    from profiler.cli.run import compared_sides

    assert compared_sides([], [], []) is None
    assert compared_sides(["main"], ["go", "rust"], [4]) is None  # one side each
    assert compared_sides(["main", "main"], [], []) is None  # the same revision twice
    assert compared_sides(["main", "HEAD"], [], []) == "2 revisions"
    assert compared_sides([], ["go@1.25.5", "go@1.26.8", "rust"], []) == "2 go toolchains"
    assert compared_sides(["a", "b"], [], [1, 2, 2]) == "2 revisions and 2 --jobs values"
