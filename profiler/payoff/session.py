"""One `buildprof payoff` session: what the build time buys at run time.

CLI -> this module: resolve the Go and the Rust server, get their build costs and
release binaries (from the history when the same content was built by the same
toolchain on this machine, else by a `run` session of the missing cells), check
that both servers answer the route file's requests alike, then load them in
turn (Go, Rust, Go, Rust...) with wrk and record each round in `load_runs`.
Nothing is printed here: a `PayoffReporter` hears what happens.
"""

from __future__ import annotations

import os
import resource
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from profiler.analysis.rule import LANG_ORDER
from profiler.errors import BuildprofError, UsageError
from profiler.model.filters import Filters
from profiler.payoff import loadgen, server
from profiler.payoff.rounds import RoundExecutor, RoundPlan, RoundProgress, run_rounds
from profiler.payoff.routes import Routes, load
from profiler.sources.local import Project, detect_project, tree_stats
from profiler.storage import binaries
from profiler.storage.db import ResultsDB
from profiler.toolchains.base import Toolchain

FD_MARGIN = 64  # descriptors a process needs beside its connections


class PayoffError(BuildprofError):
    """A server could not be built, started or trusted: nothing was loaded."""


@dataclass
class PayoffRequest:
    sample: str | None = None
    paths: list[Path] = field(default_factory=list)  # a Go and a Rust server directory
    routes: Path | None = None
    connections: list[int] = field(default_factory=lambda: [256])
    duration_s: float = 20.0  # measured load per round
    warmup_s: float = 5.0  # load before each measured round
    rounds: int = 3  # per language and connection count
    build_runs: int | None = 3  # timed runs of a missing build cell; None: auto
    request_timeout_s: float = 10.0  # wrk's
    toolchains: list[str] = field(default_factory=list)
    label: str | None = None
    db_path: Path | None = None
    command_line: str = "buildprof payoff"


@dataclass(frozen=True)
class Contender:
    """One language's server: what was built, with what, and its binary."""

    lang: str
    project: Project
    toolchain: Toolchain
    project_id: int
    toolchain_id: str
    binary: Path
    costs: dict[str, Any]  # build cost medians (analysis.payoff.build_costs)


@dataclass
class PayoffOutcome:
    session: dict[str, Any]
    rounds: list[dict[str, Any]]  # the load_runs rows of this session
    contenders: list[Contender]
    loadgen: str
    cores: str
    mix: str


class PayoffReporter(Protocol):
    def note(self, text: str) -> None: ...

    def round_started(self, lang: str, connections: int, round_: int, done: int,
                      total: int) -> None: ...

    def round_done(self, row: dict[str, Any]) -> None: ...


def _route_file(req: PayoffRequest) -> Path:
    if req.routes is not None:
        return req.routes
    if req.sample:
        from profiler.samples.realworld import ROUTE_FILE, realworld_dir

        path = realworld_dir(req.sample, "go").parent / ROUTE_FILE
        if not path.is_file():
            raise UsageError(f"sample '{req.sample}' is not a server (it has no {ROUTE_FILE}); "
                             f"payoff needs one, such as --sample http-service")
        return path
    raise UsageError("payoff needs the route file of your servers: --routes FILE "
                     "(docs/payoff.md shows the format)")


def resolve_projects(req: PayoffRequest) -> dict[str, Project]:
    """The Go and the Rust server to compare."""
    if req.sample and req.paths:
        raise UsageError("give either --sample or the two server directories, not both")
    if req.sample:
        from profiler.samples.resolve import named

        return {lang: named(req.sample, lang) for lang in LANG_ORDER}
    if len(req.paths) != 2:
        raise UsageError("payoff compares two servers: give --sample http-service, or a Go "
                         "and a Rust directory (buildprof payoff GO_DIR RUST_DIR --routes FILE)")
    found = {p.lang: p for p in (detect_project(path, None) for path in req.paths)}
    if set(found) != set(LANG_ORDER):
        raise UsageError(f"payoff needs one Go and one Rust server; the directories given are "
                         f"{' and '.join(sorted(p.lang for p in found.values()))} projects")
    return found


