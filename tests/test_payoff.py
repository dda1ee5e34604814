"""`buildprof payoff`: real wrk, real servers, real builds of the http-service sample.

The module-level tests drive a tiny logging server (tests/fixtures/payoff/server.py)
with the real wrk, to check what is sent; the CLI tests run the real command on the
http-service sample (one short payoff builds it once; the others reuse its binaries).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psutil
import pytest

from profiler.errors import UsageError
from profiler.measure import process
from profiler.payoff import loadgen, routes, server
from profiler.samples.realworld import realworld_dir
from profiler.sources.local import tree_stats
from tests.conftest import REPO, buildprof, error_line

FIXTURE_SERVER = Path(__file__).parent / "fixtures" / "payoff" / "server.py"
SAMPLE_ROUTES = REPO / "sample_projects" / "http-service" / "payoff.toml"


def _fixture_routes(tmp_path: Path, mode: str = "ok", weights: tuple[int, ...] = (6, 3, 1)
                    ) -> tuple[routes.Routes, Path, Path]:
    """A route file for the fixture server; (routes, its binary, its request log)."""
    log = tmp_path / "requests.log"
    binary = tmp_path / "server"
    binary.write_text(f"#!/bin/sh\nexec {sys.executable} {FIXTURE_SERVER} \"$@\"\n")
    binary.chmod(0o755)
    text = f"""
args = ["--addr", "{{addr}}", "--log", "{log}", "--mode", "{mode}"]
ready = "/health"
id_range = 50
[[request]]
path = "/items/{{id}}"
weight = {weights[0]}
[[request]]
path = "/plain"
weight = {weights[1]}
[[request]]
method = "POST"
path = "/items"
body = '{{"email":"u{{unique}}@example.com"}}'
status = 201
weight = {weights[2]}
"""
    path = tmp_path / "routes.toml"
    path.write_text(text)
    return routes.load(path), binary, log


def _left_behind(marker: str) -> list[str]:
    """Processes (not this one) whose command line mentions `marker`."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        try:
            cmd = " ".join(proc.info["cmdline"] or [])
        except psutil.Error:
            continue
        if (marker in cmd and proc.info["pid"] != os.getpid()
                and proc.info["status"] != psutil.STATUS_ZOMBIE):
            found.append(f"{proc.info['pid']}: {cmd}")
    return found


# SIGKILL takes effect when a process next runs: on a loaded machine a killed one can
# take a moment to be scheduled and exit. A leak stays, and fails these checks.
GRACE_S = 5.0


