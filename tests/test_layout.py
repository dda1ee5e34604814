"""The layers keep to themselves: SQL only in profiler/storage/, typer only in the CLI,
rich only where things are drawn (profiler/cli/ and profiler/report/).

Read from the source text, so a new module is checked the day it is added.
"""

from __future__ import annotations

import re
from pathlib import Path

PROFILER = Path(__file__).resolve().parents[1] / "profiler"

# What only the storage layer may do: run SQL or hold a connection.
SQL_USE = re.compile(r"\.execute(many|script)?\(|\.conn\b|\bsqlite3\.connect\(|"
                     r"^\s*(import|from)\s+(sqlite3|sqlite_utils)\b", re.MULTILINE)


def _modules() -> dict[str, str]:
    return {p.relative_to(PROFILER).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(PROFILER.rglob("*.py"))}


def _importers(package: str) -> set[str]:
    pattern = re.compile(rf"^\s*(import|from)\s+{package}\b", re.MULTILINE)
    return {name for name, text in _modules().items() if pattern.search(text)}


def test_sql_runs_only_in_storage() -> None:
    """Commands, the session and the analyses read through ResultsDB's methods."""
    offenders = {}
    for name, text in _modules().items():
        if name.startswith("storage/"):
            continue
        found = [text.count("\n", 0, m.start()) + 1 for m in SQL_USE.finditer(text)]
        if found:
            offenders[name] = found
    assert offenders == {}, f"SQL or a connection outside profiler/storage/ (lines): {offenders}"


def test_typer_only_in_the_cli() -> None:
    assert {n for n in _importers("typer") if not n.startswith("cli/")} == set()


def test_rich_only_in_the_cli_and_the_reports() -> None:
    assert {n for n in _importers("rich") if not n.startswith(("cli/", "report/"))} == set()


def test_the_checks_see_what_they_look_for() -> None:
    """The patterns match the code they are meant to refuse (a check that can never
    fire proves nothing)."""
    assert SQL_USE.search("    store.db.execute('SELECT 1')")
    assert SQL_USE.search("rows = queries.fetch_runs(results.db.conn, f)")
    assert SQL_USE.search("import sqlite3\n")
    assert not SQL_USE.search("store.history_cells(filters)  # connection-free")
    assert "cli/main.py" in _importers("typer")
    assert "report/breakdown.py" in _importers("rich")


def test_only_the_cli_uses_the_renderers() -> None:
    """report/ only renders: the analyses, storage and the session never import it."""
    users = {n for n in _importers(r"profiler\.report") if not n.startswith(("cli/", "report/"))}
    assert users == set()
    assert "cli/report.py" in _importers(r"profiler\.report")


def test_no_module_is_too_long_to_hold_in_your_head() -> None:
    lengths = {n: t.count("\n") for n, t in _modules().items()}
    assert {n: k for n, k in lengths.items() if k > 700} == {}
    assert max(lengths.values()) > 100  # the count is of real files
