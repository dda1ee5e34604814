"""A team's shared store in PostgreSQL: `buildprof push` and `pull`.

SQLite stays the local store that every command reads; PostgreSQL holds the
team's history. Its tables and columns are the SQLite schema's, made from it
(`sqlite_schema`), so the same SQL reads both. The PostgreSQL schema is versioned
with the SQLite one (table `buildprof_meta`): buildprof adds the columns a newer
SQLite schema has, and refuses a server whose schema is newer than its own.

Identity follows profiler.storage.merge: machines and toolchains by their
fingerprint ids, projects by (lang, name, content_hash, path), sessions, runs and
load runs (`buildprof payoff`'s rounds) by their global uuids. A push writes one
transaction per batch of runs, then per batch of load runs, each batch with the
sessions and projects it needs, so a dropped connection leaves only whole
batches, and the next push adds what is missing. Concurrent pushes meet at the
unique keys (ON CONFLICT DO NOTHING), never duplicating a row. A store made before
schema 7 gains the load_runs table at the next push; a pull from one finds no
load runs.

The password comes from PGPASSWORD, ~/.pgpass or a service file (libpq reads them
itself), or from the URL. It is never printed or stored: messages show `shown(url)`,
which is built from host, port, database and user only, and the CLI scrubs the
registered secrets from every error line.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from profiler.errors import DatabaseError, UsageError, scrub, secret
from profiler.model.filters import Filters
from profiler.storage import queries
from profiler.storage.merge import NATURAL_KEYS, TABLES, Counts, Snapshot

if TYPE_CHECKING:
    import psycopg

BATCH_RUNS = int(os.environ.get("BUILDPROF_PG_BATCH", "500"))  # runs per transaction
SCHEMA = "buildprof"  # the PostgreSQL schema that holds buildprof's tables
TYPES = {"INTEGER": "bigint", "TEXT": "text", "FLOAT": "double precision",
         "REAL": "double precision", "": "text"}
TEXT_IDS = ("machines", "toolchains")  # ids that are fingerprints, not counters
FOREIGN = {("sessions", "machine_id"): "machines", ("runs", "session_id"): "sessions",
           ("runs", "project_id"): "projects", ("runs", "toolchain_id"): "toolchains",
           ("runs", "machine_id"): "machines", ("units", "run_id"): "runs",
           ("tree_samples", "run_id"): "runs", ("load_runs", "session_id"): "sessions",
           ("load_runs", "project_id"): "projects", ("load_runs", "toolchain_id"): "toolchains",
           ("load_runs", "machine_id"): "machines"}


SECRET_KEYS = ("password", "sslpassword")  # libpq parameters whose values are secrets
UNPARSED = "the PostgreSQL store (its URL cannot be parsed, so it is not shown)"


def params(url: str) -> dict[str, str] | None:
    """The connection parameters libpq reads from the URL, or None when it cannot be
    parsed. With psycopg installed, libpq's own parser decides."""
    try:
        from psycopg.conninfo import conninfo_to_dict
    except ImportError:
        conninfo_to_dict = None
    if conninfo_to_dict is not None:
        try:
            return {k: str(v) for k, v in conninfo_to_dict(url).items() if v is not None}
        except Exception:  # psycopg.ProgrammingError: libpq could not parse it
            return None
    try:
        parts = urlsplit(url)
        found = {"user": parts.username, "password": parts.password, "host": parts.hostname,
                 "port": str(parts.port) if parts.port else None,
                 "dbname": parts.path.lstrip("/") or None}
        out = {k: unquote(v) for k, v in found.items() if v is not None}
        out.update(parse_qsl(parts.query, keep_blank_values=True, strict_parsing=False))
        return out
    except ValueError:
        return None