def _none_left(marker: str, grace_s: float = GRACE_S) -> list[str]:
    """`_left_behind(marker)` once it is empty, or after `grace_s`."""
    deadline = time.monotonic() + grace_s
    while (found := _left_behind(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def _still_alive(pids: list[int], grace_s: float = GRACE_S) -> list[int]:
    """Those of `pids` still running (zombies are dead) once none is, or after `grace_s`."""
    def alive() -> list[int]:
        out = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    out.append(pid)
            except psutil.NoSuchProcess:
                pass
        return out

    deadline = time.monotonic() + grace_s
    while (found := alive()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


# --- the route file ----------------------------------------------------------------

def test_the_sample_route_file_sends_its_weights_in_one_period():
    r = routes.load(SAMPLE_ROUTES)
    cycle = r.cycle()
    counts = Counter(req.name for req in cycle)
    # weights 60/20/9/10/1: a period of 100 requests
    assert len(cycle) == 100
    assert counts == {"get a user": 60, "list a page of users": 20, "health": 9,
                      "stats (CPU work, n=1000)": 10, "create a user": 1}
    # spread out, not in bursts: the user reads never come three in a row
    names = [req.name for req in cycle] * 2
    assert not any(names[i] == names[i + 1] == names[i + 2] for i in range(len(cycle)))
    assert r.binary_for("go") == r.binary_for("rust") == "http-service"
    assert r.mix_text().startswith("GET /users/{id} 60%, GET /users?limit=10&offset={id} 20%")


@pytest.mark.parametrize(("text", "message"), [
    ('ready = "/health"\n', "no [[request]] tables"),
    ('args = ["--port", "80"]\nready = "/health"\n[[request]]\npath = "/x"\n', "{addr}"),
    ('ready = "/health"\n[[request]]\npath = "/x"\nstatus = 404\n', "2xx"),
    ('ready = "/health"\n[[request]]\npath = "x"\n', "must start with /"),
    ('ready = "/health"\n[[request]]\npath = "/x"\nweight = 0\n', "weight"),
    ('ready = "/health"\n[[request]]\npath = "/x"\nmethod = "BREW"\n', "method"),
    ('ready = [\n', "not valid TOML"),
    ('ready = "/health"\n[[request]]\npath = "/a b"\n', "percent-encode them (a space is %20)"),
    ('ready = "/health"\n[[request]]\npath = "/x"\nweight = true\n', "weight"),
    ('ready = "/health"\n[[request]]\npath = "/x"\nstatus = true\n', "status"),
    ('ready = "/health"\nid_range = true\n[[request]]\npath = "/x"\n', "id_range"),
    ('ready = "/health"\n[[request]]\npath = "/x"\nweight = 100000000\n', "from 1 to 10000"),
    ('ready = "/health"\n[[request]]\npath = "/x"\nweight = 9999\n[[request]]\npath = "/y"\n'
     'weight = 9998\n', "add up to 19997"),
])
def test_a_bad_route_file_is_one_usage_error(tmp_path: Path, text: str, message: str):
    path = tmp_path / "r.toml"
    path.write_text(text)
    with pytest.raises(UsageError) as exc:
        routes.load(path)
    assert message in str(exc.value) and str(path) in str(exc.value)


# --- wrk and the servers, on the fixture server --------------------------------------

def test_wrk_sends_the_mix_in_its_proportions_with_unique_values(tmp_path: Path):
    r, binary, log = _fixture_routes(tmp_path)
    wrk = loadgen.find_wrk()
    with server.serve(binary, r, None, tmp_path / "srv") as srv:
        # not pinned: a thread per core, each with its own Lua state and counters
        # 3 s: long enough for the counts below on a loaded machine (the fixture
        # server is Python; a stalled second would leave too few requests to judge)
        res = loadgen.run(wrk, srv.url, r, 4, 3.0, 5.0, None, tmp_path / "wrk", salt=7)
    threads = min(os.cpu_count() or 1, 4)
    lines = [ln.split(" ", 2) for ln in log.read_text().splitlines()]
    assert res.errors == 0 and res.requests > 50
    assert res.p50_ms > 0 and res.p99_ms >= res.p90_ms >= res.p50_ms
    assert res.cpu_s > 0
    load = [ln for ln in lines if ln[1] != "/health"]  # the ready checks are not load
    # every request wrk counted reached the server (it may log one more per connection
    # that was cut at the end)
    assert len(load) >= res.requests
    kinds = Counter("read" if ln[1].startswith("/items/") else ln[1] for ln in load)
    total = sum(kinds.values())
    # each thread walks the 10-request period, spread so that any prefix is within one
    # request of its share per kind; wrk also drops one call per connection at start
    for kind, weight in (("read", 6), ("/plain", 3), ("/items", 1)):
        assert abs(kinds[kind] - total * weight / 10) <= 3 * threads, (kind, kinds)
    ids = [int(ln[1].rsplit("/", 1)[1]) for ln in load if ln[1].startswith("/items/")]
    # each thread's ids cycle 1, 2, ... 50, 1, ...: every id as often as the others,
    # give or take one per thread
    assert set(ids) == set(range(1, min(50, max(ids)) + 1)) and len(ids) > 100
    per_id = Counter(ids)
    assert max(per_id.values()) - min(per_id.values()) <= threads
    emails = [json.loads(ln[2])["email"] for ln in load if ln[0] == "POST"]
    assert len(emails) == len(set(emails)) > 0  # {unique} is unique within the run
    assert all(e.startswith("u7") for e in emails)  # ... and carries the run's salt


def test_any_text_in_a_body_and_the_file_name_reach_wrk_as_their_bytes(tmp_path: Path):
    """Non-ASCII, quotes, a backslash and a line break in a body, and a line break in
    the route file's name, cannot break wrk's Lua script: the server gets the bytes."""
    _, binary, log = _fixture_routes(tmp_path)
    body = 'naïve Zoë ✓ "quoted" \\ back\nslash ]] --[[ end'
    path = tmp_path / "mix\n os.exit(3) --.toml"
    path.write_text(f"""
args = ["--addr", "{{addr}}", "--log", "{log}", "--mode", "ok"]
ready = "/health"
[[request]]
method = "POST"
path = "/items"
body = {json.dumps(body)}
status = 201
""")
    r = routes.load(path)
    script = loadgen.script(r)
    assert script.isascii() and script.splitlines()[0].startswith("-- written by buildprof")
    with server.serve(binary, r, None, tmp_path / "srv") as srv:
        res = loadgen.run(loadgen.find_wrk(), srv.url, r, 1, 1.0, 5.0, None, tmp_path / "wrk")
    assert res.exit_code == 0 and res.requests > 0
    # The log holds one line per request; the body's own line break splits it in two.
    text = log.read_text()
    assert f"POST /items {body}\n" in text
    assert text.count(f"POST /items {body}\n") >= res.requests


def test_servers_and_wrk_get_the_open_files_they_need_and_die_with_buildprof(
        tmp_path: Path):
    """`guarded`: the child's soft open-file limit is raised (buildprof's is not), and
    when buildprof is SIGKILLed its child is killed too (PR_SET_PDEATHSIG)."""
    import resource

    before = resource.getrlimit(resource.RLIMIT_NOFILE)
    _soft, hard = before
    want = min(hard, 4096) if hard != resource.RLIM_INFINITY else 4096
    out = subprocess.run(["sh", "-c", "ulimit -Sn"], capture_output=True, text=True,
                         preexec_fn=process.guarded(want), check=True).stdout.strip()
    assert (out == "unlimited" or int(out) >= want)
    assert resource.getrlimit(resource.RLIMIT_NOFILE) == before
    # A stand-in for buildprof: starts a guarded `sleep`, prints its pid, waits.
    code = ("import subprocess, time\n"
            "from profiler.measure.process import guarded\n"
            "p = subprocess.Popen(['sleep', '300'], start_new_session=True, "
            "preexec_fn=guarded())\n"
            "print(p.pid, flush=True)\ntime.sleep(300)\n")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                              text=True, cwd=REPO)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert psutil.pid_exists(child)
    parent.kill()
    parent.wait()
    assert _still_alive([child]) == []


def test_a_server_and_its_children_are_killed_by_group_on_error(tmp_path: Path):
    r, binary, _ = _fixture_routes(tmp_path, mode="child")
    pids: list[int] = []
    with pytest.raises(RuntimeError), server.serve(binary, r, None, tmp_path / "srv") as srv:
        assert srv.proc is not None
        me = psutil.Process(srv.proc.pid)
        deadline = time.monotonic() + 10
        while not me.children(recursive=True) and time.monotonic() < deadline:
            time.sleep(0.05)
        pids = [srv.proc.pid, *(k.pid for k in me.children(recursive=True))]
        assert len(pids) >= 2  # the server and its `sleep`
        raise RuntimeError("an error while the server runs")
    assert _still_alive(pids) == [] and server.live == set()


def test_a_server_is_stopped_when_the_round_ends(tmp_path: Path):
    r, binary, _ = _fixture_routes(tmp_path)
    with server.serve(binary, r, None, tmp_path / "srv") as srv:
        assert srv.alive() and srv.peak_rss() > 1 << 20
        pid = srv.proc.pid if srv.proc else 0
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_a_server_that_does_not_start_is_refused_with_its_last_line(tmp_path: Path):
    r, binary, _ = _fixture_routes(tmp_path, mode="exit")
    with pytest.raises(UsageError) as exc, server.serve(binary, r, None, tmp_path / "srv"):
        pass
    assert "exited (code 3) before answering on /health: address is bad" in str(exc.value)
    assert server.live == set()


def test_the_core_split_pins_server_and_load_apart():
    srv, load, text = server.core_split([0, 1])
    assert srv == [1] and load == [0] and "server on core(s) 1" in text
    srv, load, text = server.core_split([0])
    assert srv is None and load is None and "not pinned" in text


# --- the command, on the http-service sample -------------------------------------------

@pytest.fixture(scope="module")
def short_payoff(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path, str]:
    """One real short payoff (2 s, 32 connections, 1 round): it builds both servers."""
    db = tmp_path_factory.mktemp("payoff") / "results.db"
    res = buildprof("payoff", "--db", str(db), "--duration-s", "2", "--warmup-s", "1",
                    "--rounds", "1", "--build-runs", "1", "--connections", "32",
                    "--format", "json", timeout=1200)
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout), db, res.stderr


def _error_after_notes(res: subprocess.CompletedProcess[str]) -> str:
    """The one `Error:` line a refused payoff ends with (the notes on what it found
    and what it will load come before it)."""
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr and res.stderr.count("Error:") == 1, res.stderr
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: "), res.stderr
    return last


def _cache() -> str:
    return os.environ["BUILDPROF_CACHE"]


@pytest.mark.slow
def test_a_short_payoff_loads_both_servers_and_stores_every_round(short_payoff):
    out, db, _ = short_payoff
    by_lang = {r["lang"]: r for r in out["results"]}
    assert set(by_lang) == {"go", "rust"}
    for lang, r in by_lang.items():
        assert r["connections"] == 32 and r["rounds"] == 1
        assert r["requests_per_s"] > 100, (lang, r)
        assert 0 < r["p50_ms"] <= r["p90_ms"] <= r["p99_ms"], (lang, r)
        assert r["errors"] == 0, (lang, r)
        assert r["server_peak_rss_bytes"] > 1 << 20 and r["server_cpu_s"] > 0
        assert r["build_wall_s"] > 0 and r["binary_bytes"] > 100_000
    assert out["loadgen"].startswith("wrk ")
    assert out["session"]["status"] == "completed"
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT p.lang, p.content_hash, l.status, l.requests, l.loadgen, l.binary_bytes, "
        "l.session_id FROM load_runs l JOIN projects p ON p.id = l.project_id").fetchall()
    assert sorted(r[0] for r in rows) == ["go", "rust"]
    for lang, content_hash, status, requests, gen, size, session in rows:
        assert content_hash == tree_stats(realworld_dir("http-service", lang), lang).content_hash
        assert status == "ok" and requests > 0 and gen == out["loadgen"]
        assert size == by_lang[lang]["binary_bytes"] or size > 0
        assert session == out["session"]["id"]
    # the build costs shown are the recorded clean release builds
    walls = dict(conn.execute(
        "SELECT p.lang, r.wall_s FROM runs r JOIN projects p ON p.id = r.project_id "
        "WHERE r.scenario = 'clean' AND r.profile = 'release' AND r.warmup = 0"))
    assert walls == {lang: by_lang[lang]["build_wall_s"] for lang in walls} and len(walls) == 2
    assert _none_left(_cache()) == []


