"""The graded samples stay buildable by old compilers: Go 1.19 and Rust 1.63 are the
oldest releases a timeline of compiler releases builds them with.

No build here: these read the generated text for what those releases lack (a guard
against the usual slips; building with the old releases is the proof).
"""

from __future__ import annotations

import re

import pytest

from profiler.samples import materialise as gen
from profiler.samples.spec import load_spec

SIZES = ("tiny", "small", "medium")  # every size is written from the same templates

# The standard packages the Go samples may import: all of them exist in Go 1.19. Check
# a new one there before adding it (`slices`, `cmp`, `maps` came with 1.21).
GO_STD_1_19 = {"errors", "fmt", "math/bits", "os", "sort", "strconv", "strings", "testing"}
# Builtins of Go 1.21 (min, max, clear) and range over an integer (Go 1.22).
GO_NEWER = re.compile(r"(?<![\w.])(min|max|clear)\(|\brange\s+(\d|len\()")
GO_COMMENT = re.compile(r"//.*$", re.M)
GO_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`')

# Rust library items and syntax newer than 1.63, with the release that made them stable.
RUST_NEWER = {
    r"\blet\b[^;{}]*=[^;{}]*\belse\s*\{": "let-else (1.65)",
    r"\bblack_box\b": "std::hint::black_box (1.66)",
    r"\bis_(some|ok|none)_and\b": "Option/Result::is_some_and and kin (1.70)",
    r"\bOnceLock\b|\bOnceCell\b": "OnceLock / OnceCell (1.70)",
    r"\bLazyLock\b|\bLazyCell\b": "LazyLock / LazyCell (1.80)",
    r"\bdiv_ceil\b|\bilog(2|10)?\b|\bisqrt\b": "integer div_ceil / ilog / isqrt (1.67+)",
    r"\bis_sorted(_by|_by_key)?\b": "is_sorted (1.82)",
    r"\binspect_err\b|\bfirst_chunk\b|\bsplit_first_chunk\b": "1.76+ APIs",
    r"\basync fn\b[^;{]*\btrait\b|\bimpl Trait in\b": "async fn in traits (1.75)",
}


@pytest.fixture(scope="module", params=SIZES)
def rendered(request: pytest.FixtureRequest) -> tuple[str, dict[str, dict[str, str]]]:
    spec = load_spec(request.param)
    return request.param, {lang: gen.render(spec, lang) for lang in ("go", "rust")}


def test_go_mod_asks_for_go_1_19_at_most(rendered) -> None:
    """A two-part `go` line (Go 1.19 cannot read `go 1.21.0`), no newer than 1.19 (the
    go line sets the language version every release compiles the sample at), and no
    `toolchain` line (which Go 1.19 does not know)."""
    size, files = rendered
    gomod = files["go"]["go.mod"]
    lines = re.findall(r"^go (\S+)$", gomod, re.M)
    assert len(lines) == 1 and re.fullmatch(r"1\.\d+", lines[0]), gomod
    assert (1, 18) <= tuple(map(int, lines[0].split("."))) <= (1, 19), gomod  # generics
    assert "toolchain" not in gomod


def test_go_uses_only_what_go_1_19_has(rendered) -> None:
    size, files = rendered
    module = f"buildprof.sample/{size}"
    for path, text in files["go"].items():
        if not path.endswith(".go"):
            continue
        block = re.search(r"^import \(\n(.*?)^\)", text, re.M | re.S)
        imports = re.findall(r'"([^"]+)"', block.group(1) if block else "")
        imports += re.findall(r'^import "([^"]+)"', text, re.M)
        std = {p for p in imports if not p.startswith(module + "/")}
        assert std <= GO_STD_1_19, (path, std - GO_STD_1_19)
        code = GO_STRING.sub('""', GO_COMMENT.sub("", text))
        found = GO_NEWER.search(code)
        assert found is None, (path, found.group(0) if found else "")


def test_cargo_files_are_read_by_cargo_1_63(rendered) -> None:
    """Lock file version 3 at most (version 4 needs cargo 1.78), edition 2021 at most,
    and none of the manifest keys newer cargo added."""
    size, files = rendered
    lock = files["rust"]["Cargo.lock"]
    version = re.search(r"^version = (\d+)$", lock, re.M)
    assert version and int(version.group(1)) <= 3
    for path, text in files["rust"].items():
        if not path.endswith("Cargo.toml"):
            continue
        assert re.findall(r'^edition = "(\d+)"', text, re.M) in ([], ["2021"]), path
        assert "rust-version" not in text and "[lints]" not in text, path
        assert not re.search(r"^\[workspace\.(lints|package|dependencies)\]", text, re.M)


def test_rust_uses_only_what_rust_1_63_has(rendered) -> None:
    size, files = rendered
    for path, text in files["rust"].items():
        if path.endswith(".rs"):
            code = re.sub(r"//.*$", "", text, flags=re.M)
            for pattern, what in RUST_NEWER.items():
                assert not re.search(pattern, code), (path, what)
