"""push, pull and the shared store, against a real PostgreSQL server (tests/pgserver.py
starts a throw-away cluster; bootstrap.sh --test installs Debian's postgresql).
Each test gets its own database on that server."""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pgserver
import psycopg
import pytest
from test_compare import A_SMALL, A_TINY, B_SMALL, B_TINY, Fill
from test_merge import results_file as results

from profiler.storage import identity
from profiler.storage.db import ResultsDB

from conftest import REPO, buildprof, error_line

_numbers = itertools.count(1)


@pytest.fixture
def url(pg_server: pgserver.Server, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new database; the password in PGPASSWORD, as the docs recommend (a password in
    --to gets a warning)."""
    name = f"team{next(_numbers)}"
    pg_server.psql(f"CREATE DATABASE {name} OWNER {pgserver.USER}")
    monkeypatch.setenv("PGPASSWORD", pgserver.PASSWORD)
    return pg_server.url_for(database=name, password=None)


def many_runs(path: Path, n: int) -> Path:
    """One session of n runs, written in one transaction (fast to make)."""
    f = Fill(path)
    s = f.session("many")
    pid = f.db.ensure_project("big", "go", "sample:big", "big", "c" * 64, 100, 3)
    row = {"session_id": s, "project_id": pid, "toolchain_id": "tc-go@1.26.8",
           "machine_id": "m1aaaaaaaaaaaaaa", "scenario": "clean", "profile": "debug",
           "warmup": 0, "started": "2026-11-20T10:00:00", "status": "ok", "exit_code": 0}
    with f.db.conn:
        f.db.conn.executemany(
            "INSERT INTO runs (uuid, session_id, project_id, toolchain_id, machine_id, "
            "scenario, profile, iteration, warmup, started, status, wall_s, exit_code) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(identity.new_id(), row["session_id"], pid, row["toolchain_id"],
              row["machine_id"], "clean", "debug", i, 0, row["started"], "ok", 1.0 + i / n, 0)
             for i in range(n)])
    f.db.close()
    return path


def pg_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url, options="-c search_path=buildprof") as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
                for t in ("sessions", "runs", "projects", "machines", "toolchains", "units",
                          "tree_samples")}


def history(path: Path) -> list[tuple]:
    res = buildprof("history", "--db", str(path), "--format", "json")
    assert res.returncode == 0, res.stderr
    return sorted((c["project"], c["label"], c["n"], c["wall_median"], c["wall_mad"])
                  for c in json.loads(res.stdout)["cells"])


def compare_json(path: Path) -> list[tuple]:
    res = buildprof("compare", "laptop", "ci", "--db", str(path), "--format", "json")
    assert res.returncode == 0, res.stderr
    return sorted((c["project"], c["a"]["median"], c["b"]["median"], c["change_pct"],
                   c["p"]) for c in json.loads(res.stdout)["cells"])


def test_push_push_again_pull_and_the_figures_stay(url: str, tmp_path: Path) -> None:
    original = results(tmp_path / "a.db", "laptop", {"tiny": A_TINY, "small": A_SMALL})
    f = Fill(original)  # a second session in the same file: the CI runner's
    s = f.session("ci")
    for project, walls in (("tiny", B_TINY), ("small", B_SMALL)):
        f.runs(s, project, "go@1.26.8", walls)
    f.db.close()
    # Batches of 5 runs: each session and project is still written and counted once.
    res = buildprof("push", "--to", url, "--db", str(original),
                    env={**os.environ, "BUILDPROF_PG_BATCH": "5"})
    assert res.returncode == 0, res.stderr
    assert ("added 2 sessions, 24 runs, 2 projects, 1 machines, 1 toolchains; 0 sessions "
            "and 0 runs already there") in res.stdout
    assert pgserver.PASSWORD not in res.stdout + res.stderr
    first = pg_counts(url)
    assert first == {"sessions": 2, "runs": 24, "projects": 2, "machines": 1,
                     "toolchains": 1, "units": 1, "tree_samples": 2}
    again = buildprof("push", "--to", url, "--db", str(original))
    assert again.returncode == 0, again.stderr
    assert "added nothing; 2 sessions and 24 runs already there" in again.stdout
    assert pg_counts(url) == first
    pulled = tmp_path / "team.db"
    res = buildprof("pull", "--from", url, "--db", str(pulled))
    assert res.returncode == 0, res.stderr
    assert history(pulled) == history(original)
    assert compare_json(pulled) == compare_json(original)
    # A filtered pull takes the slice only.
    part = tmp_path / "part.db"
    res = buildprof("pull", "--from", url, "--db", str(part), "--label", "ci",
                    "--project", "tiny")
    assert res.returncode == 0, res.stderr
    assert [(r[0], r[1]) for r in history(part)] == [("tiny", "ci")]


def test_two_files_that_share_runs_and_merge(url: str, tmp_path: Path) -> None:
    a = results(tmp_path / "a.db", "laptop", {"tiny": A_TINY})
    b = results(tmp_path / "b.db", "ci", {"tiny": B_TINY})
    both = tmp_path / "both.db"
    assert buildprof("merge", str(a), str(b), "--into", str(both)).returncode == 0
    for path in (a, both, b):  # `both` shares every run with a and b
        res = buildprof("push", "--to", url, "--db", str(path))
        assert res.returncode == 0, res.stderr
    assert pg_counts(url)["runs"] == 12 and pg_counts(url)["sessions"] == 2


def test_the_url_may_come_from_the_environment_and_the_password_from_pgpassword(
        url: str, tmp_path: Path) -> None:
    a = results(tmp_path / "a.db", "laptop", {"tiny": A_TINY})
    bare = url.replace(f":{pgserver.PASSWORD}@", "@")
    env = {**os.environ, "BUILDPROF_PG": bare, "PGPASSWORD": pgserver.PASSWORD}
    res = buildprof("push", "--db", str(a), env=env)
    assert res.returncode == 0, res.stderr
    assert pg_counts(url)["runs"] == 6


def test_two_pushes_at_the_same_time_both_complete_without_duplicates(
        url: str, tmp_path: Path) -> None:
    a = many_runs(tmp_path / "a.db", 600)
    env = {**os.environ, "BUILDPROF_PG_BATCH": "25"}
    procs = [subprocess.Popen([sys.executable, "-m", "profiler.cli.main", "push", "--to", url,
                               "--db", str(a)], cwd=REPO, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    counts = pg_counts(url)
    assert counts["runs"] == 600 and counts["sessions"] == 1 and counts["projects"] == 1


def test_a_connection_lost_mid_push_leaves_whole_batches_and_the_next_push_completes(
        pg_server: pgserver.Server, url: str, tmp_path: Path) -> None:
    a = many_runs(tmp_path / "a.db", 4000)
    env = {**os.environ, "BUILDPROF_PG_BATCH": "20"}
    proc = subprocess.Popen([sys.executable, "-m", "profiler.cli.main", "push", "--to", url,
                             "--db", str(a)], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    killed = False
    deadline = time.monotonic() + 120
    with psycopg.connect(url, autocommit=True, options="-c search_path=buildprof") as admin:
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                n = admin.execute("SELECT count(*) FROM runs").fetchone()[0]  # type: ignore[index]
            except psycopg.errors.UndefinedTable:  # the push has not made the schema yet
                n = 0
            if n >= 200:
                pg_server.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                            "application_name = 'buildprof push'")
                killed = True
                break
            time.sleep(0.02)
    out, err = proc.communicate(timeout=120)
    assert killed, "the push ended before it could be interrupted"
    assert proc.returncode == 2, out + err
    line = err.strip().splitlines()[-1]
    assert line.startswith("Error: the connection to 127.0.0.1:") and "was lost after" in line
    assert "run the same command again, it adds only what is missing" in line
    partial = pg_counts(url)["runs"]
    assert 0 < partial < 4000 and partial % 20 == 0  # whole batches only
    res = buildprof("push", "--to", url, "--db", str(a))
    assert res.returncode == 0, res.stderr
    assert "added 4000 runs" not in res.stdout and f"{partial} runs already there" in res.stdout
    assert pg_counts(url)["runs"] == 4000


@pytest.mark.parametrize("fault", ["unreachable", "password", "no-database", "newer-schema"])
def test_faults_get_one_line_and_leave_nothing_behind(pg_server: pgserver.Server, url: str,
                                                      tmp_path: Path, fault: str) -> None:
    a = results(tmp_path / "a.db", "laptop", {"tiny": A_TINY})
    if fault == "newer-schema":
        assert buildprof("push", "--to", url, "--db", str(a)).returncode == 0
        with psycopg.connect(url, autocommit=True, options="-c search_path=buildprof") as conn:
            conn.execute("UPDATE buildprof_meta SET value = '999' WHERE key = 'schema_version'")
    target = {"unreachable": pg_server.url_for(port=pgserver.free_port()),
              "password": url,
              "no-database": pg_server.url_for(database="nosuchdb"),
              "newer-schema": url}[fault].replace(f":{pgserver.PASSWORD}@", "@")
    expected = {"unreachable": "Error: cannot reach the PostgreSQL server at 127.0.0.1:",
                "password": "Error: authentication failed for user buildprof at 127.0.0.1:",
                "no-database": "Error: database nosuchdb does not exist on 127.0.0.1:",
                "newer-schema": "has schema version 999, newer than this buildprof's"}[fault]
    env = {**os.environ, **({"PGPASSWORD": "wrong-password"} if fault == "password" else {})}
    before = sqlite3.connect(a).execute("SELECT count(*) FROM runs").fetchone()[0]
    for command in (["push", "--to", target, "--db", str(a)],
                    ["pull", "--from", target, "--db", str(tmp_path / "pulled.db")]):
        res = buildprof(*command, env=env)
        assert res.returncode != 0
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], res.stderr
        assert "wrong-password" not in res.stderr and pgserver.PASSWORD not in res.stderr
    assert not (tmp_path / "pulled.db").exists()
    assert sqlite3.connect(a).execute("SELECT count(*) FROM runs").fetchone()[0] == before
    if fault == "newer-schema":
        assert pg_counts(url)["runs"] == 6  # the first push's, nothing more


def test_a_pull_from_an_empty_store_says_so_and_creates_nothing(url: str,
                                                               tmp_path: Path) -> None:
    res = buildprof("pull", "--from", url, "--db", str(tmp_path / "t.db"))
    assert res.returncode == 2
    assert res.stderr.strip().endswith("holds no buildprof results yet; `buildprof push` "
                                       "some first")
    with psycopg.connect(url, options="-c search_path=buildprof") as conn:
        assert conn.execute("SELECT to_regclass('runs')").fetchone() == (None,)
    assert not (tmp_path / "t.db").exists()


def test_without_psycopg_push_says_how_to_get_it(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker" / "psycopg"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('blocked for the test')\n")
    a = results(tmp_path / "a.db", "laptop", {"tiny": A_TINY})
    env = {**os.environ, "PYTHONPATH": str(blocker.parent)}
    res = buildprof("push", "--to", "postgresql://u@127.0.0.1:1/x", "--db", str(a), env=env)
    assert res.returncode == 2
    assert res.stderr.startswith("Error: push and pull need psycopg: pip install "
                                 "'buildprof[postgres]'")


def test_the_shared_schema_has_the_sqlite_columns(url: str, tmp_path: Path) -> None:
    """The same SQL reads both stores: every SQLite table and column is on the server."""
    a = results(tmp_path / "a.db", "laptop", {"tiny": A_TINY})
    assert buildprof("push", "--to", url, "--db", str(a)).returncode == 0
    with ResultsDB.open(a, readonly=True) as store:
        local = {t: {r[1] for r in store.conn.execute(f"PRAGMA table_info({t})")}
                 for t in ("machines", "toolchains", "projects", "sessions", "runs", "units",
                           "tree_samples")}
    with psycopg.connect(url, options="-c search_path=buildprof") as conn:
        for table, cols in local.items():
            remote = {r[0] for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE "
                "table_schema = 'buildprof' AND table_name = %s",
                [table])}
            assert cols == remote, table
        sql = ("SELECT p.name, count(*) FROM runs r JOIN projects p ON p.id = r.project_id "
               "GROUP BY p.name")
        assert conn.execute(sql).fetchall() == [("tiny", 6)]
    assert sqlite3.connect(a).execute(sql).fetchall() == [("tiny", 6)]


# -- no output carries a password -------------------------------------------------------

WARNING = "Warning: a password in --"


def _shown(pg_server: pgserver.Server, database: str) -> str:
    return f"postgresql://{pgserver.USER}@127.0.0.1:{pg_server.port}/{database}"


def test_a_password_in_the_url_is_never_printed_and_gets_a_warning(
        pg_server: pgserver.Server, url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Success, in both URL forms: what is shown is host, port, database and user."""
    monkeypatch.delenv("PGPASSWORD")
    a = results(tmp_path / "a.db", "laptop", {"tiny": A_TINY})
    database = url.rsplit("/", 1)[1]
    in_query = f"{url}?password={pgserver.PASSWORD}&application_name=x"
    in_userinfo = pg_server.url_for(database=database)
    for command, target in ((["push", "--to"], in_query), (["pull", "--from"], in_userinfo)):
        res = buildprof(*command, target, "--db", str(tmp_path / "pulled.db" if
                                                     command[0] == "pull" else a))
        assert res.returncode == 0, res.stderr
        assert pgserver.PASSWORD not in res.stdout + res.stderr
        assert f" {_shown(pg_server, database)}" in res.stdout, res.stdout
        assert res.stderr.startswith(f"{WARNING}{command[1][2:]} is visible to other users")
        assert len(res.stderr.strip().splitlines()) == 1
    # From the environment: no warning (nothing on the command line to see).
    env = {**os.environ, "BUILDPROF_PG": in_query}
    res = buildprof("push", "--db", str(a), env=env)
    assert res.returncode == 0 and res.stderr == "", res.stderr
    assert pgserver.PASSWORD not in res.stdout


@pytest.mark.parametrize(("case", "expected"), [
    ("bare-percent", "cannot be parsed; check it (a % in a password is written %25)"),
    ("bad-port", "cannot reach the PostgreSQL server at 127.0.0.1:5432x"),
    ("sslpassword", "authentication failed for user buildprof at 127.0.0.1:"),
    ("not-postgresql", "is not a postgresql:// URL"),
])
def test_a_bad_url_is_one_line_without_its_secrets(pg_server: pgserver.Server, url: str,
                                                   tmp_path: Path, case: str,
                                                   expected: str) -> None:
    a = results(tmp_path / "a.db", "laptop", {"tiny": A_TINY})
    database, port = url.rsplit("/", 1)[1], pg_server.port
    target = {
        "bare-percent": f"postgresql://buildprof:pw%zz-{pgserver.PASSWORD}@127.0.0.1:{port}/"
                        f"{database}",
        "bad-port": f"postgresql://buildprof:{pgserver.PASSWORD}@127.0.0.1:5432x/{database}",
        "sslpassword": f"{url}?sslpassword=ssl-{pgserver.PASSWORD}&password=wrong-secret",
        "not-postgresql": f"mysql://buildprof:{pgserver.PASSWORD}@127.0.0.1/{database}",
    }[case]
    for command in (["push", "--to", target, "--db", str(a)],
                    ["pull", "--from", target, "--db", str(tmp_path / "pulled.db")]):
        res = buildprof(*command)
        assert res.returncode == 2, res.stderr
        out = res.stdout + res.stderr
        assert pgserver.PASSWORD not in out and "wrong-secret" not in out, out
        errors = [line for line in res.stderr.splitlines() if not line.startswith(WARNING)]
        assert len(errors) == 1 and errors[0].startswith("Error: ") and expected in errors[0], \
            res.stderr
    assert not (tmp_path / "pulled.db").exists()


def test_a_server_error_mid_push_is_one_line(pg_server: pgserver.Server, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A database buildprof's user may connect to but not create its schema in (the
    database belongs to postgres): the server refuses mid-way."""
    name = f"foreign{next(_numbers)}"
    pg_server.psql(f"CREATE DATABASE {name}")  # owned by postgres
    monkeypatch.setenv("PGPASSWORD", pgserver.PASSWORD)
    a = results(tmp_path / "a.db", "laptop", {"tiny": A_TINY})
    res = buildprof("push", "--to", pg_server.url_for(database=name, password=None),
                    "--db", str(a))
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"Error: the PostgreSQL store at 127.0.0.1:{pg_server.port} failed: permission "
        f"denied for database {name}"), res.stderr
    assert pgserver.PASSWORD not in res.stderr


def test_shown_is_built_from_host_port_database_and_user_only() -> None:
    from profiler.storage.pg import UNPARSED, has_password, shown

    assert shown("postgresql://me:pw@db.example:6432/team?sslmode=require&passfile=/x"
                 ) == "postgresql://me@db.example:6432/team"
    assert shown("postgresql:///team?host=/var/run/postgresql&user=me&password=pw"
                 ) == "postgresql://me@%2Fvar%2Frun%2Fpostgresql/team"
    assert shown("postgresql://me@db/team") == "postgresql://me@db/team"
    assert shown("postgresql://me:p%zz@db/team") == UNPARSED
    assert has_password("postgresql://me@db/team?password=pw")
    assert has_password("postgresql://me:pw@db/team")
    assert not has_password("postgresql://me@db/team?sslmode=require")


def test_scrub_hides_registered_secrets_in_any_form() -> None:
    from profiler.errors import HIDDEN, scrub, secret

    secret("p%40ss-word")
    text = "libpq: bad 'p%40ss-word' and 'p@ss-word'"
    assert scrub(text) == f"libpq: bad '{HIDDEN}' and '{HIDDEN}'"


# -- the store's own schema (issue 26, item 8) ------------------------------------------

def test_a_table_planted_by_another_role_is_refused(pg_server: pgserver.Server, url: str,
                                                   tmp_path: Path) -> None:
    """Another role made buildprof's schema and a `runs` table in it before the first
    push (with a trigger that would see every row): push refuses, writes nothing."""
    database = url.rsplit("/", 1)[1]
    pg_server.psql(f"CREATE SCHEMA buildprof AUTHORIZATION {pgserver.USER}; "
                   "CREATE TABLE buildprof.runs (id bigint, uuid text)", database=database)
    a = results(tmp_path / "a.db", "laptop", {"tiny": A_TINY})
    line = error_line(buildprof("push", "--to", url, "--db", str(a)))
    assert "has tables named like buildprof's in schema buildprof (runs) but not its " \
           "metadata" in line, line
    pg_server.psql("DROP TABLE buildprof.runs", database=database)
    assert buildprof("push", "--to", url, "--db", str(a)).returncode == 0
    pg_server.psql("CREATE FUNCTION public.spy() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RETURN NEW; END $$; CREATE TRIGGER spy BEFORE INSERT ON "
                   "buildprof.runs FOR EACH ROW EXECUTE FUNCTION public.spy()",
                   database=database)
    for command in (["push", "--to", url, "--db", str(a)],
                    ["pull", "--from", url, "--db", str(tmp_path / "p.db")]):
        line = error_line(buildprof(*command))
        assert "has triggers on buildprof's tables (spy on runs)" in line, line
    pg_server.psql("DROP TRIGGER spy ON buildprof.runs; "
                   "ALTER TABLE buildprof.units OWNER TO postgres", database=database)
    line = error_line(buildprof("push", "--to", url, "--db", str(a)))
    assert "buildprof.units belongs to role postgres, not to buildprof" in line, line


def test_a_store_in_public_from_an_older_buildprof_moves_into_its_schema(
        pg_server: pgserver.Server, url: str, tmp_path: Path) -> None:
    database = url.rsplit("/", 1)[1]
    a = results(tmp_path / "a.db", "laptop", {"tiny": A_TINY})
    assert buildprof("push", "--to", url, "--db", str(a)).returncode == 0
    tables = ("buildprof_meta", "machines", "toolchains", "projects", "sessions", "runs",
              "units", "tree_samples", "load_runs")
    pg_server.psql("; ".join(f"ALTER TABLE buildprof.{t} SET SCHEMA public" for t in tables)
                   + "; DROP SCHEMA buildprof", database=database)
    line = error_line(buildprof("pull", "--from", url, "--db", str(tmp_path / "p.db")))
    assert "holds buildprof results in schema public" in line, line
    res = buildprof("push", "--to", url, "--db", str(a))
    assert res.returncode == 0 and "added nothing" in res.stdout, res.stdout + res.stderr
    res = buildprof("pull", "--from", url, "--db", str(tmp_path / "p.db"))
    assert res.returncode == 0, res.stderr
    assert pg_counts(url)["runs"] == 6


def test_push_with_a_filter_sends_only_the_machines_and_toolchains_it_needs(
        url: str, tmp_path: Path) -> None:
    a = results(tmp_path / "a.db", "laptop", {"tiny": A_TINY})
    f = Fill(a)
    f.machine("m2bbbbbbbbbbbbbb", "other-host")
    f.toolchain("go@1.24.0")
    f.db.close()
    res = buildprof("push", "--to", url, "--db", str(a), "--machine", "host-a")
    assert res.returncode == 0, res.stderr
    with psycopg.connect(url, options="-c search_path=buildprof") as conn:
        hosts = {r[0] for r in conn.execute("SELECT hostname FROM machines")}
        specs = {r[0] for r in conn.execute("SELECT spec FROM toolchains")}
    assert hosts == {"host-a"} and specs == {"go@1.26.8"}