@pytest.mark.slow
def test_payoff_reuses_the_recorded_build_of_the_same_content(short_payoff):
    _, db, _ = short_payoff
    conn = sqlite3.connect(db)
    runs_before = conn.execute("SELECT count(*) FROM runs").fetchone()[0]
    res = buildprof("payoff", "--db", str(db), "--duration-s", "1", "--warmup-s", "0",
                    "--rounds", "1", "--connections", "8")
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stderr.count("build costs and binary from the history") == 2
    assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == runs_before
    assert conn.execute("SELECT count(*) FROM load_runs WHERE connections = 8"
                        ).fetchone()[0] == 2
    assert "Rust against Go" in res.stdout and "requests/s at 8 connections" in res.stdout
    assert _none_left(_cache()) == []


@pytest.mark.slow
def test_a_server_answering_wrongly_is_refused_before_any_load(short_payoff, tmp_path: Path):
    _, db, _ = short_payoff
    bad = tmp_path / "routes.toml"
    bad.write_text(SAMPLE_ROUTES.read_text().replace('path = "/health"\nweight = 9',
                                                     'path = "/health"\nstatus = 204\n'
                                                     'weight = 9'))
    conn = sqlite3.connect(db)
    before = conn.execute("SELECT count(*) FROM load_runs").fetchone()[0]
    res = buildprof("payoff", "--db", str(db), "--routes", str(bad), "--duration-s", "1",
                    "--rounds", "1")
    line = _error_after_notes(res)
    assert "answered GET /health with 200, not 204" in line and "before any load" in line
    assert conn.execute("SELECT count(*) FROM load_runs").fetchone()[0] == before
    assert conn.execute("SELECT status FROM sessions ORDER BY id DESC LIMIT 1"
                        ).fetchone()[0] == "failed"
    assert _none_left(_cache()) == []


