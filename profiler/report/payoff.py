"""The payoff table: build cost against runtime, Go beside Rust.

`payoff_rows` is the table as text cells; the terminal (rich) and the report
(Markdown, HTML) draw the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console

from profiler.analysis.payoff import Gap, Payoff, server_rss
from profiler.analysis.wording import seconds, size
from profiler.model.loads import LoadSummary
from profiler.report.console import SafeTable

TITLE = "What the build time buys"  # the report's section
HEADERS = ("", "Go", "Rust", "Rust against Go")


def _ratio(go: float | None, rust: float | None) -> str:
    if go is None or rust is None or go == 0:
        return "-"
    return f"{rust / go:.2f}×"


def _diff_s(go: float | None, rust: float | None) -> str:
    if go is None or rust is None:
        return "-"
    d = rust - go
    return f"{'+' if d >= 0 else '-'}{seconds(abs(d))} ({_ratio(go, rust)})"


def payoff_rows(go: dict[str, Any], rust: dict[str, Any], gaps: Sequence[Gap]
                ) -> list[list[str]]:
    edit = rust.get("incremental_edit") or go.get("incremental_edit")
    rows = [
        ["clean release build", seconds(go.get("clean_release_s")),
         seconds(rust.get("clean_release_s")),
         _diff_s(go.get("clean_release_s"), rust.get("clean_release_s"))],
        ["clean debug build", seconds(go.get("clean_debug_s")), seconds(rust.get("clean_debug_s")),
         _diff_s(go.get("clean_debug_s"), rust.get("clean_debug_s"))],
        [f"incremental debug build ({edit or 'edit'})", seconds(go.get("incremental_debug_s")),
         seconds(rust.get("incremental_debug_s")),
         _diff_s(go.get("incremental_debug_s"), rust.get("incremental_debug_s"))],
        ["release binary", size(go.get("binary_bytes")), size(rust.get("binary_bytes")),
         _ratio(go.get("binary_bytes"), rust.get("binary_bytes"))],
    ]
    for g in gaps:
        c = g.connections
        rows += [
            [f"requests/s at {c} connections", f"{g.go.rps.median:,.0f}",
             f"{g.rust.rps.median:,.0f}", f"{g.rps_pct:+.1f}% ({g.p_verdict(rounds=True)})"],
            [f"latency p50 / p99 at {c}", f"{g.go.p50.median:.2f} / {g.go.p99.median:.2f} ms",
             f"{g.rust.p50.median:.2f} / {g.rust.p99.median:.2f} ms",
             f"p99 {_ratio(g.go.p99.median, g.rust.p99.median)}"],
            [f"server peak RSS at {c}", size(server_rss(g.go)), size(server_rss(g.rust)),
             f"{g.rss_pct_of_go:.0f}% of Go's"],
            [f"server CPU per round at {c}", seconds(g.go.server_cpu.median),
             seconds(g.rust.server_cpu.median),
             _ratio(g.go.server_cpu.median, g.rust.server_cpu.median)],
            [f"errors at {c} (all rounds)", str(g.go.errors), str(g.rust.errors), ""],
        ]
    return rows


def payoff_table(rows: list[list[str]], console: Console, title: str) -> None:
    table = SafeTable(title=title, title_justify="left")
    for i, h in enumerate(HEADERS):
        table.add_column(h, justify="left" if i == 0 else "right")
    for r in rows:
        table.add_row(*r)
    console.print(table)


def payoff_markdown(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|---|---:|---:|---:|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def summary_json(s: LoadSummary) -> dict[str, Any]:
    """One language at one connection count, as `payoff --format json` lists it."""
    return {"lang": s.lang, "connections": s.connections, "rounds": s.n,
            "requests_per_s": s.rps.median, "p50_ms": s.p50.median, "p90_ms": s.p90.median,
            "p99_ms": s.p99.median, "errors": s.errors,
            "server_peak_rss_bytes": server_rss(s), "server_cpu_s": s.server_cpu.median}


def rows_of(p: Payoff) -> list[list[str]]:
    """The payoff table (payoff_rows) of a Payoff: its build costs and gaps."""
    return payoff_rows(p.go, p.rust, p.gaps)


def payoff_dict(session: dict[str, Any], p: Payoff, rounds: list[dict[str, Any]], *,
                loadgen: str, cores: str, mix: str) -> dict[str, Any]:
    """`payoff --format json`: the session, each language's summary at each connection
    count with its build costs, Rust against Go at each, the sentences, every round."""
    costs = {"go": p.go, "rust": p.rust}
    results = [{**summary_json(s), "build_wall_s": costs[s.lang]["clean_release_s"],
                "clean_debug_s": costs[s.lang]["clean_debug_s"],
                "incremental_debug_s": costs[s.lang]["incremental_debug_s"],
                "binary_bytes": costs[s.lang]["binary_bytes"]} for s in p.summaries]
    return {"session": session, "loadgen": loadgen, "cores": cores, "mix": mix,
            "results": results,
            "gaps": [{"connections": g.connections, "rps_pct": g.rps_pct,
                      "rss_pct_of_go": g.rss_pct_of_go, "seed_holds": g.seed_holds,
                      "u_test_p": g.test.p} for g in p.gaps],
            "summary": p.sentences, "rounds": rounds}
