"""Git revisions as the thing compared: `buildprof run PATH --rev A --rev B`.

Each revision is resolved to its commit (`git rev-parse --verify REV^{commit}`)
and exported with `git archive` into buildprof's cache, once per commit. `git
archive` reads the object database only: the user's checkout, index and
working tree are never touched, and uncommitted changes are never built (a
dirty tree is allowed, and noted). Submodules are not part of an archive.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from profiler.errors import UsageError
from profiler.paths import cache_dir


@dataclass(frozen=True)
class Revision:
    name: str  # as the user gave it: main, HEAD~1, v1.2, a commit prefix
    commit: str  # the full commit hash it resolved to
    root: Path  # the exported tree of the whole repository at that commit


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                              env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
    except FileNotFoundError:
        raise UsageError("--rev needs git, and git is not on PATH; install it "
                         "(apt install git)") from None


def toplevel(path: Path) -> Path:
    """The root of the git working tree that holds `path`."""
    res = _git(path, "rev-parse", "--show-toplevel")
    if res.returncode != 0:
        raise UsageError(f"{path} is not in a git repository, so --rev has no revisions to "
                         f"build; give the directory of a git checkout, or drop --rev")
    return Path(res.stdout.strip())


def dirty_note(repo: Path) -> str | None:
    """A line saying the working tree has uncommitted changes (not built), or None."""
    # --no-optional-locks: a plain `git status` may rewrite the index's stat cache.
    res = _git(repo, "--no-optional-locks", "status", "--porcelain", "--untracked-files=no")
    if res.returncode == 0 and res.stdout.strip():
        n = len(res.stdout.splitlines())
        return (f"Note: {repo} has {n} uncommitted change(s); --rev builds committed "
                f"revisions only, so they are not measured")
    return None


def resolve(repo: Path, name: str) -> str:
    res = _git(repo, "rev-parse", "--verify", "--quiet", f"{name}^{{commit}}")
    if res.returncode != 0 or not res.stdout.strip():
        raise UsageError(f"unknown revision '{name}' in {repo}; give a branch, tag or commit "
                         f"(`git -C {repo} log --oneline` lists them)")
    return res.stdout.strip()


def export(repo: Path, commit: str) -> Path:
    """The repository's tree at `commit`, exported once into the cache."""
    dest = cache_dir("revisions") / f"{repo.name}-{commit[:16]}"
    if dest.is_dir():  # complete: it is renamed into place only once extracted
        return dest
    partial = dest.with_name(dest.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    proc = subprocess.Popen(["git", "-C", str(repo), "archive", "--format=tar", commit],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
        tar.extractall(partial, filter="data")  # no absolute paths, links out, or devices
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.wait() != 0:
        shutil.rmtree(partial, ignore_errors=True)
        raise UsageError(f"git archive {commit[:12]} failed in {repo}: "
                         f"{err.strip().splitlines()[-1] if err.strip() else 'no message'}")
    partial.rename(dest)
    return dest


def revisions(path: Path, names: list[str]) -> tuple[list[Revision], Path, str | None]:
    """Resolve and export each revision of the repository holding `path`; also the
    repository's root and the note about uncommitted changes, if any."""
    repo = toplevel(path)
    commits = [(name, resolve(repo, name)) for name in names]
    seen: dict[str, str] = {}
    for name, commit in commits:
        if commit in seen:
            raise UsageError(f"--rev {seen[commit]} and --rev {name} are the same commit "
                             f"({commit[:12]}); give revisions that differ")
        seen[commit] = name
    return [Revision(name, commit, export(repo, commit)) for name, commit in commits], repo, \
        dirty_note(repo)