@pytest.mark.slow
def test_a_server_that_cannot_start_is_one_error_line(short_payoff, tmp_path: Path):
    _, db, _ = short_payoff
    bad = tmp_path / "routes.toml"
    bad.write_text(SAMPLE_ROUTES.read_text().replace('args = ["--addr", "{addr}"]',
                                                     'args = ["--addr", "{addr}", "--bogus"]'))
    res = buildprof("payoff", "--db", str(db), "--routes", str(bad), "--duration-s", "1")
    line = _error_after_notes(res)
    assert line.startswith("Error: http-service exited (code 2) before answering on /health")
    assert "-bogus" in line  # the server's own lines say why (Go: "flag provided but not defined")
    assert _none_left(_cache()) == []


@pytest.mark.slow
def test_ctrl_c_kills_every_server_and_load_generator(short_payoff, tmp_path: Path):
    _, db, _ = short_payoff
    err = tmp_path / "stderr.txt"
    with err.open("wb") as f:
        proc = subprocess.Popen([sys.executable, "-m", "profiler.cli.main", "payoff", "--db",
                                 str(db), "--duration-s", "60", "--warmup-s", "0",
                                 "--rounds", "1", "--connections", "16"], cwd=REPO,
                                stdout=subprocess.DEVNULL,
                                stderr=f)
    try:
        deadline = time.monotonic() + 120
        while "round 1" not in err.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        # the load is running: wrk and the server are both up
        deadline = time.monotonic() + 30
        while not any("wrk" in p for p in _left_behind(_cache())) \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        running = _left_behind(_cache())
        assert any("wrk" in p for p in running) and any("http-service" in p for p in running)
        # During the load every thread of buildprof (the round loop, the servers' RSS
        # samplers) is on the load generator's cores, off the server's.
        srv, load, _ = server.core_split(sorted(os.sched_getaffinity(0)))
        if load is not None:
            threads = {int(t) for t in os.listdir(f"/proc/{proc.pid}/task")}
            assert len(threads) > 1  # the main thread and a sampler at least
            assert {t: os.sched_getaffinity(t) for t in threads} == \
                {t: set(load) for t in threads}
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _none_left(_cache()) == []
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT status FROM sessions ORDER BY id DESC LIMIT 1"
                        ).fetchone()[0] == "interrupted"