def check_file_limit(connections: int) -> int:
    """The open files wrk and a server need for `connections` (their soft limit is
    raised to it as they start: measure.process.guarded; buildprof's own, and so the
    builds', stays as it is); refuse a connection count the hard limit cannot hold."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = connections + FD_MARGIN
    if hard != resource.RLIM_INFINITY and hard < need:
        raise UsageError(f"--connections {connections} needs {need} open files per process, "
                         f"and this shell's hard limit is {hard}: raise it (ulimit -Hn, or "
                         f"/etc/security/limits.conf) or use fewer connections")
    return need


def _edits(req: PayoffRequest, routes: Routes, lang: str) -> list[str] | None:
    """The incremental cell's edit: the sample's default one ([] : let `run` pick),
    the route file's file to append to for a user's server, or None (no such cell)."""
    if req.sample:
        return []
    edit = routes.edit_for(lang)
    return [edit] if edit else None


def _build(req: PayoffRequest, project: Project, tc: Toolchain, scenario: str,
           profiles: list[str], edits: list[str], reporter: Any) -> None:
    """A `run` session of the missing build cells; its failure stops the payoff."""
    from profiler.scenarios.runner import Plan
    from profiler.session.resolve import RunRequest
    from profiler.session.run import execute

    run_req = RunRequest(
        paths=[] if req.sample else [project.path], langs=[project.lang], sizes=[],
        samples=[req.sample] if req.sample else [], scenarios=[scenario], profiles=profiles,
        toolchains=[tc.spec], jobs=[], edits=edits, keep_binaries=True,
        plan=Plan(runs=req.build_runs, warmup=None), label=req.label, db_path=req.db_path,
        command_line=f"{req.command_line} (build costs)")
    outcome = execute(run_req, reporter)
    if outcome.failures:
        f = outcome.failures[0]
        raise PayoffError(f"the {f.cell} build failed ({f.phase}): {f.error}; nothing was "
                          f"loaded")


def _missing(costs: dict[str, Any], incremental: bool) -> tuple[list[str], bool]:
    """(clean profiles to build, whether the incremental cell is missing)."""
    clean = [p for p in ("debug", "release") if costs.get(f"clean_{p}_s") is None]
    return clean, incremental and costs.get("incremental_debug_s") is None


def _look(req: PayoffRequest, project: Project, tc: Toolchain, machine_id: str,
          name: str | None) -> tuple[int, str, dict[str, Any], Path | None]:
    """(project id, toolchain id, recorded build costs, kept binary or None), with the
    project recorded as `run` records it, so that both find the same row."""
    from profiler.analysis.payoff import build_costs
    from profiler.paths import default_db

    st = tree_stats(project.path, project.lang)
    with ResultsDB.open(req.db_path or default_db()) as db:
        tc_id = db.ensure_toolchain(tc.row())
        pid = db.ensure_project(project.name, project.lang, project.source,
                                project.recorded_path, st.content_hash, st.loc, st.files)
        costs = build_costs(db.build_costs(pid, tc_id, machine_id))
    return pid, tc_id, costs, binaries.find(project.lang, st.content_hash, tc_id, name)


def prepare(req: PayoffRequest, routes: Routes, projects: dict[str, Project],
            toolchains: dict[str, Toolchain], machine_id: str, build_reporter: Any,
            reporter: PayoffReporter | None) -> list[Contender]:
    """Each language's build costs and binary, building what the history lacks."""
    out = []
    for lang in LANG_ORDER:
        project, tc = projects[lang], toolchains[lang]
        edits = _edits(req, routes, lang)
        name = routes.binary_for(lang)

        pid, tc_id, costs, binary = _look(req, project, tc, machine_id, name)
        clean, incremental = _missing(costs, edits is not None)
        if binary is None and "release" not in clean:
            clean.append("release")  # figures recorded, binary not kept (or cleaned)
        if clean or incremental:
            if reporter:
                what = [f"clean {p}" for p in clean] + (["incremental debug"] if incremental
                                                        else [])
                reporter.note(f"Building {project.name} ({lang}, {tc.spec}): "
                              f"{', '.join(what)}, "
                              f"{req.build_runs or 'auto'} run(s) each; the history "
                              f"has no such build of this content on this machine")
            if clean:
                _build(req, project, tc, "clean", clean, [], build_reporter)
            if incremental:
                _build(req, project, tc, "incremental", ["debug"], edits or [], build_reporter)
            pid, tc_id, costs, binary = _look(req, project, tc, machine_id, name)
        elif reporter:
            reporter.note(f"{project.name} ({lang}, {tc.spec}): build costs and binary from "
                          f"the history (same content, toolchain and machine)")
        if binary is None:
            raise PayoffError(f"the release build of {project.name} ({lang}) made no binary "
                              f"called {name or 'anything'}; name it with binary = \"...\" in "
                              f"the route file")
        out.append(Contender(lang, project, tc, pid, tc_id, binary, costs))
    return out