def shown(url: str) -> str:
    """The URL as messages show it: built from host, port, database and user only, so
    no password, passfile or other parameter can reach the output."""
    p = params(url)
    if p is None:
        return UNPARSED
    host = p.get("host") or "localhost"
    host = quote(host, safe=",") if host.startswith("/") else host
    user = f"{quote(p['user'], safe='')}@" if p.get("user") else ""
    port = f":{p['port']}" if p.get("port") else ""
    return f"postgresql://{user}{host}{port}/{quote(p.get('dbname') or '', safe='')}"


def has_password(url: str) -> bool:
    p = params(url)
    return p is None or any(p.get(k) for k in SECRET_KEYS)


def resolve_url(url: str | None, option: str) -> str:
    """The store's URL from the option or $BUILDPROF_PG; its secrets are registered so
    that no error line can print them."""
    url = url or os.environ.get("BUILDPROF_PG")
    if not url:
        raise UsageError(f"give the server as {option} postgresql://USER@HOST:PORT/DB, or set "
                         f"BUILDPROF_PG")
    p = params(url)
    for key in SECRET_KEYS:
        secret((p or {}).get(key))
    with suppress(ValueError):
        secret(urlsplit(url).password)
    if url.split(":", 1)[0].lower() not in ("postgresql", "postgres"):
        raise UsageError(f"the store given with {option} (or BUILDPROF_PG) is not a "
                         f"postgresql:// URL; give {option} postgresql://USER@HOST:PORT/DB")
    if p is None:
        raise UsageError(f"the URL given with {option} (or BUILDPROF_PG) cannot be parsed; "
                         f"check it (a % in a password is written %25), or leave the password "
                         f"out of it and use PGPASSWORD or ~/.pgpass")
    return url


def _where(url: str) -> str:
    p = params(url) or {}
    return f"{p.get('host') or 'localhost'}:{p.get('port') or 5432}"


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return scrub(text.splitlines()[0]) if text else type(exc).__name__


