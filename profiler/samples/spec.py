"""Specs of the graded sample projects: one small TOML file per size.

`sample_projects/<size>.toml` says how big the generated program is: how many
packages (Go) or crates (Rust) in how many layers, how each package depends on
the layer below, and how much of each construct every source file holds. The
generator (`profiler.samples.graph`, `emit_go`, `emit_rust`, `materialise`) turns
a spec into the same program in Go and in Rust.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from profiler.errors import UsageError

SIZES = ("tiny", "small", "medium", "large", "huge")
# Every sample is written twice, once in each of these languages.
LANGS = ("go", "rust")


def check_lang(lang: str) -> str:
    """A language the samples are written in; a wrong name lists them."""
    if lang not in LANGS:
        raise UsageError(f"unknown language '{lang}'; use one of: {', '.join(LANGS)}")
    return lang


@dataclass(frozen=True)
class Spec:
    """One graded size. All counts are per package or per file, as named."""

    size: str
    target_loc: int  # code lines per language the spec aims at (count_code_lines)
    layers: int  # dependency depth: library layers below main, the leaf layer included
    width: int  # packages per layer above the leaf (the leaf layer holds only `leaf`)
    fan_in: int  # packages of the layer below each package imports (plus `leaf`)
    files_per_package: int
    structs_per_file: int  # records with derives (Rust) / methods (Go)
    traits_per_file: int  # traits / interfaces, each implemented by every record of the file
    functions_per_file: int  # free functions, cycling through six kinds of algorithm
    generics_per_file: int  # generic functions defined in the file
    instantiations_per_file: int  # distinct (generic item, concrete type) uses in the file
    tests_per_file: int  # unit tests: #[test] in `mod tests` / TestXxx in the _test.go file
    seed: int = 42  # the binary's default input

    @property
    def packages(self) -> int:
        """Library packages (Go) or crates (Rust), the leaf included, main excluded."""
        return 1 + (self.layers - 1) * self.width

    def key(self) -> str:
        """A short hash of the spec's content (comments and key order do not count)."""
        text = "\n".join(f"{k}={v}" for k, v in sorted(asdict(self).items()))
        return hashlib.sha256(text.encode()).hexdigest()[:12]


# Lower bounds of every count (upper bounds keep names and the program's run time sane).
_BOUNDS = {
    "target_loc": (1, 10**8),
    "layers": (1, 99),
    "width": (1, 99),
    "fan_in": (1, 99),
    "files_per_package": (1, 200),
    "structs_per_file": (1, 26),
    "traits_per_file": (1, 26),
    "functions_per_file": (1, 500),
    "generics_per_file": (0, 100),
    "instantiations_per_file": (0, 1000),
    "tests_per_file": (0, 100),
    "seed": (0, 2**63),
}


def samples_dir() -> Path:
    """Where the sample projects live: `$BUILDPROF_SAMPLES` if set; else the copy a
    wheel installs inside the package (`pip install .`, `pipx install .`); else the
    repository's `sample_projects/` (running from a checkout or an editable install,
    where the package holds no copy)."""
    env = os.environ.get("BUILDPROF_SAMPLES")
    if env:
        return Path(env).expanduser().resolve()
    package = Path(__file__).resolve().parents[1]
    installed = package / "sample_projects"
    if installed.is_dir():
        return installed
    return package.parent / "sample_projects"


def check_size(size: str) -> str:
    if size not in SIZES:
        raise UsageError(f"unknown size '{size}'; use one of: {', '.join(SIZES)}")
    return size


def load_spec(size: str) -> Spec:
    """Read and validate `sample_projects/<size>.toml`."""
    check_size(size)
    path = samples_dir() / f"{size}.toml"
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise UsageError(f"spec file {path} is missing; restore it from the repository or "
                         f"point BUILDPROF_SAMPLES at a folder holding {size}.toml") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"spec file {path} is not valid TOML ({exc}); fix the file") from None
    return _from_dict(size, data, path)


def _from_dict(size: str, data: dict, path: Path) -> Spec:
    # Tables are only for readability: [graph], [package], [file] ... are flattened.
    flat: dict[str, object] = {}
    for key, value in data.items():
        items = value.items() if isinstance(value, dict) else [(key, value)]
        for k, v in items:
            if k in flat:
                raise UsageError(f"spec file {path}: '{k}' is given twice; keep one")
            flat[k] = v
    names = [f.name for f in fields(Spec) if f.name != "size"]
    unknown = sorted(set(flat) - set(names))
    if unknown:
        raise UsageError(f"spec file {path}: unknown key(s) {', '.join(unknown)}; "
                         f"allowed: {', '.join(names)}")
    required = [f.name for f in fields(Spec) if f.name not in ("size", "seed")]
    missing = [n for n in required if n not in flat]
    if missing:
        raise UsageError(f"spec file {path}: missing key(s) {', '.join(missing)}; add them")
    for name, value in flat.items():
        low, high = _BOUNDS[name]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise UsageError(f"spec file {path}: '{name}' must be an integer from {low} to "
                             f"{high}, not {value!r}")
    return Spec(size=size, **flat)  # type: ignore[arg-type]
