"""Projects: detect the language, count code lines, hash content, copy safely.

A project is a directory holding a Go module (go.mod) or a Cargo package or
workspace (Cargo.toml). buildprof only ever reads the user's directory; builds
run in a copy (`copy_tree`).

What the copy and the content hash (`tree_stats`) take, both from one walk:
- Skipped: `.git/`, `target/` and the other SKIP_DIRS, only as directories at
  the project's root (a Go package `internal/target/` is source, and so is a
  file named `target`), and any directory below the root that carries a
  CACHEDIR.TAG (cargo writes one into every target directory: build output).
- Skipped with a warning (`TreeStats.skipped`): FIFOs, sockets and device
  files. They hold no source; reading a FIFO would block forever.
- Refused with a ProjectError naming the path: a file or directory that cannot
  be read. A copy without it would build something else than the user's tree,
  and the content hash would not describe what was built.
- Copied and hashed byte for byte: names that are not UTF-8 (the hash takes
  the name's bytes, so UTF-8 names hash exactly as before); a project whose own
  path is not UTF-8 is refused, since the database stores it as text.
- Symbolic links are copied as links and hashed by their target text.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from profiler.errors import ProjectError
from profiler.languages import langs, language

if TYPE_CHECKING:
    from profiler.sources.revisions import CommitMeta

# Build output and VCS metadata at the project's root: never part of what was
# built, never copied. Only these directories at the root (see `_scan`).
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "target", ".buildprof"})
CACHEDIR_SIGNATURE = b"Signature: 8a477f597d28d172789f06886806bc55"
SPECIAL = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket",
           stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device"}


@dataclass(frozen=True)
class Project:
    name: str
    lang: str
    path: Path  # what is copied (and hashed): the project, or the tree that encloses it
    source: str  # "path" for a user's project, "sample:<name>" for samples
    workdir: str = "."  # where the build runs, relative to `path`
    package: str | None = None  # a Cargo workspace member, built with -p
    fetched: str | None = None  # a published sample's exact spec: crate:jaq@3.1.2
    rev: str | None = None  # with --rev: the revision as named, and its commit
    commit: str | None = None
    commit_meta: CommitMeta | None = None  # and its place, date and subject
    # A sample that is a server (it has a route file): `run` keeps its clean release
    # binaries, so that `payoff` can load the build whose cost is recorded.
    serves: bool = False

    @property
    def recorded_path(self) -> str:
        """What was built, as the table `projects` records it: a sample's name, a
        published project's exact spec, the user's directory."""
        if self.source != "path":
            return self.fetched or self.source.removeprefix("sample:")
        return os.path.normpath(self.path / self.workdir)


@dataclass(frozen=True)
class TreeStats:
    files: int  # source files of the project's language
    loc: int  # code lines: no blanks, no comments
    content_hash: str  # sha256 over every file's relative path and bytes
    # One warning line per special file (FIFO, socket, device) left out of the
    # hash and the copy; the session prints them.
    skipped: tuple[str, ...] = ()


def detect_project(path: Path, lang: str | None = None) -> Project:
    """Return the project at `path`, or raise ProjectError naming the fix."""
    if not path.exists():
        raise ProjectError(f"{path} does not exist; give the directory of a Go module "
                           f"or Cargo project")
    if not path.is_dir():
        raise ProjectError(f"{path} is a file, not a directory; give the project's directory")
    path = path.resolve()
    try:
        str(path).encode()
    except UnicodeEncodeError:
        raise ProjectError(f"the path {show(path)} is not valid UTF-8, and buildprof records "
                           f"it as text; rename the directory") from None
    if lang is not None:
        manifest = language(lang).manifest
        if not (path / manifest).is_file():
            raise ProjectError(f"{path} has no {manifest}, so it is not a {lang} project; "
                               f"check the path or --lang")
        return Project(path.name, lang, path, "path")
    found = [lg for lg in langs() if (path / language(lg).manifest).is_file()]
    if not found:
        every = [language(lg) for lg in langs()]
        raise ProjectError(f"{path} has neither {' nor '.join(x.manifest for x in every)}; "
                           f"give the root of {' or '.join(x.project for x in every)}")
    if len(found) > 1:
        raise ProjectError(f"{path} has both "
                           f"{' and '.join(language(lg).manifest for lg in found)}; choose one "
                           f"with --lang {'|'.join(found)}")
    return Project(path.name, found[0], path, "path")


def show(path: Path | str) -> str:
    """A path for a message: bytes that are not UTF-8 written as \\xNN escapes
    (printing the raw surrogates would raise UnicodeEncodeError)."""
    return os.fsencode(path).decode("utf-8", errors="backslashreplace")


def _unreadable(path: Path, exc: OSError) -> ProjectError:
    return ProjectError(f"cannot read {show(path)} ({exc.strerror or exc}); make it readable "
                        f"(chmod u+r, and u+x for a directory) or move it out of the project")


def is_cache_dir(path: Path) -> bool:
    """A directory tagged as a cache (CACHEDIR.TAG), such as a nested cargo target/."""
    try:
        with (path / "CACHEDIR.TAG").open("rb") as f:
            return f.read(len(CACHEDIR_SIGNATURE)) == CACHEDIR_SIGNATURE
    except OSError:
        return False


def _scan(root: Path, rel: str = "") -> Iterator[tuple[Path, str, str]]:
    """Yield (path, relative path, kind) below root, in a stable order.

    kind is "dir", "file", "link" or, for special files, SPECIAL's description.
    Order: a directory's non-directories by name, then its sub-directories by
    name, each followed by its contents (the order of the former os.walk walk,
    so content hashes of ordinary trees did not change). See the module doc for
    what is skipped; an unreadable directory raises ProjectError.
    """
    here = root / rel if rel else root
    try:
        with os.scandir(here) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        raise _unreadable(here, exc) from None
    subdirs = []
    for e in entries:
        path = Path(e.path)
        name = f"{rel}/{e.name}" if rel else e.name
        try:
            mode = e.stat(follow_symlinks=False).st_mode
        except FileNotFoundError:
            continue  # removed while we walked
        if not rel and e.name in SKIP_DIRS and path.is_dir():  # a directory or a link to one
            continue
        if stat.S_ISDIR(mode):
            if not is_cache_dir(path):
                subdirs.append((path, name))
        elif stat.S_ISREG(mode):
            yield path, name, "file"
        elif stat.S_ISLNK(mode):
            yield path, name, "link"
        else:
            yield path, name, SPECIAL.get(stat.S_IFMT(mode), "a special file")
    for path, name in subdirs:
        yield path, name, "dir"
        yield from _scan(root, name)


def _skip_warning(root: Path, rel: str, kind: str) -> str:
    return f"{show(root / rel)} is {kind}; skipped (not copied, not hashed)"


def count_code_lines(text: str, comment: str = "//",
                     block: tuple[str, str] | None = ("/*", "*/")) -> int:
    """Lines holding code, for a language whose comments start with `comment` and
    `block` encloses (Go's and Rust's, by default: // and /* */).

    Blank lines and lines holding only comments do not count. String literals
    are tracked so that `"//"` inside a string is not taken for a comment.
    Rust's nested block comments are handled; Go has none, so it is the same.
    """
    opens, closes = block or ("", "")
    count = 0
    depth = 0  # block comment nesting
    in_raw = False  # inside a Go `raw string` spanning lines
    for line in text.splitlines():
        has_code = in_raw
        i, n = 0, len(line)
        while i < n:
            c = line[i]
            if in_raw:
                if c == "`":
                    in_raw = False
                i += 1
                continue
            if depth:
                if line.startswith(closes, i):
                    depth -= 1
                    i += len(closes)
                elif line.startswith(opens, i):
                    depth += 1
                    i += len(opens)
                else:
                    i += 1
                continue
            if line.startswith(comment, i):
                break
            if opens and line.startswith(opens, i):
                depth += 1
                i += len(opens)
                continue
            if not c.isspace():
                has_code = True
            if c == '"':
                i += 1
                while i < n and line[i] != '"':
                    i += 2 if line[i] == "\\" else 1
            elif c == "`":
                in_raw = True
            i += 1
        if has_code:
            count += 1
    return count


def tree_stats(root: Path, lang: str) -> TreeStats:
    """Files, code lines and content hash of a project tree, and the special files
    left out (see the module doc). Raises ProjectError for an unreadable file or
    directory; call it before anything is recorded.

    Never blocks: only regular files are opened, and symlinks are not followed.
    """
    digest = hashlib.sha256()
    files = loc = 0
    skipped = []
    found = language(lang)
    for path, rel, kind in _scan(root):
        name = os.fsencode(rel)  # bytes: a name that is not UTF-8 cannot be .encode()d
        if kind == "dir":
            continue
        if kind == "link":
            digest.update(b"L " + name + b" " + os.readlink(os.fsencode(path)) + b"\n")
            continue
        if kind != "file":
            skipped.append(_skip_warning(root, rel, kind))
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise _unreadable(path, exc) from None
        digest.update(b"F " + name + f" {len(data)}\n".encode())
        digest.update(data)
        if path.suffix == found.suffix:
            files += 1
            loc += count_code_lines(data.decode("utf-8", errors="replace"), found.comment,
                                    found.block_comment)
    return TreeStats(files=files, loc=loc, content_hash=digest.hexdigest(),
                     skipped=tuple(skipped))


def copy_tree(src: Path, dst: Path) -> list[str]:
    """Copy a project into a work directory (`dst` must not exist) without build
    output, VCS data or special files; return a warning per special file skipped.

    The same walk as `tree_stats`, so what is built is what was hashed. Files
    keep their mtimes (copy2: cargo compares them); directories get their
    modes and times last, as shutil.copytree does, so a read-only one is filled first.
    """
    dst.mkdir(parents=True)
    skipped = []
    dirs = [(src, dst)]
    for path, rel, kind in _scan(src):
        target = dst / rel
        try:
            if kind == "dir":
                target.mkdir()
                dirs.append((path, target))
            elif kind == "link":
                os.symlink(os.readlink(path), target)
            elif kind == "file":
                shutil.copy2(path, target)
            else:
                skipped.append(_skip_warning(src, rel, kind))
        except PermissionError as exc:
            raise _unreadable(path, exc) from None
    for path, target in reversed(dirs):
        shutil.copystat(path, target)
    return skipped
