"""Git revisions as the thing compared: `buildprof run PATH --rev A --rev B`.

Each revision is resolved to its commit (`git rev-parse --verify REV^{commit}`)
and its tree is written into buildprof's cache, once per commit, from the object
database: `git ls-tree` lists the commit's entries and `git cat-file --batch` gives
each blob byte for byte. Nothing of the user's checkout, index or working tree is
read or touched, uncommitted changes are never built (a dirty tree is allowed, and
noted), and nothing in `.gitattributes` applies: `git archive` would drop
`export-ignore` files, rewrite `export-subst` ones and run smudge filters (git-lfs:
the network, a credential prompt), so a commit could hide a package from the
measurement with one attribute line.

What the commit holds is what is built: a symbolic link is written as a link with
its target text (as `run PATH` copies links), a submodule is an empty directory and
a Git LFS pointer stays a pointer; both are named in a note. Every git call runs
with no stdin, no terminal prompt, no fsmonitor hook and a timeout.

Each export is written into a temporary directory of its own and renamed into
place; when another process got there first, its tree is used. Nothing partial is
left on any error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from profiler.errors import UsageError
from profiler.paths import cache_dir

GIT_TIMEOUT_S = 120.0
LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"
LFS_MAX = 1024  # an LFS pointer is a few lines of text


@dataclass(frozen=True)
class Revision:
    name: str  # as the user gave it: main, HEAD~1, v1.2, a commit prefix
    commit: str  # the full commit hash it resolved to
    root: Path  # the exported tree of the whole repository at that commit
    notes: tuple[str, ...] = field(default=())  # submodules, LFS pointers


def _env() -> dict[str, str]:
    return {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_ASKPASS": "",
            "SSH_ASKPASS": "", "GCM_INTERACTIVE": "never"}


def _argv(repo: Path, *args: str) -> list[str]:
    return ["git", "-c", "core.fsmonitor=false", "-C", str(repo), *args]


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(_argv(repo, *args), capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, env=_env(), timeout=GIT_TIMEOUT_S)
    except FileNotFoundError:
        raise UsageError("--rev needs git, and git is not on PATH; install it "
                         "(apt install git)") from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"git {args[0]} in {repo} took more than {GIT_TIMEOUT_S:.0f} s and "
                         f"was stopped; check the repository (`git -C {repo} {args[0]}`)"
                         ) from None


def toplevel(path: Path) -> Path:
    """The root of the git working tree that holds `path`."""
    res = _git(path, "rev-parse", "--show-toplevel")
    if res.returncode != 0:
        if "dubious ownership" in res.stderr:
            raise UsageError(f"git refuses {path}: it belongs to another user (\"dubious "
                             f"ownership\"); if you trust it, run `git config --global --add "
                             f"safe.directory {path}`")
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
    if name.startswith("-"):
        raise UsageError(f"--rev {name} looks like an option; give a branch, tag or commit")
    res = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options",
               f"{name}^{{commit}}")
    if res.returncode != 0 or not res.stdout.strip():
        raise UsageError(f"unknown revision '{name}' in {repo}; give a branch, tag or commit "
                         f"(`git -C {repo} log --oneline` lists them)")
    return res.stdout.strip()


@dataclass(frozen=True)
class Entry:
    mode: str  # 100644, 100755, 120000 (link), 160000 (submodule)
    kind: str  # blob or commit
    oid: str
    size: int | None  # blobs only
    path: str


def entries(repo: Path, commit: str) -> list[Entry]:
    """Every file, link and submodule of the commit's tree."""
    try:
        res = subprocess.run(_argv(repo, "ls-tree", "-r", "-z", "-l", "--full-tree", commit),
                             capture_output=True, stdin=subprocess.DEVNULL, env=_env(),
                             timeout=GIT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise UsageError(f"git ls-tree {commit[:12]} took more than {GIT_TIMEOUT_S:.0f} s in "
                         f"{repo}; check the repository") from None
    if res.returncode != 0:
        err = res.stderr.decode(errors="replace").strip().splitlines()
        raise UsageError(f"git ls-tree {commit[:12]} failed in {repo}: "
                         f"{err[-1] if err else 'no message'}")
    out = []
    for record in res.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        mode, kind, oid, size = meta.decode().split()
        path = os.fsdecode(raw_path)
        parts = path.split("/")
        if any(p in ("", ".", "..") or p.lower() == ".git" for p in parts):
            raise UsageError(f"commit {commit[:12]} in {repo} holds a path git itself would "
                             f"not check out ({path!r}); it is not built")
        if size != "-" and not size.isdigit():  # git prints BAD for a blob it cannot read
            raise UsageError(f"could not read {path} of commit {commit[:12]} in {repo}: its "
                             f"object is missing or corrupt; run git fsck")
        out.append(Entry(mode, kind, oid, None if size == "-" else int(size), path))
    return out


def _notes(repo: Path, commit: str, found: list[Entry], pointers: list[str]) -> tuple[str, ...]:
    notes = []
    subs = [e.path for e in found if e.kind == "commit"]
    if subs:
        notes.append(f"Note: {commit[:12]} has {len(subs)} submodule(s) ({', '.join(subs[:3])}"
                     f"{', …' if len(subs) > 3 else ''}); --rev builds the commit's own files, "
                     f"so each is an empty directory")
    if pointers:
        notes.append(f"Note: {commit[:12]} has {len(pointers)} Git LFS pointer(s) "
                     f"({', '.join(pointers[:3])}{', …' if len(pointers) > 3 else ''}); "
                     f"--rev builds them as the pointer files the commit holds, without "
                     f"fetching their content")
    return tuple(notes)


def _write(repo: Path, commit: str, found: list[Entry], into: Path) -> list[str]:
    """Write every entry under `into`, blobs byte for byte; the LFS pointers found."""
    pointers = []
    blobs = [e for e in found if e.kind == "blob"]
    for e in found:
        if e.kind == "commit":
            (into / e.path).mkdir(parents=True, exist_ok=True)
    if not blobs:
        return pointers
    proc = subprocess.Popen(_argv(repo, "cat-file", "--batch"), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_env())
    assert proc.stdin is not None and proc.stdout is not None
    try:
        for e in blobs:
            proc.stdin.write(e.oid.encode() + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                raise UsageError(f"git cat-file could not read {e.path} of {commit[:12]} in "
                                 f"{repo}; check the repository (`git -C {repo} fsck`)")
            data = proc.stdout.read(int(header[2]))
            proc.stdout.read(1)  # the newline after each object
            target = into / e.path
            target.parent.mkdir(parents=True, exist_ok=True)
            if e.mode == "120000":
                os.symlink(os.fsdecode(data), target)
                continue
            target.write_bytes(data)
            os.chmod(target, 0o755 if e.mode == "100755" else 0o644)
            if len(data) <= LFS_MAX and data.startswith(LFS_POINTER):
                pointers.append(e.path)
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=GIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return pointers


def export(repo: Path, commit: str) -> tuple[Path, tuple[str, ...]]:
    """The repository's tree at `commit`, exported once into the cache, and the notes
    on what it holds (submodules, LFS pointers)."""
    dest = cache_dir("revisions") / f"{repo.name}-{commit[:16]}"
    found = entries(repo, commit)
    if dest.is_dir():  # complete: it is renamed into place only once written
        pointers = [e.path for e in found if e.kind == "blob" and e.mode != "120000"
                    and (e.size or 0) <= LFS_MAX
                    and (dest / e.path).read_bytes()[:len(LFS_POINTER)] == LFS_POINTER]
        return dest, _notes(repo, commit, found, pointers)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    try:
        pointers = _write(repo, commit, found, tmp)
        try:
            tmp.rename(dest)
        except OSError:
            if not dest.is_dir():  # not another export of the same commit, finished first
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest, _notes(repo, commit, found, pointers)


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
    out = []
    for name, commit in commits:
        root, notes = export(repo, commit)
        out.append(Revision(name, commit, root, notes))
    return out, repo, dirty_note(repo)
