"""`buildprof worker`: claim blocks from the team store's queue and measure them.

One job at a time. The queue is procrastinate's (profiler.storage.queue): its
Worker claims a job with FOR UPDATE SKIP LOCKED from the queues this worker can
serve, heartbeats while the job runs, and records the outcome; a RetryStrategy
decides when a failed block is tried again. Around it, buildprof:

- picks the queues it can serve before each claim: its machine class, and the
  toolchains, directories and commits the queue's jobs need (a queue it cannot
  serve is recorded with the reason, for `queue status`);
- takes back, before each claim, the jobs of workers whose heartbeat is older
  than the lease (procrastinate's stalled-job query): queued again, or failed with
  the reason once the retries are spent;
- waits for a quiet machine (profiler.machine.noise) before a block, and says so;
- runs the block as `buildprof run ARGS --db ATTEMPT --format json` in a child
  process, exactly as a user would, into a results file of its own for the attempt:
  an attempt that does not finish (Ctrl-C, SIGTERM, kill -9) leaves nothing behind
  that could be pushed;
- merges a finished attempt into the worker's own results file, then pushes it to
  the store (the push of `buildprof push`, idempotent by uuid) and marks the job
  done. When the store cannot be reached, the attempt waits in an outbox and is
  pushed when the store is back, unless the job was meanwhile given to another
  worker; its runs are kept locally either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from profiler.errors import BuildprofError, UsageError
from profiler.session.resolve import JOB_COMMAND
from profiler.storage import queue

POLL_S = 2.0  # an idle worker looks at the queue this often (and on NOTIFY)
VERDICT_S = 60.0  # what this machine can serve is checked again after this long
QUIET_WAIT_S = 300.0  # at most this long for a quiet machine, then the block runs, flagged


class HandBack(Exception):
    """The block was stopped (Ctrl-C, SIGTERM): the job goes back to the queue at once."""


class BlockFailed(Exception):
    """`buildprof run` could not measure the block: its last error line."""


@dataclass
class Options:
    url: str
    machine_class: str = "default"
    name: str = ""
    once: bool = False
    max_jobs: int | None = None
    idle_exit: float | None = None
    lease: float = 120.0
    retries: int = 2
    db: Path | None = None
    home: Path | None = None  # attempts and outbox; default beside the results file
    quiet_cores: float | None = None  # None: noise.BUSY_CORES
    quiet_wait: float = QUIET_WAIT_S


@dataclass
class Outcome:
    done: int = 0
    failed: int = 0
    handed_back: int = 0
    signal: int | None = None


def _die_with_parent() -> None:
    """In the child: SIGTERM (which `run` treats as Ctrl-C) when the worker dies, even
    by kill -9, so no block goes on measuring for nobody."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Worker:
    def __init__(self, opts: Options, say: Callable[[str], None]) -> None:
        from profiler.paths import default_db

        self.opts, self.say = opts, say
        self.db = opts.db or default_db()
        self.name = opts.name or os.uname().nodename
        self.home = opts.home or self.db.parent / "worker" / _safe(self.name)
        self.attempts = self.home / "attempts"
        self.outbox = self.home / "outbox"
        self.stopping = False
        self.outcome = Outcome()
        self.child: asyncio.subprocess.Process | None = None
        self.wake = asyncio.Event()
        # queue -> (when checked, None: can serve, or why not); checked again after
        # VERDICT_S, so a toolchain installed meanwhile is seen
        self.verdicts: dict[str, tuple[float, str | None]] = {}
        self.app: Any = None
        self.store: queue.WorkerStore | None = None
        self.claims = 0  # jobs claimed so far
        self._lockfile: Any = None

    # -- the loop -----------------------------------------------------------------------

    async def serve(self) -> Outcome:
        from procrastinate import RetryDecision
        from procrastinate.retry import BaseRetryStrategy

        retries = self.opts.retries

        class Retry(BaseRetryStrategy):
            def get_retry_decision(self, *, exception: BaseException, job: Any
                                   ) -> RetryDecision | None:
                if isinstance(exception, HandBack):
                    return RetryDecision(retry_in={"seconds": 0})
                if isinstance(exception, asyncio.CancelledError):  # `queue cancel`
                    return None
                if job.attempts >= retries:
                    return None
                return RetryDecision(retry_in={"seconds": 5})

        for d in (self.attempts, self.outbox):
            d.mkdir(parents=True, exist_ok=True)
        self._lock()
        for stale in self.attempts.iterdir():  # a killed attempt's file: never pushed
            stale.unlink()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._stop, sig)
        self.app = queue.make_app(self.opts.url, self._block, Retry())
        try:
            await self._loop()
        finally:
            with contextlib.suppress(*queue.store_errors()):
                if self.store is not None:
                    await self.store.seen("stopped")
            await self._close()
        left = len(list(self.outbox.glob("*.db")))
        if left:
            self.say(f"{left} measured block(s) not yet pushed wait in {self.outbox}; the "
                     f"next `buildprof worker` with this --name pushes them")
        return self.outcome

    async def _loop(self) -> None:
        idle_since = time.monotonic()
        errors = queue.store_errors()
        down_since: float | None = None
        while not self.stopping:
            try:
                if self.store is None:
                    await self._open()
                    if down_since is not None:
                        self.say(f"the store is back after {time.monotonic() - down_since:.0f} s")
                        down_since = None
                await self._flush_outbox()
                if self._enough():
                    break
                await self._take_back_stalled()
                queues = await self._eligible()
                ran = await self._one_job(queues) if queues else False
            except errors as exc:
                if down_since is None:
                    down_since = time.monotonic()
                    kept = len(list(self.outbox.glob("*.db")))
                    self.say(f"the store cannot be reached ({_line(exc)}); "
                             f"{kept} measured block(s) kept in {self.outbox}; trying again "
                             f"every {POLL_S:g} s")
                await self._close()
                await self._sleep(POLL_S)
                continue
            if ran:
                idle_since = time.monotonic()
                continue
            if self.opts.once:
                self.say("no job this worker can run is queued")
                break
            if (self.opts.idle_exit is not None
                    and time.monotonic() - idle_since >= self.opts.idle_exit):
                self.say(f"idle for {self.opts.idle_exit:g} s: stopping")
                break
            await self._sleep(POLL_S)

    def _lock(self) -> None:
        """One worker per name on a machine: its attempts and outbox are its own."""
        import fcntl

        self._lockfile = (self.home / "lock").open("a+")
        try:
            fcntl.flock(self._lockfile, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(f"a worker named {self.name} already runs on this machine; give "
                             f"this one a --name of its own") from None

    def _enough(self) -> bool:
        """--once or --max-jobs reached."""
        most = 1 if self.opts.once else self.opts.max_jobs
        return most is not None and self.claims >= most

    async def _open(self) -> None:
        from profiler.backends import backends
        from profiler.machine.facts import current_machine

        await self.app.open_async()
        store = queue.WorkerStore(self.app, self.name)
        m = current_machine()
        tcs = sorted({f"{tc.lang}@{tc.version}" for b in backends() for tc in b.discover()})
        await store.register(m.id, f"{m.hostname}: {m.cpu_model}, {m.logical_cpus} CPUs",
                             self.opts.machine_class, tcs, os.getpid())
        self.store = store

    async def _close(self) -> None:
        self.store = None
        if self.app is not None:
            with contextlib.suppress(Exception):
                await self.app.close_async()

    def _stop(self, sig: int) -> None:
        if self.stopping:
            return
        self.stopping = True
        self.outcome.signal = sig
        self.say(f"{signal.Signals(sig).name}: stopping" + (
            "; the running block is stopped and its job handed back" if self.child else ""))
        if self.child is not None and self.child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.child.send_signal(signal.SIGINT)
        self.wake.set()

    async def _sleep(self, seconds: float) -> None:
        self.wake.clear()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.wake.wait(), seconds)

    # -- what to claim ------------------------------------------------------------------

    async def _eligible(self) -> list[str]:
        """The class's queues with waiting jobs that this worker can serve."""
        assert self.store is not None
        waiting = await self.store.todo_queues(self.opts.machine_class)
        unmet = {}
        ok = []
        for q, needs in waiting.items():
            checked, _ = self.verdicts.get(q, (-VERDICT_S, None))
            if time.monotonic() - checked >= VERDICT_S:
                why = await asyncio.to_thread(cannot_serve, needs or {})
                self.verdicts[q] = (time.monotonic(), why)
            why = self.verdicts[q][1]
            if why is None:
                ok.append(q)
            else:
                unmet[q] = why
        await self.store.seen("idle", unmet=unmet)
        return ok

    async def _take_back_stalled(self) -> None:
        """Jobs whose worker stopped heartbeating for longer than the lease: queued
        again, or failed once their retries are spent."""
        assert self.store is not None
        jm = self.app.job_manager
        mine = {int(p.stem.split("-")[0]) for p in self.outbox.glob("*.db")}
        for job in await jm.get_stalled_jobs(seconds_since_heartbeat=self.opts.lease):
            if job.task_name != queue.TASK or job.id in mine:
                continue
            why = (f"its worker stopped heartbeating for more than {self.opts.lease:g} s "
                   f"(lease)")
            try:
                if job.attempts >= self.opts.retries:
                    await jm.finish_job(job, status=_status("failed"), delete_job=False)
                else:
                    await jm.retry_job(job)
            except Exception:
                await self.store.job(job.id)  # the store is away: that error propagates
                continue  # else another worker took the job back first
            spent = job.attempts >= self.opts.retries
            await self.store.log(job.id, job.attempts + 1, "failed" if spent else "lost", why)
            self.say(f"job {job.id}: {why}; " + ("retries spent: failed" if spent
                                                 else "queued again"))

    async def _one_job(self, queues: list[str]) -> bool:
        """Claim and run at most one job from `queues`; whether one was claimed."""
        from procrastinate.worker import Worker as ProcrastinateWorker

        before = self.claims

        async def stop_after_one(call_next: Any, context: Any, worker: Any) -> Any:
            try:
                return await call_next()
            finally:
                worker.stop()

        pw = ProcrastinateWorker(
            self.app, queues=queues, name=self.name, concurrency=1, wait=False,
            install_signal_handlers=False, listen_notify=False,
            update_heartbeat_interval=max(1.0, self.opts.lease / 4),
            stalled_worker_timeout=self.opts.lease, shutdown_graceful_timeout=None,
            worker_middleware=[stop_after_one])
        await pw.run()
        return self.claims > before

    # -- one block ----------------------------------------------------------------------

    async def _block(self, context: Any, argv: list[str], title: str, series: str,
                     needs: dict[str, Any], batch: str) -> None:
        """procrastinate's task: measure the block, record it, push it."""
        assert self.store is not None
        job = context.job
        attempt = job.attempts + 1
        self.claims += 1
        await self.store.seen("working", job.id, job.worker_id)
        await self.store.log(job.id, attempt, "claimed")
        self.say(f"job {job.id}: {title} (attempt {attempt})")
        try:
            await self._quiet(job.id)
            if self.stopping:
                raise HandBack("stopped before the block started")
            await self.store.log(job.id, attempt, "started")
            path = self.attempts / f"{job.id}-{attempt}.db"
            rc, stdout, stderr, took = await self._run(argv, path)
            if self.stopping or rc == 130:
                path.unlink(missing_ok=True)
                raise HandBack("stopped mid-block; nothing of it is kept")
            if rc not in (0, 1) or not path.exists():
                path.unlink(missing_ok=True)
                raise BlockFailed(_last_line(stderr) or f"buildprof run exited {rc}")
            runs = json.loads(stdout or "{}").get("runs") or []
            # Kept before the store is written to: from here, nothing measured is lost.
            await asyncio.to_thread(_merge, path, self.db)
            box = self.outbox / path.name
            box.with_suffix(".json").write_text(json.dumps(
                {"job": job.id, "attempt": attempt, "worker_id": job.worker_id}))
            path.rename(box)
            await self.store.log(job.id, attempt, "measured",
                                 f"{len(runs)} runs in {took:.1f} s")
            await self._push(box)
            self.outcome.done += 1
            self.say(f"job {job.id}: done ({len(runs)} runs, {took:.1f} s)")
        except HandBack as exc:
            self.outcome.handed_back += 1
            await self.store.log(job.id, attempt, "handed back", str(exc))
            self.say(f"job {job.id}: handed back ({exc})")
            raise
        except BlockFailed as exc:
            self.outcome.failed += 1
            await self.store.log(job.id, attempt, "failed", str(exc))
            again = "; it will be tried again" if job.attempts < self.opts.retries else ""
            self.say(f"job {job.id}: failed: {exc}{again}")
            raise
        except asyncio.CancelledError:
            await asyncio.shield(self.store.log(job.id, attempt, "cancelled"))
            self.say(f"job {job.id}: cancelled (`queue cancel`); nothing of it is kept")
            raise

    async def _quiet(self, job_id: int) -> None:
        """Wait until other processes leave the CPUs alone (or QUIET_WAIT_S passes)."""
        from profiler.machine import noise

        limit = self.opts.quiet_cores if self.opts.quiet_cores is not None else noise.BUSY_CORES
        start = time.monotonic()
        said = False
        while not self.stopping:
            busy = await asyncio.to_thread(noise.other_cpu_busy, noise.SESSION_WINDOW_S)
            if busy <= limit:
                if said:
                    self.say(f"job {job_id}: the machine is quiet after "
                             f"{time.monotonic() - start:.0f} s")
                return
            if not said:
                self.say(f"job {job_id}: waiting for a quiet machine (other processes use "
                         f"{busy:.2f} cores)")
                said = True
            if time.monotonic() - start >= self.opts.quiet_wait:
                self.say(f"job {job_id}: still busy after {self.opts.quiet_wait:g} s; "
                         f"measuring anyway (runs are flagged as disturbed)")
                return
            await self._sleep(1.0)

    async def _run(self, argv: list[str], db: Path) -> tuple[int, str, str, float]:
        start = time.monotonic()
        self.child = await asyncio.create_subprocess_exec(
            # The job's arguments last: they may end with `-- PATH...`.
            sys.executable, "-m", "profiler.cli.main", "run", "--no-install",
            "--db", str(db), "--format", "json", *argv,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, start_new_session=True,
            preexec_fn=_die_with_parent,
            env={**os.environ, JOB_COMMAND: shlex.join(["buildprof", "run", *argv])})
        try:
            out, err = await self.child.communicate()
        except asyncio.CancelledError:  # the job was cancelled (`queue cancel`)
            with contextlib.suppress(ProcessLookupError):
                self.child.send_signal(signal.SIGINT)
            await self.child.wait()
            db.unlink(missing_ok=True)
            raise
        finally:
            rc = self.child.returncode
            self.child = None
        return rc if rc is not None else -1, out.decode(), err.decode(), time.monotonic() - start

    # -- pushing ------------------------------------------------------------------------

    async def _push(self, box: Path, finish: bool = False) -> None:
        """Push one measured attempt if its job is still this worker's (or queued);
        with `finish`, mark the job done (else procrastinate's Worker does, when the
        task returns). Store errors propagate: the attempt stays in the outbox."""
        assert self.store is not None
        meta = json.loads(box.with_suffix(".json").read_text())
        job_id, attempt = meta["job"], meta["attempt"]
        state = await self.store.job(job_id)
        ours = state is not None and (
            state["status"] == "todo" or (state["status"] == "doing" and state["worker_id"]
                                          in (meta["worker_id"], None)))
        if not ours:
            now = state["status"] if state else "gone"
            await self.store.log(job_id, attempt, "kept",
                                 f"not pushed: the job is {now} (given to another worker "
                                 f"or cancelled); its runs stay in {self.db}")
            self.say(f"job {job_id}: not pushed, the job is {now}; its runs stay in {self.db}")
        else:
            counts = await asyncio.to_thread(_push_file, self.opts.url, box)
            await self.store.log(job_id, attempt, "pushed", counts)
            if finish:  # pushed after the store came back: procrastinate's Worker is gone
                await self.app.job_manager.finish_job_by_id_async(
                    job_id, status=_status("succeeded"), delete_job=False)
        box.unlink(missing_ok=True)
        box.with_suffix(".json").unlink(missing_ok=True)

    async def _flush_outbox(self) -> None:
        for box in sorted(self.outbox.glob("*.db")):
            self.say(f"pushing {box.name}, kept while the store was away")
            await self._push(box, finish=True)
            self.outcome.done += 1


