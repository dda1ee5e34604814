"""The SQL behind `history`, `compare` and `export`: filters, cells, runs.

A *cell* is project (name, language, content hash) × scenario × edit × profile ×
jobs × toolchain; `history` and `export` show one row per session and cell.

Every filter is a condition on `runs` alone: the small tables (projects,
toolchains, sessions, machines) are reached through `IN (subquery)`, so SQLite
can walk the runs index `(session_id, project_id, toolchain_id, scenario, edit,
profile, jobs)` newest session first and stop after `--limit` cells instead of
grouping the whole history (see migrations._v2 and bench/history_bench.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from profiler.errors import UsageError
from profiler.model.cells import BASELINE, CellSummary
from profiler.model.filters import Filters
from profiler.model.loads import LoadSummary, summarize_load

GROUP_COLUMNS = ("session_id", "project_id", "toolchain_id", "scenario", "edit", "profile",
                 "jobs", "variant")


def _variant_expr(conn: sqlite3.Connection) -> str:
    """`r.variant`, or the constant 'baseline' in a database read (not migrated)
    before schema 8, where every run is one."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(runs)")}
    return "r.variant" if "variant" in have else f"'{BASELINE}'"


def origin_columns(conn: sqlite3.Connection) -> str:
    """`t.provenance, t.source` of table toolchains (as `t`), or NULLs in a database
    read (not migrated) before schema 12, which did not record them."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(toolchains)")}
    return ("t.provenance, t.source" if "provenance" in have else
            "NULL AS provenance, NULL AS source")


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def _toolchain_match(value: str) -> tuple[str, list[Any]]:
    """SQL (on table toolchains) matching a spec, `lang@version`, a version or a language."""
    if "@" in value:
        lang, _, version = value.partition("@")
        return "(spec = ? OR (lang = ? AND version = ?))", [value, lang, version]
    return "(spec = ? OR version = ? OR lang = ?)", [value, value, value]


def _machine_match(value: str) -> tuple[str, list[Any]]:
    return "(substr(id, 1, ?) = ? OR hostname = ?)", [len(value), value, value]


def _rev_match(value: str, alias: str = "r") -> tuple[str, list[Any]]:
    """SQL (on runs) matching a revision: the name given to `run --rev`, or, for 4 or
    more hex digits, a prefix of the commit it resolved to."""
    if len(value) >= 4 and all(ch in "0123456789abcdefABCDEF" for ch in value):
        return (f"({alias}.rev = ? OR substr({alias}.commit_hash, 1, ?) = ?)",
                [value, len(value), value.lower()])
    return f"{alias}.rev = ?", [value]


def _any_of(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    return f"{column} IN ({_marks(values)})", list(values)


def _within(column: str, table: str, parts: list[tuple[str, list[Any]]], joiner: str
            ) -> tuple[str, list[Any]]:
    """`column IN (SELECT id FROM table WHERE part joiner part …)`, with the parts' values."""
    return (f"{column} IN (SELECT id FROM {table} WHERE {joiner.join(c for c, _ in parts)})",
            [x for _, values in parts for x in values])


def where(f: Filters, alias: str = "r") -> tuple[str, list[Any]]:
    """The WHERE conditions (joined with AND, "1" when none) on `runs AS alias`."""
    conds: list[tuple[str, list[Any]]] = []  # each with its parameters
    project = [_any_of(col, v) for col, v in (("lang", f.langs), ("name", f.projects)) if v]
    if project:
        conds.append(_within(f"{alias}.project_id", "projects", project, " AND "))
    conds += [_any_of(f"{alias}.{col}", v)
              for col, v in (("scenario", f.scenarios), ("profile", f.profiles)) if v]
    if f.toolchains:
        conds.append(_within(f"{alias}.toolchain_id", "toolchains",
                             [_toolchain_match(v) for v in f.toolchains], " OR "))
    if f.machines:
        conds.append(_within(f"{alias}.machine_id", "machines",
                             [_machine_match(v) for v in f.machines], " OR "))
    session = [_any_of("label", f.labels)] if f.labels else []
    session += [("started >= ?", [f.since])] if f.since else []
    if session:
        conds.append(_within(f"{alias}.session_id", "sessions", session, " AND "))
    if f.sessions:
        conds.append(_any_of(f"{alias}.session_id", f.sessions))
    if f.revs:
        parts = [_rev_match(v, alias) for v in f.revs]
        conds.append((f"({' OR '.join(c for c, _ in parts)})", [x for _, v in parts for x in v]))
    return (" AND ".join(c for c, _ in conds) or "1"), [x for _, values in conds for x in values]


