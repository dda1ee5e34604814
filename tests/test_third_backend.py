"""A third toolchain is a backend module and one registration line: this file registers
one (a project built by `sh build.sh`), and `run` → `history` → `compare` work
through it with nothing else changed. Real processes throughout: the launcher, the
sampler, the database; only the "compiler" is a shell script."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from profiler import languages
from profiler.backends.base import Backend, BuildDirs, dir_bytes
from profiler.model.units import Unit
from profiler.toolchains.base import Toolchain, clean_env

SH = shutil.which("sh") or "/bin/sh"
SHELL_TC = Toolchain("shell", "shell@1", "1", "sh (POSIX shell)\nbuildprof test backend", SH, "/")


class ShellBackend(Backend):
    """Builds a project whose manifest, build.sh, writes its binaries into DIR."""

    lang = "shell"
    state_name = "state"
    finder = SimpleNamespace(resolve=lambda spec: SHELL_TC, discover=lambda: [SHELL_TC])
    too_old = re.compile(r"needs shell (\d+)")
    timed = {s: "sh build.sh DIR" for s in ("clean", "cold", "incremental", "noop", "check",
                                              "test")}
    profiles = {"debug": "sh build.sh", "release": "sh build.sh"}
    appended_edit = "\n# buildprof edit\n"

    def setup(self, ws: BuildDirs) -> None:
        pass

    def reset_state(self, ws: BuildDirs) -> None:
        shutil.rmtree(ws.state, ignore_errors=True)
        ws.state.mkdir(parents=True)

    def argv(self, ws: BuildDirs) -> list[str]:
        return [ws.cell.toolchain.path, "build.sh", str(ws.out)]

    def env(self, ws: BuildDirs, offline: bool = True) -> dict[str, str]:
        return clean_env()

    def units(self, ws: BuildDirs, build_start: float) -> list[Unit]:
        return []

    def artifact_bytes(self, ws: BuildDirs) -> int | None:
        return dir_bytes(ws.out)

    def rebuilt_units(self, ws: BuildDirs) -> int | None:
        return None

    def first_error(self, text: str) -> str | None:
        return next((ln for ln in reversed(text.splitlines()) if ln.strip()), None)

    def install_hint(self, version: str) -> str:
        return f"install a shell of version {version}"


@pytest.fixture
def shell_lang() -> Iterator[None]:
    """The one registration line (and its removal, for the other tests)."""
    languages.register(languages.Language("shell", "Shell", "build.sh", ".sh",
                                          "a shell project", "shell@1", ShellBackend,
                                          comment="#", block_comment=None))
    try:
        yield
    finally:
        languages.unregister("shell")


def buildprof(*args: str, cwd: Path) -> tuple[int, str, str]:
    """The real command line, in this process (the registration lives here)."""
    from profiler.cli import main as cli

    out, err = io.StringIO(), io.StringIO()
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    old_argv, old_cwd = sys.argv, os.getcwd()
    code: object = 0
    try:
        os.chdir(cwd)
        sys.argv = ["buildprof", *args]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                cli.main()
            except SystemExit as exc:
                code = exc.code or 0
    finally:
        sys.argv = old_argv
        os.chdir(old_cwd)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    return int(code), out.getvalue(), err.getvalue()  # type: ignore[call-overload]


def test_a_third_backend_runs_records_and_compares(shell_lang: None, tmp_path: Path) -> None:
    project = tmp_path / "hello"
    project.mkdir()
    (project / "build.sh").write_text('mkdir -p "$1" && printf "built\\n" > "$1/hello"\n'
                                      'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done\n')
    (project / "lib.sh").write_text("# a source file\necho hi\n")
    # Its code lines are counted by its own comment syntax: 2 in build.sh, 1 in lib.sh.
    from profiler.sources.local import tree_stats

    assert (tree_stats(project, "shell").files, tree_stats(project, "shell").loc) == (2, 3)
    db = tmp_path / "results.db"
    for label in ("one", "two"):
        code, out, err = buildprof("run", str(project), "--lang", "shell", "--runs", "3",
                                   "--label", label, "--db", str(db), cwd=tmp_path)
        assert code == 0, err
        assert "hello" in out and "shell@1" in out

    code, out, err = buildprof("history", "--lang", "shell", "--format", "json", "--db",
                               str(db), cwd=tmp_path)
    assert code == 0, err
    cells = json.loads(out)["cells"]
    assert [(c["label"], c["lang"], c["toolchain"], c["scenario"], c["n"]) for c in cells] == [
        ("two", "shell", "shell@1", "clean", 3), ("one", "shell", "shell@1", "clean", 3)]
    assert all(c["artifact_bytes"] == len("built\n") for c in cells)

    code, out, err = buildprof("compare", "label:one", "label:two", "--format", "json",
                               "--db", str(db), cwd=tmp_path)
    assert code == 0, err
    data = json.loads(out)
    assert [(c["project"], c["lang"], c["a"]["n"], c["b"]["n"]) for c in data["cells"]] == [
        ("hello", "shell", 3, 3)]
    assert data["cells"][0]["verdict"] in ("~", "too few runs") or \
        data["cells"][0]["verdict"].endswith("%")

    # The command line knows the language too: its filters, the scenarios' texts and the
    # toolchains listed are the registry's.
    code, out, err = buildprof("scenarios", "--format", "json", cwd=tmp_path)
    assert code == 0, err
    assert json.loads(out)["scenarios"][0]["timed"]["shell"] == "sh build.sh DIR"
    code, _, err = buildprof("history", "--lang", "fortran", "--db", str(db), cwd=tmp_path)
    assert code == 2 and "use one of: go, rust, shell" in err


def test_without_the_registration_the_language_is_unknown(tmp_path: Path) -> None:
    code, _, err = buildprof("run", str(tmp_path), "--lang", "shell", "--db",
                             str(tmp_path / "r.db"), cwd=tmp_path)
    assert code == 2 and "unknown language 'shell'; use one of: go, rust" in err
