"""Reading two commits of a repository to say what changed between them, for
`buildprof changes` and `bisect`: a file of a commit, the files a commit range
touched, a commit's author. Only git's object database is read (`git cat-file`,
`git diff-tree`), with the same guarded git calls as profiler.sources.revisions:
the user's checkout, index and refs are never written.
"""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from profiler.sources.revisions import GIT_TIMEOUT_S, git, git_argv, git_env

MAX_FILE = 4 << 20  # lock and manifest files; a larger blob is not read


def has_commit(repo: Path, commit: str) -> bool:
    """The repository is there and holds the commit."""
    if not (repo / ".git").exists() and not (repo / "HEAD").exists():
        return False
    res = git(repo, "cat-file", "-e", f"{commit}^{{commit}}")
    return res.returncode == 0


def reader(repo: Path, commit: str) -> Callable[[str], str | None]:
    """A function giving the text of a file of `commit` by its path in the repository
    (None when the commit has no such file, or it is too large or not text)."""
    cache: dict[str, str | None] = {}

    def read(path: str) -> str | None:
        if path not in cache:
            cache[path] = _blob(repo, commit, path)
        return cache[path]
    return read


def _blob(repo: Path, commit: str, path: str) -> str | None:
    spec = f"{commit}:{path}"
    size = git(repo, "cat-file", "-s", spec)
    if size.returncode != 0 or not size.stdout.strip().isdigit():
        return None
    if int(size.stdout) > MAX_FILE:
        return None
    try:
        res = subprocess.run(git_argv(repo, "cat-file", "blob", spec), capture_output=True,
                             stdin=subprocess.DEVNULL, env=git_env(), timeout=GIT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None
    if res.returncode != 0:
        return None
    try:
        return res.stdout.decode()
    except UnicodeDecodeError:
        return None


@dataclass(frozen=True)
class Touched:
    """The files changed between two commits: all of them, and the directories
    most of them are in (top-level directory, count), most first."""

    files: tuple[str, ...]
    top_dirs: tuple[tuple[str, int], ...]


def touched(repo: Path, before: str, after: str) -> Touched:
    res = subprocess.run(git_argv(repo, "diff-tree", "-r", "--no-renames", "--name-only", "-z",
                               before, after),
                         capture_output=True, stdin=subprocess.DEVNULL, env=git_env(),
                         timeout=GIT_TIMEOUT_S)
    files = tuple(os.fsdecode(p) for p in res.stdout.split(b"\0") if p) \
        if res.returncode == 0 else ()
    dirs = Counter(f.split("/", 1)[0] + "/" if "/" in f else "." for f in files)
    return Touched(files, tuple(dirs.most_common()))


@dataclass(frozen=True)
class CommitInfo:
    commit: str
    subject: str
    author: str
    date: str  # committer date, ISO 8601 in UTC


def info(repo: Path, commit: str) -> CommitInfo:
    from datetime import UTC, datetime

    res = git(repo, "log", "-1", "--format=%H%x00%s%x00%an <%ae>%x00%ct", commit)
    full, subject, author, stamp = (res.stdout.rstrip("\n").split("\0") + ["", "", "", "0"])[:4]
    date = datetime.fromtimestamp(int(stamp or 0), UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return CommitInfo(full or commit, subject, author, date)
