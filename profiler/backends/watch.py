"""What a backend reads from two commits of a project to say what changed between
them (`buildprof changes`, `buildprof bisect`): its locked dependencies and its build
configuration. Each backend names its own files (profiler.backends.go_watch,
.cargo_watch); this module holds what both share.

`read(path)` gives a file of one commit by its path in the repository (None when
the commit has no such file); `here` is the project's directory in the repository
("" at the top).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

Reader = Callable[[str], str | None]


def upward(here: str) -> list[str]:
    """`here` and each directory above it, up to the repository's top ("")."""
    dirs, d = [], here.strip("/")
    while True:
        dirs.append(d)
        if not d:
            return dirs
        d = posixpath.dirname(d)


def find_up(read: Reader, here: str, name: str) -> tuple[str, str] | None:
    """The nearest file called `name` at or above `here`: its path and text."""
    for d in upward(here):
        path = posixpath.join(d, name) if d else name
        text = read(path)
        if text is not None:
            return path, text
    return None


def setting_changes(where: str, before: dict[str, object], after: dict[str, object]
                    ) -> list[str]:
    """`where key: old → new` for each setting that differs ("unset" when absent)."""
    out = []
    for key in sorted(before.keys() | after.keys(), key=str):
        a, b = before.get(key), after.get(key)
        if a != b:
            out.append(f"{where} {key}: {_value(a)} → {_value(b)}")
    return out


def _value(v: object) -> str:
    """A setting as its file would say it: `unset`, `false`, `"thin"`, `3`."""
    if v is None:
        return "unset"
    if isinstance(v, bool):
        return str(v).lower()
    return f'"{v}"' if isinstance(v, str) and " " in v else str(v)
