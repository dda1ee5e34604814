"""The job queue in the team store: `buildprof queue` and `buildprof worker`.

The queue is procrastinate's (its tables, its claim with FOR UPDATE SKIP LOCKED,
its LISTEN/NOTIFY wake-up, its worker heartbeats and stalled-job query, its retry
and cancel), in a PostgreSQL schema of its own, `buildprof_queue`, beside
buildprof's results (schema `buildprof`). buildprof adds two tables there:

- `buildprof_workers`: each worker's name, machine, class and toolchains, what it
  is doing, the queues it cannot serve and why, and when it was last seen;
- `buildprof_job_log`: each attempt's events (claimed, started, measured, pushed,
  kept, failed, lost, handed back) with the store's clock and an error line.

A job's queue is `CLASS/NEEDS`: its machine class and a digest of what it needs
(toolchains, paths, commits), so that a worker claims only from the queues it can
serve, and the claim stays procrastinate's own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from profiler.errors import DatabaseError, UsageError
from profiler.storage import pg

if TYPE_CHECKING:
    import procrastinate
    import psycopg

QUEUE_SCHEMA = "buildprof_queue"
TASK = "buildprof.block"
LOCK_ID = 7010204  # pg_advisory_lock: one creator of the queue's tables at a time
OUR_TABLES = (
    "CREATE TABLE IF NOT EXISTS buildprof_workers (name text PRIMARY KEY, "
    "machine_id text, machine text, machine_class text NOT NULL, "
    "toolchains jsonb NOT NULL DEFAULT '[]', unmet jsonb NOT NULL DEFAULT '{}', "
    "state text NOT NULL, job_id bigint, worker_id bigint, pid integer, "
    "started timestamptz NOT NULL DEFAULT clock_timestamp(), "
    "seen timestamptz NOT NULL DEFAULT clock_timestamp())",
    "CREATE TABLE IF NOT EXISTS buildprof_job_log (id bigserial PRIMARY KEY, "
    "job_id bigint NOT NULL, attempt integer NOT NULL, worker text, event text NOT NULL, "
    "detail text, at timestamptz NOT NULL DEFAULT clock_timestamp())",
    "CREATE INDEX IF NOT EXISTS buildprof_job_log_job ON buildprof_job_log (job_id)",
    "CREATE TABLE IF NOT EXISTS buildprof_queue_meta (key text PRIMARY KEY, value text)",
)


def queue_name(machine_class: str, needs: dict[str, Any]) -> str:
    """The queue of a job: its class and a digest of what it needs."""
    digest = hashlib.sha1(json.dumps(needs, sort_keys=True).encode()).hexdigest()[:12]
    return f"{machine_class}/{digest}"


def class_of(queue: str) -> str:
    return queue.rsplit("/", 1)[0]


def _version() -> str:
    from importlib.metadata import version

    return version("procrastinate")


def _procrastinate() -> Any:
    try:
        import procrastinate
    except ImportError:
        raise UsageError("the job queue needs procrastinate: pip install 'buildprof[postgres]' "
                         "(or ./bootstrap.sh in a checkout)") from None
    return procrastinate


@contextmanager
def connect(url: str, application: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection (pg.connect's one-line errors) whose search path is the queue's."""
    with pg.connect(url, application) as conn:
        conn.execute(f"SET search_path = {QUEUE_SCHEMA}")
        yield conn


def ensure(url: str) -> None:
    """Make the queue's tables when the store has none; refuse tables of another
    procrastinate version (their functions would not match this one's calls)."""
    _procrastinate()  # installed, or one line saying how
    with connect(url, "buildprof queue") as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", [LOCK_ID])
        try:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {QUEUE_SCHEMA}")
            for sql in OUR_TABLES:
                conn.execute(sql)
            have = conn.execute("SELECT to_regclass('buildprof_queue.procrastinate_jobs') "
                                "IS NOT NULL").fetchone()[0]  # type: ignore[index]
            if not have:
                app = make_app(url)
                with app.open():
                    app.schema_manager.apply_schema()
                conn.execute("INSERT INTO buildprof_queue_meta VALUES ('procrastinate', %s) "
                             "ON CONFLICT (key) DO NOTHING", [_version()])
            row = conn.execute("SELECT value FROM buildprof_queue_meta WHERE key = "
                               "'procrastinate'").fetchone()
            if row and row[0] != _version():
                raise DatabaseError(
                    f"the queue in {pg.shown(url)} was made by procrastinate {row[0]}; this "
                    f"buildprof has {_version()}: install the same version on every "
                    f"machine of the team (constraints.txt pins it)")
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [LOCK_ID])


