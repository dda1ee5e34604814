"""Many machines: `queue add`, `worker`, `queue status|cancel|retry`, on the suite's
real PostgreSQL (tests/pgserver.py), with workers as separate processes running
real go builds of the tiny and small samples."""

from __future__ import annotations

import itertools
import json
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pgserver
import pytest

from conftest import REPO, buildprof, error_line

GO_DEBUG = ("--lang", "go", "--profile", "debug")
_numbers = itertools.count(1)


@pytest.fixture
def url(pg_server: pgserver.Server, monkeypatch: pytest.MonkeyPatch) -> str:
    name = f"queue{next(_numbers)}"
    pg_server.psql(f"CREATE DATABASE {name} OWNER {pgserver.USER}")
    monkeypatch.setenv("PGPASSWORD", pgserver.PASSWORD)
    return pg_server.url_for(database=name, password=None)


def add(url: str, *args: str) -> list[int]:
    res = buildprof("queue", "add", *args, "--store", url)
    assert res.returncode == 0, res.stderr
    return [int(ln.split()[0]) for ln in res.stdout.splitlines()[1:]]


def status(url: str) -> dict[str, Any]:
    res = buildprof("queue", "status", "--store", url, "--format", "json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def log(url: str) -> list[dict[str, Any]]:
    from profiler.storage import queue

    return queue.log_of(url)


def sql(url: str, query: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


def start_worker(url: str, tmp: Path, name: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "profiler.cli.main", "worker", "--store", url, "--name", name,
         "--db", str(tmp / f"{name}.db"), "--quiet-wait", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO)


def wait_for(cond: Any, timeout: float = 120, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = cond()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def reaper() -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_two_workers_run_six_blocks_exactly_once(url: str, tmp_path: Path, reaper: list
                                                  ) -> None:
    ids = add(url, "--size", "tiny", "--size", "small", *GO_DEBUG, "--scenario", "clean",
              "--scenario", "noop", "--scenario", "incremental", "--runs", "1")
    assert len(ids) == 6
    jobs = {j["id"]: j for j in status(url)["jobs"]}
    assert {j["title"] for j in jobs.values()} == {
        f"{sc} · size {sz}" for sc in ("clean", "noop", "incremental") for sz in ("tiny", "small")}
    assert all(j["needs"] == {"toolchains": ["go"]} for j in jobs.values())
    workers = [start_worker(url, tmp_path, n, "--idle-exit", "3") for n in ("w1", "w2")]
    reaper += workers
    outs = [w.communicate(timeout=600)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outs
    final = status(url)
    assert final["counts"]["done"] == 6 and final["counts"]["queued"] == 0, final
    claims = [(e["job_id"], e["worker"]) for e in log(url) if e["event"] == "claimed"]
    assert sorted(j for j, _ in claims) == sorted(ids)  # each block ran exactly once
    assert {w for _, w in claims} == {"w1", "w2"}, outs  # both took work
    pushed = [e["job_id"] for e in log(url) if e["event"] == "pushed"]
    assert sorted(pushed) == sorted(ids)
    # Every run landed once: one session per job, each block's cells once.
    sessions = sql(url, "SELECT count(*) FROM buildprof.sessions")[0][0]
    rows = sql(url, "SELECT p.name, r.scenario, r.warmup, r.iteration, count(*) FROM "
                    "buildprof.runs r JOIN buildprof.projects p ON p.id = r.project_id "
                    "GROUP BY 1, 2, 3, 4")
    assert sessions == 6
    # They share the batch's label, and each records its job's command, which
    # reproduces it, not the worker's own --db and --format.
    (label,) = {j["argv"][j["argv"].index("--label") + 1] for j in jobs.values()}
    assert label.startswith("queue-")
    recorded = sql(url, "SELECT label, command_line FROM buildprof.sessions")
    assert {lb for lb, _ in recorded} == {label}
    assert {cl for _, cl in recorded} == {shlex.join(["buildprof", "run", *j["argv"]])
                                          for j in jobs.values()}
    assert {(n, sc) for n, sc, w, _, _ in rows if not w} == {
        (sz, sc) for sc in ("clean", "noop", "incremental") for sz in ("tiny", "small")}
    assert all(c == 1 for *_, c in rows), rows
    # Each worker recorded its own blocks locally too.
    local = sum(sqlite3.connect(tmp_path / f"{n}.db").execute(
        "SELECT count(*) FROM sessions").fetchone()[0] for n in ("w1", "w2"))
    assert local == 6


def test_kill_9_mid_block_other_worker_reruns_it_after_the_lease(
        url: str, tmp_path: Path, reaper: list) -> None:
    (job,) = add(url, "--size", "tiny", *GO_DEBUG, "--scenario", "clean", "--runs", "15")
    a = start_worker(url, tmp_path, "wa", "--lease", "3")
    reaper.append(a)
    wait_for(lambda: any(e["event"] == "started" for e in log(url)), what="wa to start")
    time.sleep(2.0)  # some runs measured, not all
    a.kill()
    a.wait()
    # Its `buildprof run` child dies with it (PR_SET_PDEATHSIG): nothing goes on measuring.
    attempt_db = tmp_path / "worker" / "wa" / "attempts" / f"{job}-1.db"
    wait_for(lambda: not _children_writing(attempt_db), 60, "wa's child to stop")
    partial = sqlite3.connect(attempt_db).execute("SELECT uuid FROM sessions").fetchall()
    b = start_worker(url, tmp_path, "wb", "--lease", "3", "--max-jobs", "1", "--idle-exit", "60")
    reaper.append(b)
    out = b.communicate(timeout=600)[0]
    assert b.returncode == 0, out
    assert f"job {job}: its worker stopped heartbeating for more than 3 s (lease)" in out
    events = [(e["attempt"], e["worker"], e["event"]) for e in log(url)]
    assert events == [(1, "wa", "claimed"), (1, "wa", "started"), (1, "wb", "lost"),
                      (2, "wb", "claimed"), (2, "wb", "started"), (2, "wb", "measured"),
                      (2, "wb", "pushed")]
    assert status(url)["counts"]["done"] == 1
    sessions = sql(url, "SELECT uuid FROM buildprof.sessions")
    assert len(sessions) == 1 and sessions[0][0] not in {u for (u,) in partial}
    timed = sql(url, "SELECT count(*), count(DISTINCT uuid) FROM buildprof.runs "
                     "WHERE warmup = 0")
    assert timed == [(15, 15)]  # the whole block, once


def _children_writing(db: Path) -> bool:
    import psutil

    return any(str(db) in " ".join(p.info["cmdline"] or [])
               for p in psutil.process_iter(["cmdline"]))


def test_store_away_after_a_block_keeps_its_runs_and_pushes_them_on_return(
        tmp_path: Path, reaper: list, monkeypatch: pytest.MonkeyPatch) -> None:
    srv = pgserver.start()  # a server of its own, to stop and start
    try:
        monkeypatch.setenv("PGPASSWORD", pgserver.PASSWORD)
        url = srv.url_for(password=None)
        (job,) = add(url, "--size", "tiny", *GO_DEBUG, "--scenario", "clean", "--runs", "6")
        w = start_worker(url, tmp_path, "wo", "--once", "--lease", "4")
        reaper.append(w)
        wait_for(lambda: any(e["event"] == "started" for e in log(url)), what="the block")
        srv.pause()  # while the block is measured
        lines = []
        assert w.stdout is not None
        for line in w.stdout:
            lines.append(line)
            if "cannot be reached" in line:
                assert "1 measured block(s) kept" in line, lines
                time.sleep(1.0)
                srv.resume()
        w.wait(timeout=60)
        out = "".join(lines)
        assert w.returncode == 0, out
        assert "the store is back" in out and f"pushing {job}-1.db" in out
        assert "1 done" in out
        assert sql(url, "SELECT count(*) FROM buildprof.runs WHERE warmup = 0") == [(6,)]
        assert status(url)["counts"]["done"] == 1
        assert [e["event"] for e in log(url)][-1] == "pushed"
        assert not list((tmp_path / "worker" / "wo" / "outbox").iterdir())
    finally:
        srv.stop()


def test_other_classes_and_missing_toolchains_wait_and_say_why(url: str, tmp_path: Path,
                                                                reaper: list) -> None:
    (big,) = add(url, "--size", "tiny", *GO_DEBUG, "--scenario", "clean", "--runs", "1",
                 "--machine-class", "big")
    (old,) = add(url, "--size", "tiny", *GO_DEBUG, "--scenario", "check", "--runs", "1",
                 "--toolchain", "go@1.20.1")
    w = start_worker(url, tmp_path, "wd", "--idle-exit", "60")
    reaper.append(w)

    def refused() -> dict[str, Any] | None:
        s = status(url)
        return s if any(x["cannot_serve"] for x in s["workers"]) else None

    s = wait_for(refused, what="the worker to look at the queue")
    jobs = {j["id"]: j for j in s["jobs"]}
    assert jobs[big]["why"] == "no worker of class big is running"
    assert jobs[old]["why"].startswith("no worker can run it: wd: go@1.20.1: ")
    assert "toolchain install go@1.20.1" in jobs[old]["why"]
    w.send_signal(signal.SIGTERM)
    out = w.communicate(timeout=60)[0]
    assert w.returncode == 0, out
    assert [e for e in log(url) if e["event"] == "claimed"] == []
    table = buildprof("queue", "status", "--store", url)
    assert "no worker of class big is running" in table.stdout
    # Once the worker is gone, the toolchain job says no worker of its class runs.
    assert status(url)["jobs"][1]["why"] == "no worker of class default is running"


def test_sigterm_stops_the_block_and_hands_the_job_back(url: str, tmp_path: Path,
                                                         reaper: list) -> None:
    (job,) = add(url, "--size", "tiny", *GO_DEBUG, "--scenario", "clean", "--runs", "30")
    w = start_worker(url, tmp_path, "ws")
    reaper.append(w)
    wait_for(lambda: any(e["event"] == "started" for e in log(url)), what="the block")
    time.sleep(1.5)
    w.send_signal(signal.SIGTERM)
    out = w.communicate(timeout=60)[0]
    assert w.returncode == 0, out
    assert f"job {job}: handed back" in out
    (j,) = status(url)["jobs"]
    assert j["state"] == "queued" and j["attempts"] == 1
    assert [e["event"] for e in log(url)] == ["claimed", "started", "handed back"]
    assert sql(url, "SELECT to_regclass('buildprof.runs')") == [(None,)]  # nothing pushed
    assert not list((tmp_path / "worker" / "ws" / "attempts").iterdir())
    # cancel, then retry: a cancelled job is not run; `retry` takes failed ones only.
    res = buildprof("queue", "cancel", str(job), "--store", url)
    assert res.returncode == 0 and f"job {job}: cancelled" in res.stdout
    res = buildprof("queue", "retry", str(job), "--store", url)
    assert f"job {job}: not retried: it is cancelled" in res.stdout
    assert status(url)["counts"]["cancelled"] == 1


def test_a_failing_block_is_retried_then_failed_with_its_error(url: str, tmp_path: Path,
                                                                reaper: list) -> None:
    bad = tmp_path / "gone"
    bad.mkdir()
    (bad / "go.mod").write_text("module gone\n\ngo 1.21\n")
    (bad / "main.go").write_text("package main\nfunc main() {}\n")
    # Queued as given; the worker's `run` finds no such file to edit (exit 2).
    (job,) = add(url, str(bad), "--scenario", "incremental", "--profile", "debug", "--runs",
                 "1", "--edit", "nothing.go")
    w = start_worker(url, tmp_path, "wf", "--retries", "1", "--idle-exit", "8")
    reaper.append(w)
    out = w.communicate(timeout=300)[0]
    assert w.returncode == 0, out
    (j,) = status(url)["jobs"]
    assert j["state"] == "failed" and j["attempts"] == 2, j
    assert "nothing.go" in j["why"], j
    assert [e["event"] for e in log(url)].count("failed") == 2
    res = buildprof("queue", "retry", "--failed", "--store", url)
    assert f"job {job}: queued again" in res.stdout
    assert status(url)["jobs"][0]["state"] == "queued"


def test_a_range_is_cut_into_blocks_that_overlap_by_one_commit(url: str, tmp_path: Path
                                                               ) -> None:
    import watchrepo

    root = tmp_path / "app"
    c = watchrepo.make_go(root)
    add(url, str(root), "--rev", f"{c['c1']}..main", "--scenario", "clean", "--runs", "2",
        "--block-commits", "6")
    jobs = status(url)["jobs"]
    blocks = [j["needs"]["commits"] for j in jobs]
    chain = [c[f"c{i}"] for i in range(2, 17)]
    assert blocks == [chain[0:6], chain[5:11], chain[10:15]]
    parent = {commit: (chain[i - 1] if i else c["c1"]) for i, commit in enumerate(chain)}
    for j, commits in zip(jobs, blocks, strict=True):
        argv = j["argv"]
        assert argv[argv.index("--rev") + 1] == f"{parent[commits[0]]}..{commits[-1]}"
        assert argv[-1] == str(root.resolve()) and j["needs"]["paths"] == [str(root.resolve())]
    # Every 3rd commit (and the last): each block gives its commits one range apiece.
    add(url, str(root), "--rev", f"{c['c1']}..main", "--every", "3", "--scenario", "clean",
        "--block-commits", "3")
    thin = status(url)["jobs"][3:]
    picked = [chain[i] for i in (0, 3, 6, 9, 12, 14)]
    assert [j["needs"]["commits"] for j in thin] == [picked[0:3], picked[2:5], picked[4:6]]
    for j in thin:
        argv = j["argv"]
        assert [argv[i + 1] for i, a in enumerate(argv) if a == "--rev"] == [
            f"{parent[x]}..{x}" for x in j["needs"]["commits"]]
        assert "--every" not in argv


@pytest.mark.parametrize("command", [("queue", "add", "--size", "tiny"), ("worker",),
                                     ("queue", "status")])
def test_a_bad_store_is_one_line_and_hides_the_password(pg_server: pgserver.Server,
                                                        command: tuple[str, ...]) -> None:
    wrong = pg_server.url_for(password="not-the-pw")
    res = buildprof(*command, "--store", wrong)
    line = error_line(res)
    assert "authentication failed for user buildprof" in line
    assert "not-the-pw" not in res.stdout + res.stderr
    closed = pg_server.url_for(port=pgserver.free_port(), password=None)
    line = error_line(buildprof(*command, "--store", closed))
    assert line.startswith("Error: cannot reach the PostgreSQL server at 127.0.0.1:")


def test_queue_add_refuses_what_a_job_cannot_carry(url: str) -> None:
    assert "queue add takes no --db" in error_line(
        buildprof("queue", "add", "--size", "tiny", "--db", "x.db", "--store", url))
    assert "is not a class name" in error_line(
        buildprof("queue", "add", "--size", "tiny", "--machine-class", "a b", "--store", url))
    assert "unknown scenario" in error_line(
        buildprof("queue", "add", "--scenario", "nope", "--store", url)).lower()


def test_cancel_stops_a_running_block_and_keeps_nothing(url: str, tmp_path: Path,
                                                         reaper: list) -> None:
    (job,) = add(url, "--size", "tiny", *GO_DEBUG, "--scenario", "clean", "--runs", "40")
    w = start_worker(url, tmp_path, "wc", "--idle-exit", "3")
    reaper.append(w)
    wait_for(lambda: any(e["event"] == "started" for e in log(url)), what="the block")
    res = buildprof("queue", "cancel", str(job), "--store", url)
    assert f"job {job}: asked to stop" in res.stdout, res.stderr
    out = w.communicate(timeout=120)[0]
    assert w.returncode == 0, out
    assert f"job {job}: cancelled" in out
    (j,) = status(url)["jobs"]
    assert j["state"] == "cancelled while running", j
    assert [e["event"] for e in log(url)] == ["claimed", "started", "cancelled"]
    assert sql(url, "SELECT to_regclass('buildprof.runs')") == [(None,)]
    assert not list((tmp_path / "worker" / "wc" / "attempts").iterdir())


def test_a_worker_waits_for_a_quiet_machine_and_one_name_runs_once(
        url: str, tmp_path: Path, reaper: list) -> None:
    add(url, "--size", "tiny", *GO_DEBUG, "--scenario", "clean", "--runs", "1")
    spin = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    reaper.append(spin)  # type: ignore[arg-type]
    w = subprocess.Popen(
        [sys.executable, "-m", "profiler.cli.main", "worker", "--store", url, "--name", "wq",
         "--db", str(tmp_path / "wq.db"), "--once", "--quiet-wait", "120",
         "--quiet-below", "0.7"],  # the spinner takes a whole core
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO)
    reaper.append(w)
    assert w.stdout is not None
    lines = []
    for line in w.stdout:
        lines.append(line)
        if "waiting for a quiet machine" in line:
            # The same name on this machine is refused while it runs.
            twin = buildprof("worker", "--store", url, "--name", "wq", "--db",
                             str(tmp_path / "wq.db"), "--once")
            assert "a worker named wq already runs on this machine" in error_line(twin)
            spin.kill()
    w.wait(timeout=120)
    out = "".join(lines)
    assert w.returncode == 0, out
    assert "the machine is quiet after" in out and "1 done" in out


def test_a_series_stays_on_the_class_it_ran_on(url: str) -> None:
    (first,) = add(url, "--size", "tiny", *GO_DEBUG, "--scenario", "clean",
                   "--machine-class", "big")
    again = add(url, "--size", "tiny", "--size", "small", *GO_DEBUG, "--scenario", "clean")
    classes = {j["id"]: j["class"] for j in status(url)["jobs"]}
    assert [classes[i] for i in again] == ["big", "default"]  # tiny went to big before
    res = buildprof("queue", "add", "--size", "tiny", *GO_DEBUG, "--scenario", "clean",
                    "--machine-class", "amd", "--store", url)
    assert res.returncode == 0, res.stderr
    assert ("note: clean · size tiny ran on class big before; its new runs on amd form a "
            "series of their own") in res.stderr
    assert status(url)["jobs"][-1]["class"] == "amd" and first in classes