def parity(contenders: list[Contender], routes: Routes, work: Path) -> None:
    """Start each server once and send every request of the mix: each must answer
    its expected status, and both servers the same bodies. A PayoffError before
    any load is sent, otherwise."""
    answers = {}
    for c in contenders:
        with server.serve(c.binary, routes, None, work / f"parity-{c.lang}") as srv:
            got = srv.answers(list(routes.requests))
        for r, a in zip(routes.requests, got, strict=True):
            if a.status != r.status:
                path, _ = r.fill(1, 0)
                raise PayoffError(f"the {c.lang} server answered {r.method} {path} with "
                                  f"{a.status}, not {r.status}: {a.body[:120]!r}; it was "
                                  f"refused before any load was sent")
        answers[c.lang] = got
    go, rust = answers["go"], answers["rust"]
    for r, a, b in zip(routes.requests, go, rust, strict=True):
        if a.body != b.body or a.content_type != b.content_type:
            path, _ = r.fill(1, 0)
            raise PayoffError(f"the servers answer {r.method} {path} differently (go "
                              f"{a.body[:80]!r}, rust {b.body[:80]!r}); they are not the same "
                              f"service, so they were refused before any load was sent")


def _load_round(c: Contender, routes: Routes, req: PayoffRequest, connections: int,
                cores: tuple[list[int] | None, list[int] | None], wrk: str,
                log_dir: Path) -> dict[str, Any]:
    """One round: a fresh server, a warm-up, the measured load; the row to store."""
    srv_cores, load_cores = cores
    nofile = check_file_limit(connections)
    with server.serve(c.binary, routes, srv_cores, log_dir, nofile) as srv:
        if req.warmup_s > 0:
            loadgen.run(wrk, srv.url, routes, connections, req.warmup_s, req.request_timeout_s,
                        load_cores, log_dir / "warmup", salt=1, nofile=nofile)
        cpu0 = srv.cpu_s()
        res = loadgen.run(wrk, srv.url, routes, connections, req.duration_s,
                          req.request_timeout_s,
                          load_cores, log_dir, salt=2, nofile=nofile)
        cpu = srv.cpu_s() - cpu0
        peak = srv.peak_rss()
        died = not srv.alive()
    return {
        "duration_s": res.duration_s, "warmup_s": req.warmup_s, "requests": res.requests,
        "requests_per_s": res.requests_per_s, "p50_ms": res.p50_ms, "p90_ms": res.p90_ms,
        "p99_ms": res.p99_ms, "max_ms": res.max_ms, "errors": res.errors,
        "non_2xx": res.non_2xx, "socket_errors": res.socket_errors,
        "server_peak_rss_bytes": peak, "server_cpu_s": cpu, "loadgen_cpu_s": res.cpu_s,
        "status": "failed" if died or res.requests == 0 else "ok",
        "error": "the server exited during the load" if died else (
            "no request was answered" if res.requests == 0 else None),
    }


