"""A project that needs a C compiler (cgo; a build script using the `cc` crate;
rustc's linker `cc`) builds when one is there, and otherwise fails with a line
that says a C compiler is missing and how to get one, not with the compiler's
own first error line."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from conftest import buildprof, error_line

CGO_MAIN = ('package main\n\n// int two(void) { return 2; }\nimport "C"\n\nimport "fmt"\n\n'
            "func main() { fmt.Println(C.two()) }\n")
NEEDS_CC = "the build needs a C compiler"


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _cgo_module(tmp_path: Path) -> Path:
    return _write(tmp_path / "cgo", {"go.mod": "module example.com/cgo\n\ngo 1.21\n",
                                     "main.go": CGO_MAIN})


def _cc_crate(tmp_path: Path) -> Path:
    """A binary whose build script compiles a one-line C file with the cc crate."""
    return _write(tmp_path / "ccrate", {
        "Cargo.toml": '[package]\nname = "ccrate"\nversion = "0.1.0"\nedition = "2021"\n\n'
                      '[build-dependencies]\ncc = "=1.2.10"\n',
        "build.rs": 'fn main() { cc::Build::new().file("two.c").compile("two"); }\n',
        "two.c": "int two(void) { return 2; }\n",
        "src/main.rs": 'extern "C" {\n    fn two() -> i32;\n}\n\n'
                       'fn main() { println!("{}", unsafe { two() }); }\n',
    })


def _path_without_cc(tmp_path: Path, tools: dict[str, str]) -> str:
    """A PATH holding only links to `tools` (name -> real binary): no gcc, no cc."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, target in tools.items():
        (bin_dir / name).symlink_to(target)
    for cc in ("cc", "gcc"):
        assert shutil.which(cc, path=str(bin_dir)) is None
    return str(bin_dir)


def _rust_tools() -> dict[str, str]:
    """The real cargo and rustc (rustup's proxies would need rustup on PATH too)."""
    which = {t: subprocess.run(["rustup", "which", t], capture_output=True, text=True,
                               check=True).stdout.strip() for t in ("cargo", "rustc")}
    return which


def _env(**changes: str | None) -> dict[str, str]:
    env = {**os.environ, "COLUMNS": "1000"}  # each Failed: line on one line
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _run(project: Path, tmp_path: Path, env: dict[str, str], *args: str
         ) -> subprocess.CompletedProcess[str]:
    return buildprof("run", str(project), "--runs", "1", "--warmup", "0",
                     "--db", str(tmp_path / "r.db"), *args, env=env)


def _failed_line(res: subprocess.CompletedProcess[str]) -> str:
    assert res.returncode == 1, (res.returncode, res.stdout, res.stderr)
    (line,) = [ln for ln in res.stdout.splitlines() if ln.startswith("Failed:")]
    return line


def test_cgo_builds_with_gcc_and_a_missing_cc_is_named(tmp_path: Path) -> None:
    mod = _cgo_module(tmp_path)
    res = _run(mod, tmp_path, _env())
    assert res.returncode == 0, res.stderr
    # CC is part of the std snapshot's key (runtime/cgo compiles with it), so another
    # CC seeds a snapshot of its own, and the missing compiler is named right there.
    line = error_line(_run(mod, tmp_path, _env(CC="/nonexistent/cc")))
    assert "seeding the Go std cache" in line, line
    assert NEEDS_CC in line and "`/nonexistent/cc` does not exist" in line, line
    assert "set CC" in line


def test_cgo_with_cc_missing_while_seeding_std_is_named(tmp_path: Path) -> None:
    # A cache of its own: the std snapshot (with runtime/cgo) is seeded in this run.
    env = _env(CC="/nonexistent/cc", BUILDPROF_CACHE=str(tmp_path / "bpcache"))
    line = error_line(_run(_cgo_module(tmp_path), tmp_path, env))
    assert "seeding the Go std cache" in line and NEEDS_CC in line, line
    assert "`/nonexistent/cc` does not exist" in line


def test_cgo_without_gcc_on_path_is_named(tmp_path: Path) -> None:
    # Without CC and with no gcc on PATH, go turns cgo off by itself and leaves
    # the cgo package out of ./...: buildprof would build nothing.
    go = str(Path(shutil.which("go") or "go").resolve())
    env = _env(PATH=_path_without_cc(tmp_path, {"go": go}), CC=None, CGO_ENABLED=None)
    line = error_line(_run(_cgo_module(tmp_path), tmp_path, env))
    assert NEEDS_CC in line and "`gcc` was not found on PATH" in line, line
    assert "example.com/cgo" in line  # the package that needs it


def test_the_cc_crate_builds_with_cc_and_a_missing_cc_is_named(tmp_path: Path) -> None:
    crate = _cc_crate(tmp_path)
    res = _run(crate, tmp_path, _env())
    assert res.returncode == 0, res.stderr
    line = _failed_line(_run(crate, tmp_path, _env(CC="/nonexistent/cc")))
    assert NEEDS_CC in line and "`/nonexistent/cc` does not exist" in line, line


def test_a_missing_linker_cc_is_named(tmp_path: Path) -> None:
    env = _env(PATH=_path_without_cc(tmp_path, _rust_tools()), CC=None)
    line = _failed_line(_run(_cc_crate(tmp_path), tmp_path, env))
    assert NEEDS_CC in line and "`cc` was not found on PATH" in line, line
