"""Installing Rust releases: rustup's official builds, else Debian's builds.

rustup installs into buildprof's own RUSTUP_HOME (cargo.own_rustup_home), so the
user's rustup keeps its toolchains and default. When rustup is missing or cannot
reach its distribution server, Debian's packages are the fallback where apt can
reach them (toolchains.debian): Debian 12 has `rustc` 1.63 and `rustc-web` 1.85
and 1.96. A Debian build is a different compiler from the official one of the
same release (no PGO or BOLT, LLVM linked dynamically), so it is recorded as
such (provenance "debian", spec `rust@1.96.0+debian`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from profiler.errors import ToolchainError, UsageError
from profiler.paths import cache_dir
from profiler.toolchains import cargo, debian
from profiler.toolchains.base import DEBIAN_SUFFIX, Release, Toolchain, version_key

# Debian's Rust compilers: the rustc package, its cargo (same version where the
# archive has one) and the rust-std it pulls in by itself.
DEBIAN_PACKAGES = (("rustc", "cargo"), ("rustc-web", "cargo-web"),
                   ("rustc-mozilla", "cargo-mozilla"))
DIST_SERVER = "https://static.rust-lang.org"
VERSION = re.compile(r"\d+\.\d+(\.\d+)?")


def _server() -> str:
    return os.environ.get("RUSTUP_DIST_SERVER", DIST_SERVER).rstrip("/")


def latest_stable(timeout: float = 15) -> tuple[str | None, str]:
    """The newest stable release rustup's server offers, or None and why not."""
    if not shutil.which("rustup"):
        return None, "rustup is not installed"
    import urllib.request  # http.client and ssl: only when asked

    url = f"{_server()}/dist/channel-rust-stable.toml"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (https)
            text = resp.read().decode("utf-8", "replace")
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"rustup cannot reach {_server()} ({reason})"
    m = re.search(r'^\[pkg\.rustc\]\s*\nversion = "(\d+\.\d+\.\d+)', text, re.M)
    return (m.group(1), "") if m else (None, f"{url} names no rustc release")


def debian_releases() -> list[tuple[str, str, str]]:
    """(upstream version, rustc package=version, cargo package[=version]) for every
    Rust compiler apt can fetch here, newest first."""
    found = []
    for rustc_pkg, cargo_pkg in DEBIAN_PACKAGES:
        cargo_versions = debian.versions(cargo_pkg)
        for v in debian.versions(rustc_pkg):
            cargo_pin = f"{cargo_pkg}={v}" if v in cargo_versions else cargo_pkg
            found.append((debian.upstream(v), f"{rustc_pkg}={v}", cargo_pin))
    found.sort(key=lambda r: version_key(r[0]), reverse=True)
    return found


def available() -> tuple[list[Release], list[str]]:
    """What can be installed here, and a line per source that cannot be used."""
    notes = []
    releases: list[Release] = []
    latest, why = latest_stable()
    if latest:
        minor = version_key(latest)[1]
        releases += [Release("rust", f"1.{m}", "rustup", "official") for m in range(minor, -1, -1)]
    else:
        notes.append(f"rustup: {why}")
    if debian.has_apt():
        releases += [Release("rust", v, "debian", "debian") for v, _, _ in debian_releases()]
    else:
        notes.append(f"debian: {debian.NO_APT}")
    return releases, notes


def install(version: str, say: Callable[[str], None] = lambda s: None) -> Toolchain:
    """rust@VERSION: with rustup when it can reach its server, else Debian's build;
    `VERSION+debian`: Debian's build."""
    want = version.removesuffix(DEBIAN_SUFFIX)
    if not VERSION.fullmatch(want):
        raise UsageError(f"'{version}' is not a Rust release; write it like rust@1.85 "
                         f"or rust@1.85.1 (rust@1.96+debian for Debian's build)")
    if version.endswith(DEBIAN_SUFFIX):
        return install_debian(want)
    have = cargo.installed()
    for tc in have:
        if tc.source == "rustup" and (tc.version == want or tc.version.startswith(want + ".")):
            return tc
    why = _rustup_install(want)
    if why is None:
        tc = next((t for t in cargo.installed() if t.source == "rustup"
                   and (t.version == want or t.version.startswith(want + "."))), None)
        if tc is None:
            raise ToolchainError(f"rustup installed {want} but buildprof cannot find it in "
                                 f"{cargo.own_rustup_home()}")
        return tc
    if why.startswith("unknown:"):
        latest, _ = latest_stable()
        newest = f"; the newest is {latest}" if latest else ""
        raise ToolchainError(f"rust@{want} is not a Rust release rustup knows{newest}")
    debs = [v for v, _, _ in debian_releases()]
    match = [v for v in debs if v == want or v.startswith(want + ".")]
    if not match:
        also = f"; Debian has {', '.join(debs)}" if debs else ""
        raise ToolchainError(f"cannot install rust@{want}: {why}{also}")
    say(f"{why}; installing Debian's build of Rust {match[0]} instead")
    return install_debian(want)


def _rustup_install(version: str) -> str | None:
    """Install `version` into buildprof's rustup home; None, or why it failed
    ("unknown: ..." when the server answered that there is no such release)."""
    if not shutil.which("rustup"):
        return "rustup is not installed"
    env = {**os.environ, "RUSTUP_HOME": str(cargo.own_rustup_home()),
           "CARGO_HOME": str(cache_dir("deps", "rustup-cargo-home"))}
    env.pop("RUSTUP_TOOLCHAIN", None)
    env["RUST_BACKTRACE"] = "0"
    try:
        result = subprocess.run(["rustup", "toolchain", "install", version, "--profile",
                                 "minimal", "--no-self-update"], capture_output=True,
                                text=True, env=env, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"rustup failed ({exc})"
    if result.returncode == 0:
        return None
    err = result.stderr
    lines = [ln.removeprefix("error: ").strip() for ln in err.splitlines()
             if ln.startswith("error")]
    first = lines[0] if lines else (err.strip().splitlines() or ["failed"])[-1]
    if re.search(r"nonexistent rust version|not installable|no release found|invalid toolchain",
                 first):
        return f"unknown: {first}"
    if "could not download" in first:
        causes = re.findall(r"^\s+\d+: (.+)$", err, re.M)
        return f"rustup cannot reach {_server()} ({causes[-1] if causes else first})"
    return f"rustup cannot install {version} ({first})"


def install_debian(version: str) -> Toolchain:
    """Debian's build of `version` (newest patch of a minor), unpacked by buildprof."""
    if not debian.has_apt():
        raise ToolchainError(f"cannot install Debian's build of Rust {version}: {debian.NO_APT}")
    releases = debian_releases()
    match = [r for r in releases if r[0] == version or r[0].startswith(version + ".")]
    if not match:
        have = ", ".join(f"rust@{r[0]}{DEBIAN_SUFFIX}" for r in releases) or "none"
        raise ToolchainError(f"Debian has no Rust {version} here (have: {have})")
    upstream, rustc_pin, cargo_pin = match[0]
    target = debian.unpack(cargo.debian_dir(upstream).name, [rustc_pin, cargo_pin],
                           "usr/bin/cargo", libs=True)
    usr = Path(target) / "usr" / "bin"
    return cargo.probe_debian(usr)
