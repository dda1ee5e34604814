"""Release binaries kept from clean builds, for `payoff` to run.

A binary is kept per (language, content hash, toolchain): the same sources built
by the same toolchain give the binary whose build cost is recorded, so payoff
can load-test it without building again. They live in the cache (`binaries/`,
listed by `cache info`, emptied by `cache clean`), never in the user's tree.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from profiler.paths import cache_dir


def store_dir(lang: str, content_hash: str, toolchain_id: str) -> Path:
    return cache_dir("binaries") / f"{lang}-{content_hash[:16]}-{toolchain_id[:12]}"


def keep(files: tuple[Path, ...] | list[Path], dest: Path) -> None:
    """Copy the binaries into `dest` (atomically each: a reader never sees half a file)."""
    dest.mkdir(parents=True, exist_ok=True)
    for f in files:
        tmp = dest / f".{f.name}.{os.getpid()}"
        shutil.copy2(f, tmp)
        os.replace(tmp, dest / f.name)


def find(lang: str, content_hash: str, toolchain_id: str, name: str | None) -> Path | None:
    """The kept binary called `name` (None: the only one kept), if any."""
    d = store_dir(lang, content_hash, toolchain_id)
    if not d.is_dir():
        return None
    found = sorted(p for p in d.iterdir() if p.is_file() and not p.name.startswith(".")
                   and os.access(p, os.X_OK))
    if name is not None:
        found = [p for p in found if p.name == name]
    return found[0] if len(found) == 1 else None
