"""Rows from another results file (`merge`) or the team store (`pull`) are checked
before anything is written: a wrong row would otherwise reach every reader of the
history, where a time that is text, infinite or negative, an unknown scenario or a
successful run without a time breaks a summary, or is counted as a run.

Each column is checked by its type in the destination's schema: numbers finite and,
apart from an exit code, not negative; text as text, never bytes. The closed sets
(scenario, profile, status) come from profiler.model.vocabulary. The first wrong
value refuses the whole source with one line naming table, row and column."""

from __future__ import annotations

import math
import re
import sqlite3
from typing import Any

from profiler.errors import DatabaseError
from profiler.model import vocabulary as v

SIGNED = {("runs", "exit_code"), ("tree_samples", "t_s")}  # a signal; a sample just before
ENUMS: dict[tuple[str, str], tuple[Any, ...]] = {
    ("runs", "scenario"): v.SCENARIOS, ("runs", "profile"): v.PROFILES,
    ("runs", "status"): v.RUN_STATUSES, ("runs", "warmup"): (0, 1),
    ("sessions", "status"): v.SESSION_STATUSES,
    ("load_runs", "status"): v.LOAD_STATUSES, ("load_runs", "profile"): v.PROFILES,
    ("load_runs", "scenario"): v.LOAD_SCENARIOS, ("units", "critical"): (0, 1, None),
}
REQUIRED = {"runs": ("uuid", "session_id", "project_id", "scenario", "profile", "status"),
            "load_runs": ("uuid", "session_id", "project_id", "status"),
            "sessions": ("uuid",), "projects": ("lang", "name", "content_hash", "path"),
            "machines": ("id",), "toolchains": ("id",), "units": ("run_id", "name"),
            "tree_samples": ("run_id",)}
LANG = re.compile(r"[a-z][a-z0-9_+-]{0,31}")


def _types(conn: sqlite3.Connection, table: str) -> dict[str, str]:
    return {r[1]: (r[2] or "").upper() for r in conn.execute(f"PRAGMA table_info({table})")}


def _wrong(table: str, column: str, kind: str, value: Any) -> str | None:
    """Why `value` does not belong in `column`, or None."""
    if isinstance(value, bytes | bytearray | memoryview):
        return "bytes, not a value of a results file"
    enum = ENUMS.get((table, column))
    if enum is not None:
        return None if value in enum or (value is None and column != "status") else (
            f"not one of {', '.join(str(e) for e in enum if e is not None)}")
    if value is None:
        return None
    if kind in ("REAL", "INTEGER", "FLOAT"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "not a number"
        if not math.isfinite(value):
            return "not a finite number"
        if value < 0 and (table, column) not in SIGNED:
            return "a negative number (times, sizes and counts are ≥ 0)"
        return None
    if not isinstance(value, str | int | float):
        return "not text"
    if table == "projects" and column == "lang" and not LANG.fullmatch(str(value)):
        return "not a language name"
    return None


def check(conn: sqlite3.Connection, tables: dict[str, list[dict[str, Any]]], source: str
          ) -> None:
    """Refuse the source (DatabaseError) at the first row that does not fit."""
    for table, rows in tables.items():
        types = _types(conn, table)
        for row in rows:
            where = f"row {row.get('id', '?')}" if "id" in row else "a row"
            for column in REQUIRED.get(table, ()):
                if row.get(column) is None:
                    raise DatabaseError(f"{source}: table {table}, {where} has no {column}; "
                                        f"it is refused and nothing was added")
            for column, value in row.items():
                if column not in types:
                    continue  # a column this schema lacks is not written
                why = _wrong(table, column, types[column], value)
                if why:
                    shown = repr(value) if not isinstance(value, str) else repr(value[:40])
                    raise DatabaseError(f"{source}: table {table}, {where}, column {column} "
                                        f"holds {shown}: {why}; it is refused and nothing "
                                        f"was added")
            if table == "runs" and row.get("status") == "ok" and row.get("wall_s") is None:
                raise DatabaseError(f"{source}: table runs, {where} is a successful run "
                                    f"without a wall time; it is refused and nothing was "
                                    f"added")
