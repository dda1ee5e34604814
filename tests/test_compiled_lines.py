"""Lines compiled in total: Backend.compiled_lines(ws), counted right after a real
build in a real workspace (the runner's order: setup, prepare, the build, finish),
and the projects.compiled_loc column that stores it.

Every fixture's code lines are counted by hand in the comments beside it (blank and
comment-only lines do not count, as in projects.count_code_lines), so the tests
assert exact numbers.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from profiler.backends import backend_for
from profiler.backends.base import CompiledLines
from profiler.errors import StepError
from profiler.measure.process import measure
from profiler.model.filters import Filters
from profiler.paths import cache_dir
from profiler.scenarios.plan import CellPlan
from profiler.scenarios.workspace import Workspace
from profiler.sources.local import Project, count_code_lines
from profiler.storage.db import ResultsDB
from profiler.storage.migrations import MIGRATIONS, SCHEMA_VERSION

from conftest import copy_fixture

GOLDEN_V1 = Path(__file__).parent / "data" / "schema_v1.db"


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _tree(tmp: Path, files: dict[str, str]) -> Path:
    """The user's project: `files` written below tmp/user."""
    user = tmp / "user"
    write(user, files)
    return user


def workspace(path: Path, lang: str, tmp: Path, scenario: str = "clean",
              profile: str = "debug") -> Workspace:
    """The set-up workspace of a cell building the project at `path` (laid out as
    buildprof lays it out: its enclosing tree, workdir, workspace member)."""
    backend = backend_for(lang)
    tc = backend.resolve(None)
    layout = backend.locate(path, tc)
    project = Project(path.name, lang, layout.root, "path", layout.workdir, layout.package)
    ws = Workspace(CellPlan(project, tc, scenario, profile), tmp / "ws", backend)
    ws.setup()
    return ws


def build(ws: Workspace) -> None:
    """One run as the runner does it: prepare, the build in the build directory, finish."""
    ws.prepare()
    m = measure(ws.argv(), ws.build_dir, ws.env(), ws.logs)
    ws.finish()
    assert m.ok, m.stderr_tail


def rust_lines(root: Path) -> int:
    """Code lines of every .rs file below `root` but tests/, benches/, examples/:
    what a count that ignores features and cfg gives for a crate."""
    return sum(count_code_lines(p.read_text(errors="replace")) for p in root.rglob("*.rs")
               if p.relative_to(root).parts[0] not in ("tests", "benches", "examples"))


# -- Go -------------------------------------------------------------------------------


def test_go_fixture_counts_the_files_the_build_compiles(tmp_path: Path) -> None:
    """main.go (8 code lines) and greet/greet.go (8); greet_test.go is not built,
    and fmt/strings are std: own = total = 16, in 2 packages."""
    ws = workspace(copy_fixture("gomod", tmp_path), "go", tmp_path)
    build(ws)
    assert ws.backend.compiled_lines(ws) == CompiledLines(16, 16, 2)


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

# The same two modules joined by a go.work instead of a replace directive: go list
# finds dep only with the build's GOWORK (the workspace copy's go.work).
GO_WORK = {
    **GO_APP,
    "app/go.mod": "module example.com/app\n\ngo 1.21\n",
    "go.work": "go 1.21\n\nuse (\n\t./app\n\t./dep\n)\n",
}


@pytest.mark.parametrize("files", [GO_APP, GO_WORK], ids=["replace", "go.work"])
def test_go_local_dependency_is_counted_from_the_workspace_copy(
        files: dict[str, str], tmp_path: Path) -> None:
    """own = app's 8 lines; total adds dep (5) and dep/inner (4), not dep/unused,
    the test file or the build-tagged file: 17 lines in 3 packages. The user's
    tree is gone once the workspace is set up: the count reads the copy."""
    user = _tree(tmp_path, files)
    ws = workspace(user / "app", "go", tmp_path)
    assert ws.build_dir == ws.src / "app"
    shutil.rmtree(user)
    build(ws)
    assert ws.backend.compiled_lines(ws) == CompiledLines(own=8, total=17, packages=3)


