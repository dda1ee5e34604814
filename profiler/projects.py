"""Projects: detect the language, count code lines, hash content, copy safely.

A project is a directory holding a Go module (go.mod) or a Cargo package or
workspace (Cargo.toml). buildprof only ever reads the user's directory; builds
run in a copy (`copy_tree`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from profiler.errors import ProjectError, UsageError

LANGS = ("go", "rust")
SOURCE_SUFFIX = {"go": ".go", "rust": ".rs"}
MANIFEST = {"go": "go.mod", "rust": "Cargo.toml"}
# Build output and VCS metadata: never part of what was built, never copied.
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "target", ".buildprof"})


@dataclass(frozen=True)
class Project:
    name: str
    lang: str
    path: Path
    source: str  # "path" for a user's project, "sample:<name>" for samples


@dataclass(frozen=True)
class TreeStats:
    files: int  # source files of the project's language
    loc: int  # code lines: no blanks, no comments
    content_hash: str  # sha256 over every file's relative path and bytes


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise UsageError(f"unknown language '{lang}'; use one of: {', '.join(LANGS)}")
    return lang


def detect_project(path: Path, lang: str | None = None) -> Project:
    """Return the project at `path`, or raise ProjectError naming the fix."""
    if not path.exists():
        raise ProjectError(f"{path} does not exist; give the directory of a Go module "
                           f"or Cargo project")
    if not path.is_dir():
        raise ProjectError(f"{path} is a file, not a directory; give the project's directory")
    path = path.resolve()
    if lang is not None:
        check_lang(lang)
        if not (path / MANIFEST[lang]).is_file():
            raise ProjectError(f"{path} has no {MANIFEST[lang]}, so it is not a {lang} project; "
                               f"check the path or --lang")
        return Project(path.name, lang, path, "path")
    found = [lg for lg in LANGS if (path / MANIFEST[lg]).is_file()]
    if not found:
        raise ProjectError(f"{path} has neither go.mod nor Cargo.toml; give the root of a "
                           f"Go module or a Cargo package/workspace")
    if len(found) > 1:
        raise ProjectError(f"{path} has both go.mod and Cargo.toml; choose one with --lang go|rust")
    return Project(path.name, found[0], path, "path")


def _walk(root: Path):
    """Yield files below root in a stable order, skipping SKIP_DIRS."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            yield Path(dirpath) / name


def count_code_lines(text: str) -> int:
    """Lines holding code, for Go and Rust (both use // and /* */ comments).

    Blank lines and lines holding only comments do not count. String literals
    are tracked so that `"//"` inside a string is not taken for a comment.
    Rust's nested block comments are handled; Go has none, so it is the same.
    """
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
                if line.startswith("*/", i):
                    depth -= 1
                    i += 2
                elif line.startswith("/*", i):
                    depth += 1
                    i += 2
                else:
                    i += 1
                continue
            if line.startswith("//", i):
                break
            if line.startswith("/*", i):
                depth += 1
                i += 2
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
    """Files, code lines and content hash of a project tree."""
    digest = hashlib.sha256()
    files = loc = 0
    suffix = SOURCE_SUFFIX[lang]
    for path in _walk(root):
        if path.is_symlink():
            rel = path.relative_to(root).as_posix()
            digest.update(f"L {rel} {os.readlink(path)}\n".encode())
            continue
        data = path.read_bytes()
        rel = path.relative_to(root).as_posix()
        digest.update(f"F {rel} {len(data)}\n".encode())
        digest.update(data)
        if path.suffix == suffix:
            files += 1
            loc += count_code_lines(data.decode("utf-8", errors="replace"))
    return TreeStats(files=files, loc=loc, content_hash=digest.hexdigest())


def copy_tree(src: Path, dst: Path) -> None:
    """Copy a project into a work directory, without build output or VCS data."""
    shutil.copytree(src, dst, symlinks=True,
                    ignore=lambda _d, names: [n for n in names if n in SKIP_DIRS])