@contextmanager
def connect(url: str, application: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection, or one clear line for each way it can fail; any error of the
    server or the driver while it is open is one line too (DatabaseError, exit 2)."""
    try:
        import psycopg
    except ImportError:
        raise UsageError("push and pull need psycopg: pip install 'buildprof[postgres]' "
                         "(or ./bootstrap.sh --test in a checkout)") from None
    try:
        # autocommit: each `with conn.transaction()` is then a real transaction (without
        # it, psycopg nests them as savepoints of one that closing would roll back).
        conn = psycopg.connect(url, connect_timeout=10, application_name=application,
                               autocommit=True)
        # buildprof's tables live in a schema of their own; with it alone on the path
        # (pg_catalog is searched first), no table or function of another schema or
        # role is ever picked up by a name.
        conn.execute(f"SET search_path = {SCHEMA}")
    except psycopg.OperationalError as exc:
        raise DatabaseError(_connect_error(url, str(exc))) from None
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot connect to {shown(url)} ({type(exc).__name__}); check "
                            f"the URL given with --to/--from or BUILDPROF_PG") from None
    try:
        yield conn
    except psycopg.Error as exc:
        raise DatabaseError(f"the PostgreSQL store at {_where(url)} failed: "
                            f"{_first_line(exc)}; nothing half-written is kept (each batch "
                            f"is one transaction): fix that and run the command again"
                            ) from None
    finally:
        conn.close()


def _connect_error(url: str, text: str) -> str:
    p = params(url) or {}
    where, db, user = _where(url), p.get("dbname") or "(default)", p.get("user") or "(default)"
    if "password authentication failed" in text or "no password supplied" in text:
        return (f"authentication failed for user {user} at {where}; check the password (in "
                f"PGPASSWORD, ~/.pgpass or a service file)")
    if "does not exist" in text and "database" in text:
        return (f"database {db} does not exist on {where}; create it (createdb {db}) or "
                f"name another in the URL")
    if "role" in text and "does not exist" in text:
        return f"user {user} does not exist on {where}; name another user in the URL"
    detail = scrub(text.strip().splitlines()[0].split("failed: ")[-1]) if text.strip() else ""
    return (f"cannot reach the PostgreSQL server at {where} ({detail}); start it, or check "
            f"the URL (--to/--from or BUILDPROF_PG)")


def lost(url: str, exc: Exception, done: int, total: int) -> DatabaseError:
    """The line for a connection that dropped mid-way."""
    return DatabaseError(f"the connection to {_where(url)} was lost after {done} of {total} "
                         f"runs ({_first_line(exc)}); the batches written are whole: run the "
                         f"same command again, it adds only what is missing")


# -- the schema ---------------------------------------------------------------------------


def sqlite_schema() -> tuple[int, dict[str, list[tuple[str, str]]]]:
    """The SQLite schema's version and each table's columns (name, declared type)."""
    import sqlite_utils

    from profiler.storage.migrations import MIGRATIONS, SCHEMA_VERSION

    conn = sqlite3.connect(":memory:")
    try:
        db = sqlite_utils.Database(conn)
        for step in MIGRATIONS:
            step(db)
        return SCHEMA_VERSION, {t: [(r[1], r[2]) for r in conn.execute(
            f"PRAGMA table_info({t})")] for t in TABLES}
    finally:
        conn.close()


def _column_sql(table: str, name: str, decl: str) -> str:
    if name == "id":
        return ("id text PRIMARY KEY" if table in TEXT_IDS else
                "id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
    ref = FOREIGN.get((table, name))
    return f"{name} {TYPES.get(decl.upper(), 'text')}" + (f" REFERENCES {ref} (id)" if ref
                                                          else "")


def _legacy(conn: psycopg.Connection[Any]) -> bool:
    """A store made before buildprof used a schema of its own: tables in `public`."""
    row = conn.execute("SELECT to_regclass('public.buildprof_meta') IS NOT NULL AND "
                       "to_regclass('buildprof.buildprof_meta') IS NULL").fetchone()
    return bool(row and row[0])


def check_store(conn: psycopg.Connection[Any], url: str) -> None:
    """Refuse a store buildprof cannot trust: tables named like buildprof's without its
    metadata, a table of buildprof's that is not a plain table or is owned by another
    role than the schema's owner, a column of another type, or any trigger on them."""
    _, tables = sqlite_schema()
    ours = {*TABLES, "buildprof_meta"}
    found = {name: (kind, owner) for name, kind, owner in conn.execute(
        "SELECT c.relname, c.relkind, pg_get_userbyid(c.relowner) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s "
        "AND c.relkind IN ('r', 'p', 'v', 'm', 'f')", [SCHEMA]) if name in ours}
    where = f"the store at {_where(url)}"
    if found and "buildprof_meta" not in found:
        raise DatabaseError(f"{where} has tables named like buildprof's in schema {SCHEMA} "
                            f"({', '.join(sorted(found))}) but not its metadata; they are not "
                            f"buildprof's: use another database")
    row = conn.execute("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = %s",
                       [SCHEMA]).fetchone()
    owner = row[0] if row else None
    for name, (kind, table_owner) in sorted(found.items()):
        if kind != "r":
            raise DatabaseError(f"{where}: {SCHEMA}.{name} is not a plain table; it is not "
                                f"buildprof's: use another database")
        if table_owner != owner:
            raise DatabaseError(f"{where}: {SCHEMA}.{name} belongs to role {table_owner}, not "
                                f"to {owner}, who owns schema {SCHEMA}; buildprof does not "
                                f"write to tables another role made")
    expected = {(t, n): TYPES.get(d.upper(), "text") for t, cols in tables.items()
                for n, d in cols}
    for table, name, dtype in conn.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s", [SCHEMA]):
        want = "text" if name == "id" and table in TEXT_IDS else (
            "bigint" if name == "id" else expected.get((table, name)))
        if want is not None and dtype != want:
            raise DatabaseError(f"{where}: column {SCHEMA}.{table}.{name} is {dtype}, not "
                                f"{want}; the store is not buildprof's shape: use another "
                                f"database")
    triggers = [f"{t} on {r}" for t, r in conn.execute(
        "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s "
        "AND NOT t.tgisinternal", [SCHEMA])]
    if triggers:
        raise DatabaseError(f"{where} has triggers on buildprof's tables "
                            f"({', '.join(triggers)}), which would run on every row; "
                            f"buildprof does not write through them: drop them")


def check_schema(conn: psycopg.Connection[Any], url: str) -> None:
    """For a pull, which only reads: the store holds buildprof's schema, not a newer one."""
    version, _ = sqlite_schema()
    if _legacy(conn):
        raise UsageError(f"{shown(url)} holds buildprof results in schema public, as "
                         f"buildprof did before; `buildprof push` to it once (it moves "
                         f"them into schema {SCHEMA}), then pull")
    row = conn.execute("SELECT to_regclass('buildprof.buildprof_meta') IS NOT NULL"
                       ).fetchone()
    if not row or not row[0]:
        raise UsageError(f"{shown(url)} holds no buildprof results yet; `buildprof push` "
                         f"some first")
    check_store(conn, url)
    have = int(conn.execute("SELECT value FROM buildprof_meta WHERE key = 'schema_version'"
                            ).fetchone()[0])  # type: ignore[index]
    if have > version:
        raise DatabaseError(_newer(url, have, version))


def _newer(url: str, have: int, version: int) -> str:
    return (f"the shared store at {_where(url)} has schema version {have}, newer than this "
            f"buildprof's ({version}); upgrade buildprof to push to or pull from it")


def ensure_schema(conn: psycopg.Connection[Any], url: str) -> None:
    """Create or extend the shared schema to this buildprof's; refuse a newer one."""
    version, tables = sqlite_schema()
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(7010203)")  # one creator at a time
        if _legacy(conn):  # made by an older buildprof in public: moved, if it is ours
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            for table in ("buildprof_meta", *TABLES):
                if conn.execute("SELECT to_regclass(%s) IS NOT NULL",
                                [f"public.{table}"]).fetchone()[0]:  # type: ignore[index]
                    conn.execute(f"ALTER TABLE public.{table} SET SCHEMA {SCHEMA}")
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        check_store(conn, url)
        conn.execute("CREATE TABLE IF NOT EXISTS buildprof_meta (key text PRIMARY KEY, "
                     "value text NOT NULL)")
        row = conn.execute("SELECT value FROM buildprof_meta WHERE key = 'schema_version'"
                           ).fetchone()
        have = int(row[0]) if row else 0
        if have > version:
            raise DatabaseError(_newer(url, have, version))
        for table, columns in tables.items():  # TABLES' order: referenced tables first
            conn.execute(f"CREATE TABLE IF NOT EXISTS {table} ("
                         f"{', '.join(_column_sql(table, n, d) for n, d in columns)})")
            present = {r[0] for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                "AND table_name = %s", [SCHEMA, table])}
            for name, decl in columns:
                if name not in present:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN "
                                 f"{_column_sql(table, name, decl)}")
            if table in NATURAL_KEYS:
                conn.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {table}_natural ON {table} "
                             f"({', '.join(NATURAL_KEYS[table])})")
        for table in ("runs", "units", "tree_samples", "load_runs"):
            col = "session_id" if table in ("runs", "load_runs") else "run_id"
            conn.execute(f"CREATE INDEX IF NOT EXISTS {table}_{col} ON {table} ({col})")
        conn.execute("INSERT INTO buildprof_meta VALUES ('schema_version', %s) ON CONFLICT "
                     "(key) DO UPDATE SET value = EXCLUDED.value", [str(version)])


