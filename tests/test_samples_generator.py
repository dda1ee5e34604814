"""The graded samples: specs, deterministic generation, sizes, edits, cache, CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from profiler.errors import UsageError
from profiler.paths import cache_dir
from profiler.samples import materialise as gen
from profiler.samples.edits import EDITS, edit_for
from profiler.samples.graph import package_graph
from profiler.samples.spec import LANGS, SIZES, load_spec, samples_dir
from profiler.scenarios.edits import Edit
from profiler.sources.local import tree_stats

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """tiny and small in both languages, generated once for this module."""
    base = tmp_path_factory.mktemp("samples")
    return {(s, lg): gen.generate(s, lg, base / f"{s}-{lg}")
            for s in ("tiny", "small") for lg in LANGS}


# ---------------------------------------------------------------- specs


def test_every_size_has_a_spec_and_sizes_grow() -> None:
    specs = [load_spec(s) for s in SIZES]
    assert [s.size for s in specs] == list(SIZES)
    targets = [s.target_loc for s in specs]
    assert targets == sorted(targets) and len(set(targets)) == len(targets)
    assert [s.packages for s in specs] == sorted(s.packages for s in specs)
    assert specs[0].packages == 1 + (specs[0].layers - 1) * specs[0].width


def test_unknown_size_names_the_allowed_ones() -> None:
    with pytest.raises(UsageError) as err:
        load_spec("x")
    assert str(err.value) == "unknown size 'x'; use one of: tiny, small, medium, large, huge"


def _spec_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    (tmp_path / "tiny.toml").write_text(text)
    monkeypatch.setenv("BUILDPROF_SAMPLES", str(tmp_path))


@pytest.mark.parametrize("edit, message", [
    (lambda t: t + "colour = 3\n", "unknown key(s) colour"),
    (lambda t: t.replace("layers = 2", "layers = 'two'"), "'layers' must be an integer"),
    (lambda t: t.replace("layers = 2", "layers = 0"), "'layers' must be an integer from 1"),
    (lambda t: t.replace("fan_in = 1", ""), "missing key(s) fan_in"),
    (lambda t: t + "[[[", "is not valid TOML"),
    (lambda t: t + "[again]\nlayers = 3\n", "'layers' is given twice"),
])
def test_bad_spec_files_are_usage_errors(tmp_path, monkeypatch, edit, message) -> None:
    text = (REPO / "sample_projects" / "tiny.toml").read_text()
    assert "layers = 2" in text and "fan_in = 1" in text  # the edits below apply
    _spec_dir(tmp_path, monkeypatch, edit(text))
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_spec("tiny")


def test_missing_spec_file_names_the_fix(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("BUILDPROF_SAMPLES", str(tmp_path))
    assert samples_dir() == tmp_path.resolve()
    with pytest.raises(UsageError, match="BUILDPROF_SAMPLES"):
        load_spec("small")


def test_spec_key_ignores_comments_but_not_values(tmp_path, monkeypatch) -> None:
    text = (REPO / "sample_projects" / "tiny.toml").read_text()
    key = load_spec("tiny").key()
    _spec_dir(tmp_path, monkeypatch, "# a new comment\n" + text)
    assert load_spec("tiny").key() == key
    _spec_dir(tmp_path, monkeypatch, text.replace("seed = 42", "seed = 43"))
    assert load_spec("tiny").key() != key


# ---------------------------------------------------------------- the graph


@pytest.mark.parametrize("size", SIZES)
def test_graph_layers_fan_in_and_leaf_is_most_depended_on(size: str) -> None:
    spec = load_spec(size)
    graph = package_graph(spec)
    assert len(graph) == spec.packages and graph[0].name == "leaf"
    layer = {p.name: p.layer for p in graph}
    users: dict[str, int] = {p.name: 0 for p in graph}
    for p in graph:
        assert all(layer[d] == p.layer - 1 for d in p.deps)
        if p.layer >= 2:
            assert len(p.deps) == min(spec.fan_in, spec.width)
        for d in p.imports:
            users[d] += 1
    assert users["leaf"] == spec.packages - 1
    assert users["leaf"] > max(n for name, n in users.items() if name != "leaf")
    assert max(p.layer for p in graph) == spec.layers - 1


# ---------------------------------------------------------------- generation


@pytest.mark.parametrize("lang", LANGS)
def test_generation_is_byte_identical(trees, tmp_path, lang) -> None:
    again = gen.generate("small", lang, tmp_path / "again")
    first = trees[("small", lang)]
    assert tree_stats(again, lang).content_hash == tree_stats(first, lang).content_hash
    assert (again / "README.md").read_bytes() == (first / "README.md").read_bytes()


def test_generation_does_not_depend_on_python_hash_seed(tmp_path) -> None:
    """Set and dict orders change with PYTHONHASHSEED; the tree must not."""
    code = ("import sys; from pathlib import Path; from profiler.samples.materialise import "
            "generate; from profiler.sources.local import tree_stats; "
            "r = generate('small', sys.argv[1], Path(sys.argv[2])); "
            "print(tree_stats(r, sys.argv[1]).content_hash)")
    hashes = set()
    for i, lang in enumerate(["go", "go", "rust", "rust"]):
        env = os.environ | {"PYTHONHASHSEED": str(i)}
        res = subprocess.run([sys.executable, "-c", code, lang, str(tmp_path / str(i))],
                             capture_output=True, text=True, env=env, cwd=REPO, check=True)
        hashes.add((lang, res.stdout.strip()))
    assert len(hashes) == 2  # one hash per language


@pytest.mark.parametrize("size", ["tiny", "small"])
@pytest.mark.parametrize("lang", LANGS)
def test_code_lines_near_target(trees, size, lang) -> None:
    stats = tree_stats(trees[(size, lang)], lang)
    target = load_spec(size).target_loc
    assert 0.65 * target <= stats.loc <= 1.35 * target, stats.loc


def test_tree_layout(trees) -> None:
    spec = load_spec("small")
    go, rust = trees[("small", "go")], trees[("small", "rust")]
    assert (go / "go.mod").read_text() == "module buildprof.sample/small\n\ngo 1.19\n"
    assert (go / "cmd/app/main.go").is_file() and (go / "leaf/core.go").is_file()
    go_pkgs = {p.parent.name for p in go.rglob("run.go")}
    assert len(go_pkgs) == spec.packages
    assert len(list(go.rglob("*_test.go"))) == spec.packages * spec.files_per_package + 1
    crates = {p.parent.name for p in (rust / "crates").glob("*/Cargo.toml")}
    assert crates == go_pkgs | {"app"}
    assert 'edition = "2021"' in (rust / "crates/leaf/Cargo.toml").read_text()
    lock = (rust / "Cargo.lock").read_text()
    assert lock.count("[[package]]") == len(crates) and "version = 3" in lock
    assert "registry" not in lock and "checksum" not in lock  # std only: no downloads
    # every module holds tests, so test builds have something to compile
    assert all("#[cfg(test)]" in p.read_text() for p in (rust / "crates").glob("*/src/m[0-9]*.rs"))


def test_generate_refuses_a_non_empty_directory(tmp_path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(UsageError, match="not an empty directory"):
        gen.generate("tiny", "go", tmp_path)
    assert (tmp_path / "keep.txt").read_text() == "mine"
    with pytest.raises(UsageError, match="unknown language"):
        gen.generate("tiny", "zig", tmp_path / "new")


# ---------------------------------------------------------------- edits


def test_edit_names_and_errors() -> None:
    assert EDITS == ("leaf-body", "leaf-api", "top-body")
    with pytest.raises(UsageError) as err:
        edit_for("tiny", "go", "nope")
    assert "leaf-body, leaf-api, top-body" in str(err.value)
    with pytest.raises(UsageError, match="unknown size"):
        edit_for("giant", "go", "leaf-body")
    with pytest.raises(UsageError, match="unknown language"):
        edit_for("tiny", "c", "leaf-body")
    edit = edit_for("tiny", "rust", "leaf-api")
    assert isinstance(edit, Edit) and not Path(edit.path).is_absolute()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", LANGS)
def test_every_edit_matches_exactly_once(size, lang) -> None:
    files = gen.render(load_spec(size), lang)
    for name in EDITS:
        edit = edit_for(size, lang, name)
        assert files[edit.path].count(edit.old) == 1, (size, lang, name)
        assert edit.new != edit.old


@pytest.mark.parametrize("size", ["tiny", "small"])
@pytest.mark.parametrize("lang", LANGS)
def test_apply_and_revert(trees, tmp_path, size, lang) -> None:
    import shutil

    root = tmp_path / "tree"
    shutil.copytree(trees[(size, lang)], root)
    before = tree_stats(root, lang).content_hash
    for name in EDITS:
        edit = edit_for(size, lang, name)
        original = edit.apply(root)
        text = (root / edit.path).read_text()
        assert edit.new in text and text != original
        assert tree_stats(root, lang).content_hash != before
        edit.revert(root, original)
        assert tree_stats(root, lang).content_hash == before
    # leaf-body replaces its text, so a second application finds nothing to replace
    edit = edit_for(size, lang, "leaf-body")
    edit.apply(root)
    with pytest.raises(UsageError, match="occurs 0 times"):
        edit.apply(root)
    with pytest.raises(UsageError, match="does not exist"):
        edit.apply(tmp_path / "nowhere")


# ---------------------------------------------------------------- the cache


def test_materialise_reuses_a_complete_tree_and_replaces_a_broken_one() -> None:
    path = gen.materialise("tiny", "go")
    assert path.parent == cache_dir("samples")
    assert path.name.startswith("tiny-go-") and path.name == gen.tree_name("tiny", "go")
    marker = path / gen.STATS_FILE
    stamp = marker.stat().st_mtime_ns
    assert gen.materialise("tiny", "go") == path and marker.stat().st_mtime_ns == stamp
    info = gen.sample_info("tiny", "go")
    stats = tree_stats(path, "go")  # the marker lives in .buildprof/, which is not hashed
    assert (info["loc"], info["files"], info["content_hash"]) == (
        stats.loc, stats.files, stats.content_hash)
    assert info["packages"] == load_spec("tiny").packages + 1
    # a tree without its marker (say, an interrupted copy) is never reused
    marker.unlink()
    (path / "go.mod").write_text("broken")
    again = gen.materialise("tiny", "go")
    assert again == path and (path / "go.mod").read_text().startswith("module ")
    assert not list(cache_dir("samples").glob(".tmp-*"))


def test_cache_key_follows_the_spec(tmp_path, monkeypatch) -> None:
    name = gen.tree_name("tiny", "rust")
    text = (REPO / "sample_projects" / "tiny.toml").read_text()
    _spec_dir(tmp_path, monkeypatch, text.replace("tests_per_file = 4", "tests_per_file = 3"))
    assert gen.tree_name("tiny", "rust") != name
    monkeypatch.delenv("BUILDPROF_SAMPLES")
    assert gen.tree_name("tiny", "rust") == name
    go = gen.tree_name("tiny", "go")
    monkeypatch.setitem(gen.GENERATOR_VERSIONS, "rust", gen.GENERATOR_VERSIONS["rust"] + 1)
    assert gen.tree_name("tiny", "rust") != name
    assert gen.tree_name("tiny", "go") == go  # a language's version keys only its trees


# ---------------------------------------------------------------- CLI


def test_cli_list_and_generate(tmp_path) -> None:
    from profiler.cli.samples import app

    runner = CliRunner()
    res = runner.invoke(app, ["list", "--size", "tiny,small", "--lang", "go", "-l", "rust"])
    assert res.exit_code == 0, res.output
    rows = [line for line in res.output.splitlines() if line.lstrip("│ ").startswith(
        ("tiny", "small"))]
    assert len(rows) == 4
    info = gen.sample_info("small", "rust")
    assert f"{info['loc']:,}" in res.output and info["content_hash"][:12] in res.output

    res = runner.invoke(app, ["generate", "--size", "tiny", "--lang", "go", "--out",
                              str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "tiny-go" / "go.mod").is_file()
    assert str(tmp_path / "tiny-go") in res.output

    res = runner.invoke(app, ["list", "--size", "medium,bogus"])
    assert isinstance(res.exception, UsageError) and "unknown size 'bogus'" in str(res.exception)
