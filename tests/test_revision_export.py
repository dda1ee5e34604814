"""`--rev` builds the commit's tree byte for byte (issue 26, items 3 and 4): no
`.gitattributes` rule (export-ignore, export-subst, a smudge filter) changes what is
built, links are written as links, submodules and LFS pointers are named in notes,
exports of the same commit at the same time both succeed, and nothing partial is
left when an export fails. Real git repositories, no builds."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from test_revisions import commit, git

from profiler.errors import UsageError
from profiler.paths import cache_dir
from profiler.sources import revisions

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git on PATH")

LFS = ("version https://git-lfs.github.com/spec/v1\n"
       "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
       "size 12345\n")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "mono"
    (root / "app").mkdir(parents=True)
    (root / "app" / "go.mod").write_text("module example.com/app\n\ngo 1.21\n")
    (root / "app" / "main.go").write_text("package main\n\nfunc main() {}\n")
    (root / "app" / "hidden.go").write_text("package main\n\nfunc hidden() {}\n")
    (root / "app" / "version.go").write_text('package main\n\nconst v = "$Format:%H$"\n')
    (root / "app" / "filtered.txt").write_text("the blob as committed\n")
    (root / "app" / "crlf.txt").write_bytes(b"one\ntwo\n")
    (root / "app" / "big.bin").write_text(LFS)
    (root / "app" / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (root / "app" / "id.txt").write_text(f"{tmp_path}\n")  # one commit per test, not cached
    os.chmod(root / "app" / "run.sh", 0o755)
    (root / ".gitattributes").write_text(
        "app/hidden.go export-ignore\napp/version.go export-subst\n"
        "app/filtered.txt filter=shout\napp/crlf.txt text eol=crlf\n")
    os.symlink("/etc/hostname", root / "app" / "outside")  # a link leaving the repository
    os.symlink("main.go", root / "app" / "inside")
    git(root, "init", "-q", "-b", "main")
    # A smudge filter that would change the file (and one that could hang, with stdin).
    git(root, "config", "filter.shout.smudge", "tr a-z A-Z")
    git(root, "config", "filter.shout.clean", "cat")
    commit(root, "base")
    sub = git(root, "rev-parse", "HEAD")
    git(root, "update-index", "--add", "--cacheinfo", f"160000,{sub},vendor/lib")
    git(root, "commit", "-q", "-m", "a submodule")
    return root


def blob(repo: Path, rev: str, path: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), "cat-file", "blob", f"{rev}:{path}"],
                          capture_output=True, check=True).stdout


def test_the_export_is_the_commits_blobs_byte_for_byte(repo: Path) -> None:
    head = revisions.resolve(repo, "HEAD")
    root, notes = revisions.export(repo, head)
    for path in ("app/main.go", "app/hidden.go", "app/version.go", "app/filtered.txt",
                 "app/crlf.txt", "app/big.bin", "app/run.sh", ".gitattributes"):
        assert (root / path).read_bytes() == blob(repo, head, path), path
    assert os.access(root / "app" / "run.sh", os.X_OK)
    assert not os.access(root / "app" / "main.go", os.X_OK)
    assert os.readlink(root / "app" / "outside") == "/etc/hostname"
    assert os.readlink(root / "app" / "inside") == "main.go"
    assert (root / "vendor" / "lib").is_dir() and not any((root / "vendor" / "lib").iterdir())
    assert any("1 submodule(s) (vendor/lib)" in n for n in notes), notes
    assert any("1 Git LFS pointer(s) (app/big.bin)" in n for n in notes), notes
    again, notes_again = revisions.export(repo, head)  # from the cache: the same notes
    assert again == root and notes_again == notes


def test_exports_of_one_commit_at_the_same_time_all_succeed(repo: Path) -> None:
    head = revisions.resolve(repo, "HEAD")
    start = threading.Barrier(4)
    got: list[object] = []

    def one() -> None:
        start.wait()
        try:
            got.append(revisions.export(repo, head)[0])
        except Exception as exc:  # noqa: BLE001 - recorded for the assertion below
            got.append(exc)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(map(str, got))) == 1 and isinstance(got[0], Path), got
    assert [p.name for p in cache_dir("revisions").iterdir() if "partial" in p.name] == []


def test_a_failed_export_leaves_nothing(repo: Path) -> None:
    head = revisions.resolve(repo, "HEAD")
    oid = git(repo, "rev-parse", f"{head}:app/main.go")
    (repo / ".git" / "objects" / oid[:2] / oid[2:]).unlink()  # a missing blob
    with pytest.raises(UsageError, match="could not read app/main.go"):
        revisions.export(repo, head)
    left = [p.name for p in cache_dir("revisions").iterdir() if head[:12] in p.name]
    assert left == []


def test_a_revision_that_looks_like_an_option_is_refused(repo: Path) -> None:
    with pytest.raises(UsageError, match="looks like an option"):
        revisions.resolve(repo, "--output=/tmp/x")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the repository away")
def test_a_repository_of_another_user_is_named_as_such(repo: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.chown(repo, "nobody")
    monkeypatch.delenv("SUDO_UID", raising=False)  # git trusts the sudo user's own repos
    with pytest.raises(UsageError, match="belongs to another user"):
        revisions.toplevel(repo / "app")