def test_payoff_refuses_bad_options_with_one_line(tmp_path: Path):
    db = tmp_path / "r.db"
    assert "--connections takes whole numbers" in error_line(
        buildprof("payoff", "--db", str(db), "--connections", "0"))
    assert "--duration-s must be a positive" in error_line(
        buildprof("payoff", "--db", str(db), "--duration-s", "-1"))
    assert "need --routes FILE" in error_line(
        buildprof("payoff", str(tmp_path), str(tmp_path), "--db", str(db)))
    assert "is not a server" in error_line(
        buildprof("payoff", "--sample", "cli-tool", "--db", str(db)))
    # The options of seconds say so; --rounds are rounds, --runs are build runs elsewhere.
    assert "No such option: --duration (Possible options: --duration-s)" in error_line(
        buildprof("payoff", "--db", str(db), "--duration", "1"))
    assert "--rounds takes a whole number of at least 1" in error_line(
        buildprof("payoff", "--db", str(db), "--rounds", "0"))
    assert not db.exists()  # bad input writes nothing


# --- the payoff as data ----------------------------------------------------------------

def _round(lang: str, connections: int, rps: float, rss: int, status: str = "ok") -> dict:
    return {"lang": lang, "connections": connections, "status": status,
            "requests_per_s": rps, "p50_ms": 1.0, "p90_ms": 2.0, "p99_ms": 3.0,
            "errors": 0, "server_peak_rss_bytes": rss, "server_cpu_s": 20.0,
            "loadgen_cpu_s": 5.0, "duration_s": 20.0}


def test_the_sentences_and_the_ten_percent_rule_from_known_rounds():
    from profiler.analysis.payoff import gaps, sentences, summarize

    rows = ([_round("go", 256, v, 40 << 20) for v in (1000, 1010, 990)]
            + [_round("rust", 256, v, 20 << 20) for v in (1100, 1090, 1120)]
            + [_round("go", 10000, v, 100 << 20) for v in (100, 100, 100)]
            + [_round("rust", 10000, v, 50 << 20) for v in (200, 210, 190)]
            + [_round("rust", 10000, 0, 1 << 20, status="failed")])
    summaries = summarize(rows)
    rust_10k = next(s for s in summaries if s.lang == "rust" and s.connections == 10000)
    assert rust_10k.n == 3 and rust_10k.failed == 1  # the failed round is not a median
    assert rust_10k.rps.median == 200
    gs = gaps(summaries)
    assert [g.connections for g in gs] == [256, 10000]
    assert round(gs[0].rps_pct, 6) == 10.0 and gs[0].seed_holds
    assert gs[1].rps_pct == 100.0 and not gs[1].seed_holds
    assert gs[0].rss_pct_of_go == 50.0
    # 3 a side cannot reach p < 0.05
    assert gs[0].p_verdict(rounds=True).startswith("too few rounds")
    go = {"clean_release_s": 1.0, "incremental_debug_s": 0.5}
    rust = {"clean_release_s": 91.0, "incremental_debug_s": 0.7}
    words = sentences(go, rust, gs)
    assert words[0] == ("On this machine Rust's build costs 1 min 30 s more per clean release "
                        "build and 0.20 s more per edit (debug); at 256 connections it serves "
                        "10% more requests per second at 50% of Go's memory; at 10000 "
                        "connections it serves 100% more requests per second at 50% of Go's "
                        "memory.")
    assert "does not hold" in words[1] and "10000 connections" in words[1]
    assert words[2] == '"About 10%" holds here at 256 connections.'
