"""`buildprof queue status` as a terminal table and as JSON."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from profiler.storage.queue import JobRow, WorkerRow, class_of

STATES = ("todo", "doing", "succeeded", "failed", "cancelled", "aborted")
SHOWN = {"todo": "queued", "doing": "running", "succeeded": "done", "failed": "failed",
         "cancelled": "cancelled", "aborted": "cancelled while running"}
LIVE_S = 120.0  # a worker seen (or heartbeating) this recently is counted as running


def shown_state(w: WorkerRow) -> str:
    """idle or working while heard from; stopped when it said so; else gone."""
    return w.state if live(w) else ("stopped" if w.state == "stopped" else "gone")


def live(w: WorkerRow) -> bool:
    ages = [a for a in (w.seen_s, w.heartbeat_s) if a is not None]
    return w.state != "stopped" and bool(ages) and min(ages) < LIVE_S


def why(job: JobRow, workers: list[WorkerRow]) -> str:
    """What a job not done is waiting for, or its last error."""
    if job.status == "doing":
        return f"on {job.worker}" if job.worker else "claimed; its worker is not heard from"
    if job.status in ("failed", "aborted", "cancelled"):
        return job.error or ""
    if job.status != "todo":
        return ""
    cls = class_of(job.queue)
    mine = [w for w in workers if w.machine_class == cls and live(w)]
    retried = f" (tried {job.attempts}×: {job.error})" if job.attempts and job.error else ""
    if not mine:
        return f"no worker of class {cls} is running{retried}"
    refused = [w for w in mine if job.queue in w.unmet]
    if len(refused) == len(mine):
        return ("no worker can run it: " + "; ".join(f"{w.name}: {w.unmet[job.queue]}"
                                                     for w in refused) + retried)
    return f"waiting for a free worker of class {cls}{retried}"


def status_json(jobs: list[JobRow], workers: list[WorkerRow]) -> dict[str, Any]:
    counts = Counter(j.status for j in jobs)
    return {
        "counts": {SHOWN[s]: counts.get(s, 0) for s in STATES},
        "workers": [{"name": w.name, "class": w.machine_class, "machine": w.machine,
                     "toolchains": w.toolchains, "state": shown_state(w),
                     "job": w.job_id if w.state == "working" else None,
                     "seen_s": round(w.seen_s, 1),
                     "heartbeat_s": None if w.heartbeat_s is None else round(w.heartbeat_s, 1),
                     "cannot_serve": w.unmet} for w in workers],
        "jobs": [{"id": j.id, "state": SHOWN.get(j.status, j.status),
                  "class": class_of(j.queue), "title": j.args.get("title"),
                  "attempts": j.attempts, "worker": j.worker, "why": why(j, workers),
                  "argv": j.args.get("argv"), "needs": j.args.get("needs")} for j in jobs],
    }


def _age(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 120:
        return f"{seconds:.0f} s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"


def status_table(jobs: list[JobRow], workers: list[WorkerRow], out: Console,
                 every: bool = False) -> None:
    counts = Counter(j.status for j in jobs)
    out.print("Jobs: " + ", ".join(f"{counts.get(s, 0)} {SHOWN[s]}" for s in STATES
                                   if counts.get(s) or s in ("todo", "doing", "succeeded")),
              highlight=False)
    if workers:
        t = Table(title="Workers", title_justify="left")
        for col in ("name", "class", "state", "job", "last heard", "toolchains"):
            t.add_column(col, overflow="fold")
        for w in workers:
            state = shown_state(w)
            heard = min(a for a in (w.seen_s, w.heartbeat_s) if a is not None)
            t.add_row(escape(w.name), escape(w.machine_class), state,
                      str(w.job_id) if w.state == "working" and w.job_id else "",
                      _age(heard), escape(", ".join(w.toolchains)))
        out.print(t)
    else:
        out.print("No worker has registered yet: start `buildprof worker --store URL` on a "
                  "machine of its own.", highlight=False)
    shown = [j for j in jobs if every or j.status != "succeeded"]
    if not shown:
        return
    t = Table(title="Jobs" if every else "Jobs not done", title_justify="left")
    for col in ("id", "state", "class", "block", "tries", "why / last error"):
        t.add_column(col, overflow="fold")
    for j in shown:
        t.add_row(str(j.id), SHOWN.get(j.status, j.status), escape(class_of(j.queue)),
                  escape(str(j.args.get("title", ""))), str(j.attempts),
                  escape(why(j, workers)))
    out.print(t)
