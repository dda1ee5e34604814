"""The report's "What the build time buys" section: the payoff beside the build times.

`collect` turns the stored payoff rounds (db.load_runs) and each language's build
costs (db.build_costs, passed in as `costs_of` so that nothing here opens the
database) into a PayoffSection of text: the payoff table (report.payoff.payoff_rows),
its sentences (analysis.payoff.sentences) and what the rounds were run with. The
terminal, Markdown and HTML renderers draw the same PayoffSection, as they draw the
same GapReport, so the three outputs cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from profiler.analysis.payoff import build_costs, gaps, sentences, summarize
from profiler.report.payoff import payoff_rows

TITLE = "What the build time buys"
LANGS = ("go", "rust")

# db.build_costs: (project_id, toolchain_id, machine_id) -> the runs it costs from.
CostsOf = Callable[[int, str, str], list[dict[str, Any]]]


@dataclass(frozen=True)
class PayoffSection:
    """What the section shows; every field is ready to print."""

    caption: str  # the table's title: which builds, which session(s)
    rows: list[list[str]]  # report.payoff.payoff_rows: build cost against runtime
    sentences: list[str]  # analysis.payoff.sentences: the same in words
    facts: list[tuple[str, str]]  # (name, value): load generator, cores, mix, rounds
    notes: list[str]  # rounds of the selection the table leaves out, and why


def _distinct(rows: Sequence[dict[str, Any]], column: str) -> str:
    """The column's values in order of first appearance, `; `-joined: the rounds of one
    session share them, pooled sessions (--all) may not, and then each is shown."""
    values = dict.fromkeys(str(r[column]) for r in rows if r.get(column))
    return "; ".join(values) or "-"


def _sessions_text(ids: Sequence[int]) -> str:
    return f"session{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))}"


def collect(load_rows: Sequence[dict[str, Any]], costs_of: CostsOf, *,
            machine_id: str | None, newest_session_only: bool) -> PayoffSection | None:
    """The section for the rounds in `load_rows` (db.load_runs, already filtered like
    the report's runs), or None when there are none: no empty section.

    Only this machine's rounds count (`machine_id`: the report's, whose verdict is
    about one machine). `newest_session_only` is the report's default selection (no
    --session, --label, --since or --all): the newest payoff session alone. Of what
    remains, only the sessions that loaded each language's newest build (project
    content and toolchain) count, as the report keeps a sample's newest content:
    rounds of two builds would pool into a median of neither, and a session's Go
    rounds were run beside its own Rust ones. Left-out rounds are named in `notes`.
    """
    notes: list[str] = []
    rows = list(load_rows)
    if machine_id is not None:
        here = [r for r in rows if r["machine_id"] == machine_id]
        if len(here) < len(rows):
            notes.append(f"{len(rows) - len(here)} payoff round(s) on other machines are left "
                         f"out: the report is about this machine's builds.")
        rows = here
    if rows and newest_session_only:
        newest = max(r["session_id"] for r in rows)
        rows = [r for r in rows if r["session_id"] == newest]
    if not rows:
        return None
    builds: dict[str, tuple[int, str]] = {}
    for r in rows:  # oldest first, so the last one seen is the newest build
        builds[r["lang"]] = (r["project_id"], r["toolchain_id"])
    stale = {r["session_id"] for r in rows
             if builds[r["lang"]] != (r["project_id"], r["toolchain_id"])}
    kept = [r for r in rows if r["session_id"] not in stale]
    if len(kept) < len(rows):
        notes.append(f"{len(rows) - len(kept)} payoff round(s) of {_sessions_text(sorted(stale))} "
                     f"are left out: they loaded older builds (sources or toolchain), and only "
                     f"the newest build of each language counts (--session picks them).")
    rows = kept
    # A language without rounds (say --lang go) has no build to cost: "-" in the table.
    costs: dict[str, dict[str, Any]] = {lang: {} for lang in LANGS}
    for lang, (project_id, toolchain_id) in builds.items():
        costs[lang] = build_costs(costs_of(project_id, toolchain_id, rows[-1]["machine_id"]))
    gs = gaps(summarize(rows))
    if not gs:  # payoff_rows draws the runtime per gap: it would show none of the rounds
        notes.append("No connection count has rounds of both Go and Rust in this selection, "
                     "and the runtime rows set one beside the other: without both, only the "
                     "build costs are shown.")
    named = {r["lang"]: f"{r['project']} ({r['toolchain']})" for r in rows}
    sessions = sorted({r["session_id"] for r in rows})
    failed = sum(r["status"] != "ok" for r in rows)
    rounds = f"{len(rows)}" + (f" ({failed} failed)" if failed else "")
    return PayoffSection(
        caption=(f"Payoff of {' and '.join(named[lang] for lang in LANGS if lang in named)}, "
                 f"{_sessions_text(sessions)}"),
        rows=payoff_rows(costs["go"], costs["rust"], gs),
        sentences=sentences(costs["go"], costs["rust"], gs),
        facts=[("Load generator", _distinct(rows, "loadgen")),
               ("Cores", _distinct(rows, "cores")),
               ("Request mix", _distinct(rows, "mix")),
               ("Rounds", f"{rounds} in {_sessions_text(sessions)}")],
        notes=notes)
