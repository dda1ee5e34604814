"""Lines compiled in total: Backend.compiled_lines on real go/cargo and real trees,
and the projects.compiled_loc column that stores it.

Every fixture's code lines are counted by hand in the comments beside it (blank and
comment-only lines do not count, as in projects.count_code_lines), so the tests
assert exact numbers.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from profiler.backends.base import CompiledLines
from profiler.backends.cargo import CargoBackend
from profiler.backends.go import GoBackend
from profiler.errors import ProjectError, StepError
from profiler.storage.db import ResultsDB
from profiler.storage.migrations import MIGRATIONS, SCHEMA_VERSION
from profiler.storage.queries import Filters
from profiler.toolchains import cargo as cargo_tc
from profiler.toolchains.base import Toolchain, clean_env

from conftest import copy_fixture, tree_hash

GOLDEN_V1 = Path(__file__).parent / "data" / "schema_v1.db"


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture(scope="module")
def go() -> tuple[GoBackend, Toolchain]:
    backend = GoBackend()
    return backend, backend.resolve(None)


@pytest.fixture(scope="module")
def cargo() -> tuple[CargoBackend, Toolchain]:
    backend = CargoBackend()
    return backend, backend.resolve(None)


def lock(tc: Toolchain, crate: Path) -> None:
    """Write the Cargo.lock of a crate whose dependencies are all paths (no network)."""
    env = cargo_tc.build_env(tc, clean_env(), crate / "target")
    subprocess.run([tc.path, "generate-lockfile", "--offline"], cwd=crate, env=env,
                   check=True, capture_output=True)


# -- Go -------------------------------------------------------------------------------


def test_go_fixture_counts_the_files_the_build_compiles(
        tmp_path: Path, go: tuple[GoBackend, Toolchain]) -> None:
    """main.go (8 code lines) and greet/greet.go (8); greet_test.go is not built,
    and fmt/strings are std: own = total = 16, in 2 packages."""
    backend, tc = go
    project = copy_fixture("gomod", tmp_path)
    assert backend.compiled_lines(project, ".", None, tc) == CompiledLines(16, 16, 2)


GO_APP = {
    "app/go.mod": "module example.com/app\n\ngo 1.21\n\nrequire example.com/dep v0.0.0\n\n"
                  "replace example.com/dep => ../dep\n",
    # 8 code lines: the package clause, the 4 lines of the import block, the 3 of main.
    "app/main.go": "// Command app prints the dependency's answer.\npackage main\n\nimport (\n"
                   "\t\"fmt\"\n\n\t\"example.com/dep\"\n)\n\n/* a block comment\n"
                   "   over two lines */\nfunc main() {\n"
                   "\tfmt.Println(dep.Answer()) // a trailing comment: still code\n}\n",
    # Not compiled by `go build`: a test file, and a file excluded by its build tag.
    "app/main_test.go": "package main\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) {}\n",
    "app/ignored.go": "//go:build ignore\n\npackage main\n\nfunc unused() {}\n",
    "dep/go.mod": "module example.com/dep\n\ngo 1.21\n",
    # 5 code lines.
    "dep/dep.go": "// Package dep is the app's local replacement.\npackage dep\n\n"
                  "import \"example.com/dep/inner\"\n\n// Answer is the answer.\n"
                  "func Answer() int {\n\treturn inner.Value() * 2\n}\n",
    # 4 code lines.
    "dep/inner/inner.go": "package inner\n\nfunc Value() int {\n\treturn 21\n}\n",
    # A package nothing imports: not compiled, not counted.
    "dep/unused/unused.go": "package unused\n\nfunc Never() {}\n",
}


def test_go_local_replace_counts_the_dependency_once_built(
        tmp_path: Path, go: tuple[GoBackend, Toolchain]) -> None:
    """own = app's 8 lines; total adds dep (5) and dep/inner (4), not dep/unused,
    the test file or the build-tagged file: 17 lines in 3 packages. The layout is
    the one buildprof builds (the tree holding app/ and dep/, built in app/)."""
    backend, tc = go
    write(tmp_path, GO_APP)
    layout = backend.locate(tmp_path / "app", tc)
    assert (layout.root, layout.workdir) == (tmp_path, "app")
    before = tree_hash(tmp_path)
    got = backend.compiled_lines(layout.root, layout.workdir, None, tc)
    assert got == CompiledLines(own=8, total=17, packages=3)
    assert tree_hash(tmp_path) == before  # no go.sum, nothing else written
    assert not (tmp_path / "app" / "go.sum").exists()


def test_go_module_missing_a_require_is_an_error_and_go_mod_is_kept(
        tmp_path: Path, go: tuple[GoBackend, Toolchain]) -> None:
    """With -mod=mod, go would add the missing require to go.mod; the count must
    not write the tree, so it refuses with go's own error line instead."""
    backend, tc = go
    write(tmp_path, {**GO_APP, "app/go.mod": "module example.com/app\n\ngo 1.21\n\n"
                                             "replace example.com/dep => ../dep\n"})
    before = tree_hash(tmp_path)
    with pytest.raises(StepError) as err:
        backend.compiled_lines(tmp_path, "app", None, tc)
    message = str(err.value)
    assert message.startswith("counting the compiled lines (go list -deps) failed in ")
    assert "example.com/dep" in message and "go mod tidy" in message
    assert tree_hash(tmp_path) == before


