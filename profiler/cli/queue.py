"""Many machines: `buildprof queue add|status|cancel|retry` and `buildprof worker`
(profiler.session.jobs cuts a run into jobs, profiler.session.worker runs them,
profiler.storage.queue keeps the queue in the team store)."""

from __future__ import annotations

import re
import sys
import time
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer

from profiler.cli.options import QuickHelpGroup, format_option
from profiler.cli.team import store_option, store_url
from profiler.errors import UsageError

app = typer.Typer(help="A job queue in the team store: measure on many machines, one block "
                       "per job (see also `buildprof worker`)",
                  no_args_is_help=True, cls=QuickHelpGroup)
CLASS_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
NOT_PASSED = ("db", "fmt")  # run's options a job does not carry: the worker sets them


def _class(name: str) -> str:
    if not CLASS_RE.fullmatch(name):
        raise UsageError(f"--machine-class '{name}' is not a class name: letters, digits, "
                         f"'.', '_' and '-', at most 40, e.g. --machine-class amd-2core")
    return name


def _run_command() -> Any:
    """`run`'s click command, to parse the options `queue add` passes on."""
    from profiler.cli.run import run

    one = typer.Typer()
    one.command("run")(run)
    return typer.main.get_command(one)


def _argv(cmd: Any, params: dict[str, Any]) -> list[str]:
    """A `buildprof run` argument list that gives `params`: every option that differs
    from its default, then the paths."""
    out: list[str] = []
    paths: list[str] = []
    for p in cmd.params:
        v = params.get(p.name)
        if p.param_type_name == "argument":
            paths += [str(x) for x in v or []]
        elif p.name in NOT_PASSED or v is None or v == p.default or v in ([], (), False):
            continue
        elif p.is_flag:
            out.append(p.opts[0])
        elif p.multiple:
            for x in v:
                out += [p.opts[0], str(x)]
        else:
            out += [p.opts[0], str(v)]
    return out + (["--", *paths] if paths else [])


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def add(
    ctx: typer.Context,
    store: store_option("--store") = None,
    machine_class: Annotated[str | None, typer.Option(
        "--machine-class", help="Run the jobs on workers of this class (default: the class "
                                "each series ran on before, else 'default')",
        show_default=False)] = None,
    block_commits: Annotated[int, typer.Option(
        help="--rev A..B: commits per job; consecutive jobs share one")] = 8,
) -> None:
    """Queue a `buildprof run` as jobs, one per block: every option of `run` is taken
    (`buildprof queue add --sample pairs --scenario clean --runs 1 --store URL`).

    A block is what run measures interleaved: one scenario of one sample (both languages),
    or of your projects. So every comparison stays in one job, on one machine."""
    from profiler.session.jobs import plan
    from profiler.storage import pg, queue

    url = store_url(store, "--store")
    if machine_class is not None:
        _class(machine_class)
    cmd = _run_command()
    run_ctx = cmd.make_context("run", list(ctx.args))
    params = dict(run_ctx.params)
    if params.get("db") is not None:
        raise UsageError("queue add takes no --db: each worker records into its own results "
                         "file (`buildprof worker --db`) and pushes to the store")
    from profiler.cli.run import make_request

    request = make_request(**params)
    jobs = plan(request, block_commits)
    queue.ensure(url)
    earlier = queue.earlier_classes(url, sorted({j.series for j in jobs}))
    batch = uuid.uuid4().hex[:12]
    # The blocks' sessions share a label, so that `report --label` puts them together
    # as one `run`'s session would be.
    label = params.get("label") or f"queue-{batch}"
    params["label"] = label
    rows = []
    for j in jobs:
        cls = machine_class or earlier.get(j.series, "default")
        if machine_class and earlier.get(j.series, machine_class) != machine_class:
            typer.echo(f"note: {j.title} ran on class {earlier[j.series]} before; its new "
                       f"runs on {machine_class} form a series of their own", err=True)
        argv = _argv(cmd, {**params, **j.overrides})
        rows.append({"queue": queue.queue_name(cls, j.needs), "args": {
            "argv": argv, "title": j.title, "series": j.series, "needs": j.needs,
            "batch": batch}})
    ids = queue.add(url, rows)
    typer.echo(f"queued {len(ids)} job(s) in {pg.shown(url)} (batch {batch}):")
    for job_id, row in zip(ids, rows, strict=True):
        typer.echo(f"  {job_id:>6}  [{queue.class_of(row['queue'])}]  {row['args']['title']}")
    typer.echo(f"Each block is a session labelled {label}; once they are done: buildprof "
               f"pull --label {label} && buildprof report --label {label}", err=True)


@app.command()
def status(
    store: store_option("--store") = None,
    fmt: format_option("table", "json") = "table",
    all_: Annotated[bool, typer.Option("--all", help="List done jobs too")] = False,
) -> None:
    """Jobs by state, each worker with its last heartbeat and current job, and every job
    not done: why it waits, or its last error."""
    from profiler.report.queue import status_json, status_table
    from profiler.storage import queue

    url = store_url(store, "--store")
    jobs, workers = queue.status(url)
    if fmt == "json":
        from profiler.report.writers import write_json

        write_json(status_json(jobs, workers), sys.stdout)
        return
    from profiler.report.console import make_console

    status_table(jobs, workers, make_console(), all_)


