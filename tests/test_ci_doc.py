"""docs/ci.md's workflow, run locally: its measurement step's `run:` block, taken out
of the YAML as written, runs in a real git repository with BASE and HEAD set as
the workflow sets them, and GITHUB_STEP_SUMMARY as a runner sets it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_revisions import git, repo  # noqa: F401  (a fixture)

from conftest import REPO

pytestmark = pytest.mark.skipif(shutil.which("go") is None or shutil.which("git") is None,
                                reason="needs go and git on PATH")


def step_script() -> str:
    """The `run: |` block of the step that runs buildprof, from docs/ci.md's YAML."""
    text = (REPO / "docs" / "ci.md").read_text()
    yaml = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert yaml, "docs/ci.md has no yaml block"
    block = re.search(r"^( +)run: \|\n((?:\1  .*\n)+)", yaml.group(1), re.M)
    assert block and "buildprof run" in block.group(2), yaml.group(1)
    return textwrap.dedent(block.group(2))


@pytest.mark.parametrize(("head", "code"), [("slower", 1), ("readme", 0)])
def test_the_workflow_step_runs_locally(repo: Path, tmp_path: Path,  # noqa: F811
                                        head: str, code: int) -> None:
    work = tmp_path / "checkout"
    shutil.copytree(repo, work)  # the step writes its database into the checkout
    summary = tmp_path / "summary.md"
    bin_dir = str(Path(sys.executable).parent)  # the venv's buildprof
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "BASE": git(repo, "rev-parse", "base"), "HEAD": git(repo, "rev-parse", head),
           "GITHUB_STEP_SUMMARY": str(summary)}
    res = subprocess.run(["bash", "-e", "-c", step_script()], cwd=work, env=env,
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == code, res.stderr
    text = summary.read_text()
    assert text.startswith(f"## buildprof: {env['HEAD'][:12]} against {env['BASE'][:12]} (wall)")
    assert ("**Slower**: 1 of 1 cell(s)" in text) == (code == 1)
    suite = ET.parse(work / "build-time.xml").getroot()
    assert suite.get("tests") == "1" and suite.get("failures") == str(code)
    assert (work / "build-time.db").is_file()