def _columns(conn: psycopg.Connection[Any], table: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
        "AND table_name = %s ORDER BY ordinal_position", [SCHEMA, table])]


# -- push -------------------------------------------------------------------------------


def push(conn: psycopg.Connection[Any], snap: Snapshot, url: str) -> Counts:
    """Add the snapshot's rows the server lacks, one transaction per batch of runs
    (then of load runs)."""
    cols = {t: set(_columns(conn, t)) for t in TABLES}
    counts = Counts()
    t = snap.tables
    sessions = {s["id"]: s for s in t["sessions"]}
    projects = {p["id"]: p for p in t["projects"]}
    units = _by_run(t["units"])
    samples = _by_run(t["tree_samples"])
    runs = t["runs"]
    load = t.get("load_runs", [])
    done = 0
    # Ids on the server of the projects and sessions written so far: each is written
    # and counted once, with the first batch that needs it.
    pids: dict[int, int] = {}
    sids: dict[int, int] = {}

    def refs(batch: list[dict[str, Any]]) -> None:
        """Write (or find) the projects and sessions the batch refers to."""
        for pid in {r["project_id"] for r in batch} - pids.keys():
            pids[pid] = _id_of(conn, "projects", projects[pid], cols["projects"], counts)
        for sid in {r["session_id"] for r in batch} - sids.keys():
            s = sessions[sid]
            sids[sid] = _id_of(conn, "sessions", s, cols["sessions"], counts)
            # A session pushed while it ran gets its end and status now.
            conn.execute("UPDATE sessions SET ended = %s, status = %s WHERE uuid = %s "
                         "AND status = 'running'", [s.get("ended"), s.get("status"),
                                                    s["uuid"]])

    # The machines and toolchains the pushed runs and sessions refer to, no others.
    wanted = {"machines": {r.get("machine_id") for r in (*runs, *load, *t["sessions"])},
              "toolchains": {r.get("toolchain_id") for r in (*runs, *load)}}
    try:
        with conn.transaction():
            for table in ("machines", "toolchains"):
                for row in (r for r in t[table] if r["id"] in wanted[table]):
                    added = _insert(conn, table, row, cols[table], "(id) DO NOTHING",
                                    keep_id=True)
                    counts.added[table] += added is not None
                    counts.had[table] += added is None
        for table, rows in (("runs", runs), ("load_runs", load)):
            for start in range(0, len(rows), BATCH_RUNS):
                batch = rows[start:start + BATCH_RUNS]
                with conn.transaction():
                    refs(batch)
                    for r in batch:
                        row = {**r, "session_id": sids[r["session_id"]],
                               "project_id": pids[r["project_id"]]}
                        new_id = _insert(conn, table, row, cols[table], "(uuid) DO NOTHING")
                        counts.added[table] += new_id is not None
                        counts.had[table] += new_id is None
                        if new_id is not None and table == "runs":
                            for child, by_run in (("units", units), ("tree_samples", samples)):
                                _children(conn, child, by_run.get(r["id"], []), new_id,
                                          cols[child])
                                counts.added[child] += len(by_run.get(r["id"], []))
                done += len(batch)
        # Sessions whose runs (and load runs) were all left out by the filters are not
        # pushed.
    except Exception as exc:
        import psycopg

        if isinstance(exc, psycopg.OperationalError):
            raise lost(url, exc, done, len(runs) + len(load)) from None
        raise
    return counts


