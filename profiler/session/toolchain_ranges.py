"""`--toolchain` naming releases: one (`rust@1.85`), a range of minors
(`go@1.21..1.27`, `rust@1.63..1.96+debian`) or every installed one (`go@*`).

A range takes, for each minor in it, the newest patch that is installed or
installable here (an official build before a Debian one, unless the range asks
for Debian's); minors no source has are skipped, and said so. What is not
installed is installed first, one line each, or with `no_install` named with
the command that installs it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from profiler.backends import backend_for
from profiler.errors import ToolchainError, UsageError
from profiler.toolchains.base import DEBIAN_SUFFIX, Release, Toolchain, version_key

RANGE = re.compile(r"^(?P<lang>[a-z]+)@(?P<lo>\d+\.\d+)\.\.(?P<hi>\d+\.\d+)"
                   r"(?P<debian>\+debian)?$")
RELEASE = re.compile(r"^(?P<lang>[a-z]+)@(?P<version>\d+\.\d+(\.\d+)?)(?P<debian>\+debian)?$")


def is_range(spec: str) -> bool:
    return ".." in spec or spec.endswith("@*")


@dataclass(frozen=True)
class Choice:
    minor: tuple[int, int]
    installed: Toolchain | None
    release: Release | None  # what to install when nothing installed is chosen

    @property
    def spec(self) -> str:
        return self.installed.spec if self.installed else self.release.spec  # type: ignore


def _minor(version: str) -> tuple[int, int] | None:
    key = version_key(version)
    return (key[0], key[1]) if len(key) >= 2 and "-" not in version else None


def choose(spec: str, installed: list[Toolchain], installable: list[Release]
           ) -> tuple[list[Choice], list[str]]:
    """The release of each minor of the range `spec`, and the minors none has."""
    m = RANGE.match(spec)
    if not m:
        raise UsageError(f"'{spec}' is not a range of releases; write it like "
                         f"{spec.split('@')[0]}@1.21..1.27")
    lo, hi = (tuple(int(x) for x in m.group(g).split(".")) for g in ("lo", "hi"))
    if lo > hi or lo[0] != hi[0]:
        raise UsageError(f"{spec}: the range is empty; write the older release first, "
                         f"like {m.group('lang')}@{m.group('hi')}..{m.group('lo')}")
    debian = bool(m.group("debian"))
    choices, missing = [], []
    for minor in range(lo[1], hi[1] + 1):
        key = (lo[0], minor)
        have = [tc for tc in installed if _minor(tc.version) == key
                and (tc.source == "debian" if debian else True)]
        can = [r for r in installable if _minor(r.version) == key
               and (r.source == "debian" if debian else True)]
        # Rank: an official build first (unless Debian's was asked for), then the
        # newest patch, then what is installed already.
        ranked = [((tc.provenance == "official" or debian, version_key(tc.version), 1), tc, None)
                  for tc in have]
        ranked += [((r.provenance == "official" or debian, version_key(r.version), 0), None, r)
                   for r in can]
        if not ranked:
            missing.append(f"{lo[0]}.{minor}")
            continue
        _, tc, rel = max(ranked, key=lambda x: x[0])
        choices.append(Choice(key, tc, rel))
    return choices, missing


def expand(spec: str, install: bool, say: Callable[[str], None]) -> list[Toolchain]:
    """The toolchains a release spec names (a range, `*` or one numbered release),
    installing what is missing unless `install` is False."""
    lang = spec.split("@")[0]
    backend = backend_for(lang)
    if spec.endswith("@*"):
        found: dict[tuple[str, str], Toolchain] = {}
        for tc in backend.discover():
            found.setdefault((tc.version, backend.build_line(tc.provenance)), tc)
        if not found:
            raise UsageError(f"{spec}: no {lang} toolchain is installed; see "
                             f"`buildprof toolchain list --available`")
        return sorted(found.values(), key=lambda tc: version_key(tc.version))
    if not is_range(spec):
        m = RELEASE.match(spec)
        try:
            return [backend.resolve(spec)]
        except ToolchainError:
            if not m or not install:
                raise
        tc = backend.install(spec.split("@", 1)[1], say=say)
        say(f"installed {tc.spec} ({tc.origin})")
        return [tc]
    installable, why = backend.available()
    choices, missing = choose(spec, backend.discover(), installable)
    if not choices:
        have = _listing(installable) or "nothing"
        extra = f" ({'; '.join(why)})" if why else ""
        raise UsageError(f"{spec} matches no {lang} release installed or installable here; "
                         f"installable: {have}{extra}")
    if missing:
        say(f"{spec}: no source here has {lang} {spans(missing)}; skipped")
    todo = [c for c in choices if c.installed is None]
    if todo and not install:
        cmd = " ".join(c.spec for c in todo)
        raise UsageError(f"{spec}: {len(todo)} release(s) not installed ({cmd}); run "
                         f"`buildprof toolchain install {cmd}`, or drop --no-install")
    out = []
    for c in choices:
        if c.installed:
            out.append(c.installed)
            continue
        rel = c.release
        assert rel is not None
        say(f"installing {rel.spec} ({rel.source})")
        version = rel.version + (DEBIAN_SUFFIX if rel.source == "debian" else "")
        out.append(backend.install(version, say=say))
    return out


def spans(minors: list[str]) -> str:
    """["1.64", "1.65", "1.66", "1.70"] -> "1.64–1.66, 1.70": runs of minors joined."""
    runs: list[list[str]] = []
    for m in minors:
        if runs and version_key(m)[1] == version_key(runs[-1][-1])[1] + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    return ", ".join(r[0] if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def _listing(releases: list[Release]) -> str:
    by_source: dict[str, list[str]] = {}
    for r in sorted(releases, key=lambda r: version_key(r.version)):
        by_source.setdefault(r.source, []).append(r.version)
    return "; ".join(f"{src} {v[0]} to {v[-1]}" if len(v) > 2 else f"{src} {', '.join(v)}"
                     for src, v in by_source.items())
