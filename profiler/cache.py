"""buildprof's cache directory: what is in it, and emptying it safely."""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

import psutil

from profiler.errors import UsageError
from profiler.paths import cache_root


@dataclass(frozen=True)
class Part:
    name: str
    path: Path
    bytes: int
    files: int


WHAT = {
    "samples": "generated sample projects",
    "gostd": "Go standard-library GOCACHE snapshots, one per toolchain and flags",
    "work": "per-session work directories (copies, GOCACHE, target/)",
    "deps": "dependency downloads (GOMODCACHE, CARGO_HOME) and Go's private config",
    "toolchains": "Go releases installed by `buildprof toolchain install`",
    "bin": "the compiled measurement launcher",
}


def _size(path: Path) -> tuple[int, int]:
    total = files = 0
    for dirpath, _dirs, names in os.walk(path):
        for name in names:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
                files += 1
            except OSError:
                continue
    return total, files


def info() -> list[Part]:
    root = cache_root()
    parts = []
    if root.is_dir():
        for child in sorted(root.iterdir()):
            size, files = _size(child) if child.is_dir() else (child.stat().st_size, 1)
            parts.append(Part(child.name, child, size, files))
    return parts


def live_sessions() -> list[Path]:
    """Work directories of buildprof sessions whose process is still running."""
    work = cache_root() / "work"
    live = []
    for d in work.glob("session-*") if work.is_dir() else []:
        try:
            pid = int(d.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and psutil.pid_exists(pid):
            live.append(d)
    return live


def _make_writable(func, path, _exc):  # type: ignore[no-untyped-def]
    # Go marks module-cache files read-only; make them writable and retry.
    os.chmod(path, stat.S_IWUSR | stat.S_IRUSR | stat.S_IXUSR)
    func(path)


def clean(force: bool = False) -> int:
    """Empty the cache; return the bytes freed. Refuses while a session runs."""
    live = live_sessions()
    if live and not force:
        raise UsageError(f"a buildprof session is running (work directory {live[0]}); "
                         f"wait for it to end, or pass --force")
    freed = sum(p.bytes for p in info())
    root = cache_root()
    if root.is_dir():
        for child in root.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, onerror=_make_writable)
            else:
                child.unlink()
    return freed
