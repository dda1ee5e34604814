"""Published projects by name: real fetches from the Rust crate registry and the
Go module proxy (both reachable here and in CI), real builds of what came."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path

import pytest

from profiler.errors import UsageError
from profiler.sources import fetch

from conftest import buildprof, error_line

CRATE, CRATE_VERSION = "itoa", "1.0.10"  # a small library-only crate, no dependencies
MODULE, MODULE_VERSION = "github.com/google/uuid", "v1.6.0"  # a library-only module


def _run(*args: str, env: dict[str, str] | None = None) -> dict:
    res = buildprof("run", *args, "--runs", "1", "--warmup", "0", "--format", "json", env=env)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    db = tmp_path_factory.mktemp("fetch") / "r.db"
    return _run(f"crate:{CRATE}@{CRATE_VERSION}", f"go:{MODULE}@{MODULE_VERSION}",
                "--db", str(db)), db


def test_a_crate_and_a_module_by_name_build_their_libraries(first: tuple[dict, Path]) -> None:
    runs = {r["project"]: r for r in first[0]["runs"]}
    assert set(runs) == {CRATE, MODULE}
    assert all(r["status"] == "ok" for r in runs.values())
    # Library only: the crate's rlib is its artifact; the module's packages compile.
    assert runs[CRATE]["artifact_bytes"] > 0
    assert runs[MODULE]["rebuilt_units"] >= 1
    assert "--locked" in runs[CRATE]["command"]


def test_the_exact_version_and_the_lock_are_recorded(first: tuple[dict, Path]) -> None:
    with sqlite3.connect(first[1]) as con:
        rows = dict(con.execute("SELECT name, source FROM projects").fetchall())
    assert rows == {CRATE: f"crate:{CRATE}@{CRATE_VERSION}",
                    MODULE: f"go:{MODULE}@{MODULE_VERSION}"}
    cached = fetch.fetch(fetch.Remote("crate", CRATE, CRATE_VERSION))
    # itoa ships no Cargo.lock: one was resolved once, kept, and is part of the hash.
    assert (cached.path / "Cargo.lock").is_file() and len(cached.lock_hash or "") == 64


def test_a_second_run_needs_no_network(first: tuple[dict, Path], tmp_path: Path) -> None:
    """Every registry request would go through a proxy that does not exist."""
    env = {**os.environ, "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
           "https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9",
           "GOPROXY": "off"}
    data = _run(f"crate:{CRATE}@{CRATE_VERSION}", f"go:{MODULE}@{MODULE_VERSION}",
                "--db", str(tmp_path / "r.db"), env=env)
    assert [r["status"] for r in data["runs"]] == ["ok", "ok"]


def test_without_a_version_the_newest_is_used_and_kept(first: tuple[dict, Path]) -> None:
    newest = fetch.fetch(fetch.parse(f"crate:{CRATE}"))
    assert newest.version != CRATE_VERSION  # 1.0.10 is not the newest itoa
    assert tuple(map(int, newest.version.split("."))) > (1, 0, 10)
    # The same spec resolves to the same version from then on, without asking.
    again = fetch.fetch(fetch.parse(f"crate:{CRATE}"))
    assert again.version == newest.version and again.path == newest.path


@pytest.mark.parametrize(("spec", "message"), [
    ("crate:", "Error: 'crate:' names no crate: write crate:NAME or crate:NAME@VERSION"),
    ("go:", "Error: 'go:' names no module: write go:NAME or go:NAME@VERSION"),
    ("crate:itoa@", "Error: 'crate:itoa@' has an empty version"),
    ("crate:no-such-crate-buildprof-xyz",
     "Error: there is no crate 'no-such-crate-buildprof-xyz' on the Rust crate registry"),
    (f"crate:{CRATE}@9.9.9", f"Error: crate {CRATE} has no version 9.9.9; the newest are: "),
    (f"go:{MODULE}@v9.9.9", f"Error: module {MODULE} has no version v9.9.9; the newest are: "),
    ("go:example.com/no/such/module-buildprof",
     "Error: the Go module proxy has no module 'example.com/no/such/module-buildprof'"),
])
def test_bad_specs_are_one_error_line(spec: str, message: str, tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    line = error_line(buildprof("run", spec, "--db", str(db)))
    assert line.startswith(message), line
    if "the newest are" in line:
        listed = line.split("the newest are: ")[1].split(", ")
        assert len(listed) == 5 and len(set(listed)) == 5
    assert not db.exists()


@pytest.mark.parametrize("spec", [f"crate:{CRATE}@1.0.9", f"go:{MODULE}@v1.5.0"])
def test_an_unreachable_registry_names_the_step(spec: str, tmp_path: Path) -> None:
    proxy = "http://127.0.0.1:9"  # nothing listens there: every request fails at once
    env = {**os.environ, "HTTPS_PROXY": proxy, "HTTP_PROXY": proxy, "https_proxy": proxy,
           "http_proxy": proxy, "BUILDPROF_CACHE": str(tmp_path / "cache")}
    line = error_line(buildprof("run", spec, "--db", str(tmp_path / "r.db"), env=env))
    step = ("fetching crate itoa from the Rust crate registry (cargo fetch) failed"
            if spec.startswith("crate:") else
            f"fetching module {MODULE} from the Go module proxy (go mod download) failed")
    assert line.startswith(f"Error: {step}"), line


def test_parse() -> None:
    assert fetch.parse("crate:itoa@1.0.10") == fetch.Remote("crate", "itoa", "1.0.10")
    assert fetch.parse("go:github.com/a/b") == fetch.Remote("go", "github.com/a/b", None)
    assert fetch.parse("some/dir") is None and fetch.parse("c:\\x") is None
    with pytest.raises(UsageError):
        fetch.parse("crate: ")


# -- issue 26: where the fetch tools run, what is hashed, what a spec may be ------------

def test_a_parent_module_workspace_or_cargo_config_does_not_apply(tmp_path: Path) -> None:
    """The cache sits inside someone's Go module, Go workspace and Cargo workspace, under
    a cargo config that forces offline: the fetches still work and change nothing of
    theirs (`go mod download` in that module would rewrite its go.sum)."""
    outer = tmp_path / "outer"
    (outer / ".cargo").mkdir(parents=True)
    files = {
        "go.mod": "module example.com/outer\n\ngo 1.21\n",
        "go.sum": "example.com/x v1.0.0 h1:AAAA=\n",
        "go.work": "go 1.21\n\nuse .\n",
        "Cargo.toml": "[workspace]\nmembers = []\n",
        ".cargo/config.toml": "[net]\noffline = true\n",
    }
    for name, text in files.items():
        (outer / name).write_text(text)
    env = {**os.environ, "BUILDPROF_CACHE": str(outer / "cache")}
    data = _run(f"crate:{CRATE}@1.0.9", f"go:{MODULE}@v1.5.0", "--db", str(tmp_path / "r.db"),
                env=env)
    assert [r["status"] for r in data["runs"]] == ["ok", "ok"]
    assert {name: (outer / name).read_text() for name in files} == files


def test_a_release_hashes_the_same_whatever_spec_fetched_it(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    from profiler.sources.local import tree_stats

    hashes = []
    for spec in ("crate:itoa@1.0.10", "crate:itoa"):
        monkeypatch.setenv("BUILDPROF_CACHE", str(tmp_path / spec.replace(":", "_")))
        src = tmp_path / f"src-{len(hashes)}"
        src.mkdir()
        (src / "Cargo.toml").write_text('[package]\nname = "itoa"\nversion = "1.0.10"\n')
        remote = fetch.parse(spec)
        assert remote is not None
        done = fetch._finish(fetch._install(remote, "1.0.10", src), remote, "1.0.10")
        hashes.append(tree_stats(done.path, "rust").content_hash)
    assert hashes[0] == hashes[1]


def test_an_older_complete_marker_is_moved_out_of_the_hash(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.setenv("BUILDPROF_CACHE", str(tmp_path / "cache"))
    remote = fetch.Remote("crate", "itoa", "1.0.10")
    old = fetch._root(remote) / "itoa@1.0.10"
    old.mkdir(parents=True)
    (old / "Cargo.toml").write_text('[package]\nname = "itoa"\n')
    (old / ".buildprof-complete").write_text("crate:itoa@1.0.10\n")
    found = fetch._cached(remote, "1.0.10")
    assert found is not None and not (old / ".buildprof-complete").exists()
    assert (old / ".buildprof" / "complete").is_file()


@pytest.mark.parametrize(("spec", "message"), [
    ("crate:-rf", "'-rf' is not a crate name"),
    ("crate:it/oa", "'it/oa' is not a crate name"),
    ("crate:itoa@../../etc", "'../../etc' is not a version of crate itoa"),
    ("crate:itoa@-1", "'-1' is not a version of crate itoa"),
    ("go:github.com/../x", "'github.com/../x' is not a Go module path"),
    ("go:nodot/x", "'nodot/x' is not a Go module path"),
    ("go:-x.com/y", "'-x.com/y' is not a Go module path"),
    ("go:github.com/a/b@v1/../x", "'v1/../x' is not a version of module github.com/a/b"),
    ("crate:" + "a" * 300, "characters long; a crate spec has at most 256"),
])
def test_a_spec_the_registry_could_not_hold_is_refused_before_any_fetch(
        spec: str, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        fetch.parse(spec)


def test_a_moving_version_resolves_once_and_is_remembered(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    monkeypatch.setenv("BUILDPROF_CACHE", str(tmp_path / "cache"))
    first_ = fetch.fetch(fetch.parse(f"crate:{CRATE}@1.0"))
    assert first_.version.startswith("1.0.") and first_.version != "1.0"
    for var in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")  # no network from here on
    again = fetch.fetch(fetch.parse(f"crate:{CRATE}@1.0"))
    assert again.version == first_.version and again.path == first_.path
    assert fetch.exact(fetch.Remote("go", MODULE, "v1.6.0"))
    assert not fetch.exact(fetch.Remote("go", MODULE, "latest"))
    assert not fetch.exact(fetch.Remote("go", MODULE, "master"))


def _remember_many(args: tuple[str, int]) -> None:
    os.environ["BUILDPROF_CACHE"] = args[0]
    for i in range(10):
        fetch._remember(fetch.Remote("crate", f"c{args[1]}x{i}", None), "1.0.0")


def test_concurrent_sessions_remember_every_version(tmp_path: Path) -> None:
    from concurrent.futures import ProcessPoolExecutor

    cache = str(tmp_path / "cache")
    with ProcessPoolExecutor(6) as pool:
        list(pool.map(_remember_many, [(cache, n) for n in range(6)]))
    known = json.loads((tmp_path / "cache" / "fetched" / "newest.json").read_text())
    assert len(known) == 60


def _crate_archive(path: Path, members: dict[str, bytes | str]) -> None:
    """A .crate (gzipped tar); a str value is a symbolic link's target."""
    import io
    import tarfile

    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            if isinstance(data, str):
                info.type, info.linkname = tarfile.SYMTYPE, data
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize(("members", "error"), [
    ({"x-1.0.0/Cargo.toml": b"[package]\n", "x-1.0.0/src/lib.rs": b""}, None),
    ({"x-1.0.0/Cargo.toml": b"[package]\n", "other/evil.rs": b""}, "'other/evil.rs', not a file"),
    ({"x-1.0.0/Cargo.toml": b"[package]\n", "x-1.0.0/link": "/etc/passwd"}, "'x-1.0.0/link'"),
])
def test_a_crate_archive_unpacks_only_into_its_prefix_and_a_private_directory(
        tmp_path: Path, members: dict[str, bytes | str], error: str | None) -> None:
    from profiler.errors import StepError

    home = tmp_path / "cargo-home"
    _crate_archive(home / "registry" / "cache" / "index-x" / "x-1.0.0.crate", members)
    private = tmp_path / "private"
    private.mkdir()
    if error:
        with pytest.raises(StepError, match=re.escape(error)):
            fetch._unpacked({"CARGO_HOME": str(home)}, "x", "1.0.0", private)
    else:
        got = fetch._unpacked({"CARGO_HOME": str(home)}, "x", "1.0.0", private)
        assert got == private / "unpacked" / "x-1.0.0" and (got / "Cargo.toml").is_file()
    assert not (home / "registry" / "src").exists()  # cargo's shared directory untouched


def test_interrupted_fetch_copies_are_reclaimed(tmp_path: Path) -> None:
    dead, mine = tmp_path / ".tmp-itoa@1.0.10-999999999", tmp_path / f".tmp-x@1-{os.getpid()}"
    dead.mkdir()
    mine.mkdir()
    fetch._reclaim_tmp(tmp_path)
    assert not dead.exists() and mine.exists()
