"""Cargo: `cargo build`/`check`/`test --no-run` in a workspace, offline after a fetch.

Rust's standard library ships prebuilt with the toolchain, so "no build state"
is simply an empty target directory, for clean and cold alike.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

from profiler.backends.base import Backend, Layout, enclosing
from profiler.breakdown import Unit, rust_units
from profiler.errors import ProjectError
from profiler.measure.launcher import unitwrap
from profiler.measure.process import run_step
from profiler.toolchains import cargo as cargo_tc
from profiler.toolchains.base import Toolchain, clean_env

if TYPE_CHECKING:
    from profiler.scenarios.workspace import Workspace

_ERROR = re.compile(r"^error(?:\[E\d+\])?: ")
# cargo's closing line names the crate, not the cause: use it only when alone.
_SUMMARY = ("error: could not compile", "error: aborting due to")


class CargoBackend(Backend):
    lang = "rust"
    state_name = "target"
    # cargo 1.7x+: "error: rustc 1.95.0 is not supported by the following packages:\n
    #   foo@1.2.3 requires rustc 1.99"; older cargo: "package `foo v1.2.3` cannot be
    # built because it requires rustc 1.99 or newer, while the currently active ..."
    too_old = re.compile(r"requires rustc (\d+(?:\.\d+){1,2})")

    def resolve(self, spec: str | None) -> Toolchain:
        return cargo_tc.resolve(spec)

    def locate(self, path: Path, default: Toolchain) -> Layout:
        """A workspace member is built as a member: the workspace root is copied
        and the member built with -p; path dependencies outside the directory
        widen the copy to the smallest tree that holds them all."""
        env = cargo_tc.build_env(default, clean_env(), path / "target")
        res = run_step([default.path, "metadata", "--no-deps", "--format-version", "1",
                        "--offline"], path, env, timeout=120)
        if not res.ok:
            return Layout(path)  # the build itself will say what is wrong, in its words
        meta = json.loads(res.stdout)
        workspace = Path(meta["workspace_root"])
        deps = [Path(d["path"]) for pkg in meta["packages"] for d in pkg["dependencies"]
                if d.get("path")]
        layout = enclosing(path, [workspace, *deps])
        member = next((pkg["name"] for pkg in meta["packages"]
                       if Path(pkg["manifest_path"]).parent == path), None)
        if workspace != path and member:
            return Layout(layout.root, layout.workdir, member, layout.note)
        return layout

    def pinned(self, project: Path, default: Toolchain) -> str | None:
        """rustup's rule: `rust-toolchain.toml` (`[toolchain] channel = …`), else a
        `rust-toolchain` file holding the channel name (or the same TOML)."""
        for name in ("rust-toolchain.toml", "rust-toolchain"):
            path = project / name
            if not path.is_file():
                continue
            text = path.read_text(errors="replace")
            try:
                channel = tomllib.loads(text).get("toolchain", {}).get("channel")
            except tomllib.TOMLDecodeError:
                channel = text.strip() if name == "rust-toolchain" else None
            if not channel:
                raise ProjectError(f"{path} names no channel; write [toolchain] channel = "
                                   f"\"1.80.0\" (or stable, nightly), or pass --toolchain")
            return f"rust@{channel}"
        return None

    def setup(self, ws: Workspace) -> None:
        self.step([ws.cell.toolchain.path, "fetch"], ws, "downloading crates (cargo fetch)",
                  self.env(ws, offline=False))

    def reset_state(self, ws: Workspace) -> None:
        shutil.rmtree(ws.state, ignore_errors=True)
        ws.state.mkdir(parents=True)

    def argv(self, ws: Workspace) -> list[str]:
        verb = {"check": ["check"], "test": ["test", "--no-run"]}.get(ws.cell.scenario,
                                                                      ["build"])
        argv = [ws.cell.toolchain.path, *verb, "--offline",
                "--message-format=json-render-diagnostics"]
        if (ws.cell.project.fetched or ws.cell.project.source).startswith("crate:"):
            argv.append("--locked")  # a fetched crate builds the versions its lock names
        if ws.cell.profile == "release":
            argv.append("--release")
        if ws.cell.jobs:
            argv += ["-j", str(ws.cell.jobs)]
        if ws.cell.project.package:
            argv += ["-p", ws.cell.project.package]
        return argv

    def env(self, ws: Workspace, offline: bool = True) -> dict[str, str]:
        # `--offline` in argv keeps the timed build from the network; `offline`
        # has nothing more to add here.
        env = cargo_tc.build_env(ws.cell.toolchain, clean_env(), ws.state)
        if ws.cell.breakdown:
            env["RUSTC_WRAPPER"] = str(unitwrap())
            env["BUILDPROF_UNITS_LOG"] = str(ws.logs / "units.log")
        return env

    def units(self, ws: Workspace, build_start: float) -> list[Unit]:
        if not ws.cell.breakdown:
            return []
        return rust_units(ws.logs / "units.log", build_start)

    def artifact_bytes(self, ws: Workspace) -> int | None:
        """Binaries (or test binaries) cargo reports as artifacts; for a
        library-only workspace, its own libraries."""
        if ws.cell.scenario == "check":
            return None
        total, seen = 0, set()
        for line in (ws.logs / "stdout.log").read_text(errors="replace").splitlines():
            if not line.startswith("{"):
                continue
            try:
                msg = json.loads(line)
            except json.JSONDecodeError:
                continue
            if msg.get("reason") != "compiler-artifact":
                continue
            exe = msg.get("executable")
            kinds = msg.get("target", {}).get("kind", [])
            files = [exe] if exe else []
            if not exe and msg.get("package_id", "").startswith("path+file://") \
                    and "custom-build" not in kinds:
                files = [f for f in msg.get("filenames", []) if f.endswith((".rlib", ".so", ".a"))]
            for f in files:
                if f not in seen and os.path.exists(f):
                    seen.add(f)
                    total += os.path.getsize(f)
        return total

    def rebuilt_units(self, ws: Workspace) -> int | None:
        """Cargo's `Compiling` and `Checking` status lines (a no-op build has none)."""
        try:
            text = (ws.logs / "stderr.log").read_text(errors="replace")
        except OSError:
            return None
        return sum(1 for ln in text.splitlines()
                   if ln.lstrip().startswith(("Compiling ", "Checking ")))

    def first_error(self, text: str) -> str | None:
        """Rust's first `error:`/`error[E…]:` line that names a cause."""
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        # An error that ends in ':' continues on the next line ("… the following
        # packages:" / "foo@1.2 requires rustc 1.99"): keep that line with it.
        errors = [ln + (" " + lines[i + 1] if ln.endswith(":") and i + 1 < len(lines) else "")
                  for i, ln in enumerate(lines) if _ERROR.match(ln)]
        causes = [ln for ln in errors if not ln.startswith(_SUMMARY)]
        return (causes or errors or [None])[0]

    def install_hint(self, version: str) -> str:
        return (f"the project needs rustc {version} or newer: `rustup toolchain install "
                f"{version}`, then `--toolchain rust@{version}`")