def check_filters(conn: sqlite3.Connection, f: Filters) -> None:
    """Refuse names that match nothing recorded, listing what is there: a typo
    should not look like an empty history. (Languages, scenarios and profiles are
    checked against what buildprof knows when the filters are read from the command
    line: profiler.cli.options.FilterOptions.filters.)"""

    def known(sql: str) -> list[str]:
        return [str(r[0]) for r in conn.execute(sql) if r[0] is not None]

    def check(values: tuple[str, ...], table: str,
              match: Callable[[str], tuple[str, list[Any]]],
              recorded: Callable[[], list[str]], message: str) -> None:
        for value in values:
            cond, params = match(value)
            if not conn.execute(f"SELECT 1 FROM {table} WHERE {cond}", params).fetchone():
                raise UsageError(message.format(value=value,
                                                have=", ".join(recorded()) or "none"))

    check(f.projects, "projects", lambda v: ("name = ?", [v]),
          lambda: known("SELECT DISTINCT name FROM projects ORDER BY name"),
          "no project named '{value}' in the database; recorded: {have}")
    check(f.toolchains, "toolchains", _toolchain_match,
          lambda: known("SELECT DISTINCT spec FROM toolchains ORDER BY spec"),
          "no recorded run used toolchain '{value}'; recorded: {have}")
    check(f.labels, "sessions", lambda v: ("label = ?", [v]),
          lambda: known("SELECT DISTINCT label FROM sessions ORDER BY label"),
          "no session is labelled '{value}'; labels: {have} (set one with `buildprof run "
          "--label`)")
    check(f.machines, "machines", _machine_match,
          lambda: [f"{h} ({i[:8]})" for i, h in
                   conn.execute("SELECT id, hostname FROM machines ORDER BY hostname")],
          "no machine matches '{value}' (give a hostname or an id prefix); recorded: {have}")


# -- cells ---------------------------------------------------------------------------


def latest_cells(conn: sqlite3.Connection, f: Filters, limit: int | None) -> list[tuple]:
    """Keys (GROUP_COLUMNS) of the newest session × cell groups with timed runs,
    newest session first."""
    cond, params = where(f)
    exprs = [f"r.{c}" if c != "variant" else _variant_expr(conn) for c in GROUP_COLUMNS]
    cols = ", ".join(exprs)
    # Every ORDER BY term descending, in index order: SQLite then reads the runs
    # index backwards and stops after LIMIT groups.
    order = ", ".join(f"{e} DESC" for e in exprs)
    sql = (f"SELECT {cols} FROM runs r WHERE r.warmup = 0 AND {cond} "
           f"GROUP BY {cols} ORDER BY {order}")
    if limit:
        sql += " LIMIT ?"
        params = [*params, limit]
    return [tuple(row) for row in conn.execute(sql, params)]


_RUN_COLUMNS = ("id", "session_id", "project_id", "toolchain_id", "machine_id", "scenario",
                "edit", "profile", "jobs", "iteration", "warmup", "started", "status",
                "wall_s", "user_s", "sys_s", "cpu_util", "peak_rss_bytes",
                "tree_peak_rss_bytes", "processes", "exit_code", "artifact_bytes",
                "rebuilt_units", "command")


