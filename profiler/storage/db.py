"""The results database: open safely, migrate, and record sessions and runs.

Every run is committed the moment it finishes (WAL mode, one short transaction
per write), so an interrupt, a crash or SIGKILL loses at most the run that was
being measured. A busy timeout lets two buildprof processes share one file.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from profiler import __version__
from profiler.errors import DatabaseError
from profiler.model.cells import CellSummary
from profiler.model.filters import Filters
from profiler.model.loads import LoadSummary
from profiler.storage import identity, queries
from profiler.storage.migrations import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from profiler.storage.units import StoredUnits
from profiler.storage.units import stored as stored_units

if TYPE_CHECKING:
    import sqlite_utils

    from profiler.storage import merge

BUSY_TIMEOUT_MS = 60_000


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _check_writable(path: Path) -> None:
    parent = path.parent if str(path.parent) else Path(".")
    if path.exists():
        if not os.access(path, os.W_OK):
            raise DatabaseError(f"cannot write {path}: the file is read-only; "
                                f"choose a writable --db")
    elif not parent.is_dir():
        raise DatabaseError(f"cannot create {path}: directory {parent} does not exist; "
                            f"create it or choose another --db")
    elif not os.access(parent, os.W_OK):
        raise DatabaseError(f"cannot create {path}: directory {parent} is not writable; "
                            f"choose a writable --db")


def _inspect(conn: sqlite3.Connection, path: Path, readonly: bool = False
             ) -> tuple[int, int, int]:
    """(application_id, user_version, number of tables), or DatabaseError."""
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.OperationalError as exc:
        conn.close()
        if readonly:
            raise DatabaseError(f"cannot read {path}: {exc}; check that you may read it, "
                                f"or give another --db") from exc
        raise DatabaseError(f"cannot open {path}: {exc}; choose a writable --db") from exc
    except sqlite3.DatabaseError as exc:
        conn.close()
        fix = ("give the file `buildprof run` wrote with --db" if readonly
               else "give a buildprof results file or a new path with --db")
        raise DatabaseError(f"{path} is not a SQLite database ({exc}); {fix}") from exc
    return app_id, version, tables


SQLITE_MAGIC = b"SQLite format 3\x00"


def _check_header(path: Path) -> None:
    """Refuse a file that cannot be a buildprof results file before SQLite opens it.

    Reading the 100-byte header ourselves means SQLite never touches such a file:
    even a read-only open of a WAL-mode database creates `-wal` and `-shm` files
    beside it. The header's application id is only trusted when there is no `-wal`
    file; with one, the newest header may be in the WAL, and _inspect reads it.
    """
    try:
        with path.open("rb") as f:
            head = f.read(100)
    except OSError as exc:
        raise DatabaseError(f"cannot read {path}: {exc.strerror}; check that you may read it, "
                            f"or give another --db") from None
    if not head:
        raise DatabaseError(f"{path} is empty, not a buildprof results file; give the file "
                            f"`buildprof run` wrote with --db")
    if len(head) < 100 or not head.startswith(SQLITE_MAGIC):
        raise DatabaseError(f"{path} is not a SQLite database; give the file `buildprof run` "
                            f"wrote with --db")
    if not Path(f"{path}-wal").exists() and int.from_bytes(head[68:72], "big") != APPLICATION_ID:
        raise DatabaseError(f"{path} is a SQLite database of another application, not "
                            f"buildprof's; it was left unchanged: give another --db")


def _tidy_wal(path: Path) -> None:
    """Let SQLite remove the `-wal` and `-shm` files a read-only connection made.

    A read-only connection cannot delete them when it closes; a read-write one that
    is the last to close does, after taking the exclusive lock, so files another
    buildprof process is using stay. Only for buildprof's own file, whose WAL the
    read created empty: nothing is written to the database itself.
    """
    try:
        conn = sqlite3.connect(str(path), timeout=0.1, isolation_level=None)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        pass  # tidying is a courtesy; the read itself succeeded


def _connect_readonly(path: Path) -> sqlite3.Connection:
    """A connection that cannot write: SQLite URI `mode=ro`, else `immutable=1`.

    `mode=ro` still needs the `-shm` file of a WAL database (buildprof's are), and
    SQLite cannot create it in a directory the user may not write; `immutable=1`
    then reads the file as it is, without locks or WAL, which is right for a file
    in a directory nobody writes to (a `-wal` left by a crash there is not read).
    Errors are left for _inspect to report.
    """
    uri = path.resolve().as_uri()  # absolute, with ?, # and % escaped

    def connect(mode: str) -> sqlite3.Connection:
        return sqlite3.connect(f"{uri}?{mode}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                               isolation_level=None)

    conn = connect("mode=ro")
    try:
        # Connecting is lazy: the first read is what opens and locks the file.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as exc:
        # Only when the side files cannot be made (SQLITE_READONLY_DIRECTORY,
        # SQLITE_CANTOPEN...). On "database is locked", reading without locks could
        # see a half-written page, so that error stands: _inspect reports it.
        name = getattr(exc, "sqlite_errorname", "") or ""
        if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")):
            conn.close()
            return connect("immutable=1")
    except sqlite3.DatabaseError:
        pass  # not a database at all: _inspect says so
    return conn


# A run with its project and toolchain: the rows of runs_of_session and run.
# {compiled_loc}: the column, or NULL in a database read (not migrated) before schema 3.
_RUN_SQL = """SELECT r.*, p.name AS project, p.lang AS lang, p.content_hash, p.loc, p.source,
                     {compiled_loc} AS compiled_loc,
                     t.spec AS toolchain, t.version AS toolchain_version
              FROM runs r JOIN projects p ON p.id = r.project_id
              JOIN toolchains t ON t.id = r.toolchain_id"""


class ResultsDB:
    """A buildprof results database. Use `ResultsDB.open(path)`, or
    `with ResultsDB.open(path) as store:` to close it (and tidy a read-only
    open's WAL side files) when done.

    Nothing outside `profiler.storage` touches the connection: the commands read
    through the methods below, which run the SQL of `profiler.storage.queries`.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path, tidy_wal: bool = False) -> None:
        self.conn = conn
        self.path = path
        self._tidy_wal = tidy_wal  # see close()

    @cached_property
    def db(self) -> sqlite_utils.Database:
        """sqlite_utils for the writes, imported on first use (it loads numpy, ~0.1 s)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    @classmethod
    def open(cls, path: Path, readonly: bool = False) -> ResultsDB:
        """Open (and, unless `readonly`, create or migrate) a results file.

        `readonly` is for the commands that only read (history, compare, export,
        report, breakdown, doctor): SQLite opens the file read-only, so they work
        on a file the user cannot write and can never change a file that is not
        buildprof's.
        """
        path = Path(path)
        if readonly:
            if path.is_dir():
                raise DatabaseError(f"{path} is a directory; give the results file with --db")
            if not path.is_file():
                raise DatabaseError(f"{path} does not exist; run `buildprof run` first or "
                                    f"give the results file with --db")
            _check_header(path)
            parent = path.parent if str(path.parent) else Path(".")
            # SQLite will create the WAL's side files; remove them on close if they
            # were not there before and the user could remove them.
            tidy = (not Path(f"{path}-wal").exists() and os.access(path, os.W_OK)
                    and os.access(parent, os.W_OK))
            conn = _connect_readonly(path)
        else:
            _check_writable(path)
            try:
                conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000,
                                       isolation_level=None)
            except sqlite3.Error as exc:
                raise DatabaseError(f"cannot open {path}: {exc}; choose a writable --db"
                                    ) from exc
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        app_id, version, tables = _inspect(conn, path, readonly)
        if app_id != APPLICATION_ID and (tables or version):
            conn.close()
            raise DatabaseError(f"{path} is a SQLite database of another application, not "
                                f"buildprof's; it was left unchanged: give another --db")
        if readonly and app_id != APPLICATION_ID:
            # An empty file (0 bytes, or SQLite with no tables): `run` may start a new
            # results file in it, but there is nothing to read.
            conn.close()
            raise DatabaseError(f"{path} is empty, not a buildprof results file; give the "
                                f"file `buildprof run` wrote with --db")
        if version > SCHEMA_VERSION:
            conn.close()
            raise DatabaseError(f"{path} was written by a newer buildprof (schema {version}, "
                                f"this one reads up to {SCHEMA_VERSION}); upgrade buildprof")
        if readonly:
            return cls(conn, path, tidy_wal=tidy)
        results = cls(conn, path)
        try:
            if version != SCHEMA_VERSION:
                _migrate(conn, results.db, version)
        except sqlite3.OperationalError as exc:
            raise DatabaseError(f"cannot write {path}: {exc}; choose a writable --db") from exc
        return results

    # -- identity rows -------------------------------------------------------

    def ensure_machine(self, machine: dict[str, Any]) -> str:
        row = {**machine, "first_seen": now_iso()}
        with self._tx():
            self.db["machines"].insert(row, pk="id", ignore=True)
            if machine.get("system") or machine.get("arch"):  # recorded before v10
                self.conn.execute("UPDATE machines SET system = coalesce(system, ?), "
                                  "arch = coalesce(arch, ?) WHERE id = ?",
                                  [machine.get("system"), machine.get("arch"), machine["id"]])
        return machine["id"]

    def project_names(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT DISTINCT name FROM projects")}

    def machines(self) -> dict[str, dict[str, Any]]:
        """Every machine of the history by id."""
        return {r["id"]: r for r in self._dicts("SELECT * FROM machines", [])}

    def ensure_toolchain(self, tc: dict[str, Any]) -> str:
        row = {**tc, "first_seen": now_iso()}
        with self._tx():
            self.db["toolchains"].insert(row, pk="id", ignore=True)
        return tc["id"]

    def ensure_project(self, name: str, lang: str, source: str, path: str,
                       content_hash: str, loc: int, files: int,
                       compiled_loc: int | None = None) -> int:
        """The project row of this content, made if new. `compiled_loc` (the lines
        a build compiles, dependencies included) fills in a row that has none:
        rows recorded before it was counted gain it, a counted one is kept."""
        key = (lang, name, content_hash, path)
        with self._tx():
            found = self.conn.execute(
                "SELECT id, compiled_loc FROM projects "
                "WHERE lang=? AND name=? AND content_hash=? AND path=?", key).fetchone()
            if found:
                if compiled_loc is not None and found[1] is None:
                    self.conn.execute("UPDATE projects SET compiled_loc = ? WHERE id = ?",
                                    [compiled_loc, found[0]])
                return int(found[0])
            return int(self.db["projects"].insert({
                "name": name, "lang": lang, "source": source, "path": path,
                "content_hash": content_hash, "loc": loc, "files": files,
                "compiled_loc": compiled_loc, "first_seen": now_iso()}).last_pk)

    def compiled_loc(self, project_id: int) -> int | None:
        row = self.conn.execute("SELECT compiled_loc FROM projects WHERE id = ?",
                              [project_id]).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def set_compiled_loc(self, project_id: int, lines: int) -> None:
        """The lines a build of this project compiles, dependencies included."""
        with self._tx():
            self.conn.execute("UPDATE projects SET compiled_loc = ? WHERE id = ?",
                            [lines, project_id])

    # -- sessions and runs ---------------------------------------------------

    def start_session(self, machine_id: str, command_line: str, label: str | None) -> int:
        # psutil here and below, not at the top: the commands that only read
        # (history, export) never need it.
        import psutil

        me = psutil.Process()
        with self._tx():
            return int(self.db["sessions"].insert({
                "started": now_iso(), "ended": None, "status": "running",
                "buildprof_version": __version__, "command_line": command_line,
                "label": label, "machine_id": machine_id, "hostname": socket.gethostname(),
                "pid": me.pid, "pid_started": me.create_time(),
                "uuid": identity.new_id()}).last_pk)

    def finish_session(self, session_id: int, status: str) -> None:
        with self._tx():
            self.db["sessions"].update(session_id, {"status": status, "ended": now_iso()})

    def add_run(self, row: dict[str, Any], units: Sequence[dict[str, Any]] = (),
                samples: Sequence[tuple[float, int]] = ()) -> int:
        """Record a run with its units and its tree's RSS samples, in one transaction
        (a `push` or `merge` in between sees the run whole or not at all). It gets its
        global id (`uuid`) here unless the row has one, and is a baseline run unless it
        names its variant (a `tune` knob)."""
        with self._tx():
            run_id = int(self.db["runs"].insert({"uuid": identity.new_id(),
                                                 "variant": "baseline", **row}).last_pk)
            if units:
                self.db["units"].insert_all({**r, "run_id": run_id} for r in units)
            if samples:
                self.conn.executemany(
                    "INSERT INTO tree_samples (run_id, t_s, tree_rss_bytes) VALUES (?, ?, ?)",
                    [(run_id, t, rss) for t, rss in samples])
            return run_id

    def add_load_run(self, row: dict[str, Any]) -> int:
        """Record one payoff round (a server under load); it gets its `uuid` here."""
        with self._tx():
            return int(self.db["load_runs"].insert({"uuid": identity.new_id(), "scenario": "load",
                                                    **row}).last_pk)

    def load_runs(self, f: Filters, session_ids: Sequence[int] | None = None
                  ) -> list[dict[str, Any]]:
        """Payoff rounds matching `f` (oldest first), with project, toolchain and session."""
        return queries.fetch_load_runs(self.conn, f, session_ids)

    def load_cells(self, f: Filters, limit: int | None = 50) -> list[LoadSummary]:
        """The newest `limit` session × load cell summaries matching `f`, newest first
        (see queries.load_cells)."""
        return queries.load_cells(self.conn, f, limit)

    def build_costs(self, project_id: int, toolchain_id: str, machine_id: str
                    ) -> list[dict[str, Any]]:
        """The successful timed runs of the project's content with this toolchain on
        this machine, of the newest session that has each (scenario, profile, edit)."""
        return queries.build_costs(self.conn, project_id, toolchain_id, machine_id)

    def merge_from(self, source: Path) -> merge.Counts:
        """Add what the results file `source` holds and this one lacks, in one
        transaction (profiler.storage.merge has the identity rules)."""
        with ResultsDB.open(source, readonly=True) as src:
            snap = src.snapshot()
        return self.merge_snapshot(snap)

    def merge_snapshot(self, snap: merge.Snapshot) -> merge.Counts:
        """Add the snapshot's rows this file lacks, in one transaction. The file is
        written with SQLite's trusted_schema off, and refused when buildprof's tables
        carry triggers: a merged-into file's schema runs no code of anyone else's."""
        from profiler.storage import merge  # noqa: F811 (the runtime import)

        self.conn.execute("PRAGMA trusted_schema = OFF")
        found = [r[0] for r in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
            f"({', '.join('?' * len(merge.TABLES))})", merge.TABLES)]
        if found:
            raise DatabaseError(f"{self.path} has triggers on buildprof's tables "
                                f"({', '.join(found)}), which would run on every row "
                                f"written; drop them (DROP TRIGGER) or merge into another "
                                f"file")
        with self._tx():
            return merge.write(self.conn, snap)

    def snapshot(self, f: Filters | None = None) -> merge.Snapshot:
        """Every row of the file, or the runs and load runs matching `f` with the
        runs' units and samples (the sessions, projects, machines and toolchains stay
        whole: the writers take only what the runs refer to)."""
        from profiler.storage import merge  # noqa: F811 (the runtime import)

        snap = merge.snapshot(self.conn, self.path)
        if f is not None and f != Filters():
            cond, params = queries.where(f)
            keep = {r[0] for r in self.conn.execute(f"SELECT r.id FROM runs r WHERE {cond}",
                                                    params)}
            for table in ("runs",):
                snap.tables[table] = [r for r in snap.tables[table] if r["id"] in keep]
            for table in ("units", "tree_samples"):
                snap.tables[table] = [r for r in snap.tables[table] if r["run_id"] in keep]
            if snap.tables["load_runs"]:
                cond, params = queries.where(f, "l")
                keep = {r[0] for r in self.conn.execute(
                    f"SELECT l.id FROM load_runs l WHERE {cond}", params)}
                snap.tables["load_runs"] = [r for r in snap.tables["load_runs"]
                                            if r["id"] in keep]
        return snap

    def tree_samples(self, run_id: int) -> list[tuple[float, int]]:
        """A --breakdown run's (seconds since the build started, tree RSS), in order;
        empty for other runs and for runs recorded before schema 5."""
        if not queries.has_table(self.conn, "tree_samples"):
            return []
        return [(t, rss) for t, rss in self.conn.execute(
            "SELECT t_s, tree_rss_bytes FROM tree_samples WHERE run_id = ? ORDER BY t_s",
            [run_id])]

    def units_of_run(self, run_id: int) -> list[dict[str, Any]]:
        return self._dicts("SELECT * FROM units WHERE run_id = ? ORDER BY start_s", [run_id])

    def unit_run_ids(self) -> set[int]:
        return {r[0] for r in self.conn.execute("SELECT DISTINCT run_id FROM units")}

    def mark_dangling_aborted(self, machine_id: str) -> list[int]:
        """Sessions left `running` by a buildprof process that no longer exists on this
        machine (SIGKILL, power loss) become `aborted`. Only this machine's: a session
        pulled or merged from another (a CI runner with the same hostname, one still
        running there) is not this machine's to judge."""
        import psutil

        host = socket.gethostname()
        aborted = []
        rows = self.conn.execute(
            "SELECT id, pid, pid_started FROM sessions WHERE status='running' AND hostname=? "
            "AND machine_id = ?", [host, machine_id]).fetchall()
        for sid, pid, started in rows:
            try:
                alive = abs(psutil.Process(pid).create_time() - (started or 0)) < 0.01
            except psutil.Error:
                alive = False
            if not alive:
                aborted.append(sid)
        if aborted:
            with self._tx():
                for sid in aborted:
                    self.db["sessions"].update(sid, {"status": "aborted", "ended": now_iso()})
        return aborted

    def session(self, session_id: int) -> dict[str, Any]:
        rows = self._dicts("SELECT * FROM sessions WHERE id = ?", [session_id])
        if not rows:
            raise KeyError(f"no session {session_id}")
        return rows[0]

    def runs_of_session(self, session_id: int) -> list[dict[str, Any]]:
        sql = f"{self._run_sql()} WHERE r.session_id = ? ORDER BY r.id"
        return self._dicts(sql, [session_id])

    def _dicts(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        """Rows as dicts, through the plain connection (no sqlite_utils on a read)."""
        cur = self.conn.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]

    # -- reading: history, compare, export, breakdown, doctor ------------------

    def check_filters(self, f: Filters) -> None:
        """UsageError for a filter value that matches nothing recorded (see
        queries.check_filters)."""
        queries.check_filters(self.conn, f)

    def history_cells(self, f: Filters, limit: int | None = 50) -> list[CellSummary]:
        """The newest `limit` session × cell summaries matching `f`, newest first."""
        return queries.history_cells(self.conn, f, limit)

    def runs(self, f: Filters, *, timed_only: bool = True, ok_only: bool = False,
             session_ids: Sequence[int] | None = None, newest_first: bool = False,
             limit: int | None = None) -> list[dict[str, Any]]:
        """Runs matching `f`, with project, toolchain, machine and session fields."""
        return queries.fetch_runs(self.conn, f, timed_only=timed_only, ok_only=ok_only,
                                  session_ids=session_ids, newest_first=newest_first,
                                  limit=limit)

    def compare_samples(self, f: Filters) -> list[dict[str, Any]]:
        """The successful timed runs matching `f`, with what `compare` pairs them by."""
        return queries.fetch_samples(self.conn, f)

    def session_exists(self, session_id: int) -> bool:
        return queries.session_exists(self.conn, session_id)

    def label_exists(self, label: str) -> bool:
        return queries.label_exists(self.conn, label)

    def toolchain_exists(self, value: str) -> bool:
        """A recorded toolchain matches `value` (a spec, lang@version, version or language)."""
        return queries.toolchain_exists(self.conn, value)

    def rev_exists(self, value: str) -> bool:
        """Runs were recorded for the revision (a name given to --rev, or a commit prefix)."""
        return queries.rev_exists(self.conn, value)

    def known_revs(self) -> list[str]:
        return queries.known_revs(self.conn)

    def known_sides(self) -> tuple[list[str], list[str], int]:
        """Recorded toolchain specs, labels and the number of sessions (for error lines)."""
        return queries.known_sides(self.conn)

    def report_rows(self, f: Filters, *, all_sessions: bool = False) -> dict[str, Any]:
        """What `buildprof report` analyses (see queries.report_rows)."""
        return queries.report_rows(self.conn, f, all_sessions=all_sessions)

    def own_project_runs(self, f: Filters, name: str, lang: str,
                         machine_id: str | None = None, sample: bool = False
                         ) -> list[dict[str, Any]]:
        """Every timed run of the user's own project (`name`, `lang`; with `sample`,
        of that sample) matching `f` across sessions, oldest first (see
        queries.own_project_runs)."""
        return queries.own_project_runs(self.conn, f, name, lang, machine_id, sample)

    def counts(self) -> tuple[int, int]:
        """(sessions, runs); DatabaseError when the file cannot be read (a damaged file)."""
        try:
            sessions = self.conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
            runs = self.conn.execute("SELECT count(*) FROM runs").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise DatabaseError(f"cannot read {self.path}: {exc}") from exc
        return int(sessions), int(runs)

    def run(self, run_id: int) -> dict[str, Any] | None:
        """One run with its project and toolchain (the fields of runs_of_session)."""
        row = self.conn.execute(f"{self._run_sql()} WHERE r.id = ?", [run_id])
        names = [d[0] for d in row.description]
        found = row.fetchone()
        return dict(zip(names, found, strict=True)) if found else None

    def breakdown_run_ids(self, session_id: int) -> list[int]:
        """For each cell of the session, its last timed run that has units, by id."""
        rows = self.conn.execute(
            """SELECT max(r.id) FROM runs r WHERE r.session_id = ? AND NOT r.warmup
               AND EXISTS (SELECT 1 FROM units u WHERE u.run_id = r.id)
               GROUP BY r.project_id, r.toolchain_id, r.scenario, r.profile, r.jobs, r.edit
               ORDER BY 1""", [session_id]).fetchall()
        return [int(r[0]) for r in rows]

    def run_units(self, run_id: int) -> StoredUnits:
        """The run's units, and the critical path `run` computed when it recorded
        them (storage.units)."""
        return stored_units(self.units_of_run(run_id))

    def close(self) -> None:
        self.conn.close()
        if self._tidy_wal and Path(f"{self.path}-wal").exists():
            _tidy_wal(self.path)

    def __enter__(self) -> ResultsDB:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _tx(self) -> _Tx:
        return _Tx(self.conn)

    def _run_sql(self) -> str:
        return _RUN_SQL.format(compiled_loc=queries.project_column(self.conn, "compiled_loc"))


class _Tx:
    """BEGIN IMMEDIATE ... COMMIT: takes the write lock up front, so two writers
    wait for each other (busy timeout) instead of failing with 'database is locked'."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        # A Ctrl-C that lands just after an earlier BEGIN (before its `with` body, so no
        # __exit__ ran) leaves that transaction open; what it held was never committed.
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")


def _migrate(conn: sqlite3.Connection, db: sqlite_utils.Database, version: int) -> None:
    if version == SCHEMA_VERSION:
        return
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Re-read under the write lock: a concurrent buildprof may have migrated.
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        for step in MIGRATIONS[current:]:
            step(db)
        conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


