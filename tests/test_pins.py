"""A project that pins its toolchain is built with it, as rustup or go would pick it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import buildprof, copy_fixture, error_line


def _run(project: Path, tmp: Path, *args: str) -> dict:
    res = buildprof("run", str(project), "--runs", "1", "--warmup", "0", "--format", "json",
                    "--db", str(tmp / "r.db"), *args)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_rust_toolchain_toml_picks_the_pinned_channel(tmp_path: Path) -> None:
    project = copy_fixture("crate", tmp_path)
    (project / "rust-toolchain.toml").write_text('[toolchain]\nchannel = "nightly"\n')
    (run,) = _run(project, tmp_path)["runs"]
    assert run["toolchain"] == "rust@nightly" and run["status"] == "ok"
    assert run["toolchain_rule"] == "rust-toolchain.toml"  # which rule chose it


def test_a_legacy_rust_toolchain_file_names_the_channel(tmp_path: Path) -> None:
    project = copy_fixture("crate", tmp_path)
    (project / "rust-toolchain").write_text("nightly\n")
    (run,) = _run(project, tmp_path)["runs"]
    assert run["toolchain"] == "rust@nightly"


def test_an_explicit_toolchain_wins_over_the_pin(tmp_path: Path) -> None:
    project = copy_fixture("crate", tmp_path)
    (project / "rust-toolchain.toml").write_text('[toolchain]\nchannel = "nightly"\n')
    (run,) = _run(project, tmp_path, "--toolchain", "rust@stable")["runs"]
    assert run["toolchain"] == "rust@stable" and run["toolchain_rule"] == "--toolchain"


def test_a_pinned_channel_not_installed_names_the_install_command(tmp_path: Path) -> None:
    project = copy_fixture("crate", tmp_path)
    (project / "rust-toolchain.toml").write_text('[toolchain]\nchannel = "1.42.0"\n')
    line = error_line(buildprof("run", str(project), "--db", str(tmp_path / "r.db")))
    assert line.startswith("Error: rust@1.42.0 is not installed")
    assert "buildprof toolchain install rust@1.42.0" in line
    assert not (tmp_path / "r.db").exists()


def test_a_go_toolchain_line_above_the_go_in_use_is_refused(tmp_path: Path) -> None:
    project = copy_fixture("gomod", tmp_path)
    (project / "go.mod").write_text("module example.com/gomod\n\ngo 1.21\n\n"
                                    "toolchain go1.99.1\n")
    line = error_line(buildprof("run", str(project), "--db", str(tmp_path / "r.db")))
    assert "asks for Go 1.99.1, newer than go@" in line
    assert "`buildprof toolchain install go@1.99.1`" in line


def test_a_go_toolchain_line_below_the_go_in_use_keeps_the_go_in_use(tmp_path: Path) -> None:
    # As the go command does with GOTOOLCHAIN=auto: toolchain is a minimum.
    project = copy_fixture("gomod", tmp_path)
    (project / "go.mod").write_text("module example.com/gomod\n\ngo 1.21\n\n"
                                    "toolchain go1.21.0\n")
    (run,) = _run(project, tmp_path)["runs"]
    on_path = subprocess.run(["go", "env", "GOVERSION"], capture_output=True, text=True)
    assert run["status"] == "ok" and run["toolchain"] == "go@" + on_path.stdout.strip()[2:]
    assert run["toolchain_rule"] == "default"
