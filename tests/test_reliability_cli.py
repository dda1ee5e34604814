"""Issue 11, items 10-14: every bad input to the CLI gets one `Error:` line (exit 2),
--version, finite numbers and whole numbers, read-only commands that work on a file
the user cannot write and never change a file that is not buildprof's, and `compare`
sides that select the same runs.

All through the real CLI in subprocesses, on real SQLite files: one made by a real
tiny Go build, the others written through ResultsDB (test_compare's Fill).
"""

from __future__ import annotations

import importlib.metadata
import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_compare import A_TINY, B_TINY, Fill

from conftest import FIXTURES, REPO, buildprof, error_line

# -- item 10: usage errors ------------------------------------------------------------


@pytest.mark.parametrize(("args", "message"), [
    (["--bogus"], "Error: No such option: --bogus; see `buildprof --help`"),
    (["history", "--bogus"], "Error: No such option: --bogus (Possible options: --runs); "
                             "see `buildprof history --help`"),
    (["history", "--limit", "abc"], "Error: Invalid value for '--limit': Input should be a "
                                    "valid integer, unable to parse string as an integer; "
                                    "see `buildprof history --help`"),
    (["compare"], "Error: Missing argument 'A'; see `buildprof compare --help`"),
    (["compare", "go@1.26.8"], "Error: Missing argument 'B'; see `buildprof compare --help`"),
    (["samples", "list", "--bogus"], "Error: No such option: --bogus; "
                                     "see `buildprof samples list --help`"),
    (["run", "--warmup"], "Error: Option '--warmup' requires an argument; "
                          "see `buildprof run --help`"),
    (["nosuchcommand"], "Error: No such command 'nosuchcommand'; see `buildprof --help`"),
])
def test_usage_errors_are_one_error_line_and_exit_2(args: list[str], message: str) -> None:
    # Typer 0.29 raises its bundled click's exceptions; before the fix they fell
    # through to "unexpected NoSuchOption ... (a bug in buildprof ...)" and exit 3.
    assert error_line(buildprof(*args)) == message


@pytest.mark.parametrize("args", [[], ["--help"], ["samples"], ["toolchain"],
                                  ["history", "--help"]])
def test_help_and_no_arguments_exit_0(args: list[str]) -> None:
    # With no arguments typer shows the help by raising NoArgsIsHelpError: that was
    # "a bug in buildprof" (exit 3) too.
    res = buildprof(*args)
    assert res.returncode == 0, (res.stdout, res.stderr)
    assert "Usage:" in res.stdout and "Error" not in res.stderr


# -- item 11: --version ---------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag: str) -> None:
    res = buildprof(flag)
    assert res.returncode == 0, res.stderr
    assert res.stdout == f"buildprof {importlib.metadata.version('buildprof')}\n"
    assert res.stderr == ""


# -- item 12: numbers -----------------------------------------------------------------


@pytest.mark.parametrize(("args", "message"), [
    (["--timeout", "nan"], "Error: --timeout takes a finite number (got nan)"),
    (["--timeout", "inf"], "Error: --timeout takes a finite number (got inf)"),
    (["--timeout", "-Infinity"], "Error: --timeout takes a finite number (got -inf)"),
    (["--sample-ms", "NaN"], "Error: --sample-ms takes a finite number (got nan)"),
    (["--runs", "auto", "--precision", "nan"],
     "Error: --precision takes a finite number (got nan)"),
    (["--runs", "auto", "--max-time", "INF"],
     "Error: --max-time takes a finite number (got inf)"),
    (["--jobs", "²"], "Error: --jobs takes whole numbers of at least 1 (got '²')"),
    (["--jobs", "2,³"], "Error: --jobs takes whole numbers of at least 1 (got '³')"),
    (["--jobs", "9" * 5000], f"Error: --jobs takes whole numbers of at least 1 "
                             f"(got '{'9' * 5000}')"),
    (["--runs", "²"], "Error: --runs takes a whole number or 'auto' (got '²')"),
    (["--runs", "3_0"], "Error: --runs takes a whole number or 'auto' (got '3_0')"),
])
def test_run_refuses_non_finite_and_non_decimal_numbers(args: list[str], message: str,
                                                        tmp_path: Path) -> None:
    # The project does not exist: before the fix, the options passed and the run
    # failed on the path instead (or crashed on int('²') with exit 3).
    db = tmp_path / "r.db"
    res = buildprof("run", str(tmp_path / "no-project"), *args, "--db", str(db))
    assert error_line(res) == message
    assert not db.exists()


