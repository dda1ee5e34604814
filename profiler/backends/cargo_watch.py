"""Cargo's side of `changes` and `bisect`: Cargo.lock's packages, and the build
configuration: `[profile.*]` of the manifests, `.cargo/config.toml`, the
`rust-toolchain` pin and build scripts (profiler.backends.watch)."""

from __future__ import annotations

import posixpath
import tomllib
from typing import Any

from profiler.backends.watch import Reader, find_up, setting_changes

# Files whose change is a change of how the project builds, by name.
CONFIG_NAMES = ("rust-toolchain", "rust-toolchain.toml", "build.rs")


def _toml(text: str | None) -> dict[str, Any]:
    if text is None:
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}


def dependencies(read: Reader, here: str) -> dict[str, str]:
    """Cargo.lock's packages (the nearest lock file at or above the project): name to
    version, several versions of one name joined by commas."""
    found = find_up(read, here, "Cargo.lock")
    if found is None:
        return {}
    versions: dict[str, list[str]] = {}
    for pkg in _toml(found[1]).get("package", []):
        if isinstance(pkg, dict) and "name" in pkg:
            versions.setdefault(str(pkg["name"]), []).append(str(pkg.get("version", "?")))
    return {name: ", ".join(sorted(v)) for name, v in versions.items()}


def _flat(table: Any, prefix: str = "") -> dict[str, object]:
    """A nested TOML table as dotted keys: {"dev.opt-level": 1}."""
    out: dict[str, object] = {}
    if isinstance(table, dict):
        for k, v in table.items():
            out.update(_flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {f"{prefix}{k}": v})
    return out


def config_changes(before: Reader, after: Reader, touched: list[str], here: str) -> list[str]:
    """Lines naming what changed in the build configuration."""
    out = []
    for path in touched:
        name = posixpath.basename(path)
        if name == "Cargo.toml":
            a, b = (_toml(before(path)).get("profile", {}),
                    _toml(after(path)).get("profile", {}))
            for prof in sorted(a.keys() | b.keys()):
                out += setting_changes(f"{path} [profile.{prof}]", _flat(a.get(prof)),
                                       _flat(b.get(prof)))
        elif (name in CONFIG_NAMES or path.endswith((".cargo/config.toml", ".cargo/config"))
              or path in (".cargo/config.toml", ".cargo/config")):
            state = ("added" if before(path) is None else
                     "removed" if after(path) is None else "changed")
            out.append(f"{path} {state}")
    return out
