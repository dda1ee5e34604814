"""Never harm what is not buildprof's; odd files never hang or crash a run
(issue: reliability, round 2, items 3, 4, 5, 6 and 7).

Real CLI processes, real files, real builds of the tiny fixtures, real SQLite files.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from profiler import cache as cache_lib
from profiler import paths
from profiler.errors import ProjectError
from profiler.sources.local import copy_tree, tree_stats

from conftest import REPO, buildprof, copy_fixture, error_line, tree_hash

QUICK = ("--runs", "1", "--warmup", "0", "--scenario", "clean", "--profile", "debug")


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, **extra}


def _statuses(db: Path) -> list[str]:
    with sqlite3.connect(db) as con:
        return [r[0] for r in con.execute("SELECT status FROM runs ORDER BY id")]


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Turn an in-process hang (a blocking open of a FIFO) into a test failure."""
    def fail(_sig: int, _frame: object) -> None:
        raise TimeoutError("hung for 30 s")

    old = signal.signal(signal.SIGALRM, fail)
    signal.alarm(30)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# -- item 3: `cache clean` deletes only what buildprof made ---------------------------

def _user_dir(root: Path) -> Path:
    """A directory of the user's, holding names that look like buildprof's parts."""
    root.mkdir(parents=True)
    (root / "thesis.tex").write_text("years of work\n")
    for part in ("work", "bin", "samples"):
        (root / part).mkdir()
        (root / part / "keep.txt").write_text(f"the user's {part}\n")
    return root


def test_cache_clean_refuses_a_directory_buildprof_did_not_create(tmp_path: Path) -> None:
    user = _user_dir(tmp_path / "mine")
    before = tree_hash(user)
    res = buildprof("cache", "clean", env=_env(BUILDPROF_CACHE=str(user)))
    line = error_line(res)
    assert "CACHEDIR.TAG" in line and str(user) in line, line
    assert tree_hash(user) == before