@pytest.fixture
def two_sessions(tmp_path: Path) -> Path:
    """Session 1 labelled "2024" (go@1.25.5), session 2 labelled "after" (go@1.26.8):
    a clear +20% on one cell, written through ResultsDB as `run` would."""
    path = tmp_path / "r.db"
    f = Fill(path)
    s1 = f.session("2024")
    f.runs(s1, "tiny", "go@1.25.5", A_TINY)
    s2 = f.session("after")
    f.runs(s2, "tiny", "go@1.26.8", B_TINY)
    f.db.close()
    return path


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_compare_fail_above_must_be_finite(two_sessions: Path, value: str) -> None:
    # Before: nan passed `< 0`, and no cell is ever "above nan": exit 0 on a +20% change.
    res = buildprof("compare", "go@1.25.5", "go@1.26.8", "--fail-above", value,
                    "--db", str(two_sessions))
    assert error_line(res) == f"Error: --fail-above takes a finite number (got {value})"


@pytest.mark.parametrize(("args", "message"), [
    (["breakdown", "²"], "Error: '²' is neither a run id (12) nor a session (s3)"),
    (["breakdown", "s²"], "Error: 's²' is neither a run id (12) nor a session (s3)"),
    (["breakdown", "9" * 30], "Error: no run {n} in {db}; see `buildprof history --runs`"),
    (["compare", "9" * 30, "1"], "Error: there is no session {n} in the database; see "
                                 "`buildprof history` for session ids"),
    (["report", "--session", "9" * 30], "Error: --session takes a session number (got {n}); "
                                        "see `buildprof history`"),
])
def test_ids_that_are_not_plain_or_too_large(two_sessions: Path, args: list[str],
                                             message: str) -> None:
    # int('²') raised ValueError and ids past 2**63-1 made sqlite3 raise OverflowError:
    # both were "a bug in buildprof" (exit 3).
    res = buildprof(*args, "--db", str(two_sessions))
    assert error_line(res) == message.format(n="9" * 30, db=two_sessions)


def test_huge_limit_means_all(two_sessions: Path) -> None:
    res = buildprof("history", "--limit", "9" * 30, "--format", "json",
                    "--db", str(two_sessions))
    assert res.returncode == 0, res.stderr
    assert len(json.loads(res.stdout)["cells"]) == 2


# -- item 13: read-only commands ------------------------------------------------------


@pytest.fixture(scope="module")
def real_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results file made by a real tiny build (2 timed runs, session labelled 2024)."""
    path = tmp_path_factory.mktemp("realdb") / "results.db"
    res = buildprof("run", str(FIXTURES / "gomod"), "--runs", "2", "--warmup", "0",
                    "--scenario", "clean", "--profile", "debug", "--label", "2024",
                    "--db", str(path), "--format", "json")
    assert res.returncode == 0, res.stderr
    return path


def _run_id(db: Path) -> int:
    # immutable=1: mode=ro would leave -wal and -shm files, which the tests look for.
    con = sqlite3.connect(f"{db.as_uri()}?immutable=1", uri=True)
    try:
        return con.execute("SELECT max(id) FROM runs").fetchone()[0]
    finally:
        con.close()


READ_COMMANDS: list[list[str]] = [
    ["history", "--format", "json"], ["export"], ["report", "--format", "json"],
    ["compare", "go", "label:2024"], ["breakdown", "RUN"], ["doctor"]]


def _without_privileges(*args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI with every capability dropped: even as root (CI), the kernel then
    applies the permission bits, as it would to an ordinary user."""
    return subprocess.run(["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--",
                           sys.executable, "-m", "profiler.cli.main", *args],
                          capture_output=True, text=True, cwd=REPO, timeout=300)