def _insert(conn: psycopg.Connection[Any], table: str, row: dict[str, Any], cols: set[str],
            conflict: str, keep_id: bool = False) -> Any:
    keys = [k for k in row if k in cols and (keep_id or k != "id")]
    found = conn.execute(f"INSERT INTO {table} ({', '.join(keys)}) VALUES "
                         f"({', '.join(['%s'] * len(keys))}) ON CONFLICT {conflict} "
                         f"RETURNING id", [row[k] for k in keys]).fetchone()
    return found[0] if found else None


def _id_of(conn: psycopg.Connection[Any], table: str, row: dict[str, Any], cols: set[str],
           counts: Counts) -> int:
    """The server's id of the row with `row`'s natural key, added when missing (two
    pushes at once meet at the unique index: one adds, the other finds)."""
    key = NATURAL_KEYS[table]
    new = _insert(conn, table, row, cols, f"({', '.join(key)}) DO NOTHING")
    if new is not None:
        counts.added[table] += 1
        return int(new)
    counts.had[table] += 1
    found = conn.execute(f"SELECT id FROM {table} WHERE "
                         f"{' AND '.join(f'{k} = %s' for k in key)}", [row[k] for k in key])
    return int(found.fetchone()[0])  # type: ignore[index]


def _children(conn: psycopg.Connection[Any], table: str, rows: list[dict[str, Any]],
              run_id: int, cols: set[str]) -> None:
    if not rows:
        return
    keys = [k for k in rows[0] if k in cols and k not in ("id", "run_id")]
    with conn.cursor() as cur, cur.copy(
            f"COPY {table} (run_id, {', '.join(keys)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([run_id, *(row[k] for k in keys)])


def _by_run(rows: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row["run_id"], []).append(row)
    return out


# -- pull -------------------------------------------------------------------------------


def pull(conn: psycopg.Connection[Any], f: Filters) -> Iterator[Snapshot]:
    """The runs and load runs matching `f` (the filters `history` takes, in the same
    SQL) and what they refer to, in Snapshots of at most BATCH_RUNS runs (then load
    runs) each, for profiler.storage.merge.write: read through a server-side cursor, so
    a pull of a large store never holds it whole. A store made before schema 7 has no
    load_runs table: no load runs."""
    def condition(alias: str) -> tuple[str, list[Any]]:
        cond, params = queries.where(f, alias)
        # The same SQL; psycopg's placeholders, and PostgreSQL's boolean for "no filter".
        return ("TRUE" if cond == "1" else cond.replace("?", "%s")), params

    def rows(sql: str, args: list[Any]) -> list[dict[str, Any]]:
        cur = conn.execute(sql, args)
        names = [d.name for d in cur.description or []]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def batch(runs: list[dict[str, Any]], load: list[dict[str, Any]]) -> Snapshot:
        ids = [r["id"] for r in runs]
        both = runs + load
        snap = Snapshot(Path("postgresql"), {
            "runs": runs,
            "load_runs": load,
            "sessions": rows("SELECT * FROM sessions WHERE id = ANY(%s) ORDER BY id",
                             [sorted({r["session_id"] for r in both})]),
            "projects": rows("SELECT * FROM projects WHERE id = ANY(%s) ORDER BY id",
                             [sorted({r["project_id"] for r in both})]),
            "toolchains": rows("SELECT * FROM toolchains WHERE id = ANY(%s)",
                               [sorted({r["toolchain_id"] for r in both})]),
            "units": rows("SELECT * FROM units WHERE run_id = ANY(%s) ORDER BY id", [ids]),
            "tree_samples": rows("SELECT * FROM tree_samples WHERE run_id = ANY(%s)", [ids]),
        })
        machine_ids = {r["machine_id"] for r in both} | {s["machine_id"]
                                                           for s in snap.tables["sessions"]}
        snap.tables["machines"] = rows("SELECT * FROM machines WHERE id = ANY(%s)",
                                       [sorted(m for m in machine_ids if m)])
        return snap

    found = conn.execute("SELECT to_regclass('buildprof.load_runs') IS NOT NULL").fetchone()
    sources = [("runs", "r")] + ([("load_runs", "l")] if found and found[0] else [])
    with conn.transaction():  # a server-side cursor lives in a transaction
        for table, alias in sources:
            cond, params = condition(alias)
            with conn.cursor(name=f"buildprof_pull_{table}") as cur:
                cur.execute(f"SELECT * FROM {table} {alias} WHERE {cond} ORDER BY {alias}.id",
                            params)
                names: list[str] = []
                while chunk := cur.fetchmany(BATCH_RUNS):
                    names = names or [d.name for d in cur.description or []]
                    got = [dict(zip(names, r, strict=True)) for r in chunk]
                    yield batch(got, []) if table == "runs" else batch([], got)
