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
class CommitMeta:
    """What a run records about its commit, so that a series of commits can be
    ordered and named without the repository: the commit's place on the first-parent
    chain (its first-parent ancestors, itself included: `git rev-list --first-parent
    --count`), the committer date, the subject, and the repository it came from."""

    order: int
    date: str  # committer date, ISO 8601 in UTC
    subject: str
    repo: str


@dataclass(frozen=True)
class Revision:
    name: str  # as the user gave it: main, HEAD~1, v1.2, a commit prefix
    commit: str  # the full commit hash it resolved to
    root: Path  # the exported tree of the whole repository at that commit
    notes: tuple[str, ...] = field(default=())  # submodules, LFS pointers
    meta: CommitMeta | None = None


def git_env() -> dict[str, str]:
    return {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_ASKPASS": "",
            "SSH_ASKPASS": "", "GCM_INTERACTIVE": "never"}


def git_argv(repo: Path, *args: str) -> list[str]:
    return ["git", "-c", "core.fsmonitor=false", "-C", str(repo), *args]


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(git_argv(repo, *args), capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, env=git_env(), timeout=GIT_TIMEOUT_S)
    except FileNotFoundError:
        raise UsageError("--rev needs git, and git is not on PATH; install it "
                         "(apt install git)") from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"git {args[0]} in {repo} took more than {GIT_TIMEOUT_S:.0f} s and "
                         f"was stopped; check the repository (`git -C {repo} {args[0]}`)"
                         ) from None


def toplevel(path: Path) -> Path:
    """The root of the git working tree that holds `path`."""
    res = git(path, "rev-parse", "--show-toplevel")
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
    res = git(repo, "--no-optional-locks", "status", "--porcelain", "--untracked-files=no")
    if res.returncode == 0 and res.stdout.strip():
        n = len(res.stdout.splitlines())
        return (f"Note: {repo} has {n} uncommitted change(s); --rev builds committed "
                f"revisions only, so they are not measured")
    return None


def resolve(repo: Path, name: str) -> str:
    if name.startswith("-"):
        raise UsageError(f"--rev {name} looks like an option; give a branch, tag or commit")
    res = git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options",
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
        res = subprocess.run(git_argv(repo, "ls-tree", "-r", "-z", "-l", "--full-tree", commit),
                             capture_output=True, stdin=subprocess.DEVNULL, env=git_env(),
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
    proc = subprocess.Popen(git_argv(repo, "cat-file", "--batch"), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=git_env())
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


def _out(repo: Path, *args: str) -> str:
    res = git(repo, *args)
    if res.returncode != 0:
        err = res.stderr.strip().splitlines()
        raise UsageError(f"git {args[0]} failed in {repo}: {err[-1] if err else 'no message'}")
    return res.stdout


def first_parent_count(repo: Path, commit: str) -> int:
    """The commit's place on its first-parent chain: 1 for a root commit."""
    return int(_out(repo, "rev-list", "--first-parent", "--count", commit).strip())


def commit_meta(repo: Path, commit: str, order: int | None = None) -> CommitMeta:
    """The commit's date, subject and place (given when the caller knows it)."""
    from datetime import UTC, datetime

    stamp, _, subject = _out(repo, "log", "-1", "--format=%ct%x00%s", commit).rstrip(
        "\n").partition("\0")
    date = datetime.fromtimestamp(int(stamp), UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return CommitMeta(order if order is not None else first_parent_count(repo, commit),
                      date, subject, str(repo))


def is_range(name: str) -> bool:
    return ".." in name


def _check_step(option: str, value: int | None) -> None:
    if value is not None and value < 1:
        raise UsageError(f"{option} takes a whole number of at least 1 (got {value})")


def is_ancestor(repo: Path, a: str, b: str) -> bool:
    """Commit `a` is an ancestor of `b` (or the same commit)."""
    res = git(repo, "merge-base", "--is-ancestor", a, b)
    if res.returncode not in (0, 1):
        raise UsageError(f"git merge-base failed in {repo}: {res.stderr.strip()}")
    return res.returncode == 0


def commit_range(repo: Path, spec: str, every: int | None = None,
                 count: int | None = None) -> list[tuple[str, CommitMeta]]:
    """The first-parent commits after A up to B of `A..B`, oldest first (as `git log
    --first-parent --reverse A..B`), each with its CommitMeta; `every` keeps every
    Nth, `count` N evenly spaced; both keep the first and the last."""
    _check_step("--every", every)
    _check_step("--commits", count)
    if every is not None and count is not None:
        raise UsageError("give --every or --commits, not both")
    if "..." in spec:
        raise UsageError(f"--rev {spec}: a range is A..B (two dots), the first-parent "
                         f"commits after A up to B")
    a_name, _, b_name = spec.partition("..")
    if not a_name or not b_name:
        raise UsageError(f"--rev {spec}: give both ends of the range, as in --rev v1.0..main")
    a, b = resolve(repo, a_name), resolve(repo, b_name)
    if not is_ancestor(repo, a, b):
        raise UsageError(f"--rev {spec}: {a_name} is not an ancestor of {b_name}, so the "
                         f"range has no first-parent path; give an older commit first")
    chain = _out(repo, "rev-list", "--first-parent", "--reverse", f"{a}..{b}").split()
    if not chain:
        raise UsageError(f"--rev {spec} is empty: {a_name} and {b_name} are the same commit "
                         f"({a[:12]}); give an older commit first")
    # Along a first-parent chain each commit is the first parent of the next: one
    # count gives every commit's place.
    base = first_parent_count(repo, chain[0])
    picked = list(range(len(chain)))
    if every is not None:
        picked = sorted({*range(0, len(chain), every), len(chain) - 1})
    elif count is not None:
        if count < 2:
            raise UsageError("--commits takes at least 2 (both ends of the range)")
        n = min(count, len(chain))
        picked = sorted({round(i * (len(chain) - 1) / max(n - 1, 1)) for i in range(n)})
    return [(chain[i], commit_meta(repo, chain[i], base + i)) for i in picked]


def revisions(path: Path, names: list[str], every: int | None = None,
              count: int | None = None) -> tuple[list[Revision], Path, str | None]:
    """Resolve and export each revision of the repository holding `path` (a range
    `A..B` stands for its commits, named by their hashes); also the repository's
    root and the note about uncommitted changes, if any."""
    repo = toplevel(path)
    if (every is not None or count is not None) and not any(is_range(n) for n in names):
        raise UsageError("--every and --commits thin a range of commits; give one with "
                         "--rev A..B")
    commits: list[tuple[str, str]] = []
    metas: dict[str, CommitMeta] = {}
    for name in names:
        if is_range(name):
            for commit, meta in commit_range(repo, name, every, count):
                commits.append((commit, commit))
                metas[commit] = meta
        else:
            commits.append((name, resolve(repo, name)))
    seen: dict[str, str] = {}
    for name, commit in commits:
        if commit in seen:
            raise UsageError(f"--rev {seen[commit]} and --rev {name} are the same commit "
                             f"({commit[:12]}); give revisions that differ")
        seen[commit] = name
    out = []
    for name, commit in commits:
        root, notes = export(repo, commit)
        meta = metas.get(commit) or commit_meta(repo, commit)
        out.append(Revision(name, commit, root, notes, meta))
    return out, repo, dirty_note(repo)