def test_cache_clean_removes_only_buildprof_parts(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "cache"
    monkeypatch.setenv("BUILDPROF_CACHE", str(root))
    (paths.cache_dir("work", "session-4194305-1") / "f").write_text("x" * 1000)
    (paths.cache_dir("deps", "gomodcache") / "m").write_text("y")
    marker = (root / "CACHEDIR.TAG").read_text()
    assert marker.startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert "buildprof" in marker
    # Things the user put into the cache afterwards are not buildprof's.
    (root / "notes.txt").write_text("mine\n")
    (root / "mine").mkdir()
    (root / "mine" / "a").write_text("mine too\n")
    res = buildprof("cache", "clean", env=_env(BUILDPROF_CACHE=str(root)))
    assert res.returncode == 0, res.stderr
    assert "freed" in res.stdout
    assert sorted(p.name for p in root.iterdir()) == ["CACHEDIR.TAG", "mine", "notes.txt"]
    assert (root / "mine" / "a").read_text() == "mine too\n"


def test_cache_clean_leaves_a_part_named_like_buildprofs_that_buildprof_did_not_make(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty directory was claimed as the cache; the user later put a `bin` and a
    `samples` of their own into it (and a link named `revisions`). Generic names
    alone do not make them buildprof's: only parts buildprof marked are emptied."""
    root = tmp_path / "cache"
    monkeypatch.setenv("BUILDPROF_CACHE", str(root))
    (paths.cache_dir("work", "session-4194305-1") / "f").write_text("x" * 1000)
    assert (root / "work" / paths.PART_MARKER).is_file()
    for part in ("bin", "samples"):
        (root / part).mkdir()
        (root / part / "keep.txt").write_text(f"the user's {part}\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "revisions").symlink_to(elsewhere)
    before = {p: tree_hash(root / p) for p in ("bin", "samples")}
    res = buildprof("cache", "clean", env=_env(BUILDPROF_CACHE=str(root)))
    assert res.returncode == 0, res.stderr
    assert not (root / "work").exists()
    assert {p: tree_hash(root / p) for p in ("bin", "samples")} == before
    assert (root / "revisions").is_symlink() and elsewhere.is_dir()
    assert res.stderr.startswith("left ") and f"{root / 'bin'}" in res.stderr
    assert paths.PART_MARKER in res.stderr


def test_a_locked_work_directory_is_kept_whoever_holds_it_and_reclaimed_after(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Work directories are found by their lock, not their pid: a session of another
    container (here: another process) keeps its directory through this process's
    reclaim and `cache clean --force`; once it is gone (SIGKILL: no clean-up of its
    own), the next reclaim removes what it left. Directories named by a pid alone, or
    with a lock nobody holds, are reclaimed."""
    root = tmp_path / "cache"
    monkeypatch.setenv("BUILDPROF_CACHE", str(root))
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom profiler import paths\n"
         "with paths.locked_work_dir('session') as d:\n"
         "    print(d, flush=True)\n    time.sleep(300)\n"],
        stdout=subprocess.PIPE, text=True, cwd=REPO, env=_env(BUILDPROF_CACHE=str(root)))
    assert holder.stdout is not None
    held = Path(holder.stdout.readline().strip())
    try:
        assert held.is_dir() and paths.in_use(held)
        assert held.name.startswith(f"session-{paths._host()}-{holder.pid}-")
        work = held.parent
        unlocked = work / "session-otherhost-1-abcd1234"  # a lock file nobody holds
        unlocked.mkdir()
        (unlocked / paths.LOCK_FILE).write_text("")
        old_style = work / "session-4194305-7"  # an older buildprof's name, pid gone
        old_style.mkdir()
        assert sorted(paths.reclaim_work_dirs()) == sorted([unlocked, old_style])
        assert held.is_dir()
        res = buildprof("cache", "clean", "--force", env=_env(BUILDPROF_CACHE=str(root)))
        assert res.returncode == 0, res.stderr
        assert held.is_dir() and (held / paths.LOCK_FILE).exists()
    finally:
        holder.kill()
        holder.wait()
    assert held.is_dir() and not paths.in_use(held)  # SIGKILL: its directory stays ...
    assert paths.reclaim_work_dirs() == [held] and not held.exists()  # ... until reclaimed


def test_cache_clean_refuses_home_and_the_current_directory_even_with_a_marker(
        tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "CACHEDIR.TAG").write_text(paths.MARKER_TEXT)
    (home / "work").mkdir()
    (home / "work" / "important").write_text("x\n")
    before = tree_hash(tmp_path)
    # $HOME itself.
    res = buildprof("cache", "clean", env=_env(HOME=str(home), BUILDPROF_CACHE=str(home)))
    assert "home directory" in error_line(res)
    # The current directory, and a parent of it.
    sub = home / "work"
    for cache in (sub, home):
        res = buildprof("cache", "clean", cwd=sub, env=_env(BUILDPROF_CACHE=str(cache)))
        assert "current directory" in error_line(res), res.stderr
    assert tree_hash(tmp_path) == before


def test_cache_refusals_cover_the_filesystem_root() -> None:
    # Checked as a function: a CLI test against a broken version would empty /bin.
    assert "filesystem root" in (cache_lib.refusal(Path("/"), Path("/")) or "")


def test_cache_clean_does_not_follow_a_symlinked_root(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "real"
    monkeypatch.setenv("BUILDPROF_CACHE", str(real))
    (paths.cache_dir("work") / "f").write_text("x")
    link = tmp_path / "link"
    link.symlink_to(real)
    before = tree_hash(tmp_path)
    res = buildprof("cache", "clean", env=_env(BUILDPROF_CACHE=str(link)))
    assert "symbolic link" in error_line(res)
    assert tree_hash(tmp_path) == before


# -- item 4: `--edit FILE` stays inside the project -------------------------------------

@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink"])
def test_edit_outside_the_project_is_refused(tmp_path: Path, how: str) -> None:
    project = copy_fixture("gomod", tmp_path)
    outside = tmp_path / "outside.go"
    outside.write_text("package outside\n")
    if how == "symlink":
        (project / "link.go").symlink_to("../outside.go")
    edit = {"dotdot": "../outside.go", "absolute": str(outside), "symlink": "link.go"}[how]
    before = (tree_hash(project), outside.read_bytes())
    db = tmp_path / "r.db"
    res = buildprof("run", str(project), *QUICK, "--scenario", "incremental", "--edit", edit,
                    "--db", str(db))
    line = error_line(res)
    assert line.startswith("Error: --edit") and edit in line, line
    assert (tree_hash(project), outside.read_bytes()) == before
    assert not db.exists()


# -- item 5: only the root's target/ and .git/ are skipped, and only directories ----------

def _project_with_deep_target(tmp: Path) -> Path:
    """The gomod fixture plus a package in pkg/target that main imports."""
    project = copy_fixture("gomod", tmp)
    (project / "pkg" / "target").mkdir(parents=True)
    (project / "pkg" / "target" / "target.go").write_text(
        "package target\n\nfunc Name() string { return \"deep\" }\n")
    main = project / "main.go"
    main.write_text(main.read_text()
                    .replace('"example.com/gomod/greet"',
                             '"example.com/gomod/greet"\n\t"example.com/gomod/pkg/target"')
                    .replace("greet.Greet(\"buildprof\")", "greet.Greet(target.Name())"))
    return project


def test_a_deep_target_directory_and_a_root_target_file_are_copied_and_hashed(
        tmp_path: Path) -> None:
    project = _project_with_deep_target(tmp_path / "p")
    (project / "target").write_text("a file, not build output\n")
    (project / ".git").mkdir()
    (project / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    # A nested cargo target directory carries CACHEDIR.TAG: build output, skipped.
    (project / "crates" / "c" / "target").mkdir(parents=True)
    (project / "crates" / "c" / "target" / "CACHEDIR.TAG").write_text(
        "Signature: 8a477f597d28d172789f06886806bc55\n")
    (project / "crates" / "c" / "target" / "big.rlib").write_text("build output\n")
    dst = tmp_path / "copy"
    copy_tree(project, dst)
    assert (dst / "pkg" / "target" / "target.go").is_file()
    assert (dst / "target").read_text() == "a file, not build output\n"
    assert not (dst / ".git").exists()
    assert not (dst / "crates" / "c" / "target").exists()
    first = tree_stats(project, "go")
    (project / "pkg" / "target" / "target.go").write_text("package target\n")
    second = tree_stats(project, "go")
    assert second.content_hash != first.content_hash
    (project / "target").write_text("changed\n")
    assert tree_stats(project, "go").content_hash != second.content_hash
    third = tree_stats(project, "go")
    (project / ".git" / "HEAD").write_text("ref: refs/heads/other\n")
    (project / "crates" / "c" / "target" / "big.rlib").write_text("rebuilt\n")
    assert tree_stats(project, "go").content_hash == third.content_hash


def test_a_go_package_named_target_builds(tmp_path: Path) -> None:
    project = _project_with_deep_target(tmp_path / "p")
    db = tmp_path / "r.db"
    res = buildprof("run", str(project), *QUICK, "--db", str(db))
    assert res.returncode == 0, res.stdout + res.stderr
    assert _statuses(db) == ["ok"]


# -- item 6: no .cargo/config.toml or go.work from a parent of the work directory ---------

def test_cargo_ignores_a_config_in_a_parent_of_the_cache(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".cargo").mkdir(parents=True)
    # Would fail every build if cargo read it.
    (home / ".cargo" / "config.toml").write_text('[build]\nrustc-wrapper = "/nonexistent/wrap"\n')
    project = copy_fixture("crate", tmp_path)
    db = tmp_path / "r.db"
    res = buildprof("run", str(project), *QUICK, "--db", str(db),
                    env=_env(BUILDPROF_CACHE=str(home / ".cache" / "buildprof")))
    assert res.returncode == 0, res.stdout + res.stderr
    assert _statuses(db) == ["ok"]


def test_go_ignores_a_go_work_in_a_parent_of_the_cache(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    # A workspace that does not list the project: go would refuse to build in it.
    (home / "go.work").write_text("go 1.21\n")
    project = copy_fixture("gomod", tmp_path)
    db = tmp_path / "r.db"
    res = buildprof("run", str(project), *QUICK, "--db", str(db),
                    env=_env(BUILDPROF_CACHE=str(home / ".cache" / "buildprof")))
    assert res.returncode == 0, res.stdout + res.stderr
    assert _statuses(db) == ["ok"]


def test_work_root_avoids_cargo_configs_and_names_the_file_when_it_cannot(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    (home / ".cargo").mkdir(parents=True)
    (home / ".cargo" / "config").write_text("")  # the legacy name counts too
    monkeypatch.setenv("BUILDPROF_CACHE", str(home / "cache"))
    work = paths.work_root()
    assert work.is_dir() and home not in work.parents
    assert paths.cargo_config_above(work) is None
    other = tmp_path / "other"
    (other / ".cargo").mkdir(parents=True)
    (other / ".cargo" / "config.toml").write_text("")
    with pytest.raises(ProjectError) as err:
        paths.pick_work_root([home / "cache" / "work", other / "work"])
    assert str(home / ".cargo" / "config") in str(err.value)
    assert str(other / ".cargo" / "config.toml") in str(err.value)
    assert "BUILDPROF_CACHE" in str(err.value)


# -- item 7: FIFOs, sockets, unreadable files, non-UTF-8 names --------------------------------

def _add_fifo_and_socket(project: Path) -> socket.socket:
    os.mkfifo(project / "pipe")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(project / "greet" / "sock"))
    return sock


def test_fifo_and_socket_are_skipped_with_a_warning(tmp_path: Path, no_hang: None) -> None:
    project = copy_fixture("gomod", tmp_path / "p")
    sock = _add_fifo_and_socket(project)
    try:
        stats = tree_stats(project, "go")
        assert len(stats.skipped) == 2
        assert any("pipe" in w and "FIFO" in w for w in stats.skipped), stats.skipped
        assert any("greet/sock" in w and "socket" in w for w in stats.skipped), stats.skipped
        copy_tree(project, tmp_path / "copy")
        assert sorted(p.name for p in (tmp_path / "copy").iterdir()) == \
            ["go.mod", "greet", "main.go"]
    finally:
        sock.close()


def _run_with_fifo_and_socket(tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    project = copy_fixture("gomod", tmp_path / "p")
    sock = _add_fifo_and_socket(project)
    db = tmp_path / "r.db"
    try:
        # A hang (the old read of the FIFO) fails the test instead of blocking it.
        res = buildprof("run", str(project), *QUICK, "--db", str(db), timeout=300)
    finally:
        sock.close()
    return res, db


def test_run_with_a_fifo_and_a_socket_completes(tmp_path: Path) -> None:
    res, db = _run_with_fifo_and_socket(tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    assert _statuses(db) == ["ok"]


def test_run_with_a_fifo_and_a_socket_warns(tmp_path: Path) -> None:
    # The session prints TreeStats.skipped as warnings.
    res, _db = _run_with_fifo_and_socket(tmp_path)
    warnings = [ln for ln in res.stderr.splitlines() if ln.startswith("Warning:")]
    assert any("pipe" in w and "FIFO" in w for w in warnings), res.stderr
    assert any("sock" in w and "socket" in w for w in warnings), res.stderr


def _without_dac_override() -> None:
    """In the child: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding
    set, so even root (the test machine runs tests as root) obeys file modes."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        libc.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP; fails harmlessly when not root


def _run_without_dac_override(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "profiler.cli.main", *args],
                          capture_output=True, text=True, cwd=REPO, timeout=300,
                          preexec_fn=_without_dac_override)


@pytest.mark.parametrize("what", ["file", "directory"])
def test_an_unreadable_file_or_directory_is_refused(tmp_path: Path, what: str) -> None:
    project = copy_fixture("gomod", tmp_path / "p")
    secret = project / "greet" / ("secret.txt" if what == "file" else "private")
    if what == "file":
        secret.write_text("s\n")
    else:
        secret.mkdir()
        (secret / "x.txt").write_text("x\n")
    secret.chmod(0)
    try:
        probe = subprocess.run(["ls", "-R", str(secret)] if what == "directory"
                               else ["cat", str(secret)], capture_output=True,
                               preexec_fn=_without_dac_override)
        if probe.returncode == 0:
            pytest.skip("cannot make a file unreadable here (root without a bounding set)")
        db = tmp_path / "r.db"
        res = _run_without_dac_override("run", str(project), *QUICK, "--db", str(db))
        line = error_line(res)
        assert str(secret) in line and "cannot read" in line, line
        assert not db.exists()
    finally:
        secret.chmod(0o700)


def test_a_name_that_is_not_utf8_is_copied_and_hashed(tmp_path: Path) -> None:
    project = copy_fixture("gomod", tmp_path / "p")
    name = os.fsdecode(b"data-\xff.txt")
    (project / name).write_bytes(b"1\n")
    first = tree_stats(project, "go")
    (project / name).write_bytes(b"2\n")
    assert tree_stats(project, "go").content_hash != first.content_hash
    copy_tree(project, tmp_path / "copy")
    assert (tmp_path / "copy" / name).read_bytes() == b"2\n"
    db = tmp_path / "r.db"
    res = buildprof("run", str(project), *QUICK, "--db", str(db))
    assert res.returncode == 0, res.stdout + res.stderr
    assert _statuses(db) == ["ok"]


def test_a_project_path_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    # The database records the project's path as text, which such a path is not.
    parent = tmp_path / os.fsdecode(b"proj-\xff")
    project = copy_fixture("gomod", parent)
    db = tmp_path / "r.db"
    res = buildprof("run", str(project), *QUICK, "--db", str(db))
    line = error_line(res)
    assert "not valid UTF-8" in line and "proj-\\xff" in line, line
    assert not db.exists()