def _ids(given: list[int] | None, every: bool, url: str, states: tuple[str, ...],
         flag: str) -> list[int]:
    from profiler.storage import queue

    if given and every:
        raise UsageError(f"give job ids or {flag}, not both")
    if every:
        return queue.job_ids(url, states)
    if not given:
        raise UsageError(f"name the jobs (ids from `buildprof queue status`) or give {flag}")
    return given


@app.command()
def cancel(
    jobs: Annotated[list[int] | None, typer.Argument(help="Job ids", show_default=False)] = None,
    every: Annotated[bool, typer.Option("--all", help="Every queued or running job")] = False,
    store: store_option("--store") = None,
) -> None:
    """Cancel queued jobs; a running one is stopped by its worker within seconds and
    nothing of it is kept."""
    from profiler.storage import queue

    url = store_url(store, "--store")
    for job_id, what in queue.cancel(url, _ids(jobs, every, url, ("todo", "doing"),
                                               "--all")).items():
        typer.echo(f"job {job_id}: {what}")


@app.command()
def retry(
    jobs: Annotated[list[int] | None, typer.Argument(help="Job ids", show_default=False)] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Every failed job")] = False,
    store: store_option("--store") = None,
) -> None:
    """Queue failed jobs again, for one more try each."""
    from profiler.storage import queue

    url = store_url(store, "--store")
    for job_id, what in queue.retry(url, _ids(jobs, failed, url, ("failed",),
                                              "--failed")).items():
        typer.echo(f"job {job_id}: {what}")


def worker(
    store: store_option("--store") = None,
    machine_class: Annotated[str, typer.Option(
        "--machine-class", help="Take only jobs of this class")] = "default",
    name: Annotated[str | None, typer.Option(
        help="This worker's name in `queue status` (default: the host's name; two workers "
             "on one machine need names of their own); started again, it pushes what it "
             "kept while the store was away",
        show_default=False)] = None,
    once: Annotated[bool, typer.Option(
        "--once", help="Run one job (or none, when nothing is queued) and exit: a CI job's "
                       "step")] = False,
    max_jobs: Annotated[int | None, typer.Option(help="Exit after this many jobs",
                                                 show_default=False)] = None,
    idle_exit: Annotated[float | None, typer.Option(
        help="Exit after this many seconds with no job it can run", show_default=False)
        ] = None,
    lease: Annotated[float, typer.Option(
        help="A job whose worker has not heartbeaten for this many seconds goes back to "
             "the queue (give every worker the same)")] = 120.0,
    retries: Annotated[int, typer.Option(
        help="Tries after the first before a job is marked failed (hand-backs count)")] = 2,
    quiet_wait: Annotated[float, typer.Option(
        help="Wait at most this many seconds for a quiet machine before a block")] = 300.0,
    quiet_below: Annotated[float | None, typer.Option(
        help="Quiet: other processes use fewer cores than this (default: a quarter of a "
             "core, where `run` flags a run disturbed)", show_default=False)] = None,
    db: Annotated[Path | None, typer.Option("--db", help="This worker's own results file "
                                    "(default: buildprof's)", show_default=False)] = None,
) -> None:
    """Claim jobs from the team store's queue, one at a time, and measure each block as
    `buildprof run` would: record it locally, push it, mark it done.

    A worker needs a machine of its own: another build beside it is noise in every
    figure (docs/fleet.md)."""
    import asyncio
    import logging
    import os

    from profiler.session.worker import Options, Worker
    from profiler.storage import pg, queue

    url = store_url(store, "--store")
    _class(machine_class)
    for option, value in (("--lease", lease), ("--idle-exit", idle_exit),
                          ("--quiet-wait", quiet_wait), ("--quiet-below", quiet_below)):
        if value is not None and not value >= 0:
            raise UsageError(f"{option} takes a number of seconds, at least 0 (got {value})")
    if lease < 2:
        raise UsageError(f"--lease must be at least 2 seconds (got {lease:g}): the worker "
                         f"heartbeats every quarter of it")
    if retries < 0 or (max_jobs is not None and max_jobs < 1):
        raise UsageError("--retries takes 0 or more, --max-jobs 1 or more")
    queue.ensure(url)  # a bad URL or password: one line, exit 2, before anything starts
    if os.environ.get("BUILDPROF_DEBUG") != "1":
        for logger in ("procrastinate", "psycopg.pool"):  # the worker says what matters
            logging.getLogger(logger).setLevel(logging.CRITICAL)

    def say(text: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {text}", flush=True)

    opts = Options(url=url, machine_class=machine_class, name=name or "", once=once,
                   max_jobs=max_jobs, idle_exit=idle_exit, lease=lease, retries=retries,
                   db=db, quiet_wait=quiet_wait, quiet_cores=quiet_below)
    w = Worker(opts, say)
    say(f"worker {w.name} (class {machine_class}) on {pg.shown(url)}")
    out = asyncio.run(_serve(w))
    say(f"worker {w.name}: {out.done} done, {out.failed} failed, {out.handed_back} handed "
        f"back")
    if out.signal == 2:  # SIGINT: as Ctrl-C ends `run`
        raise typer.Exit(130)


async def _serve(w: Any) -> Any:
    import asyncio
    import os

    def quiet(loop: Any, context: dict[str, Any]) -> None:
        # A task of procrastinate's that failed while the store was away: the worker
        # has already said so; its traceback only with BUILDPROF_DEBUG=1.
        if os.environ.get("BUILDPROF_DEBUG") == "1":
            loop.default_exception_handler(context)

    asyncio.get_running_loop().set_exception_handler(quiet)
    return await w.serve()
