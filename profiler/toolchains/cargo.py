"""Rust: rustup toolchains or cargo/rustc on PATH, exact versions, isolated env.

The rustup proxies (`~/.cargo/bin/cargo`) pick a toolchain per directory; buildprof
resolves the real binaries once and sets RUSTC, so every rustc call of a build
goes to the same compiler without passing through a proxy.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from profiler.errors import ToolchainError
from profiler.paths import cache_dir
from profiler.toolchains.base import Toolchain, run_probe

MISSING_RUST = ("cargo not found: install Rust with rustup (`rustup default stable`) or "
                "Debian's `apt-get install cargo rustc`, then run buildprof again")


def _probe(cargo: Path, rustc: Path, spec: str, channel: str) -> Toolchain:
    rustc_vv = run_probe([str(rustc), "-vV"]).strip()
    cargo_v = run_probe([str(cargo), "-V"]).strip()
    m = re.search(r"^release:\s*(\S+)", rustc_vv, re.M)
    version = m.group(1) if m else rustc_vv.split()[1]
    return Toolchain(lang="rust", spec=spec, version=version,
                     version_full=f"{rustc_vv}\n{cargo_v}", path=str(cargo),
                     root=str(rustc.parent.parent), extra={"rustc": str(rustc), "channel": channel})


def rustup_toolchains() -> list[str]:
    """Names from `rustup toolchain list`, e.g. stable-x86_64-unknown-linux-gnu."""
    if not shutil.which("rustup"):
        return []
    try:
        out = run_probe(["rustup", "toolchain", "list"])
    except ToolchainError:
        return []
    return [line.split()[0] for line in out.splitlines() if line.strip()
            and not line.startswith("no installed")]


def _short(name: str) -> str:
    """stable-x86_64-unknown-linux-gnu -> stable; 1.95.0-x86_64-... -> 1.95.0."""
    return re.sub(r"-(x86_64|aarch64|i686|arm|riscv64|powerpc64le|s390x)-.*$", "", name)


def _from_rustup(name: str) -> Toolchain:
    cargo = Path(run_probe(["rustup", "which", "--toolchain", name, "cargo"]).strip())
    rustc = Path(run_probe(["rustup", "which", "--toolchain", name, "rustc"]).strip())
    return _probe(cargo, rustc, f"rust@{_short(name)}", _short(name))


def _from_path() -> Toolchain | None:
    cargo, rustc = shutil.which("cargo"), shutil.which("rustc")
    if not cargo or not rustc:
        return None
    return _probe(Path(cargo).resolve(), Path(rustc).resolve(), "rust", "path")


def discover() -> list[Toolchain]:
    """rustup toolchains (default first as `rust`), else cargo/rustc on PATH."""
    found: list[Toolchain] = []
    for name in rustup_toolchains():
        try:
            found.append(_from_rustup(name))
        except ToolchainError:
            continue
    if not found:
        tc = _from_path()
        if tc:
            found.append(tc)
    return found


def resolve(spec: str | None) -> Toolchain:
    """`rust`/None: rustup's default (or PATH); `rust@stable`, `rust@nightly`, `rust@1.95.0`."""
    if spec in (None, "rust"):
        if shutil.which("rustup"):
            try:
                out = run_probe(["rustup", "show", "active-toolchain"])
                return _from_rustup(out.split()[0])
            except (ToolchainError, IndexError):
                pass
        tc = _from_path()
        if tc is None:
            raise ToolchainError(MISSING_RUST)
        return tc
    channel = spec.removeprefix("rust@")
    names = rustup_toolchains()
    for name in names:
        if _short(name) == channel or name == channel:
            return _from_rustup(name)
    if not shutil.which("rustup"):
        raise ToolchainError(f"{spec} needs rustup, which is not installed; install rustup, "
                             f"or use `--toolchain rust` for the cargo on PATH")
    have = ", ".join(f"rust@{_short(n)}" for n in names) or "none"
    raise ToolchainError(f"{spec} is not installed (have: {have}); "
                         f"run `rustup toolchain install {channel}`")


def build_env(tc: Toolchain, base: dict[str, str], target_dir: Path) -> dict[str, str]:
    """Environment for one cargo build.

    CARGO_HOME is buildprof's own (its registry download cache), so nothing is
    written to ~/.cargo and CARGO_HOME's config is not the user's. Cargo also
    reads `.cargo/config.toml` from every parent of the build directory; that
    a user's ~/.cargo/config.toml (a rustc-wrapper such as sccache, rustflags)
    is not among them is `paths.work_root`'s job.
    """
    env = dict(base)
    env.update({
        "PATH": f"{Path(tc.path).parent}{os.pathsep}{base.get('PATH', '')}",
        "RUSTC": tc.extra.get("rustc", str(Path(tc.path).parent / "rustc")),
        "CARGO_HOME": str(cache_dir("deps", "cargo-home")),
        "CARGO_TARGET_DIR": str(target_dir),
        "CARGO_TERM_COLOR": "never",
        "CARGO_INCREMENTAL": "",  # unset below: the profile's default applies
    })
    del env["CARGO_INCREMENTAL"]
    if tc.extra.get("channel") and tc.extra["channel"] != "path":
        env["RUSTUP_TOOLCHAIN"] = tc.extra["channel"]
    return env
