"""Go's side of `changes` and `bisect`: go.mod's requirements (what go.sum pins
follows from them), and the build configuration: go.mod's `go` and `toolchain`
lines, go.work, and the build constraints (`//go:build`) of the files a commit
touched (profiler.backends.watch)."""

from __future__ import annotations

import posixpath
import re

from profiler.backends.watch import Reader, find_up, setting_changes

_REQUIRE_ONE = re.compile(r"^\s*require\s+(\S+)\s+(\S+)")
_DIRECTIVE = re.compile(r"^\s*(go|toolchain)\s+(\S+)\s*$", re.M)
_BUILD = re.compile(r"^//go:build\s+(.+)$", re.M)


def _requires(text: str) -> dict[str, str]:
    out, block = {}, False
    for raw in text.splitlines():
        line = raw.split("//", 1)[0].strip()
        if block:
            if line == ")":
                block = False
            elif line:
                parts = line.split()
                if len(parts) >= 2:
                    out[parts[0]] = parts[1]
        elif re.match(r"^require\s*\($", line):
            block = True
        elif m := _REQUIRE_ONE.match(line):
            out[m.group(1)] = m.group(2)
    return out


def dependencies(read: Reader, here: str) -> dict[str, str]:
    """The modules go.mod requires (the nearest go.mod at or above the project)."""
    found = find_up(read, here, "go.mod")
    return _requires(found[1]) if found else {}


def _directives(text: str | None) -> dict[str, object]:
    return dict(_DIRECTIVE.findall(text or ""))


def _constraint(text: str | None) -> str | None:
    m = _BUILD.search(text or "")
    return m.group(1).strip() if m else None


def config_changes(before: Reader, after: Reader, touched: list[str], here: str) -> list[str]:
    """Lines naming what changed in the build configuration."""
    out = []
    for path in touched:
        name = posixpath.basename(path)
        if name == "go.mod":
            out += setting_changes(path, _directives(before(path)), _directives(after(path)))
        elif name in ("go.work", "go.env"):
            state = ("added" if before(path) is None else
                     "removed" if after(path) is None else "changed")
            out.append(f"{path} {state}")
        elif name.endswith(".go"):
            a, b = _constraint(before(path)), _constraint(after(path))
            if a != b:
                out.append(f"{path} //go:build: {a or 'none'} → {b or 'none'}")
    return out
