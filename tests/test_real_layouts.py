"""Build what the user builds: workspace members with path dependencies outside
them, Go workspaces (go.work) and vendored modules, from real trees."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from conftest import buildprof, tree_hash


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def _run(project: Path, tmp: Path, *args: str, env: dict[str, str] | None = None
         ) -> tuple[dict, str]:
    res = buildprof("run", str(project), "--runs", "1", "--warmup", "0", "--format", "json",
                    "--db", str(tmp / "r.db"), *args, env=env)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout), res.stderr


def test_a_cargo_member_with_a_path_dependency_outside_it(tmp_path: Path) -> None:
    top = tmp_path / "top"
    _write(top, {
        "common/Cargo.toml": '[package]\nname = "common"\nversion = "0.1.0"\nedition = "2021"\n',
        "common/src/lib.rs": "pub fn c() -> u32 { 1 }\n",
        "ws/Cargo.toml": '[workspace]\nmembers = ["app", "lib"]\nresolver = "2"\n',
        "ws/app/Cargo.toml": '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n'
                             '[dependencies]\nlib = { path = "../lib" }\n'
                             'common = { path = "../../common" }\n',
        "ws/app/src/main.rs": 'fn main() { println!("{}", lib::l() + common::c()); }\n',
        "ws/lib/Cargo.toml": '[package]\nname = "lib"\nversion = "0.1.0"\nedition = "2021"\n',
        "ws/lib/src/lib.rs": "pub fn l() -> u32 { 2 }\n",
    })
    before = tree_hash(top)
    data, err = _run(top / "ws" / "app", tmp_path, "--scenario", "clean,incremental",
                     "--edit", "src/main.rs")
    assert [r["status"] for r in data["runs"]] == ["ok", "ok"]
    # Built as a member, from a copy of the tree that holds the workspace and `common`.
    assert all(r["command"].endswith(" -p app") for r in data["runs"])
    assert f"{top / 'ws' / 'app'} uses {top / 'common'}, {top / 'ws'} outside it: buildprof " \
           f"copies {top} and builds in ws/app" in err.splitlines()
    assert tree_hash(top) == before


def test_a_module_of_a_go_work_is_built_with_the_workspace(tmp_path: Path) -> None:
    top = tmp_path / "gw"
    # app imports example.com/lib, which only the go.work makes resolvable.
    _write(top, {
        "go.work": "go 1.21\n\nuse (\n\t./app\n\t./lib\n)\n",
        "app/go.mod": "module example.com/app\n\ngo 1.21\n",
        "app/main.go": 'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/lib"\n)\n\n'
                       "func main() { fmt.Println(lib.L()) }\n",
        "lib/go.mod": "module example.com/lib\n\ngo 1.21\n",
        "lib/lib.go": "package lib\n\n// L is 2.\nfunc L() int { return 2 }\n",
    })
    data, _err = _run(top / "app", tmp_path)
    (run,) = data["runs"]
    assert run["status"] == "ok" and run["rebuilt_units"] >= 2  # lib and app


def test_a_vendored_module_builds_offline(tmp_path: Path) -> None:
    mod = tmp_path / "vend"
    _write(mod, {
        "go.mod": "module example.com/vend\n\ngo 1.21\n\nrequire github.com/google/uuid v1.6.0\n",
        "main.go": 'package main\n\nimport (\n\t"fmt"\n\n\t"github.com/google/uuid"\n)\n\n'
                   "func main() { fmt.Println(uuid.NewSHA1(uuid.Nil, nil)) }\n",
    })
    env = {**os.environ, "GOFLAGS": "-modcacherw", "GOMODCACHE": str(tmp_path / "modcache"),
           "GOPATH": str(tmp_path / "gopath"), "GOTOOLCHAIN": "local"}
    for step in (["go", "mod", "tidy"], ["go", "mod", "vendor"]):
        subprocess.run(step, cwd=mod, env=env, check=True, capture_output=True)
    assert (mod / "vendor" / "modules.txt").is_file()
    offline = {**os.environ, "GOPROXY": "off"}  # a download would fail
    data, _err = _run(mod, tmp_path, env=offline)
    assert data["runs"][0]["status"] == "ok"
