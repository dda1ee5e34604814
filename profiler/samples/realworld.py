"""Hand-written real-world sample projects committed under `sample_projects/`.

Two services, each written twice with the same behaviour:

* `http-service`: a JSON-over-HTTP API. Go uses only the standard library
  (`net/http`, `encoding/json`); Rust uses actix-web with serde and serde_json.
* `cli-tool`: a command line tool that summarizes and filters a JSON file.
  Go uses cobra; Rust uses clap (derive) with serde and serde_json.

Each variant directory (`sample_projects/<name>/<lang>/`) holds an `edits.toml`
with the three named edits of the incremental scenario: `leaf-body` and
`leaf-api` change the most depended-on package or module, `top-body` changes
the main package or `main.rs`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from profiler.errors import ProjectError, UsageError
from profiler.samples.spec import check_lang
from profiler.scenarios.edits import Edit

REALWORLD: tuple[str, ...] = ("http-service", "cli-tool")
EDIT_NAMES: tuple[str, ...] = ("leaf-body", "leaf-api", "top-body")
# A server sample's route file, beside its go/ and rust/: how to start the server and
# what to send it (profiler.payoff.routes reads it).
ROUTE_FILE = "payoff.toml"


def samples_root() -> Path:
    """`$BUILDPROF_SAMPLES`, else the installed or the checkout's `sample_projects/`."""
    from profiler.samples.spec import samples_dir

    return samples_dir()


def _check_name(name: str) -> None:
    if name not in REALWORLD:
        raise UsageError(f"unknown sample '{name}'; use one of: {', '.join(REALWORLD)}")


def realworld_dir(name: str, lang: str) -> Path:
    """The source directory of one variant (never build in it: copy it first)."""
    _check_name(name)
    check_lang(lang)
    path = samples_root() / name / lang
    if not path.is_dir():
        raise ProjectError(f"sample '{name}' ({lang}) is missing: no directory {path}; "
                           f"set BUILDPROF_SAMPLES to the sample_projects directory")
    return path


def realworld_edits(name: str, lang: str) -> dict[str, Edit]:
    """All edits of one variant, by name, from its `edits.toml`."""
    path = realworld_dir(name, lang) / "edits.toml"
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ProjectError(f"cannot read {path}: {err}") from err
    edits: dict[str, Edit] = {}
    for edit_name, table in data.items():
        fields = table if isinstance(table, dict) else {}
        if not all(isinstance(fields.get(key), str) for key in ("path", "old", "new")):
            raise ProjectError(f"{path}: [{edit_name}] needs string keys path, old and new")
        edits[edit_name] = Edit(edit_name, fields["path"], fields["old"], fields["new"])
    return edits


def realworld_edit(name: str, lang: str, edit_name: str) -> Edit:
    """One named edit (`leaf-body`, `leaf-api` or `top-body`) of one variant."""
    edits = realworld_edits(name, lang)
    if edit_name not in edits:
        raise UsageError(f"unknown edit '{edit_name}' for sample '{name}' ({lang}); "
                         f"use one of: {', '.join(edits)}")
    return edits[edit_name]