def make_app(url: str, task: Any = None, retry: Any = None) -> procrastinate.App:
    """A procrastinate App on the store, with the block task when given."""
    proc = _procrastinate()
    connector = proc.PsycopgConnector(
        conninfo=url, min_size=1, max_size=4, timeout=5,
        kwargs={"options": f"-c search_path={QUEUE_SCHEMA}",
                "application_name": "buildprof worker", "connect_timeout": 10})
    app = proc.App(connector=connector)
    if task is not None:
        app.task(name=TASK, pass_context=True, retry=retry)(task)
    return app


def store_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean the store is unreachable or failed mid-way."""
    import psycopg
    import psycopg_pool
    from procrastinate import exceptions

    return (psycopg.Error, psycopg_pool.PoolTimeout, exceptions.ConnectorException,
            DatabaseError)


# -- adding jobs (sync, from `queue add`) --------------------------------------------------


def add(url: str, jobs: list[dict[str, Any]]) -> list[int]:
    """Queue the jobs (each: queue, args) in one transaction; their ids."""
    proc = _procrastinate()
    app = make_app(url)
    with app.open():
        made = app.job_manager.batch_defer_jobs([
            proc.jobs.Job(id=None, queue=j["queue"], lock=None, queueing_lock=None,
                          task_name=TASK, task_kwargs=j["args"]) for j in jobs])
    return [int(j.id) for j in made]  # type: ignore[arg-type]


def earlier_classes(url: str, series: list[str]) -> dict[str, str]:
    """The machine class each series last ran on (its newest job not cancelled)."""
    with connect(url, "buildprof queue") as conn:
        rows = conn.execute(
            "SELECT DISTINCT ON (args->>'series') args->>'series', queue_name "
            "FROM procrastinate_jobs WHERE task_name = %s AND args->>'series' = ANY(%s) "
            "AND status <> 'cancelled' ORDER BY args->>'series', id DESC",
            [TASK, series]).fetchall()
    return {s: class_of(q) for s, q in rows}


# -- status, cancel, retry (sync) ---------------------------------------------------------


@dataclass
class JobRow:
    id: int
    status: str
    queue: str
    args: dict[str, Any]
    attempts: int
    worker: str | None  # buildprof worker name, while it runs
    error: str | None  # the last error line of its log
    abort_requested: bool


@dataclass
class WorkerRow:
    name: str
    machine_class: str
    machine: str
    toolchains: list[str]
    unmet: dict[str, str]
    state: str
    job_id: int | None
    seen_s: float  # seconds since it was last seen
    heartbeat_s: float | None  # seconds since procrastinate's heartbeat, while it works


def status(url: str) -> tuple[list[JobRow], list[WorkerRow]]:
    with connect(url, "buildprof queue status") as conn:
        if not conn.execute("SELECT to_regclass('buildprof_queue.procrastinate_jobs') "
                            "IS NOT NULL").fetchone()[0]:  # type: ignore[index]
            raise UsageError(f"{pg.shown(url)} has no job queue yet; `buildprof queue add` "
                             f"makes it")
        jobs = [JobRow(*r) for r in conn.execute(
            "SELECT j.id, j.status::text, j.queue_name, j.args, j.attempts, w.name, "
            "(SELECT detail FROM buildprof_job_log l WHERE l.job_id = j.id AND l.event IN "
            "('failed', 'lost', 'handed back') ORDER BY l.id DESC LIMIT 1), j.abort_requested "
            "FROM procrastinate_jobs j LEFT JOIN buildprof_workers w ON w.job_id = j.id "
            "AND w.state = 'working' WHERE j.task_name = %s ORDER BY j.id", [TASK])]
        workers = [WorkerRow(*r) for r in conn.execute(
            "SELECT w.name, w.machine_class, w.machine, w.toolchains, w.unmet, w.state, "
            "w.job_id, extract(epoch FROM clock_timestamp() - w.seen)::float8, "
            "extract(epoch FROM clock_timestamp() - p.last_heartbeat)::float8 "
            "FROM buildprof_workers w LEFT JOIN procrastinate_workers p ON p.id = w.worker_id "
            "ORDER BY w.name")]
    return jobs, workers


def log_of(url: str, job_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """The job log (every attempt's events), oldest first."""
    with connect(url, "buildprof queue") as conn:
        cur = conn.execute(
            "SELECT job_id, attempt, worker, event, detail, "
            "extract(epoch FROM at)::float8 AS at FROM buildprof_job_log "
            "WHERE %s::bigint[] IS NULL OR job_id = ANY(%s) ORDER BY id",
            [job_ids, job_ids])
        names = [c.name for c in cur.description or []]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _each(url: str, ids: list[int], wanted: tuple[str, ...], act: Any, done: Any,
          refused: str) -> dict[int, str]:
    """Apply `act(job_manager, id, state)` to each job in a `wanted` state:
    {id: what happened}."""
    app = make_app(url)
    out = {}
    with app.open():
        known = {j.id: j.status for j in app.job_manager.list_jobs()}
        for job_id in ids:
            state = known.get(job_id)
            if state is None:
                out[job_id] = "no such job (see `buildprof queue status --all`)"
            elif state in wanted:
                act(app.job_manager, job_id, state)
                out[job_id] = done(state)
            else:
                out[job_id] = f"{refused}: it is {state}"
    return out


def cancel(url: str, ids: list[int]) -> dict[int, str]:
    """Cancel queued jobs and ask running ones to stop."""
    return _each(url, ids, ("todo", "doing"),
                 lambda jm, i, _: jm.cancel_job_by_id(i, abort=True),
                 lambda st: "cancelled" if st == "todo" else "asked to stop", "not cancelled")


def retry(url: str, ids: list[int]) -> dict[int, str]:
    """Queue failed jobs again."""
    return _each(url, ids, ("failed",), lambda jm, i, _: jm.retry_job_by_id(i, retry_at=None),
                 lambda _: "queued again", "not retried")


def job_ids(url: str, states: tuple[str, ...]) -> list[int]:
    with connect(url, "buildprof queue") as conn:
        return [r[0] for r in conn.execute(
            "SELECT id FROM procrastinate_jobs WHERE task_name = %s AND status::text = ANY(%s) "
            "ORDER BY id", [TASK, list(states)])]


# -- the worker's side (async, on the App's connector) ------------------------------------


class WorkerStore:
    """What a worker reads and writes besides procrastinate's own calls."""

    def __init__(self, app: procrastinate.App, name: str) -> None:
        self.app, self.name = app, name

    async def _exec(self, query: Any, **args: Any) -> None:
        await self.app.connector.execute_query_async(query, **args)

    async def _all(self, query: Any, **args: Any) -> list[dict[str, Any]]:
        return list(await self.app.connector.execute_query_all_async(query, **args))

    async def register(self, machine_id: str, machine: str, machine_class: str,
                       toolchains: list[str], pid: int) -> None:
        await self._exec(
            "INSERT INTO buildprof_workers (name, machine_id, machine, machine_class, "
            "toolchains, state, pid) VALUES (%(name)s, %(mid)s, %(machine)s, %(cls)s, "
            "%(tcs)s, 'idle', %(pid)s) ON CONFLICT (name) DO UPDATE SET machine_id = "
            "EXCLUDED.machine_id, machine = EXCLUDED.machine, machine_class = "
            "EXCLUDED.machine_class, toolchains = EXCLUDED.toolchains, state = 'idle', "
            "job_id = NULL, worker_id = NULL, pid = EXCLUDED.pid, unmet = '{}', "
            "started = clock_timestamp(), seen = clock_timestamp()",
            name=self.name, mid=machine_id, machine=machine, cls=machine_class,
            tcs=json.dumps(toolchains), pid=pid)

    async def seen(self, state: str, job_id: int | None = None, worker_id: int | None = None,
                   unmet: dict[str, str] | None = None) -> None:
        await self._exec(
            "UPDATE buildprof_workers SET state = %(state)s, job_id = %(job)s, worker_id = "
            "%(wid)s, unmet = COALESCE(%(unmet)s::jsonb, unmet), seen = clock_timestamp() "
            "WHERE name = %(name)s", state=state, job=job_id, wid=worker_id,
            unmet=json.dumps(unmet) if unmet is not None else None, name=self.name)

    async def log(self, job_id: int, attempt: int, event: str, detail: str | None = None
                  ) -> None:
        await self._exec(
            "INSERT INTO buildprof_job_log (job_id, attempt, worker, event, detail) VALUES "
            "(%(job)s, %(attempt)s, %(name)s, %(event)s, %(detail)s)",
            job=job_id, attempt=attempt, name=self.name, event=event, detail=detail)

    async def todo_queues(self, machine_class: str) -> dict[str, dict[str, Any]]:
        """The class's queues with jobs waiting: {queue: the needs of its jobs}."""
        rows = await self._all(
            "SELECT DISTINCT ON (queue_name) queue_name, args->'needs' AS needs "
            "FROM procrastinate_jobs WHERE task_name = %(task)s AND status = 'todo' "
            "AND (scheduled_at IS NULL OR scheduled_at <= now()) "
            "AND split_part(queue_name, '/', 1) = %(cls)s ORDER BY queue_name, id",
            task=TASK, cls=machine_class)
        return {r["queue_name"]: r["needs"] for r in rows}

    async def job(self, job_id: int) -> dict[str, Any] | None:
        rows = await self._all(
            "SELECT status::text AS status, worker_id, attempts FROM procrastinate_jobs "
            "WHERE id = %(id)s", id=job_id)
        return rows[0] if rows else None