@pytest.fixture
def unwritable_copy(real_db: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of the results file, mode 0444, in a directory of mode 0555."""
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is needed to drop root's capabilities")
    folder = tmp_path / "readonly"
    folder.mkdir()
    db = folder / "results.db"
    shutil.copyfile(real_db, db)
    db.chmod(0o444)
    folder.chmod(0o555)
    probe = subprocess.run(["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--",
                            "touch", str(folder / "probe")], capture_output=True)
    if probe.returncode == 0:
        folder.chmod(0o755)
        pytest.skip("permission bits are not enforced here even without capabilities")
    yield db
    folder.chmod(0o755)  # so pytest can remove it


@pytest.mark.parametrize("args", READ_COMMANDS, ids=lambda a: a[0])
def test_read_commands_work_on_a_file_the_user_cannot_write(unwritable_copy: Path,
                                                            args: list[str]) -> None:
    # Before: "Error: cannot open ...: attempt to write a readonly database; choose a
    # writable --db" (exit 2): a WAL database needs a -shm file SQLite could not create.
    db = unwritable_copy
    before = db.read_bytes()
    args = [a.replace("RUN", str(_run_id(db))) for a in args]
    res = _without_privileges(*args, "--db", str(db))
    if args[0] == "compare":  # session 1 is label 2024: the same runs, refused (item 14)
        assert error_line(res) == ("Error: A and B select the same runs ('go' and "
                                   "'label:2024'); compare two different toolchains, "
                                   "sessions or labels")
    else:
        assert res.returncode == 0, res.stderr
        assert "Error" not in res.stderr
    if args[0] == "history":
        assert [c["label"] for c in json.loads(res.stdout)["cells"]] == ["2024"]
    elif args[0] == "export":
        assert len(json.loads(res.stdout)["results"]) == 1
    elif args[0] == "doctor":
        text = " ".join(res.stdout.split())  # rich wraps at 80 columns
        assert "ok database" in text and "1 sessions, 2 runs" in text
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["results.db"]


def test_read_only_open_cannot_write(real_db: Path, tmp_path: Path) -> None:
    """The connection the read commands use is read-only in SQLite itself: even a
    write issued through it fails (before: it succeeded)."""
    from profiler.storage.db import ResultsDB

    db = tmp_path / "results.db"
    shutil.copyfile(real_db, db)
    before = db.read_bytes()
    store = ResultsDB.open(db, readonly=True)
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.db.conn.execute("CREATE TABLE intruder (x)")
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.db.conn.execute("DELETE FROM runs")
    finally:
        store.close()
    assert db.read_bytes() == before
    # SQLite made -wal and -shm files for the read; close() had them removed.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.db"]


def _foreign_sqlite(path: Path, wal: bool) -> None:
    con = sqlite3.connect(path)
    if wal:
        con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE notes (body TEXT)")
    con.execute("INSERT INTO notes VALUES ('keep me')")
    con.commit()
    con.close()


FOREIGN = {
    "empty": "Error: {db} is empty, not a buildprof results file; give the file "
             "`buildprof run` wrote with --db",
    "text": "Error: {db} is not a SQLite database; give the file `buildprof run` wrote "
            "with --db",
    "sqlite": "Error: {db} is a SQLite database of another application, not buildprof's; "
              "it was left unchanged: give another --db",
    "sqlite-wal": "Error: {db} is a SQLite database of another application, not "
                  "buildprof's; it was left unchanged: give another --db",
}


@pytest.mark.parametrize("kind", list(FOREIGN))
def test_empty_or_foreign_file_is_refused_and_left_unchanged(kind: str, tmp_path: Path
                                                             ) -> None:
    # Before: a 0-byte file got "unexpected OperationalError: no such table: runs (a bug
    # in buildprof ...)", exit 3, from every read command (doctor included).
    folder = tmp_path / "d"
    folder.mkdir()
    db = folder / "results.db"
    if kind == "empty":
        db.write_bytes(b"")
    elif kind == "text":
        db.write_text("my notes, not a database\n")
    else:
        _foreign_sqlite(db, wal=kind == "sqlite-wal")
    before = db.read_bytes()
    expected = FOREIGN[kind].format(db=db)
    for args in READ_COMMANDS[:-1]:
        args = [a.replace("RUN", "1") for a in args]
        assert error_line(buildprof(*args, "--db", str(db))) == expected, args
    res = buildprof("doctor", "--db", str(db))  # doctor lists it as a thing to fix
    assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr
    assert "fix  database" in res.stdout
    assert db.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["results.db"]  # no -wal, -shm


def test_missing_database_names_buildprof_run(tmp_path: Path) -> None:
    db = tmp_path / "results.db"
    for args in READ_COMMANDS[:-1]:
        args = [a.replace("RUN", "1") for a in args]
        assert error_line(buildprof(*args, "--db", str(db))) == (
            f"Error: {db} does not exist; run `buildprof run` first or give the results "
            f"file with --db"), args
    assert not db.exists()


def test_read_commands_leave_a_writable_file_byte_identical(real_db: Path,
                                                            tmp_path: Path) -> None:
    db = tmp_path / "results.db"
    shutil.copyfile(real_db, db)
    before = db.read_bytes()
    for args in READ_COMMANDS:
        args = [a.replace("RUN", str(_run_id(db))) for a in args]
        res = buildprof(*args, "--db", str(db))
        assert "Traceback" not in res.stderr and res.returncode in (0, 2), res.stderr
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.db"]


# -- item 14: compare sides -----------------------------------------------------------


@pytest.mark.parametrize(("a", "b"), [
    ("go@1.25.5", "1"),  # session 1 is all of go@1.25.5's runs
    ("1", "label:2024"),
    ("session:2", "after"),
    ("go@1.26.8", "1.26.8"),  # a spec and its bare version
    ("toolchain:1.26.8", "2"),
])
def test_compare_refuses_two_names_for_the_same_runs(two_sessions: Path, a: str, b: str
                                                     ) -> None:
    # Before: every cell compared runs with themselves: "+0.0%", verdict `~`, exit 0.
    res = buildprof("compare", a, b, "--db", str(two_sessions))
    assert error_line(res) == (f"Error: A and B select the same runs ('{a}' and '{b}'); "
                               f"compare two different toolchains, sessions or labels")


def test_compare_label_of_digits_with_prefix(two_sessions: Path) -> None:
    db = ("--db", str(two_sessions))
    # A bare number is a session id; the error says how to mean the label.
    assert error_line(buildprof("compare", "2024", "after", *db)) == (
        "Error: there is no session 2024 in the database; for the session(s) labelled "
        "2024, write label:2024")
    res = buildprof("compare", "label:2024", "after", *db, "--format", "json")
    assert res.returncode == 0, res.stderr  # before: "'label:2024' is neither ..."
    data = json.loads(res.stdout)
    assert data["a"] == {"text": "label:2024", "kind": "label"}
    (cell,) = data["cells"]
    assert cell["verdict"] == "+20.5%"
    res = buildprof("compare", "session:1", "toolchain:go@1.26.8", *db, "--format", "json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["cells"][0]["verdict"] == "+20.5%"
    assert error_line(buildprof("compare", "label:nope", "after", *db)) == (
        "Error: no session is labelled 'nope'; labels: 2024, after")


def test_compare_help_lists_the_prefixes() -> None:
    res = buildprof("compare", "--help")
    text = " ".join(res.stdout.split())
    assert res.returncode == 0
    assert "session:3" in text and "label:2024" in text and "toolchain:" in text