def cannot_serve(needs: dict[str, Any]) -> str | None:
    """Why this machine cannot run a job with these needs, or None when it can."""
    from profiler.session.resolve import resolve_toolchains
    from profiler.sources import revisions

    for spec in needs.get("toolchains", []):
        lang = spec.split("@")[0]
        try:
            resolve_toolchains([spec] if "@" in spec else [], [lang], install=False)
        except BuildprofError as exc:
            return f"{spec}: {exc}"
    for d in needs.get("paths", []):
        if not Path(d).is_dir():
            return f"{d} does not exist here"
    for d in needs.get("paths", [])[:1]:
        for commit in needs.get("commits", []):
            try:
                revisions.resolve(revisions.toplevel(Path(d)), commit)
            except BuildprofError:
                return f"commit {commit[:12]} is not in {d} here (git fetch it)"
    return None


def _status(name: str) -> Any:
    from procrastinate.jobs import Status

    return Status(name)


def _merge(src: Path, into: Path) -> None:
    from profiler.storage.db import ResultsDB

    into.parent.mkdir(parents=True, exist_ok=True)
    with ResultsDB.open(into) as dest:
        dest.merge_from(src)


def _push_file(url: str, path: Path) -> str:
    from profiler.storage import pg
    from profiler.storage.db import ResultsDB

    with ResultsDB.open(path, readonly=True) as src:
        snap = src.snapshot()
    with pg.connect(url, "buildprof worker") as conn:
        pg.ensure_schema(conn, url)
        return pg.push(conn, snap, url).text()


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def _line(exc: BaseException) -> str:
    """The first line of the innermost error (procrastinate wraps psycopg's)."""
    from profiler.errors import scrub

    while exc.__cause__ is not None:
        exc = exc.__cause__
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return scrub(lines[0] if lines else type(exc).__name__)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:80]
