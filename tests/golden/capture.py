"""Run every golden case (tests/golden/cases.py) against tests/golden/history.db and
compare what it prints with tests/golden/out/, or write that with --update.

Each case is one `buildprof` command line, run in-process through the real entry
point (profiler.cli.main.main: option parsing, error lines, exit codes) in a fresh
directory holding a copy of the database, with a fixed environment. Its record
is the command, the exit code, stdout, stderr and any file it wrote.

    .venv/bin/python tests/golden/capture.py            # compare, print the diffs
    .venv/bin/python tests/golden/capture.py --update   # write tests/golden/out/
    .venv/bin/python tests/golden/capture.py -k report  # only the cases named so
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import io
import os
import shlex
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cases import CASES, Case  # noqa: E402

DB = HERE / "history.db"
OUT = HERE / "out"


@contextlib.contextmanager
def _environment(values: dict[str, str | None]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    try:
        for k, v in values.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_case(case: Case, cache: Path) -> str:
    """The record of one case: what a user would see, and the files it wrote."""
    from profiler.cli import main as cli

    with tempfile.TemporaryDirectory(prefix="golden-") as tmp:
        work = Path(tmp)
        shutil.copyfile(DB, work / "results.db")
        for name in case.dirs:
            (work / name).mkdir()
        for name, text in case.files.items():
            (work / name).write_text(text)
        env = {"BUILDPROF_DB": None, "BUILDPROF_DEBUG": None, "BUILDPROF_CACHE": str(cache),
               "BUILDPROF_PG": None, "PGPASSWORD": None, "PGHOST": None,
               "COLUMNS": case.columns, "GITHUB_STEP_SUMMARY": None, "TERM": "dumb",
               "NO_COLOR": None, "FORCE_COLOR": None, **case.env}
        out, err = io.StringIO(), io.StringIO()
        old_cwd = os.getcwd()
        old_argv = sys.argv
        # `run`, `tune` and `payoff` install their own SIGINT/SIGTERM handlers.
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        code: object = 0
        try:
            os.chdir(work)
            sys.argv = ["buildprof", *case.args]
            with _environment(env), contextlib.redirect_stdout(out), \
                    contextlib.redirect_stderr(err):
                try:
                    cli.main()
                except SystemExit as exc:
                    code = exc.code if exc.code is not None else 0
        finally:
            sys.argv = old_argv
            os.chdir(old_cwd)
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
        parts = [f"$ buildprof {shlex.join(case.args)}", f"--- exit {code}",
                 "--- stdout", out.getvalue(), "--- stderr", err.getvalue()]
        for name in case.outputs:
            path = work / name
            text = path.read_text(errors="replace") if path.exists() else "(not written)\n"
            parts += [f"--- file {name}", text]
        return "\n".join(parts)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--update", action="store_true", help="write tests/golden/out/")
    ap.add_argument("-k", default="", help="only the cases whose name holds this")
    args = ap.parse_args()
    cases = [c for c in CASES if args.k in c.name]
    failed = 0
    with tempfile.TemporaryDirectory(prefix="golden-cache-") as cache:
        for case in cases:
            got = run_case(case, Path(cache))
            path = OUT / f"{case.name}.txt"
            if args.update:
                OUT.mkdir(exist_ok=True)
                path.write_text(got)
                continue
            want = path.read_text() if path.exists() else ""
            if got != want:
                failed += 1
                sys.stdout.writelines(difflib.unified_diff(
                    want.splitlines(keepends=True), got.splitlines(keepends=True),
                    f"golden/{case.name}", f"now/{case.name}"))
    if args.update:
        names = {f"{c.name}.txt" for c in CASES}
        for stale in OUT.glob("*.txt"):
            if stale.name not in names and not args.k:
                stale.unlink()
        print(f"wrote {len(cases)} case(s) to {OUT}")
        return 0
    print(f"{len(cases) - failed} of {len(cases)} case(s) as before")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
