"""buildprof's cache directory: what is in it, and emptying it safely.

`clean` only ever removes the parts named in WHAT, and only from a directory
that carries buildprof's CACHEDIR.TAG (written when buildprof created it); a
symlinked root, `/`, the home directory and the current directory or any parent
of it are refused whatever they hold. Anything else in the directory stays.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from profiler import paths
from profiler.errors import UsageError
from profiler.paths import MARKER, cache_root


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
    "fetched": "published crates and Go modules fetched by name (crate:, go:)",
    "revisions": "git revisions exported for `run --rev`, one tree per commit",
    "binaries": "release binaries of clean builds of server samples, for `payoff`",
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
            if child.name == MARKER:
                continue
            if child.is_dir() and not child.is_symlink():
                size, files = _size(child)
            else:
                size, files = child.lstat().st_size, 1
            parts.append(Part(child.name, child, size, files))
    return parts


def live_sessions() -> list[Path]:
    """Work directories of buildprof sessions (run, payoff, fetch) still running, on
    this machine or another that shares the cache: their lock is held."""
    return [d for d in paths.work_dirs() if paths.in_use(d)]


def _make_writable(func, path, _exc):  # type: ignore[no-untyped-def]
    # Go marks module-cache files read-only; make them writable and retry.
    os.chmod(path, stat.S_IWUSR | stat.S_IRUSR | stat.S_IXUSR)
    func(path)


def refusal(root: Path, configured: Path) -> str | None:
    """Why `clean` must not touch `root` (resolved; `configured` as given), or None."""
    if configured.is_symlink():
        return (f"the cache directory {configured} is a symbolic link (to {root}); "
                f"buildprof does not clean through links: set BUILDPROF_CACHE to the real "
                f"directory if it is buildprof's")
    if root == Path(root.anchor):
        return f"the cache directory is the filesystem root {root}; set BUILDPROF_CACHE"
    home = Path.home().resolve()
    if root == home or root in home.parents:
        return (f"the cache directory {root} is your home directory or a parent of it; "
                f"set BUILDPROF_CACHE to a directory of its own")
    try:
        cwd = Path.cwd().resolve()
    except OSError:  # the current directory was removed: nothing of it to protect
        cwd = None
    if cwd and (root == cwd or root in cwd.parents):
        return (f"the cache directory {root} is the current directory or a parent of it; "
                f"run `buildprof cache clean` from elsewhere, or check BUILDPROF_CACHE")
    if root.exists() and not paths.is_marked(root):
        return (f"{root} has no buildprof {MARKER}, so buildprof did not create it and will "
                f"not empty it; check BUILDPROF_CACHE, or delete buildprof's parts "
                f"({', '.join(WHAT)}) by hand")
    return None


def _remove_parts(root: Path) -> list[Path]:
    """Remove buildprof's own parts of a marked directory (those that carry
    paths.PART_MARKER); leave everything else, and return what was left under a
    part's name (a link, a file, a directory buildprof did not mark).

    The marker goes too when nothing else is left (the next use of the empty
    directory writes it again); beside files buildprof does not know, it stays,
    so the directory remains recognisably buildprof's and cleanable.
    """
    left = []
    for name in WHAT:
        child = root / name
        if not child.exists() and not child.is_symlink():
            continue
        if not paths.is_part(child):
            left.append(child)  # not made by buildprof (or by one before part markers)
        elif name == "work":
            # A running session's directory stays, even with --force: its lock is held.
            for d in child.iterdir():
                if d.is_dir() and not d.is_symlink() and paths.in_use(d):
                    continue
                if d.is_dir() and not d.is_symlink():
                    shutil.rmtree(d, onerror=_make_writable)
                else:
                    d.unlink()
            with contextlib.suppress(OSError):
                child.rmdir()
        else:
            shutil.rmtree(child, onerror=_make_writable)
    if [c.name for c in root.iterdir()] == [MARKER]:
        (root / MARKER).unlink()
    return left


def clean(force: bool = False) -> tuple[int, list[Path]]:
    """Empty buildprof's parts of the cache; return the bytes freed and what was
    left under a part's name because buildprof did not mark it.

    Refuses while a session runs, and (see `refusal`) any directory buildprof did
    not create. Keeps every file it does not know.
    """
    configured, root = paths.configured_cache_root(), cache_root()
    why = refusal(root, configured)
    if why:
        raise UsageError(why)
    live = live_sessions()
    if live and not force:
        raise UsageError(f"a buildprof session is running (work directory {live[0]}); "
                         f"wait for it to end, or pass --force")
    freed = sum(p.bytes for p in info() if p.name in WHAT and paths.is_part(p.path))
    left = _remove_parts(root) if root.is_dir() else []
    # Work directories moved out of a cache that has a cargo config above it.
    fallback = paths.fallback_work_base()
    if paths.is_marked(fallback) and not fallback.is_symlink():
        if paths.is_part(fallback / "work"):
            freed += _size(fallback / "work")[0]
        left += _remove_parts(fallback)
    return freed, left
