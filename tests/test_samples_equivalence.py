"""The Go and Rust samples are the same program: same graph, same items, same output.

Real builds: tiny and small in both languages (go build, cargo build), their
binaries' outputs compared; the unit tests of tiny run in both languages; every
named edit applied to tiny still builds, and changes the output as it should.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from profiler.samples.edits import EDITS, edit_for
from profiler.samples.graph import package_graph
from profiler.samples.materialise import generate
from profiler.samples.spec import load_spec

pytestmark = pytest.mark.skipif(not (shutil.which("go") and shutil.which("cargo")),
                                reason="needs go and cargo on PATH")


@pytest.fixture(scope="session")
def toolenv(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One GOCACHE for the session (the std packages compile once); nothing in ~/.cache."""
    base = tmp_path_factory.mktemp("toolenv")
    env = os.environ.copy()
    env.update(GOCACHE=str(base / "gocache"), GOPATH=str(base / "gopath"),
               GOTOOLCHAIN="local", GOFLAGS="-buildvcs=false", GOWORK="off",
               RUSTFLAGS="-D warnings", CARGO_TERM_COLOR="never")
    env.pop("RUSTC_WRAPPER", None)
    env.pop("CARGO_BUILD_RUSTC_WRAPPER", None)
    return env


def _run(argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    res = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                         timeout=timeout)
    assert res.returncode == 0, f"{' '.join(argv)} failed in {cwd}:\n{res.stdout}\n{res.stderr}"
    return res.stdout + res.stderr


class Built:
    """A generated tree, built; `run()` rebuilds (incrementally) and runs the binary."""

    def __init__(self, root: Path, lang: str, env: dict[str, str], target: Path) -> None:
        self.root, self.lang, self.env = root, lang, dict(env)
        if lang == "rust":
            self.env["CARGO_TARGET_DIR"] = str(target)
            self.binary = target / "debug" / "app"
        else:
            self.binary = target / "app"
        self.target = target

    def build(self) -> None:
        if self.lang == "go":
            _run(["go", "build", "-o", f"{self.target}/", "./..."], self.root, self.env)
        else:
            _run(["cargo", "build", "--offline", "--locked"], self.root, self.env)

    def run(self) -> str:
        self.build()
        return _run([str(self.binary)], self.root, self.env)


@pytest.fixture(scope="session")
def built(tmp_path_factory, toolenv):
    cache: dict[tuple[str, str], Built] = {}

    def get(size: str, lang: str) -> Built:
        if (size, lang) not in cache:
            base = tmp_path_factory.mktemp(f"{size}-{lang}")
            root = generate(size, lang, base / "src")
            cache[(size, lang)] = Built(root, lang, toolenv, base / "out")
        return cache[(size, lang)]

    return get


@pytest.mark.parametrize("size", ["tiny", "small"])
def test_go_and_rust_print_the_same_checksums(built, size) -> None:
    spec = load_spec(size)
    go, rust = built(size, "go").run(), built(size, "rust").run()
    assert go == rust
    lines = go.splitlines()
    names = [p.name for p in package_graph(spec)]
    assert [line.split()[0] for line in lines] == [*names, "checksum"]
    assert all(re.fullmatch(r"\S+ +[0-9a-f]{16}", line) for line in lines)
    assert len({line.split()[1] for line in lines}) == len(lines)  # no degenerate values


def test_seed_argument_changes_the_output_in_both(built) -> None:
    outs = {}
    for lang in ("go", "rust"):
        b = built("tiny", lang)
        b.build()
        outs[lang] = [_run([str(b.binary), seed], b.root, b.env) for seed in ("42", "7")]
    assert outs["go"] == outs["rust"]
    assert outs["go"][0] != outs["go"][1]
    assert outs["go"][0] == built("tiny", "go").run()  # 42 is the default seed


def test_unit_tests_compile_and_pass(built) -> None:
    spec = load_spec("tiny")
    go = built("tiny", "go")
    out = _run(["go", "test", "-count=1", "./..."], go.root, go.env)
    for pkg in package_graph(spec):
        assert re.search(rf"^ok\s+buildprof\.sample/tiny/{pkg.name}\s", out, re.M), out
    _run(["go", "vet", "./..."], go.root, go.env)

    rust = built("tiny", "rust")
    out = _run(["cargo", "test", "--offline", "--locked"], rust.root, rust.env)
    passed = sum(int(n) for n in re.findall(r"test result: ok\. (\d+) passed", out))
    # every module's tests plus the leaf crate's own
    assert passed >= spec.packages * spec.files_per_package * spec.tests_per_file + 4, out
    assert "FAILED" not in out


