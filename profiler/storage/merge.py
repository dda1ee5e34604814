"""`buildprof merge A.db B.db … --into C.db`: many result files into one, nothing twice.

Identity rules (the same a shared store uses):
- machines and toolchains by their ids, which are fingerprints (of hostname, CPU,
  memory and OS; of language, version text and path): the same on every file;
- projects by their natural key: language, name, content hash and path;
- sessions and runs by their global ids (`uuid`, profiler.storage.identity); a
  source older than schema 6, read without migrating it, gets the ids the
  migration would give it;
- units and RSS samples travel with their run;
- load runs (`buildprof payoff`'s rounds, table load_runs) by their `uuid`, their
  session, project, toolchain and machine mapped as a run's are. A source older
  than schema 7 has no load_runs table: it has no load runs to add.

A source is read in full first, then written in one transaction: an error leaves
the destination as it was. Integer ids are the destination's own; every reference
is mapped through the natural keys above.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from profiler.storage import identity
from profiler.storage.units import fill

# Referenced tables first (the shared store creates them in this order).
TABLES = ("machines", "toolchains", "projects", "sessions", "runs", "units", "tree_samples",
          "load_runs")
# How a row is recognised in another file or store (machines and toolchains: their ids).
NATURAL_KEYS = {"projects": ("lang", "name", "content_hash", "path"), "sessions": ("uuid",),
                "runs": ("uuid",), "load_runs": ("uuid",)}
# What identifies a load run recorded without a uuid (none should be: schema 7 gave
# every load run one when recorded); with its session's uuid and project's content hash.
LOAD_RUN_FIELDS = ("session_uuid", "machine_id", "toolchain_id", "content_hash", "connections",
                   "round", "started", "status", "requests", "requests_per_s")


@dataclass
class Snapshot:
    """Every row of a results file, as dicts, with sessions' and runs' uuids set."""

    path: Path
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class Counts:
    """What a merge added, and what the destination already had."""

    added: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    had: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))

    def __iadd__(self, other: Counts) -> Counts:
        for t in TABLES:
            self.added[t] += other.added[t]
            self.had[t] += other.had[t]
        return self

    def text(self) -> str:
        new = ", ".join(f"{self.added[t]} {t.replace('_', ' ')}"
                        for t in ("sessions", "runs", "load_runs", "projects", "machines",
                                  "toolchains") if self.added[t])
        old = f"{self.had['sessions']} sessions and {self.had['runs']} runs"
        if self.had["load_runs"]:
            old = (f"{self.had['sessions']} sessions, {self.had['runs']} runs and "
                   f"{self.had['load_runs']} load runs")
        return f"added {new or 'nothing'}; {old} already there"


def _rows(conn: sqlite3.Connection, table: str) -> list[dict[str, Any]]:
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                          [table]).fetchone()
    if not exists:
        return []  # an older schema: no RSS series, say
    cur = conn.execute(f"SELECT * FROM {table}")  # noqa: S608 (a fixed table name)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur]


def snapshot(conn: sqlite3.Connection, path: Path) -> Snapshot:
    """Read a results file (any schema this buildprof knows) in full."""
    snap = Snapshot(path, {t: _rows(conn, t) for t in TABLES})
    for s in snap.tables["sessions"]:
        if not s.get("uuid"):
            s["uuid"] = identity.session_uuid(s)
    sessions = {s["id"]: s["uuid"] for s in snap.tables["sessions"]}
    hashes = {p["id"]: p["content_hash"] for p in snap.tables["projects"]}
    for r in snap.tables["runs"]:
        if not r.get("uuid"):
            r["uuid"] = identity.run_uuid({**r, "session_uuid": sessions.get(r["session_id"]),
                                           "content_hash": hashes.get(r["project_id"])})
    for r in snap.tables["load_runs"]:
        if not r.get("uuid"):
            r["uuid"] = load_run_uuid({**r, "session_uuid": sessions.get(r["session_id"]),
                                       "content_hash": hashes.get(r["project_id"])})
    return snap


def load_run_uuid(row: dict[str, Any]) -> str:
    """A name-based id for a load run that has none (see LOAD_RUN_FIELDS)."""
    text = "|".join(f"{f}={row.get(f)!r}" for f in LOAD_RUN_FIELDS)
    return str(uuid.uuid5(identity.NAMESPACE, f"load_run|{text}"))


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def _insert(conn: sqlite3.Connection, table: str, row: dict[str, Any], cols: set[str],
            ignore: bool = False) -> int:
    # Machines and toolchains keep their ids (fingerprints); other ids are the file's own.
    keep_id = table in ("machines", "toolchains")
    keys = [k for k in row if k in cols and (keep_id or k != "id")]
    verb = "INSERT OR IGNORE" if ignore else "INSERT"
    cur = conn.execute(f"{verb} INTO {table} ({', '.join(keys)}) "
                       f"VALUES ({', '.join('?' * len(keys))})", [row[k] for k in keys])
    return int(cur.lastrowid or 0) if cur.rowcount else 0


def write(conn: sqlite3.Connection, snap: Snapshot) -> Counts:
    """Add the snapshot's rows that `conn` (a migrated results file) lacks, in the
    caller's transaction."""
    from profiler.storage.check import check

    check(conn, snap.tables, "the team store" if str(snap.path) == "postgresql" else
          str(snap.path))
    counts = Counts()
    cols = {t: _columns(conn, t) for t in TABLES}
    for table in ("machines", "toolchains"):
        for row in snap.tables[table]:
            added = _insert(conn, table, row, cols[table], ignore=True)
            counts.added[table] += bool(added)
            counts.had[table] += not added
    projects = {p["id"]: _find_or_add(conn, "projects", p, cols["projects"], counts)
                for p in snap.tables["projects"]}
    sessions = {s["id"]: _find_or_add(conn, "sessions", s, cols["sessions"], counts)
                for s in snap.tables["sessions"]}
    known = {u for (u,) in conn.execute("SELECT uuid FROM runs WHERE uuid IS NOT NULL")}
    children = {t: _by_run(snap.tables[t]) for t in ("units", "tree_samples")}
    for r in snap.tables["runs"]:
        if r["uuid"] in known:
            counts.had["runs"] += 1
            continue
        run_id = _insert(conn, "runs", {**r, "session_id": sessions[r["session_id"]],
                                        "project_id": projects[r["project_id"]]}, cols["runs"])
        known.add(r["uuid"])
        counts.added["runs"] += 1
        for table, by_run in children.items():
            for child in by_run.get(r["id"], ()):
                _insert(conn, table, {**child, "run_id": run_id}, cols[table])
                counts.added[table] += 1
    known = {u for (u,) in conn.execute("SELECT uuid FROM load_runs WHERE uuid IS NOT NULL")}
    for r in snap.tables.get("load_runs", ()):
        if r["uuid"] in known:
            counts.had["load_runs"] += 1
            continue
        _insert(conn, "load_runs", {**r, "session_id": sessions[r["session_id"]],
                                    "project_id": projects[r["project_id"]]},
                cols["load_runs"])
        known.add(r["uuid"])
        counts.added["load_runs"] += 1
    fill(conn)  # units of a file or store written before schema 9: their path's order
    return counts


def _find_or_add(conn: sqlite3.Connection, table: str, row: dict[str, Any], cols: set[str],
                 counts: Counts) -> int:
    """The id of the row with `row`'s natural key in `conn`, added when missing."""
    key = NATURAL_KEYS[table]
    found = conn.execute(f"SELECT id FROM {table} WHERE {' AND '.join(f'{k} = ?' for k in key)}",
                         [row[k] for k in key]).fetchone()
    if found:
        counts.had[table] += 1
        return int(found[0])
    counts.added[table] += 1
    return _insert(conn, table, row, cols)


def _by_run(rows: Iterable[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row["run_id"], []).append(row)
    return out
