"""Real pairs: published Go and Rust projects that do the same job.

`sample_projects/pairs.toml` names each pair (`jq`: gojq and jaq, `age`: age
and rage, `task`: go-task and just), the exact published version of each side
(`go:MODULE@V`, `crate:NAME@V`) and its incremental edit, `top-body`: a body
change in the program's main package. `--sample jq` builds one pair,
`--sample pairs` all of them. The sources come through profiler.sources.fetch, once,
into buildprof's cache; every later run builds the same bytes offline.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from profiler.errors import ProjectError, UsageError
from profiler.samples.spec import LANGS
from profiler.scenarios.edits import Edit

ALL = "pairs"  # `--sample pairs`: every pair
EDIT_NAME = "top-body"


@dataclass(frozen=True)
class PairSide:
    """One side of a pair: what to fetch and how to edit it."""

    spec: str  # go:MODULE@VERSION or crate:NAME@VERSION
    edit: Edit


@dataclass(frozen=True)
class PairSpec:
    name: str
    about: str
    sides: dict[str, PairSide]  # by language


def _file() -> Path:
    from profiler.samples.realworld import samples_root

    return samples_root() / "pairs.toml"


@cache
def pairs() -> dict[str, PairSpec]:
    """Every pair in pairs.toml, by name, in the file's order."""
    path = _file()
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ProjectError(f"cannot read the real pairs' list {path}: {err}; set "
                           f"BUILDPROF_SAMPLES to the sample_projects directory") from err
    found: dict[str, PairSpec] = {}
    for name, table in data.items():
        sides: dict[str, PairSide] = {}
        for lang in LANGS:
            side = table.get(lang) if isinstance(table, dict) else None
            edit = side.get("edit") if isinstance(side, dict) else None
            if not (isinstance(side, dict) and isinstance(side.get("spec"), str)
                    and isinstance(edit, dict)
                    and all(isinstance(edit.get(k), str) for k in ("path", "old", "new"))):
                raise ProjectError(f"{path}: [{name}.{lang}] needs a string `spec` and an "
                                   f"[{name}.{lang}.edit] with strings path, old and new")
            sides[lang] = PairSide(side["spec"], Edit(EDIT_NAME, edit["path"], edit["old"],
                                                  edit["new"]))
        found[name] = PairSpec(name, str(table.get("about", "")), sides)
    return found


def names() -> tuple[str, ...]:
    return tuple(pairs())


def is_pair(name: str) -> bool:
    """True for a pair's name; False (never an error) when pairs.toml is missing."""
    try:
        return name in pairs()
    except ProjectError:
        return False


def expand(samples: list[str]) -> list[str]:
    """`pairs` stands for every pair, in the file's order."""
    out: list[str] = []
    for s in samples:
        for name in (names() if s == ALL else [s]):
            if name not in out:
                out.append(name)
    return out


def side(name: str, lang: str) -> PairSide:
    if name not in pairs():
        raise UsageError(f"unknown pair '{name}'; use one of: {', '.join(names())} or {ALL}")
    return pairs()[name].sides[lang]


def edit(name: str, lang: str, edit_name: str) -> Edit:
    if edit_name != EDIT_NAME:
        raise UsageError(f"the real pair '{name}' has one edit, {EDIT_NAME}; "
                         f"drop --edit {edit_name} or use --edit {EDIT_NAME}")
    return side(name, lang).edit
