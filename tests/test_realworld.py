"""The hand-written real-world samples under sample_projects/.

The Go and Rust variant of each sample must behave byte for byte the same:
the HTTP service answers every request with the same status and body, the
CLI prints the same output and exits with the same status. Builds happen in
copies under tmp directories (debug builds only), never in the repository.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from profiler.errors import UsageError
from profiler.samples.realworld import (
    EDIT_NAMES,
    REALWORLD,
    Edit,
    realworld_dir,
    realworld_edit,
    realworld_edits,
    samples_root,
)
from profiler.samples.spec import LANGS

GO = shutil.which("go")
CARGO = shutil.which("cargo")
BINARIES = {"http-service": "http-service", "cli-tool": "cli-tool"}
BUILD_TIMEOUT = 900

needs_toolchains = pytest.mark.skipif(
    GO is None or CARGO is None, reason="needs both the go and cargo toolchains"
)


# --- layout and edits (fast) -------------------------------------------------------------


def test_every_variant_has_its_sources_and_lockfiles():
    for name in REALWORLD:
        go_dir, rust_dir = realworld_dir(name, "go"), realworld_dir(name, "rust")
        assert (go_dir / "main.go").is_file()
        assert "\ngo 1.21\n" in (go_dir / "go.mod").read_text()
        assert (rust_dir / "src" / "main.rs").is_file()
        assert (rust_dir / "Cargo.lock").is_file()
    cargo_lock = (realworld_dir("http-service", "rust") / "Cargo.lock").read_text()
    assert 'name = "actix-web"\nversion = "4.' in cargo_lock
    assert 'name = "clap"\nversion = "4.' in (
        realworld_dir("cli-tool", "rust") / "Cargo.lock"
    ).read_text()
    assert "github.com/spf13/cobra" in (realworld_dir("cli-tool", "go") / "go.sum").read_text()


def test_http_service_go_uses_only_the_standard_library():
    go_mod = (realworld_dir("http-service", "go") / "go.mod").read_text()
    assert "require" not in go_mod


def test_no_build_output_in_the_repository():
    root = samples_root()
    assert not [p for p in root.rglob("target") if p.is_dir()]
    for name in REALWORLD:
        for lang in LANGS:
            assert not (realworld_dir(name, lang) / BINARIES[name]).exists()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", REALWORLD)
def test_edits_replace_text_that_occurs_exactly_once(name: str, lang: str):
    edits = realworld_edits(name, lang)
    assert tuple(edits) == EDIT_NAMES
    root = realworld_dir(name, lang)
    for edit_name, edit in edits.items():
        assert isinstance(edit, Edit)
        text = (root / edit.path).read_text()
        assert text.count(edit.old) == 1, f"{name}/{lang} [{edit_name}]"
        assert edit.new != edit.old
        assert text.replace(edit.old, edit.new, 1) != text
    # leaf edits hit the most depended-on package, top-body the main one
    assert edits["leaf-body"].path == edits["leaf-api"].path
    assert edits["top-body"].path == ("main.go" if lang == "go" else "src/main.rs")


def test_realworld_edit_returns_one_named_edit():
    edit = realworld_edit("http-service", "go", "top-body")
    assert edit.path == "main.go"
    with pytest.raises(UsageError, match="unknown edit 'nope'"):
        realworld_edit("http-service", "go", "nope")


def test_unknown_sample_and_language_are_usage_errors():
    with pytest.raises(UsageError) as err:
        realworld_dir("web-shop", "go")
    assert str(err.value) == "unknown sample 'web-shop'; use one of: http-service, cli-tool"
    with pytest.raises(UsageError, match="unknown language 'zig'"):
        realworld_dir("cli-tool", "zig")


def test_buildprof_samples_overrides_the_location(tmp_path, monkeypatch):
    (tmp_path / "cli-tool" / "go").mkdir(parents=True)
    monkeypatch.setenv("BUILDPROF_SAMPLES", str(tmp_path))
    assert samples_root() == tmp_path.resolve()
    assert realworld_dir("cli-tool", "go") == tmp_path.resolve() / "cli-tool" / "go"
    monkeypatch.delenv("BUILDPROF_SAMPLES")
    assert samples_root() == Path(__file__).resolve().parents[1] / "sample_projects"


# --- building ----------------------------------------------------------------------------


class Builder:
    """Builds copies of the variants with caches under one session tmp dir."""

    def __init__(self, base: Path):
        self.base = base
        gopath = base / "gopath"
        self.env = dict(os.environ)
        for var in ("GOFLAGS", "GOROOT", "CARGO_BUILD_TARGET", "RUSTFLAGS"):
            self.env.pop(var, None)
        self.env.update(
            GOCACHE=str(base / "gocache"),
            GOMODCACHE=str(gopath / "pkg" / "mod"),
            GOPATH=str(gopath),
            GOTOOLCHAIN="local",
            # -modcacherw: let pytest delete the module cache afterwards
            GOFLAGS="-buildvcs=false -modcacherw",
            CARGO_TARGET_DIR=str(base / "cargo-target"),
            CARGO_TERM_COLOR="never",
        )
        self.built: dict[tuple[str, str], Path] = {}
        self.seconds: dict[tuple[str, str], float] = {}

    def copy(self, name: str, lang: str, label: str) -> Path:
        dst = self.base / "src" / f"{name}-{lang}-{label}"
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(realworld_dir(name, lang), dst)
        return dst

    def compile(self, src: Path, lang: str, out: Path) -> subprocess.CompletedProcess:
        """Debug build of the project in `src`; the binary is copied to `out`."""
        if lang == "go":
            cmd = ["go", "build", "-o", str(out), "."]
        else:
            # --locked: the committed Cargo.lock must already be complete
            cmd = ["cargo", "build", "--locked"]
        proc = subprocess.run(cmd, cwd=src, env=self.env, capture_output=True, text=True,
                              timeout=BUILD_TIMEOUT)
        if proc.returncode == 0 and lang == "rust":
            binary = Path(self.env["CARGO_TARGET_DIR"]) / "debug" / BINARIES[src_name(src)]
            shutil.copy2(binary, out)
        return proc

    def binary(self, name: str, lang: str) -> Path:
        key = (name, lang)
        if key not in self.built:
            src = self.copy(name, lang, "build")
            out = self.base / "bin" / f"{name}-{lang}"
            out.parent.mkdir(exist_ok=True)
            start = time.monotonic()
            proc = self.compile(src, lang, out)
            self.seconds[key] = time.monotonic() - start
            assert proc.returncode == 0, f"{name}/{lang} build failed:\n{proc.stderr[-4000:]}"
            assert out.is_file()
            # nothing may be built inside the repository
            assert not (realworld_dir(name, lang) / "target").exists()
            self.built[key] = out
        return self.built[key]


def src_name(src: Path) -> str:
    return next(name for name in REALWORLD if src.name.startswith(name + "-"))


@pytest.fixture(scope="session")
def builder(tmp_path_factory) -> Builder:
    return Builder(tmp_path_factory.mktemp("realworld"))


# --- http-service ------------------------------------------------------------------------

BIG_NAME = "x" * 70_000
# (method, path, body, expected status). POSTs change the store, so order matters.
HTTP_REQUESTS: list[tuple[str, str, bytes | None, int]] = [
    ("GET", "/health", None, 200),
    ("GET", "/users/1", None, 200),
    ("GET", "/users/50", None, 200),
    ("GET", "/users/1000", None, 200),
    ("GET", "/users/1001", None, 404),
    ("GET", "/users/0", None, 404),
    ("GET", "/users/abc", None, 400),
    ("GET", "/users/+5", None, 400),
    ("GET", "/users", None, 200),
    ("GET", "/users?limit=3&offset=998", None, 200),
    ("GET", "/users?limit=&offset=", None, 200),
    ("GET", "/users?limit=0", None, 400),
    ("GET", "/users?limit=101", None, 400),
    ("GET", "/users?offset=-1", None, 400),
    ("POST", "/users", b'{"name":"  Grace <H> & Co  ","email":" GRACE@Example.COM ",'
                       b'"roles":["admin","writer"]}', 201),
    ("GET", "/users/1001", None, 200),
    ("POST", "/users", b'{"name":"Again","email":"grace@example.com"}', 409),
    ("POST", "/users", '{"name":"' + "é" * 64 + '","email":"e@x","roles":null}', 201),
    ("POST", "/users", '{"name":"' + "é" * 65 + '","email":"e2@x"}', 422),
    ("POST", "/users", b'{"email":"a@b"}', 422),
    ("POST", "/users", b'{"name":"Ann","email":"no-at-sign"}', 422),
    ("POST", "/users", b'{"name":"Ann","email":"a@b","roles":["root"]}', 422),
    ("POST", "/users", b"not json", 400),
    ("POST", "/users", b"[]", 400),
    ("POST", "/users", b"null", 400),
    ("POST", "/users", b'{"name":42}', 400),
    ("POST", "/users", b'{"name":"a"} trailing', 400),
    ("POST", "/users", b'{"name":"\xff","email":"a@b"}', 400),
    ("POST", "/users", ('{"name":"' + BIG_NAME + '"}').encode(), 413),
    ("GET", "/users?limit=5&offset=999", None, 200),
    ("GET", "/stats", None, 200),
    ("GET", "/stats?n=1", None, 200),
    ("GET", "/stats?n=10", None, 200),
    ("GET", "/stats?n=200000", None, 200),
    ("GET", "/stats?n=0", None, 400),
    ("GET", "/stats?n=200001", None, 400),
    ("GET", "/stats?n=ten", None, 400),
    ("DELETE", "/health", None, 405),
    ("PUT", "/users/1", None, 405),
    ("PATCH", "/users", b"{}", 405),
    ("GET", "/nope", None, 404),
    ("GET", "/users/", None, 404),
    ("GET", "/users/1/extra", None, 404),
    ("GET", "/", None, 404),
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port: int, method: str, path: str, body: bytes | str | None = None,
            timeout: float = 60) -> tuple[int, str, bytes]:
    """One request on a fresh connection: (status, content type, body)."""
    if isinstance(body, str):
        body = body.encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type", ""), resp.read()
    finally:
        conn.close()


def wait_until_ready(proc: subprocess.Popen, port: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if request(port, "GET", "/health", timeout=2)[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def serve_and_query(binary: Path, log: Path) -> list[tuple[int, str, bytes]]:
    """Start the server on a free port, send HTTP_REQUESTS, always stop it."""
    for _attempt in range(3):
        port = free_port()
        with log.open("wb") as err:
            proc = subprocess.Popen([str(binary), "--addr", f"127.0.0.1:{port}"],
                                    stdout=subprocess.PIPE, stderr=err)
        try:
            if not wait_until_ready(proc, port, time.monotonic() + 60):
                if proc.poll() is not None:
                    continue  # the port was taken meanwhile: try another
                pytest.fail(f"{binary.name} did not answer on port {port}: {log.read_text()}")
            assert proc.stdout is not None
            assert proc.stdout.readline() == f"listening on http://127.0.0.1:{port}\n".encode()
            return [request(port, method, path, body) for method, path, body, _ in HTTP_REQUESTS]
        finally:
            proc.kill()
            proc.wait(timeout=30)
            if proc.stdout is not None:
                proc.stdout.close()
    pytest.fail(f"{binary.name} exited before answering: {log.read_text()}")


@pytest.mark.slow
@needs_toolchains
def test_http_service_go_and_rust_answer_identically(builder: Builder, tmp_path: Path):
    answers = {
        lang: serve_and_query(builder.binary("http-service", lang), tmp_path / f"{lang}.log")
        for lang in LANGS
    }
    for i, (method, path, _, status) in enumerate(HTTP_REQUESTS):
        go, rust = answers["go"][i], answers["rust"][i]
        label = f"{method} {path}"
        assert go[0] == status, f"{label}: go answered {go}"
        assert rust[0] == go[0], f"{label}: status go {go[0]} rust {rust[0]}"
        assert rust[2] == go[2], f"{label}: body\n go:   {go[2][:300]!r}\n rust: {rust[2][:300]!r}"
        assert go[1] == rust[1] == "application/json", f"{label}: {go[1]!r} {rust[1]!r}"

    by_request = {f"{m} {p}": a for (m, p, _, _), a in zip(HTTP_REQUESTS, answers["go"],
                                                           strict=True)}
    assert by_request["GET /health"][2] == b'{"status":"ok"}'
    assert json.loads(by_request["GET /users/1"][2]) == {
        "id": 1, "name": "Alan Lovelace", "email": "alan.lovelace1@example.com",
        "active": True, "roles": ["reader"],
    }
    created = json.loads(by_request["GET /users/1001"][2])
    # HTML characters are not escaped, names trimmed, emails lowercased
    assert b'"name":"Grace <H> & Co"' in by_request["GET /users/1001"][2]
    assert created == {"id": 1001, "name": "Grace <H> & Co", "email": "grace@example.com",
                       "active": True, "roles": ["admin", "writer"]}
    page = json.loads(by_request["GET /users?limit=5&offset=999"][2])
    assert [u["id"] for u in page["users"]] == [1000, 1001, 1002]
    assert page["total"] == 1002
    stats = json.loads(by_request["GET /stats?n=10"][2])
    assert stats["primes"] == {"count": 4, "sum": 17, "largest": 7}
    assert stats["collatz"] == {"start": 9, "steps": 19}
    assert json.loads(by_request["GET /nope"][2]) == {"error": "not found"}


# --- cli-tool ----------------------------------------------------------------------------

RECORDS = [
    {"name": "alpha <a&b>", "category": "tools", "value": 42, "tags": ["red", "blue"]},
    {"name": "béta", "category": "food", "value": -7, "tags": ["blue"]},
    {"name": "gamma", "category": "tools", "value": 1_000_000, "tags": []},
    {"name": "delta", "category": "", "value": 0},
    {"name": "eps\u0001\t\"q\"", "category": "food", "value": 13,
     "tags": ["green", "blue", "red"], "extra": {"ignored": [1, 2]}},
    {"name": None, "category": "misc", "value": 5, "tags": None},
]

# (arguments, expected exit status); {data}, {empty}, {bad} and {overflow} are files
CLI_RUNS: list[tuple[list[str], int]] = [
    (["version"], 0),
    (["summarize", "--input", "{data}"], 0),
    (["summarize", "-i", "{data}", "--top", "0", "--pretty"], 0),
    (["summarize", "-i", "{data}", "--top=1"], 0),
    (["summarize", "-i", "{empty}"], 0),
    (["summarize", "-i", "{empty}", "--pretty"], 0),
    (["summarize", "--pretty"], 0),  # reads stdin
    (["filter", "--input", "{data}", "--category", "tools"], 0),
    (["filter", "-i", "{data}", "--min", "-7", "--max=13", "--pretty"], 0),
    (["filter", "-i", "{data}", "-t", "blue"], 0),
    (["filter", "-i", "{data}", "-c", "nope", "--pretty"], 0),
    (["filter", "-i", "{data}"], 0),
    (["summarize", "-i", "{bad}"], 1),
    (["summarize", "-i", "{overflow}"], 1),
    (["summarize", "-i", "{missing}"], 1),
    (["summarize", "-i", "{data}", "--top", "-1"], 2),
    (["filter", "-i", "{data}", "--min", "abc"], 2),
    (["filter", "-i", "{data}", "extra-argument"], 2),
    (["frobnicate"], 2),
    ([], 2),
]


@pytest.mark.slow
@needs_toolchains
def test_cli_tool_go_and_rust_print_identically(builder: Builder, tmp_path: Path):
    files = {
        "data": json.dumps(RECORDS),
        "empty": "[]",
        "bad": '{"not": "an array"}',
        "overflow": json.dumps([{"value": 2**63 - 1}, {"value": 1}]),
    }
    paths = {"missing": str(tmp_path / "missing.json")}
    for key, text in files.items():
        (tmp_path / f"{key}.json").write_text(text)
        paths[key] = str(tmp_path / f"{key}.json")
    binaries = {lang: builder.binary("cli-tool", lang) for lang in LANGS}

    outputs: dict[str, list[bytes]] = {lang: [] for lang in LANGS}
    for args, status in CLI_RUNS:
        argv = [a.format(**paths) for a in args]
        for lang in LANGS:
            proc = subprocess.run([str(binaries[lang]), *argv], input=files["data"].encode(),
                                  capture_output=True, timeout=60)
            assert proc.returncode == status, (
                f"{lang} {argv}: exit {proc.returncode}, stderr {proc.stderr[-500:]!r}")
            if status != 0:
                assert proc.stdout == b"", f"{lang} {argv}"
                assert proc.stderr, f"{lang} {argv}: no error message"
            outputs[lang].append(proc.stdout)
        assert outputs["go"][-1] == outputs["rust"][-1], (
            f"{argv}:\n go:   {outputs['go'][-1]!r}\n rust: {outputs['rust'][-1]!r}")

    assert outputs["go"][0] == b"cli-tool 0.1.0\n"
    summary = json.loads(outputs["go"][1])
    assert summary == {
        "count": 6, "sum": 1_000_053, "min": -7, "max": 1_000_000, "median": 5,
        "categories": {"": 1, "food": 2, "misc": 1, "tools": 2},
        "top_tags": [{"tag": "blue", "count": 3}, {"tag": "red", "count": 2},
                     {"tag": "green", "count": 1}],
    }
    assert outputs["go"][1].endswith(b"}\n") and b"\n" not in outputs["go"][1][:-1]
    assert outputs["go"][2].startswith(b'{\n  "count": 6,\n')
    assert json.loads(outputs["go"][4])["min"] is None
    assert b"alpha <a&b>" in outputs["go"][7]
    names = [r["name"] for r in json.loads(outputs["go"][8])]
    assert names == ["béta", "delta", "eps\u0001\t\"q\"", ""]
    assert outputs["go"][10] == b"[]\n"


# --- the edits build ---------------------------------------------------------------------


@pytest.mark.slow
@needs_toolchains
@pytest.mark.parametrize("name", REALWORLD)
def test_every_edit_still_builds(builder: Builder, name: str):
    for lang in LANGS:
        builder.binary(name, lang)  # warm the caches first
        for edit_name, edit in realworld_edits(name, lang).items():
            src = builder.copy(name, lang, edit_name)
            target = src / edit.path
            target.write_text(target.read_text().replace(edit.old, edit.new, 1))
            out = builder.base / "bin" / f"{name}-{lang}-{edit_name}"
            proc = builder.compile(src, lang, out)
            assert proc.returncode == 0, f"{name}/{lang} [{edit_name}]:\n{proc.stderr[-4000:]}"
            assert out.is_file()