# -- Rust -----------------------------------------------------------------------------


def test_cargo_fixture_counts_its_own_crate(tmp_path: Path) -> None:
    """src/lib.rs: 10 code lines (its #[cfg(test)] module is in the same file, which
    rustc reads whole) and src/main.rs: 3; the library and the binary are two crates."""
    ws = workspace(copy_fixture("crate", tmp_path), "rust", tmp_path)
    build(ws)
    assert ws.backend.compiled_lines(ws) == CompiledLines(13, 13, 2)


RUST_APP = {
    "app/Cargo.toml": "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n"
                      "[dependencies]\nlib = { path = \"../lib\" }\n\n"
                      "[build-dependencies]\nhelper = { path = \"../helper\" }\n\n"
                      "[dev-dependencies]\ndevonly = { path = \"../devonly\" }\n\n"
                      "[target.'cfg(windows)'.dependencies]\nwinonly = { path = \"../winonly\" }\n",
    # 7 code lines; it writes gen.rs (3 code lines) into OUT_DIR.
    "app/build.rs": "// Generates gen.rs into OUT_DIR.\nuse std::{env, fs, path::Path};\n\n"
                    "fn main() {\n    helper::help();\n"
                    "    let out = env::var(\"OUT_DIR\").unwrap();\n"
                    "    let code = \"pub fn generated() -> u32 {\\n    7\\n}\\n\";\n"
                    "    fs::write(Path::new(&out).join(\"gen.rs\"), code).unwrap();\n}\n",
    # 5 code lines; gen.rs comes in with include!, data.txt with include_str!.
    "app/src/main.rs": "// The library's answer, the generated function, the data's length.\n"
                       "include!(concat!(env!(\"OUT_DIR\"), \"/gen.rs\"));\n\n"
                       "const DATA: &str = include_str!(\"data.txt\");\n\n"
                       "fn main() {\n"
                       "    println!(\"{} {} {}\", lib::answer(), generated(), DATA.len());\n}\n",
    # Read by rustc, but not Rust: not counted.
    "app/src/data.txt": "fn looks_like_code() {}\nfn but_is_data() {}\n",
    "app/src/unused.rs": "pub fn never() {}\n",  # no `mod unused;`: not compiled
    "app/tests/it.rs": "#[test]\nfn t() {}\n",  # integration tests: not built by cargo build
    "lib/Cargo.toml": "[package]\nname = \"lib\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    # 6 code lines: the cfg attribute and its `mod win;` are code, win.rs is not compiled.
    "lib/src/lib.rs": "//! The library.\n#[cfg(windows)]\nmod win;\n\npub mod inner;\n\n"
                      "/* a block comment */\npub fn answer() -> u32 {\n"
                      "    inner::half() * 2\n}\n",
    "lib/src/inner.rs": "pub fn half() -> u32 {\n    21\n}\n",  # 3
    # 4 code lines, Windows only: not counted here.
    "lib/src/win.rs": "pub fn a() {}\npub fn b() {}\npub fn c() {}\npub fn d() {}\n",
    "lib/examples/ex.rs": "fn main() {}\n",  # not built
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


@pytest.mark.parametrize(("scenario", "profile"), [("clean", "debug"), ("check", "release")])
def test_cargo_counts_the_files_rustc_read(scenario: str, profile: str,
                                           tmp_path: Path) -> None:
    """own = the files in the workspace's copy that rustc read: build.rs (7), main.rs
    (5), lib.rs (6), inner.rs (3) and the build dependency helper (1) = 22; total
    adds gen.rs (3), generated into OUT_DIR. Not counted: win.rs behind
    #[cfg(windows)], unused.rs, data.txt, the dev-, Windows-only and example
    code. 4 crates: app's build script and binary, lib, helper. `cargo check`
    (in release's directory) reads the same files."""
    ws = workspace(_tree(tmp_path, RUST_APP) / "app", "rust", tmp_path, scenario, profile)
    build(ws)
    assert ws.backend.compiled_lines(ws) == CompiledLines(own=22, total=25, packages=4)


RUST_WORKSPACE = {
    # The root is a package and a workspace with members a/ and b/.
    "Cargo.toml": "[package]\nname = \"top\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n"
                  "[dependencies]\nb = { path = \"b\" }\n\n[workspace]\nmembers = [\"a\", \"b\"]\n",
    "src/main.rs": "fn main() {\n    b::f();\n}\n",  # 3
    "b/Cargo.toml": "[package]\nname = \"b\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n"
                    "[dependencies]\na = { path = \"../a\" }\n",
    "b/src/lib.rs": "pub fn f() {\n    a::g();\n}\n",  # 3
    "a/Cargo.toml": "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    "a/src/lib.rs": "pub fn g() {}\n",  # 1
}


def test_cargo_workspace_member_paths_are_relative_to_the_workspace_root(
        tmp_path: Path) -> None:
    """Member b, built with -p b in b/: rustc runs in the workspace root and names
    b/src/lib.rs and a/src/lib.rs from there, not from b/. own = total = 3 + 1
    in 2 crates; top is not built."""
    ws = workspace(_tree(tmp_path, RUST_WORKSPACE) / "b", "rust", tmp_path)
    assert (ws.build_dir, ws.cell.project.package) == (ws.src / "b", "b")
    build(ws)
    assert ws.backend.compiled_lines(ws) == CompiledLines(own=4, total=4, packages=2)


LIBC_APP = {
    "Cargo.toml": "[package]\nname = \"uses-libc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n"
                  "[dependencies]\nlibc = \"=0.2.155\"\n",
    "src/main.rs": "fn main() {\n    println!(\"{}\", unsafe { libc::getpid() });\n}\n",  # 3
}


def test_cargo_registry_crate_counts_only_what_this_target_compiles(tmp_path: Path) -> None:
    """libc holds bindings for every platform; this build compiles Linux's on this
    architecture. Its compiled lines are a small part (well under a fifth) of its
    .rs files' lines, but not none. 3 crates: libc's build script, libc, the binary."""
    ws = workspace(_tree(tmp_path, LIBC_APP), "rust", tmp_path)
    build(ws)
    got = ws.backend.compiled_lines(ws)
    assert (got.own, got.packages) == (3, 3)
    libc = next(cache_dir("deps", "cargo-home").glob("registry/src/*/libc-0.2.155"))
    every = rust_lines(libc)
    assert every > 50_000
    assert 1_000 < got.total - got.own < every / 5, (got, every)


def test_no_dep_info_is_one_clear_error(tmp_path: Path) -> None:
    """Nothing built yet (the target directory is empty): nothing to count."""
    ws = workspace(copy_fixture("crate", tmp_path), "rust", tmp_path)
    ws.prepare()
    with pytest.raises(StepError) as err:
        ws.backend.compiled_lines(ws)
    message = str(err.value)
    assert message == (f"no dep-info files (.d) in {ws.state / 'debug'}/deps: the compiled "
                       f"lines are read from a build's output, so count them right after a "
                       f"successful build")
    assert "\n" not in message


# -- storage --------------------------------------------------------------------------


def test_old_databases_migrate_and_gain_compiled_loc(tmp_path: Path) -> None:
    """A schema-1 file (tests/data) and a schema-2 file both migrate to the current
    schema: projects get a NULL compiled_loc, which ensure_project then fills in
    for the same content."""
    v1 = tmp_path / "v1.db"
    shutil.copy(GOLDEN_V1, v1)
    v2 = tmp_path / "v2.db"
    shutil.copy(GOLDEN_V1, v2)
    # A schema-2 file as schema 2 left it: the golden file taken one step only
    # (later migrations, whoever adds them, must still apply to it).
    con = sqlite3.connect(v2)
    MIGRATIONS[1](sqlite_utils.Database(con))
    con.execute("PRAGMA user_version=2")
    con.commit()
    con.close()
    assert len(MIGRATIONS) == SCHEMA_VERSION >= 3
    for path in (v1, v2):
        with ResultsDB.open(path) as store:
            conn = store.db.conn
            assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
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

