"""Published projects by name: real fetches from the Rust crate registry and the
Go module proxy (both reachable here and in CI), real builds of what came."""

from __future__ import annotations

import json
import os
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