def _run_columns(conn: sqlite3.Connection) -> list[str]:
    """The columns read from runs; the later ones only where the schema has them."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(runs)")}
    return [c for c in (*_RUN_COLUMNS, "disturbed", "rev", "commit_hash", "variant",
                        "commit_order", "commit_date", "commit_subject", "repo",
                        "stderr_tail")
            if c in have]


def _rows(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def project_column(conn: sqlite3.Connection, name: str) -> str:
    """`p.name` where the projects table has that column, else NULL: a database
    opened read-only is not migrated, so an older schema's may lack a newer column."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(projects)")}
    return f"p.{name}" if name in have else "NULL"


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    """Whether the file has that table (a read-only open of an older schema may not)."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                        [name]).fetchone() is not None


class Lookup:
    """The small tables, read once per query, keyed by id."""

    def __init__(self, conn: sqlite3.Connection, session_ids: Iterable[int] | None = None):
        compiled = project_column(conn, "compiled_loc")
        self.projects = {r["id"]: r for r in _rows(conn.execute(
            f"SELECT id, name, lang, source, path, content_hash, loc, "
            f"{compiled} AS compiled_loc FROM projects p"))}
        self.toolchains = {r["id"]: r for r in _rows(conn.execute(
            "SELECT id, lang, spec, version, path FROM toolchains"))}
        self.machines = {r["id"]: r for r in _rows(conn.execute(
            "SELECT id, hostname, cpu_model, logical_cpus FROM machines"))}
        if session_ids is None:
            sql, params = "SELECT id, started, label, status FROM sessions", []
        else:
            ids = sorted(set(session_ids))
            sql = f"SELECT id, started, label, status FROM sessions WHERE id IN ({_marks(ids)})"
            params = ids
        self.sessions = {r["id"]: r for r in _rows(conn.execute(sql, params))}

    def describe(self, run: dict[str, Any]) -> dict[str, Any]:
        """The run with project, toolchain, machine and session fields added."""
        p = self.projects.get(run["project_id"], {})
        t = self.toolchains.get(run["toolchain_id"], {})
        m = self.machines.get(run["machine_id"], {})
        s = self.sessions.get(run["session_id"], {})
        return {**run, "project": p.get("name"), "lang": p.get("lang"),
                "content_hash": p.get("content_hash"), "loc": p.get("loc"),
                "compiled_loc": p.get("compiled_loc"), "project_path": p.get("path"),
                "toolchain": t.get("spec"), "toolchain_version": t.get("version"),
                "machine": m.get("hostname"), "label": s.get("label"),
                "session_started": s.get("started")}


def fetch_runs(conn: sqlite3.Connection, f: Filters, *, timed_only: bool = True,
               ok_only: bool = False, session_ids: Sequence[int] | None = None,
               newest_first: bool = False, limit: int | None = None) -> list[dict[str, Any]]:
    """Runs matching the filters, each with its project, toolchain, machine and
    session fields (see Lookup.describe)."""
    cond, params = where(f)
    conds = [cond]
    if timed_only:
        conds.append("r.warmup = 0")
    if ok_only:
        conds.append("r.status = 'ok'")
    if session_ids is not None:
        ids = sorted(set(session_ids))
        conds.append(f"r.session_id IN ({_marks(ids)})")
        params += ids
    cols = ", ".join(f"r.{c}" for c in _run_columns(conn))
    sql = (f"SELECT {cols} FROM runs r WHERE {' AND '.join(conds)} "
           f"ORDER BY r.id {'DESC' if newest_first else 'ASC'}")
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    rows = _rows(conn.execute(sql, params))
    look = Lookup(conn, {r["session_id"] for r in rows})
    # A database read before schema 8 has no variant column: every run is a baseline
    # run. A NULL (a row written without it) stays NULL, as the grouping SQL sees it;
    # CellKey.of reads it as the baseline.
    return [look.describe({"variant": BASELINE, **r}) for r in rows]


def fetch_samples(conn: sqlite3.Connection, f: Filters) -> list[dict[str, Any]]:
    """The successful timed runs matching `f`, with just what `compare` needs:
    the cell, machine, toolchain and session, and the measured values."""
    cond, params = where(f)
    sql = ("SELECT r.id, r.session_id, r.machine_id, m.hostname AS machine, p.name AS project, "
           f"p.lang, p.content_hash, t.spec AS toolchain, {origin_columns(conn)}, "
           "r.scenario, r.edit, r.profile, "
           f"r.jobs, {_variant_expr(conn)} AS variant, r.status, r.wall_s, r.user_s, r.sys_s, "
           "r.peak_rss_bytes, r.tree_peak_rss_bytes "
           "FROM runs r JOIN projects p ON p.id = r.project_id "
           "JOIN toolchains t ON t.id = r.toolchain_id "
           "LEFT JOIN machines m ON m.id = r.machine_id "
           f"WHERE r.warmup = 0 AND r.status = 'ok' AND {cond} ORDER BY r.id")
    return _rows(conn.execute(sql, params))






def history_cells(conn: sqlite3.Connection, f: Filters, limit: int | None = 50
                  ) -> list[CellSummary]:
    """The newest `limit` session × cell summaries matching `f`, newest first
    (within a session: project, language, toolchain, scenario, profile, jobs)."""
    keys = latest_cells(conn, f, limit)
    if not keys:
        return []
    wanted = set(keys)
    runs = fetch_runs(conn, f, session_ids=[k[0] for k in keys])
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in runs:
        key = tuple(r[c] for c in GROUP_COLUMNS)
        if key in wanted:
            groups.setdefault(key, []).append(r)
    cells = [CellSummary.of(rows) for rows in groups.values()]
    cells.sort(key=lambda c: (-(c.session or 0), c.key.project or "", c.key.lang or "",
                              c.key.toolchain or "", c.key.scenario, c.key.edit or "",
                              c.key.profile, c.key.jobs or 0, c.key.variant))
    return cells


def session_exists(conn: sqlite3.Connection, session_id: int) -> bool:
    return conn.execute("SELECT 1 FROM sessions WHERE id = ?", [session_id]).fetchone() \
        is not None


def label_exists(conn: sqlite3.Connection, label: str) -> bool:
    return conn.execute("SELECT 1 FROM sessions WHERE label = ?", [label]).fetchone() \
        is not None


def toolchain_exists(conn: sqlite3.Connection, value: str) -> bool:
    sql, params = _toolchain_match(value)
    return conn.execute(f"SELECT 1 FROM toolchains WHERE {sql}", params).fetchone() is not None


def rev_exists(conn: sqlite3.Connection, value: str) -> bool:
    """A run was recorded for that revision (a name given to --rev, or a commit prefix)."""
    if "rev" not in {row[1] for row in conn.execute("PRAGMA table_info(runs)")}:
        return False  # a read-only open of a schema before 5: no revisions recorded
    sql, params = _rev_match(value)
    return conn.execute(f"SELECT 1 FROM runs r WHERE {sql} LIMIT 1", params).fetchone() \
        is not None


def known_revs(conn: sqlite3.Connection) -> list[str]:
    """The recorded revisions, `name (commit prefix)`, for error lines."""
    if "rev" not in {row[1] for row in conn.execute("PRAGMA table_info(runs)")}:
        return []
    return [f"{name} ({commit[:12]})" for name, commit in conn.execute(
        "SELECT DISTINCT rev, commit_hash FROM runs WHERE rev IS NOT NULL ORDER BY rev")]


def known_sides(conn: sqlite3.Connection) -> tuple[list[str], list[str], int]:
    """Recorded toolchain specs, labels and the number of sessions (for error lines)."""
    specs = [r[0] for r in conn.execute("SELECT DISTINCT spec FROM toolchains ORDER BY spec")]
    labels = [r[0] for r in conn.execute(
        "SELECT DISTINCT label FROM sessions WHERE label IS NOT NULL ORDER BY label")]
    n = conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
    return specs, labels, n


# -- the gap report ------------------------------------------------------------------------


def report_rows(conn: sqlite3.Connection, f: Filters, *, all_sessions: bool = False
                ) -> dict[str, Any]:
    """What `buildprof report` analyses (profiler.analysis.gap.build's arguments):
    the timed runs matching `f` (with their project's `source`), their sessions,
    machine and toolchains, and the units of the successful ones.

    Without sessions, labels or a date in `f` (or `all_sessions`), only the latest
    session with matching runs counts. Refuses an empty database, an unknown
    session, a selection that matches nothing, and runs from several machines (the
    verdict is per machine)."""
    if conn.execute("SELECT 1 FROM runs WHERE warmup = 0 LIMIT 1").fetchone() is None:
        raise UsageError("the database holds no timed runs yet; run `buildprof run` "
                         "(e.g. `buildprof run --size tiny,small`) first")
    check_filters(conn, f)
    for sid in f.sessions:
        if not session_exists(conn, sid):
            lo, hi = conn.execute("SELECT min(id), max(id) FROM sessions").fetchone()
            raise UsageError(f"no session {sid}; sessions are numbered {lo} to {hi} "
                             f"(see `buildprof history`)")
    if not (all_sessions or f.sessions or f.labels or f.since):
        cond, params = where(f)
        latest = conn.execute(f"SELECT max(r.session_id) FROM runs r WHERE r.warmup = 0 "
                              f"AND {cond}", params).fetchone()[0]
        if latest is not None:
            f = f.with_(sessions=(latest,))
    runs = fetch_runs(conn, f, timed_only=True)
    if not runs:
        raise UsageError("no timed runs match these filters; loosen them or choose the "
                         "session with --session N (see `buildprof history`)")
    # The project's source, and its path: a real pair's exact published spec.
    where_from = {i: (src, path) for i, src, path in
                  conn.execute("SELECT id, source, path FROM projects")}
    runs = [{**r, "source": where_from.get(r["project_id"], (None, None))[0],
             "project_path": where_from.get(r["project_id"], (None, None))[1]} for r in runs]
    machine_ids = sorted({r["machine_id"] for r in runs})
    if len(machine_ids) > 1:
        hosts = dict(conn.execute("SELECT id, hostname FROM machines").fetchall())
        names = ", ".join(f"{hosts.get(m, '?')} ({m[:8]})" for m in machine_ids)
        raise UsageError(f"the selected runs come from {len(machine_ids)} machines ({names}); "
                         f"the verdict is per machine: choose one with --machine")
    machine = _rows(conn.execute("SELECT * FROM machines WHERE id = ?", machine_ids))
    session_ids = sorted({r["session_id"] for r in runs})
    sessions = _rows(conn.execute(
        f"SELECT id, started, ended, status, label, command_line FROM sessions "
        f"WHERE id IN ({_marks(session_ids)}) ORDER BY id", session_ids))
    tc_ids = sorted({r["toolchain_id"] for r in runs})
    toolchains = _rows(conn.execute(
        f"SELECT id, lang, spec, version, version_full, path FROM toolchains "
        f"WHERE id IN ({_marks(tc_ids)}) ORDER BY lang, spec", tc_ids))
    run_ids = [r["id"] for r in runs if r["status"] == "ok"]
    units: list[dict[str, Any]] = []
    for i in range(0, len(run_ids), 500):  # SQLite's bound-parameter limit
        chunk = run_ids[i:i + 500]
        units += _rows(conn.execute(
            f"SELECT run_id, name, kind, start_s, end_s, wall_s, cpu_s, peak_rss_bytes, "
            f"critical FROM units WHERE run_id IN ({_marks(chunk)})", chunk))
    return {"runs": runs, "sessions": sessions, "machine": machine[0] if machine else {},
            "toolchains": toolchains, "units": units}


def own_project_runs(conn: sqlite3.Connection, f: Filters, name: str, lang: str,
                     machine_id: str | None = None, sample: bool = False
                     ) -> list[dict[str, Any]]:
    """Every timed run (any status) of the user's own project `name` in `lang` that
    matches `f` (its project and language filters aside), from every session and
    every content of the project, oldest first; each with the fields of fetch_runs
    and its project's `source` and `project_path`. `machine_id`: that machine only.

    The report's trend, units and tune results of a project read these, not
    report_rows' selection, which is one session by default. A sample that happens
    to share the name (source `sample:…`) is not the user's project and is left out.
    `sample`: the runs of the sample `name` instead (one measured in one language
    only stands alone in the report too), and no project of the user's."""
    cond, params = where(f.with_(projects=(), langs=()))
    kind = ("substr(source, 1, 7) = 'sample:'" if sample
            else "(source IS NULL OR substr(source, 1, 7) <> 'sample:')")
    conds = [cond, "r.warmup = 0",
             f"r.project_id IN (SELECT id FROM projects WHERE name = ? AND lang = ? AND {kind})"]
    params = [*params, name, lang]
    if machine_id is not None:
        conds.append("r.machine_id = ?")
        params.append(machine_id)
    cols = ", ".join(f"r.{c}" for c in _run_columns(conn))
    rows = _rows(conn.execute(f"SELECT {cols} FROM runs r WHERE {' AND '.join(conds)} "
                              f"ORDER BY r.id", params))
    look = Lookup(conn, {r["session_id"] for r in rows})
    out = []
    for r in rows:
        p = look.projects.get(r["project_id"], {})
        out.append({**look.describe({"variant": BASELINE, **r}), "source": p.get("source"),
                    "project_path": p.get("path")})
    return out


def fetch_load_runs(conn: sqlite3.Connection, f: Filters,
                    session_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """Payoff rounds matching `f` (the runs filters apply: their columns are the same),
    oldest first; none in a database from before schema 7."""
    if not has_table(conn, "load_runs"):
        return []
    cond, params = where(f, "l")
    if session_ids is not None:
        cond += f" AND l.session_id IN ({', '.join('?' * len(session_ids))})"
        params = [*params, *session_ids]
    sql = ("SELECT l.*, p.name AS project, p.lang, p.content_hash, t.spec AS toolchain, "
           "t.version AS toolchain_version, s.label, s.started AS session_started, "
           "m.hostname AS machine "
           "FROM load_runs l JOIN projects p ON p.id = l.project_id "
           "JOIN toolchains t ON t.id = l.toolchain_id "
           "JOIN sessions s ON s.id = l.session_id "
           "LEFT JOIN machines m ON m.id = l.machine_id "
           f"WHERE {cond} ORDER BY l.id")
    return _rows(conn.execute(sql, params))


LOAD_GROUP_COLUMNS = ("session_id", "project_id", "toolchain_id", "connections")






def load_cells(conn: sqlite3.Connection, f: Filters, limit: int | None = 50
               ) -> list[LoadSummary]:
    """The newest `limit` session × load cell summaries (model.loads.LoadSummary) matching
    `f`, newest session first, then project, language, toolchain and connections.
    A load cell is project (content) × toolchain × connections; none in a database
    from before schema 7."""
    if not has_table(conn, "load_runs"):
        return []
    cond, params = where(f, "l")
    keys = conn.execute(f"SELECT DISTINCT {', '.join('l.' + c for c in LOAD_GROUP_COLUMNS)} "
                        f"FROM load_runs l WHERE {cond} ORDER BY l.session_id DESC",
                        params).fetchall()
    # The sessions of the newest `limit` cells: the cells are sorted by session first,
    # so the first `limit` keys (newest session first) are in the same sessions.
    sessions = sorted({k[0] for k in (keys[:limit] if limit else keys)})
    if not sessions:
        return []
    cells = summarize_load(fetch_load_runs(conn, f, sessions),
                           by=lambda r: tuple(r[c] for c in LOAD_GROUP_COLUMNS))
    cells.sort(key=lambda c: (-(c.session or 0), c.key.project or "", c.lang or "",
                              c.key.toolchain or "", c.connections or 0))
    return cells[:limit] if limit else cells


def build_costs(conn: sqlite3.Connection, project_id: int, toolchain_id: str,
                machine_id: str) -> list[dict[str, Any]]:
    """Successful timed baseline runs (no `tune` knob, no --jobs) of one project
    content, toolchain and machine: for each (scenario, profile, edit), those of the
    newest session that has it."""
    rows = _rows(conn.execute(
        "SELECT r.session_id, r.scenario, r.profile, r.edit, r.jobs, r.wall_s, "
        "r.artifact_bytes FROM runs r WHERE r.project_id = ? AND r.toolchain_id = ? "
        "AND r.machine_id = ? AND r.warmup = 0 AND r.status = 'ok' AND r.jobs IS NULL "
        f"AND {_variant_expr(conn)} = ? "
        "ORDER BY r.session_id DESC, r.id", [project_id, toolchain_id, machine_id, BASELINE]))
    newest: dict[tuple[Any, ...], int] = {}
    for r in rows:
        newest.setdefault((r["scenario"], r["profile"], r["edit"]), r["session_id"])
    return [r for r in rows if newest[(r["scenario"], r["profile"], r["edit"])]
            == r["session_id"]]