def execute(req: PayoffRequest, reporter: PayoffReporter | None = None,
            build_reporter: Any = None) -> PayoffOutcome:
    """Build (when needed), check, load and record; see the module docstring.
    KeyboardInterrupt marks the session interrupted, after every server is killed."""
    from profiler.machine.facts import current_machine
    from profiler.paths import default_db, locked_work_dir
    from profiler.session.resolve import locate, resolve_toolchains, toolchains_for

    for n in req.connections:
        if n < 1:
            raise UsageError(f"--connections takes whole numbers of at least 1 (got {n})")
    routes = load(_route_file(req))
    projects = resolve_projects(req)
    wrk = loadgen.find_wrk()
    loadgen_version = loadgen.version(wrk)
    check_file_limit(max(req.connections))
    if shutil.which("taskset") is None and reporter:
        reporter.note("taskset is not installed: server and load generator are not pinned")
    defaults = resolve_toolchains(req.toolchains, list(LANG_ORDER))
    toolchains = {lang: toolchains_for(projects[lang], defaults, bool(req.toolchains))[0][0]
                  for lang in LANG_ORDER}
    notes: list[str] = []
    projects = {lang: locate(p, toolchains[lang], notes) for lang, p in projects.items()}
    for note in notes:
        if reporter:
            reporter.note(note)
    machine = current_machine()
    with ResultsDB.open(req.db_path or default_db()) as db:
        db.mark_dangling_aborted(machine.id)
        machine_id = db.ensure_machine(machine.row())
    contenders = prepare(req, routes, projects, toolchains, machine_id, build_reporter,
                         reporter)
    srv_cores, load_cores, cores_text = server.core_split(sorted(os.sched_getaffinity(0)))
    if reporter:
        reporter.note(f"Load generator: {loadgen_version}; {cores_text}; mix: "
                      f"{routes.mix_text()}")
    db = ResultsDB.open(req.db_path or default_db())
    session_id = db.start_session(machine_id, req.command_line, req.label)
    status = "failed"
    # buildprof's own threads (this loop, the servers' RSS samplers, any thread that
    # runs already) move to the load generator's cores, so that the server's cores run
    # the server only. Threads started later inherit the main thread's affinity.
    own_cores = _pin_threads(load_cores)

    def load_round(c: Contender, connections: int, round_: int, log_dir: Path
                   ) -> dict[str, Any]:
        return _load_round(c, routes, req, connections, (srv_cores, load_cores), wrk, log_dir)

    def record(c: Contender, connections: int, round_: int, started: str,
               row: dict[str, Any]) -> None:
        row = {**row, "session_id": session_id, "project_id": c.project_id,
               "toolchain_id": c.toolchain_id, "machine_id": machine_id,
               "profile": "release", "connections": connections, "round": round_,
               "started": started, "binary_bytes": c.binary.stat().st_size,
               "loadgen": loadgen_version, "cores": cores_text, "mix": routes.mix_text()}
        db.add_load_run(row)
        if reporter:
            reporter.round_done({**row, "lang": c.lang})

    def progress(p: RoundProgress) -> None:
        if reporter:
            reporter.round_started(p.lang, p.connections, p.round, p.done, p.total)

    work_dir = locked_work_dir("payoff")
    work = work_dir.__enter__()  # left in the `finally` below, whatever happens
    try:
        parity(contenders, routes, work)
        run_rounds(contenders, RoundPlan(tuple(req.connections), req.rounds), work,
                   RoundExecutor(load_round), record, progress)
        rows = db.load_runs(Filters(), session_ids=[session_id])
        status = "failed" if any(r["status"] != "ok" for r in rows) else "completed"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        _unpin_threads(own_cores)
        server.kill_live()
        work_dir.__exit__(None, None, None)
        db.finish_session(session_id, status)
    with db:
        return PayoffOutcome(db.session(session_id),
                             db.load_runs(Filters(), session_ids=[session_id]), contenders,
                             loadgen_version, cores_text, routes.mix_text())


def _pin_threads(cores: list[int] | None) -> dict[int, set[int]]:
    """Every thread of this process onto `cores` (none moved when None); returns each
    thread's affinity before, for `_unpin_threads`. sched_setaffinity sets one thread's:
    the process's is the sum of its threads'."""
    before: dict[int, set[int]] = {}
    if cores is None:
        return before
    for tid in map(int, os.listdir("/proc/self/task")):
        try:
            before[tid] = os.sched_getaffinity(tid)
            os.sched_setaffinity(tid, cores)
        except ProcessLookupError:  # the thread ended meanwhile
            continue
    return before


def _unpin_threads(before: dict[int, set[int]]) -> None:
    """Back to the affinities `_pin_threads` found, for the threads still running
    (threads started since, the servers' samplers, have ended with their servers)."""
    for tid, cores in before.items():
        try:
            os.sched_setaffinity(tid, cores)
        except ProcessLookupError:  # the thread ended meanwhile
            continue