# -- Rust -----------------------------------------------------------------------------


def test_cargo_fixture_counts_its_own_crate(
        tmp_path: Path, cargo: tuple[CargoBackend, Toolchain]) -> None:
    """src/lib.rs: 10 code lines (its #[cfg(test)] module included: features and
    cfg are not taken into account) and src/main.rs: 3; no dependencies."""
    backend, tc = cargo
    crate = copy_fixture("crate", tmp_path)
    assert backend.compiled_lines(crate, ".", None, tc) == CompiledLines(13, 13, 1)


RUST_APP = {
    "app/Cargo.toml": "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n"
                      "[dependencies]\nlib = { path = \"../lib\" }\n\n"
                      "[build-dependencies]\nhelper = { path = \"../helper\" }\n\n"
                      "[dev-dependencies]\ndevonly = { path = \"../devonly\" }\n\n"
                      "[target.'cfg(windows)'.dependencies]\nwinonly = { path = \"../winonly\" }\n",
    # 3 code lines.
    "app/src/main.rs": "// The binary.\nfn main() {\n    println!(\"{}\", lib::answer());\n}\n",
    "app/build.rs": "fn main() {}\n",  # 1: a build script is compiled
    "app/tests/it.rs": "#[test]\nfn t() {}\n",  # integration tests: not counted
    "lib/Cargo.toml": "[package]\nname = \"lib\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    # 4 code lines.
    "lib/src/lib.rs": "//! The library.\npub mod inner;\n\n/* a block comment */\n"
                      "pub fn answer() -> u32 {\n    inner::half() * 2\n}\n",
    "lib/src/inner.rs": "pub fn half() -> u32 {\n    21\n}\n",  # 3
    "lib/examples/ex.rs": "fn main() {}\n",  # not counted
    "lib/benches/b.rs": "fn main() {}\n",  # not counted
    "helper/Cargo.toml": "[package]\nname = \"helper\"\nversion = \"0.1.0\"\n"
                         "edition = \"2021\"\n",
    "helper/src/lib.rs": "pub fn help() {}\n",  # 1: a build dependency is compiled
    "devonly/Cargo.toml": "[package]\nname = \"devonly\"\nversion = \"0.1.0\"\n"
                          "edition = \"2021\"\n",
    "devonly/src/lib.rs": "pub fn dev() {}\n",  # a dev-dependency: not built
    "winonly/Cargo.toml": "[package]\nname = \"winonly\"\nversion = \"0.1.0\"\n"
                          "edition = \"2021\"\n",
    "winonly/src/lib.rs": "pub fn win() {}\n",  # another platform's: not built here
}


def test_cargo_path_dependencies_normal_and_build_only(
        tmp_path: Path, cargo: tuple[CargoBackend, Toolchain]) -> None:
    """own = app's main.rs (3) + build.rs (1); total adds lib (4 + 3) and the build
    dependency helper (1), not the dev-dependency, the Windows-only one, tests/,
    examples/ or benches/: 12 lines in 3 crates. The tree is left as it was."""
    backend, tc = cargo
    write(tmp_path, RUST_APP)
    lock(tc, tmp_path / "app")
    layout = backend.locate(tmp_path / "app", tc)
    assert (layout.root, layout.workdir, layout.package) == (tmp_path, "app", None)
    before = tree_hash(tmp_path)
    got = backend.compiled_lines(layout.root, layout.workdir, None, tc)
    assert got == CompiledLines(own=4, total=12, packages=3)
    assert tree_hash(tmp_path) == before  # no target/, lock untouched


def test_cargo_without_a_lock_is_an_error_and_writes_none(
        tmp_path: Path, cargo: tuple[CargoBackend, Toolchain]) -> None:
    backend, tc = cargo
    write(tmp_path, RUST_APP)
    before = tree_hash(tmp_path)
    with pytest.raises(StepError) as err:
        backend.compiled_lines(tmp_path, "app", None, tc)
    message = str(err.value)
    # cargo's first error line (its last is advice about --locked, which is ours to pass).
    assert "cannot create the lock file" in message and "--locked" in message
    assert message.endswith("they are counted once `cargo fetch` has written Cargo.lock "
                            "and downloaded the crates")
    assert not (tmp_path / "app" / "Cargo.lock").exists()
    assert tree_hash(tmp_path) == before


