"""A Cargo project that vendors its crates (`cargo vendor`, with the source
replacement in its own .cargo/config.toml) builds offline in buildprof's copy,
as it does for its users, and the user's tree is left as it was."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from conftest import buildprof, error_line, tree_hash

VENDOR_CONFIG = ('[source.crates-io]\nreplace-with = "vendored-sources"\n\n'
                 '[source.vendored-sources]\ndirectory = "vendor"\n')
# Nothing listens on port 9 (discard): every download through this proxy fails
# at once. CARGO_NET_OFFLINE would not do: buildprof drops CARGO_* variables
# from the build's environment, while proxy variables reach cargo.
NO_NETWORK = {name: "http://127.0.0.1:9"
              for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")}


def _crate(root: Path) -> Path:
    root.mkdir()
    (root / "Cargo.toml").write_text('[package]\nname = "vend"\nversion = "0.1.0"\n'
                                     'edition = "2021"\n\n[dependencies]\nitoa = "=1.0.11"\n')
    (root / "src").mkdir()
    (root / "src" / "main.rs").write_text(
        'fn main() { println!("{}", itoa::Buffer::new().format(42)); }\n')
    return root


def _offline_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy"}
    # buildprof's CARGO_HOME lives in its cache: a cache of its own, so the
    # crate cannot come from a registry download another test left there.
    return {**env, **NO_NETWORK, "BUILDPROF_CACHE": str(tmp_path / "bpcache")}


def test_a_vendored_crate_builds_offline_in_the_copy(tmp_path: Path) -> None:
    crate = _crate(tmp_path / "vend")
    # A throw-away CARGO_HOME: the developer's ~/.cargo is not touched.
    subprocess.run(["cargo", "vendor", "--quiet"], cwd=crate, check=True, capture_output=True,
                   env={**os.environ, "CARGO_HOME": str(tmp_path / "cargo-home")})
    assert (crate / "vendor" / "itoa" / "Cargo.toml").is_file()
    (crate / ".cargo").mkdir()
    (crate / ".cargo" / "config.toml").write_text(VENDOR_CONFIG)
    plain = tmp_path / "plain"
    shutil.copytree(crate, plain)
    shutil.rmtree(plain / ".cargo")
    before = tree_hash(crate)
    env = _offline_env(tmp_path)

    res = buildprof("run", str(crate), "--runs", "1", "--warmup", "0", "--format", "json",
                    "--db", str(tmp_path / "r.db"), env=env)
    assert res.returncode == 0, res.stderr
    (run,) = json.loads(res.stdout)["runs"]
    assert run["status"] == "ok" and run["rebuilt_units"] == 2  # itoa and vend
    assert tree_hash(crate) == before

    # The same crate without the source replacement needs crates.io, which this
    # environment cannot reach: the build above came from vendor/.
    res = buildprof("run", str(plain), "--runs", "1", "--warmup", "0",
                    "--db", str(tmp_path / "r.db"), env=env)
    assert "downloading crates (cargo fetch) failed" in error_line(res)
