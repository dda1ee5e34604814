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
from profiler.paths import cache_dir, toolchains_dir
from profiler.toolchains.base import DEBIAN_SUFFIX, Toolchain, run_probe, version_key

MISSING_RUST = ("cargo not found: install Rust with rustup (`rustup default stable`) or "
                "Debian's `apt-get install cargo rustc`, then run buildprof again")


def _probe(cargo: Path, rustc: Path, spec: str, channel: str, source: str) -> Toolchain:
    """`source`: how buildprof got it (rustup, debian, system). An official rustc
    says nothing of how it was built; a distribution's says "built from a source
    tarball" (Debian's, for one: no PGO or BOLT, LLVM linked dynamically)."""
    rustc_vv = run_probe([str(rustc), "-vV"]).strip()
    cargo_v = run_probe([str(cargo), "-V"]).strip()
    m = re.search(r"^release:\s*(\S+)", rustc_vv, re.M)
    version = m.group(1) if m else rustc_vv.split()[1]
    date = re.search(r"^commit-date:\s*(\d{4}-\d\d-\d\d)", rustc_vv, re.M)
    released = date.group(1) if date else scheduled(version)
    distro = "built from a source tarball" in rustc_vv.splitlines()[0]
    provenance = "debian" if source == "debian" else "distribution" if distro else "official"
    if source == "debian":
        spec = f"rust@{version}{DEBIAN_SUFFIX}"
    return Toolchain(lang="rust", spec=spec, version=version,
                     version_full=f"{rustc_vv}\n{cargo_v}", path=str(cargo),
                     root=str(rustc.parent.parent), extra={"rustc": str(rustc), "channel": channel},
                     provenance=provenance, source=source,
                     released=released)


def scheduled(version: str) -> str | None:
    """The day Rust 1.N.0 came out, for a rustc that does not say (Debian's 1.63
    prints `commit-date: unknown`): a release every six weeks since 1.1 on
    2015-06-25, without exception (1.63.0: 2022-08-11, 1.85.0: 2025-02-20)."""
    import datetime

    m = re.match(r"1\.(\d+)\.", version)
    if not m or int(m.group(1)) < 1 or not version.startswith("1."):
        return None
    day = datetime.date(2015, 6, 25) + datetime.timedelta(weeks=6 * (int(m.group(1)) - 1))
    return day.isoformat()


def own_rustup_home() -> Path:
    """RUSTUP_HOME of the releases buildprof installs with rustup: its own, so the
    user's rustup (its toolchains, default, settings) is never touched."""
    return toolchains_dir() / "rustup"


def debian_dir(version: str) -> Path:
    """Where a Debian build of `version` is unpacked (toolchains.debian)."""
    return toolchains_dir() / f"rust-debian-{version}"


def installed() -> list[Toolchain]:
    """Releases buildprof installed: its own rustup home's, then Debian builds."""
    found = []
    home = own_rustup_home() / "toolchains"
    dirs = sorted(home.iterdir()) if home.is_dir() else []
    for d in dirs:
        if (d / "bin" / "cargo").is_file() and (d / "bin" / "rustc").is_file():
            try:
                tc = _probe(d / "bin" / "cargo", d / "bin" / "rustc", "", "", "rustup")
            except ToolchainError:
                continue
            found.append(_respec(tc, f"rust@{tc.version}"))
    for d in sorted(toolchains_dir().glob("rust-debian-*")):
        usr = d / "usr" / "bin"
        if (usr / "cargo").is_file() and (usr / "rustc").is_file():
            try:
                found.append(probe_debian(usr))
            except ToolchainError:
                continue
    return found


def probe_debian(usr_bin: Path) -> Toolchain:
    """A Debian build unpacked by buildprof (toolchains.debian): DIR/usr/bin."""
    return _probe(usr_bin / "cargo", usr_bin / "rustc", "", "", "debian")


def _respec(tc: Toolchain, spec: str) -> Toolchain:
    from dataclasses import replace

    return replace(tc, spec=spec)


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
    return _probe(cargo, rustc, f"rust@{_short(name)}", _short(name), "rustup")


def _from_path() -> Toolchain | None:
    cargo, rustc = shutil.which("cargo"), shutil.which("rustc")
    if not cargo or not rustc:
        return None
    return _probe(Path(cargo).resolve(), Path(rustc).resolve(), "rust", "path", "system")


def discover() -> list[Toolchain]:
    """rustup toolchains (default first as `rust`), else cargo/rustc on PATH; then
    the releases buildprof installed."""
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
    return found + installed()


def _release_of(spec: str, tcs: list[Toolchain]) -> Toolchain | None:
    """`rust@1.85` / `rust@1.85.1` / `rust@1.96+debian`: the newest installed patch of
    that release, an official build before a Debian one unless +debian is asked."""
    want = spec.removeprefix("rust@")
    debian = want.endswith(DEBIAN_SUFFIX)
    want = want.removesuffix(DEBIAN_SUFFIX)
    if not re.fullmatch(r"\d+\.\d+(\.\d+)?", want):
        return None
    hits = [tc for tc in tcs if (tc.source == "debian") == debian
            and (tc.version == want or tc.version.startswith(want + "."))
            and "-" not in tc.version]
    hits.sort(key=lambda tc: (version_key(tc.version), tc.provenance == "official"))
    return hits[-1] if hits else None


def resolve(spec: str | None) -> Toolchain:
    """`rust`/None: rustup's default (or PATH); `rust@stable`, `rust@nightly` (rustup's
    channels); `rust@1.95.0`, `rust@1.95`, `rust@1.96+debian`: an installed release."""
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
    tc = _release_of(spec, discover())
    if tc:
        return tc
    if re.fullmatch(r"\d+\.\d+(\.\d+)?(\+debian)?", channel):
        have = ", ".join(t.spec for t in discover()) or "none"
        raise ToolchainError(f"{spec} is not installed (have: {have}); "
                             f"run `buildprof toolchain install {spec}`")
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
    if tc.extra.get("channel") and tc.extra["channel"] != "path":  # a rustup proxy's choice
        env["RUSTUP_TOOLCHAIN"] = tc.extra["channel"]
    return env
