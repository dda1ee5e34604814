"""The golden cases: every reader command in every format, every --help, and the
error line of each kind of bad input, on tests/golden/history.db.

Session and run ids are looked up in that file by what made them (a label, the
command line), so the cases still name the right ones when it is made again.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

DB = Path(__file__).resolve().parent / "history.db"


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    outputs: tuple[str, ...] = ()  # files the command writes, relative to its directory
    files: dict[str, str] = field(default_factory=dict)  # files made before it runs
    dirs: tuple[str, ...] = ()  # directories made before it runs
    columns: str | None = None  # COLUMNS (--help is drawn at 100 columns)


def _ids() -> dict[str, int]:
    """Session and run ids by name, from the golden file."""
    conn = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
    one = lambda sql, *a: conn.execute(sql, a).fetchone()[0]  # noqa: E731
    ids = {label: one("SELECT min(id) FROM sessions WHERE label = ?", label)
           for label in ("base", "sizes", "jobs", "pair", "go-only", "revs", "crate")}
    ids["toolchains"] = one("SELECT min(id) FROM sessions WHERE command_line LIKE "
                            "'%rust@stable,rust@nightly%'")
    ids["broken"] = one("SELECT min(id) FROM sessions WHERE command_line LIKE '%--rev broken%'")
    ids["tune-failed"] = one("SELECT min(id) FROM sessions WHERE command_line LIKE "
                             "'buildprof tune%'")
    ids["tune"] = one("SELECT max(id) FROM sessions WHERE command_line LIKE 'buildprof tune%'")
    ids["payoff"] = one("SELECT min(id) FROM sessions WHERE command_line LIKE "
                        "'buildprof payoff%' AND command_line NOT LIKE '%(build costs)'")
    ids["payoff2"] = one("SELECT max(id) FROM sessions WHERE command_line LIKE "
                         "'buildprof payoff%' AND command_line NOT LIKE '%(build costs)'")
    ids["units_run"] = one("SELECT min(run_id) FROM units")
    ids["plain_run"] = one("SELECT min(id) FROM runs WHERE id NOT IN "
                           "(SELECT run_id FROM units)")
    ids["rev_units_run"] = one("SELECT max(run_id) FROM units")
    conn.close()
    return ids


ID = _ids() if DB.exists() else {}


def s(name: str) -> str:
    return str(ID.get(name, 0))


def _cases() -> list[Case]:
    out: list[Case] = []

    def add(name: str, *args: str, **kw: object) -> None:
        out.append(Case(name, tuple(args), **kw))  # type: ignore[arg-type]

    # -- history ---------------------------------------------------------------------
    for fmt in ("table", "json", "csv", "markdown"):
        add(f"history-{fmt}", "history", "--format", fmt, "--limit", "0")
        add(f"history-runs-{fmt}", "history", "--runs", "--format", fmt, "--limit", "40")
    add("history-default", "history")
    add("history-rust-clean", "history", "--lang", "rust", "--scenario", "clean")
    add("history-label-revs", "history", "--label", "revs", "--format", "markdown")
    add("history-project-app-json", "history", "--project", "app", "--format", "json")
    add("history-since-limit", "history", "--since", "2020-01-01", "--limit", "5")
    add("history-toolchain", "history", "--toolchain", "rust@nightly,go", "--limit", "8")
    add("history-machine-profile", "history", "--profile", "release", "--size", "small,tiny",
        "--limit", "0", "--format", "csv")
    add("history-empty", "history", "--project", "tiny", "--scenario", "cold")

    # -- compare ---------------------------------------------------------------------
    for fmt in ("table", "json", "csv", "markdown", "junit"):
        add(f"compare-toolchains-{fmt}", "compare", "rust@stable", "rust@nightly",
            "--format", fmt)
        add(f"compare-revs-{fmt}", "compare", "v1", "v2", "--format", fmt)
        add(f"compare-sessions-{fmt}", "compare", s("base"), s("sizes"), "--format", fmt)
    add("compare-revs-units", "compare", "rev:v1", "rev:v2", "--units")
    add("compare-revs-units-json", "compare", "rev:v1", "rev:v2", "--units", "--top", "3",
        "--format", "json")
    add("compare-revs-fail", "compare", "v1", "v2", "--fail-above", "5")
    add("compare-revs-fail0-junit", "compare", "v1", "v2", "--fail-above", "0",
        "--format", "junit")
    add("compare-labels-cpu", "compare", "label:base", "label:sizes", "--metric", "cpu")
    add("compare-labels-peak", "compare", "label:base", "label:sizes", "--metric", "peak-rss",
        "--format", "markdown")
    add("compare-labels-tree", "compare", "base", "sizes", "--metric", "tree-rss",
        "--format", "csv")
    add("compare-filtered", "compare", "label:base", "label:jobs", "--lang", "go",
        "--profile", "debug")
    add("compare-stepsummary", "compare", "v1", "v2", "--fail-above", "1",
        env={"GITHUB_STEP_SUMMARY": "summary.md"}, outputs=("summary.md",))
    for metric in ("rps", "p99", "server-rss"):
        for fmt in ("table", "json"):
            add(f"compare-load-{metric}-{fmt}", "compare", s("payoff"), s("payoff2"),
                "--metric", metric, "--format", fmt)
    add("compare-load-fail", "compare", s("payoff"), s("payoff2"), "--metric", "rps",
        "--fail-above", "1", "--format", "markdown")

    # -- export ----------------------------------------------------------------------
    for fmt in ("json", "csv", "markdown", "bmf", "benchfmt"):
        add(f"export-{fmt}", "export", "--format", fmt)
    add("export-limit-file", "export", "--limit", "3", "-o", "out.json", outputs=("out.json",))
    add("export-filtered-bmf", "export", "--format", "bmf", "--label", "revs")

    # -- report ----------------------------------------------------------------------
    selections = {"latest": (), "all": ("--all",), "base": ("--session", s("base")),
                  "sizes": ("--label", "sizes"), "toolchains": ("--session", s("toolchains")),
                  "jobs": ("--label", "jobs"), "pair": ("--session", s("pair")),
                  "pair-and-sizes": ("--session", s("pair"), "--session", s("sizes")),
                  "go-only": ("--label", "go-only"), "revs": ("--label", "revs"),
                  "tune": ("--session", s("tune")),
                  "tune-failed": ("--session", s("tune-failed")),
                  "crate": ("--project", "crate", "--all"),
                  "own": ("--project", "app,crate", "--all"),
                  "rust": ("--all", "--lang", "rust")}
    for sel, args in selections.items():
        for fmt in ("table", "markdown", "json"):
            add(f"report-{sel}-{fmt}", "report", *args, "--format", fmt)
    for sel in ("latest", "all", "pair-and-sizes", "revs", "go-only"):
        add(f"report-{sel}-html", "report", *selections[sel], "--html", "report.html",
            outputs=("report.html",))
    add("report-html-and-markdown", "report", "--session", s("base"), "--html", "r.html",
        "--format", "markdown", outputs=("r.html",))

    # -- breakdown -------------------------------------------------------------------
    add("breakdown-run", "breakdown", s("units_run"))
    add("breakdown-run-top3", "breakdown", s("rev_units_run"), "--top", "3")
    add("breakdown-session", "breakdown", f"s{s('sizes')}")
    add("breakdown-trace", "breakdown", s("units_run"), "--format", "trace")
    add("breakdown-trace-file", "breakdown", f"session:{s('revs')}", "--format", "trace",
        "-o", "trace.json", outputs=("trace.json",))

    # -- commands that read no database ----------------------------------------------
    add("scenarios-table", "scenarios")
    add("scenarios-json", "scenarios", "--format", "json")
    add("tune-list", "tune", "--list")
    add("version", "--version")

    # -- help ------------------------------------------------------------------------
    commands = ("run", "scenarios", "history", "compare", "export", "doctor", "breakdown",
                "report", "payoff", "tune", "merge", "push", "pull", "toolchain",
                "toolchain list", "toolchain install", "cache", "cache info", "cache clean",
                "samples", "samples list", "samples generate")
    add("help", "--help", columns="100")
    add("help-bare", columns="100")
    for cmd in commands:
        add(f"help-{cmd.replace(' ', '-')}", *cmd.split(), "--help", columns="100")

    # -- errors ----------------------------------------------------------------------
    err = [
        ("history-format", "history", "--format", "bogus"),
        ("history-scenario", "history", "--scenario", "bogus"),
        ("history-profile", "history", "--profile", "fast"),
        ("history-lang", "history", "--lang", "zig"),
        ("history-project", "history", "--project", "nope"),
        ("history-toolchain", "history", "--toolchain", "go@0.1"),
        ("history-label", "history", "--label", "nope"),
        ("history-machine", "history", "--machine", "nope"),
        ("history-since", "history", "--since", "yesterday"),
        ("history-limit", "history", "--limit", "-1"),
        ("history-limit-word", "history", "--limit", "many"),
        ("history-missing-db", "history", "--db", "missing.db"),
        ("history-dir-db", "history", "--db", "somedir"),
        ("history-text-db", "history", "--db", "notes.txt"),
        ("history-unknown-option", "history", "--bogus"),
        ("compare-unknown-side", "compare", "nope", "rust@stable"),
        ("compare-same", "compare", "rust@stable", "rust@stable"),
        ("compare-same-runs", "compare", f"session:{s('toolchains')}",
         f"session:{s('toolchains')}"),
        ("compare-label", "compare", "label:nope", "rust@stable"),
        ("compare-rev", "compare", "rev:nope", "v1"),
        ("compare-session", "compare", "99999", "1"),
        ("compare-session-prefix", "compare", "session:abc", "1"),
        ("compare-toolchain-prefix", "compare", "toolchain:go@0.1", "1"),
        ("compare-metric", "compare", "v1", "v2", "--metric", "bogus"),
        ("compare-fail-negative", "compare", "v1", "v2", "--fail-above", "-1"),
        ("compare-fail-nan", "compare", "v1", "v2", "--fail-above", "nan"),
        ("compare-top", "compare", "v1", "v2", "--units", "--top", "0"),
        ("compare-units-load", "compare", "v1", "v2", "--units", "--metric", "rps"),
        ("compare-units-none", "compare", "rust@stable", "rust@nightly", "--units"),
        ("compare-format", "compare", "v1", "v2", "--format", "bogus"),
        ("compare-missing-arg", "compare", "v1"),
        ("compare-nothing-common", "compare", s("go-only"), s("crate")),
        ("compare-refused-sources", "compare", s("crate"), s("base"), "--project", "crate"),
        ("compare-load-none", "compare", s("base"), s("sizes"), "--metric", "rps"),
        ("export-format", "export", "--format", "bogus"),
        ("export-output", "export", "-o", "nodir/out.json"),
        ("report-format", "report", "--format", "bogus"),
        ("report-session-zero", "report", "--session", "0"),
        ("report-session-missing", "report", "--session", "99999"),
        ("report-all-and-session", "report", "--all", "--session", "1"),
        ("report-html-dir", "report", "--html", "somedir"),
        ("report-html-nodir", "report", "--html", "nodir/r.html"),
        ("report-machine", "report", "--machine", "nope"),
        ("report-nothing", "report", "--project", "tiny", "--scenario", "cold"),
        ("report-payoff-only", "report", "--session", s("payoff")),
        ("breakdown-run", "breakdown", "999999"),
        ("breakdown-session", "breakdown", "s99999"),
        ("breakdown-word", "breakdown", "foo"),
        ("breakdown-no-units-trace", "breakdown", s("plain_run"), "--format", "trace"),
        ("breakdown-output-table", "breakdown", s("units_run"), "-o", "x.json"),
        ("breakdown-format", "breakdown", s("units_run"), "--format", "bogus"),
        ("run-runs-zero", "run", "--runs", "0"),
        ("run-runs-word", "run", "--runs", "many"),
        ("run-runs-negative", "run", "--runs", "-3"),
        ("run-format", "run", "--format", "bogus"),
        ("run-jobs", "run", "--jobs", "0"),
        ("run-timeout", "run", "--timeout", "-1"),
        ("run-timeout-nan", "run", "--timeout", "nan"),
        ("run-warmup", "run", "--warmup", "-1"),
        ("run-precision", "run", "--runs", "auto", "--precision", "0"),
        ("run-sample-ms", "run", "--sample-ms", "0"),
        ("run-scenario", "run", "--scenario", "bogus"),
        ("run-profile", "run", "--profile", "bogus"),
        ("run-size", "run", "--size", "gigantic"),
        ("run-sample", "run", "--sample", "nope"),
        ("run-lang", "run", "--lang", "zig"),
        ("run-missing-path", "run", "no/such/dir"),
        ("run-rev-without-path", "run", "--rev", "main"),
        ("run-toolchain", "run", "--size", "tiny", "--toolchain", "zig@1"),
        ("tune-nothing", "tune"),
        ("tune-knob", "tune", "--sample", "tiny", "--knob", "bogus"),
        ("tune-format", "tune", "--sample", "tiny", "--format", "bogus"),
        ("tune-runs", "tune", "--sample", "tiny", "--runs", "0"),
        ("payoff-connections", "payoff", "--connections", "0"),
        ("payoff-old-duration", "payoff", "--duration", "1"),
        ("payoff-duration", "payoff", "--duration-s", "-1"),
        ("payoff-rounds", "payoff", "--rounds", "0"),
        ("payoff-build-runs", "payoff", "--build-runs", "few"),
        ("tune-runs-word", "tune", "--sample", "tiny", "--runs", "many"),
        ("payoff-format", "payoff", "--format", "bogus"),
        ("payoff-paths-without-routes", "payoff", "somedir", "somedir"),
        ("payoff-not-a-server", "payoff", "--sample", "cli-tool"),
        ("toolchain-install-bogus", "toolchain", "install", "zig@1"),
        ("toolchain-install-rust", "toolchain", "install", "rust@beta"),
        ("unknown-command", "frobnicate"),
        ("merge-missing", "merge", "missing.db", "--into", "out.db"),
        ("merge-same", "merge", "results.db", "--into", "results.db"),
        ("push-no-store", "push"),
        ("pull-no-store", "pull"),
    ]
    for name, *args in err:
        add(f"error-{name}", *args, dirs=("somedir",), files={"notes.txt": "not a database\n"})
    return out


CASES = _cases()