@pytest.mark.parametrize("lang", ["go", "rust"])
def test_every_edit_builds_and_reverts(built, lang) -> None:
    """leaf-body and top-body change the output (in both languages alike);
    leaf-api only adds a function, so the output stays."""
    b = built("tiny", lang)
    baseline = b.run()
    for name in EDITS:
        edit = edit_for("tiny", lang, name)
        original = edit.apply(b.root)
        try:
            out = b.run()
        finally:
            edit.revert(b.root, original)
        if name == "leaf-api":
            assert out == baseline
        else:
            assert out != baseline and out.splitlines()[-1] != baseline.splitlines()[-1]
            if name == "top-body":  # only the salt of the first input changed
                assert len(out.splitlines()) == len(baseline.splitlines())
    assert b.run() == baseline


def test_edited_programs_stay_equal(built) -> None:
    """The same edit on both sides keeps the two programs printing the same."""
    outs = {}
    for lang in ("go", "rust"):
        b = built("tiny", lang)
        edit = edit_for("tiny", lang, "leaf-body")
        original = edit.apply(b.root)
        try:
            outs[lang] = b.run()
        finally:
            edit.revert(b.root, original)
    assert outs["go"] == outs["rust"]


# ---------------------------------------------------------------- static equivalence


def _go_imports(pkg_dir: Path, module: str) -> set[str]:
    found: set[str] = set()
    for f in pkg_dir.glob("*.go"):
        if f.name.endswith("_test.go"):
            continue
        found |= set(re.findall(rf'"{re.escape(module)}/([\w/]+)"', f.read_text()))
    return found


def _items(text: str, lang: str) -> set[str]:
    """Records, traits/interfaces, free and generic functions, normalised to one case."""
    if lang == "go":
        pats = [r"^type (Rec\w+) struct", r"^type (Op\w+) interface", r"^func ([FG]\d+_\d+)\b"]
    else:
        pats = [r"^pub struct (Rec\w+)", r"^pub trait (Op\w+)", r"^pub fn ([fg]\d+_\d+)\b"]
    return {m.upper() for p in pats for m in re.findall(p, text, re.M)}


def test_same_graph_and_same_items(built) -> None:
    spec = load_spec("small")
    go, rust = built("small", "go").root, built("small", "rust").root
    for pkg in package_graph(spec):
        manifest = tomllib.loads((rust / "crates" / pkg.name / "Cargo.toml").read_text())
        cargo_deps = set(manifest.get("dependencies", {}))
        assert _go_imports(go / pkg.name, "buildprof.sample/small") == cargo_deps
        assert cargo_deps == set(pkg.imports)
        go_items = _items("\n".join(f.read_text() for f in (go / pkg.name).glob("m*.go")
                                    if not f.name.endswith("_test.go")), "go")
        rust_items = _items("\n".join(f.read_text() for f in
                                      (rust / "crates" / pkg.name / "src").glob("m*.rs")),
                            "rust")
        assert go_items == rust_items and len(go_items) == spec.files_per_package * (
            spec.structs_per_file + spec.traits_per_file + spec.functions_per_file
            + spec.generics_per_file)
    main_deps = set(tomllib.loads((rust / "crates/app/Cargo.toml").read_text())["dependencies"])
    assert _go_imports(go / "cmd" / "app", "buildprof.sample/small") == main_deps
    assert main_deps == {p.name for p in package_graph(spec)}


def test_generated_code_is_formatted(built) -> None:
    """gofmt-clean Go, rustfmt-clean Rust (only if the formatters are installed)."""
    go = built("small", "go").root
    gofmt = shutil.which("gofmt")
    if gofmt:
        res = subprocess.run([gofmt, "-l", "."], cwd=go, capture_output=True, text=True)
        assert res.returncode == 0 and res.stdout == "", res.stdout
    rust = built("small", "rust").root
    rustfmt = shutil.which("rustfmt")
    if rustfmt:
        libs = sorted(str(p) for p in (rust / "crates").glob("*/src/lib.rs"))
        res = subprocess.run([rustfmt, "--check", "--edition", "2021", *libs,
                              str(rust / "crates/app/src/main.rs")],
                             capture_output=True, text=True)
        assert res.returncode == 0, res.stdout[:2000]
    if not (gofmt or rustfmt):
        pytest.skip("neither gofmt nor rustfmt is installed")