RUST_WORKSPACE = {
    # The root is a package and a workspace: `cargo build` there builds the root
    # package only, and b/ and a/ below it are crates of their own.
    "Cargo.toml": "[package]\nname = \"top\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n"
                  "[dependencies]\nb = { path = \"b\" }\n\n[workspace]\nmembers = [\"a\", \"b\"]\n",
    "src/main.rs": "fn main() {\n    b::f();\n}\n",  # 3
    "b/Cargo.toml": "[package]\nname = \"b\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n"
                    "[dependencies]\na = { path = \"../a\" }\n",
    "b/src/lib.rs": "pub fn f() {\n    a::g();\n}\n",  # 3
    "a/Cargo.toml": "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    "a/src/lib.rs": "pub fn g() {}\n",  # 1
}


def test_cargo_workspace_roots_are_the_default_member_or_the_package(
        tmp_path: Path, cargo: tuple[CargoBackend, Toolchain]) -> None:
    """Default member (the root package `top`): own 3, total 3 + 3 + 1 (b and a are
    not counted twice as files below top's directory). With package b: own 3,
    total 4. An unknown member is refused, naming the workspace."""
    backend, tc = cargo
    write(tmp_path, RUST_WORKSPACE)
    lock(tc, tmp_path)
    assert backend.compiled_lines(tmp_path, ".", None, tc) == CompiledLines(3, 7, 3)
    assert backend.compiled_lines(tmp_path, ".", "b", tc) == CompiledLines(3, 4, 2)
    with pytest.raises(ProjectError, match=r"^nope is not a member of the Cargo workspace at "):
        backend.compiled_lines(tmp_path, ".", "nope", tc)


# -- storage --------------------------------------------------------------------------


def test_old_databases_migrate_and_gain_compiled_loc(tmp_path: Path) -> None:
    """A schema-1 file (tests/data) and a schema-2 file both migrate: projects get
    a NULL compiled_loc, which ensure_project then fills in for the same content."""
    v1 = tmp_path / "v1.db"
    shutil.copy(GOLDEN_V1, v1)
    v2 = tmp_path / "v2.db"
    with ResultsDB.open(v2) as store:  # a current file, brought back to schema 2
        store.ensure_project("gomod", "go", "path", "/p", "h2", 16, 2)
    con = sqlite3.connect(v2)
    con.execute("ALTER TABLE projects DROP COLUMN compiled_loc")
    con.execute("PRAGMA user_version=2")
    con.commit()
    con.close()
    assert len(MIGRATIONS) == SCHEMA_VERSION == 3
    for path in (v1, v2):
        with ResultsDB.open(path) as store:
            conn = store.db.conn
            assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
            columns = {r[1]: r[2] for r in conn.execute("PRAGMA table_info(projects)")}
            assert columns["compiled_loc"] == "INTEGER"
            pid, name, lang, source, ppath, chash, loc, files, compiled = conn.execute(
                "SELECT id, name, lang, source, path, content_hash, loc, files, compiled_loc "
                "FROM projects ORDER BY id LIMIT 1").fetchone()
            assert compiled is None
            assert store.ensure_project(name, lang, source, ppath, chash, loc, files,
                                        compiled_loc=1234) == pid
            assert store.ensure_project(name, lang, source, ppath, chash, loc, files,
                                        compiled_loc=99) == pid  # a counted row is kept
            assert conn.execute("SELECT compiled_loc FROM projects WHERE id = ?",
                                [pid]).fetchone()[0] == 1234


def test_run_rows_carry_compiled_loc_beside_loc(tmp_path: Path) -> None:
    """The rows the report reads (report_rows, runs, runs_of_session, run) have the
    project's compiled_loc; an old file opened read-only (not migrated) gives None."""
    db_path = tmp_path / "r.db"
    shutil.copy(GOLDEN_V1, db_path)
    with ResultsDB.open(db_path, readonly=True) as store:  # schema 1, read as it is
        assert {r["compiled_loc"] for r in store.runs(Filters())} == {None}
        assert store.run(1)["compiled_loc"] is None  # type: ignore[index]
    with ResultsDB.open(db_path) as store:
        run = store.runs_of_session(1)[0]
        store.ensure_project(run["project"], run["lang"], "path",
                             store.db["projects"].get(run["project_id"])["path"],
                             run["content_hash"], run["loc"], 2, compiled_loc=4321)
        assert {r["compiled_loc"] for r in store.runs_of_session(1)} == {4321}
        assert store.run(run["id"])["compiled_loc"] == 4321  # type: ignore[index]
        rows = store.report_rows(Filters())["runs"]
        assert rows and {(r["loc"], r["compiled_loc"]) for r in rows} == {(run["loc"], 4321)}

