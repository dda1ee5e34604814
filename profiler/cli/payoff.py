"""`buildprof payoff`: what the build time buys, measured on the same machine."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from profiler.cli.options import DbOption, LabelOption, format_option, parse_runs, parse_whole
from profiler.errors import UsageError
from profiler.scenarios.definitions import split_values

DEFAULT_SAMPLE = "http-service"


class _Lines:
    """What a payoff says while it runs: one plain line per step, on stderr."""

    def __init__(self, console: Any) -> None:
        self.console = console

    def note(self, text: str) -> None:
        self.console.print(text, highlight=False, soft_wrap=True)

    def round_started(self, lang: str, connections: int, round_: int, done: int,
                      total: int) -> None:
        self.console.print(f"[{done + 1}/{total}] {lang} at {connections} connections, "
                           f"round {round_}", highlight=False)

    def round_done(self, row: dict[str, Any]) -> None:
        from profiler.analysis.wording import size

        text = (f"    {row['lang']}: {row['requests_per_s']:,.0f} req/s, p50 "
                f"{row['p50_ms']:.2f} ms, p99 {row['p99_ms']:.2f} ms, errors {row['errors']}, "
                f"server peak RSS {size(row['server_peak_rss_bytes'])}, "
                f"CPU {row['server_cpu_s']:.1f} s")
        if row["status"] != "ok":
            text += f" [failed: {row['error']}]"
        self.console.print(text, highlight=False, soft_wrap=True)


def _connections(values: list[str]) -> list[int]:
    out = []
    for v in values:
        n = parse_whole(v)
        if n is None or n < 1:
            raise UsageError(f"--connections takes whole numbers of at least 1 (got '{v}')")
        out.append(n)
    return out


def _positive(name: str, value: float, zero_ok: bool = False) -> None:
    if not (value >= 0 if zero_ok else value > 0) or value != value or value == float("inf"):
        raise UsageError(f"{name} must be a {'non-negative' if zero_ok else 'positive'} "
                         f"number of seconds (got {value:g})")


def payoff(
    paths: Annotated[list[Path] | None, typer.Argument(
        metavar="[GO_DIR RUST_DIR]", help="Your own Go and Rust servers (with --routes); "
                                          "default: --sample http-service",
        show_default=False)] = None,
    sample: Annotated[str | None, typer.Option(
        help="A real-world sample that is a server", show_default=False)] = None,
    routes: Annotated[Path | None, typer.Option(
        help="Route file: how to start the servers and the request mix (docs/payoff.md); "
             "a server sample has its own", show_default=False)] = None,
    connections: Annotated[list[str] | None, typer.Option(
        help="Concurrent connections, one or more (comma-separated): 64,256,10000 "
             "[default: 256]", show_default=False)] = None,
    duration: Annotated[float, typer.Option(
        "--duration-s", help="Seconds of measured load per round")] = 20.0,
    warmup: Annotated[float, typer.Option(
        "--warmup-s", help="Seconds of load before each measured round (not recorded)")] = 5.0,
    rounds: Annotated[int, typer.Option(
        help="Rounds per language and connection count, interleaved Go, Rust, Go, Rust…")] = 3,
    build_runs: Annotated[str, typer.Option(
        "--build-runs", help="Timed runs of each build cell when the history lacks them, or "
                             "'auto' (as run --runs)")] = "3",
    request_timeout: Annotated[float, typer.Option(
        "--request-timeout-s", help="Seconds before wrk counts a request as timed out")
    ] = 10.0,
    toolchain: Annotated[list[str] | None, typer.Option(
        help="Toolchain(s): go@1.26.8, rust@nightly (default: the ones on PATH)",
        show_default=False)] = None,
    label: LabelOption = None,
    db: DbOption = None,
    fmt: format_option("table", "json") = "table",
) -> None:
    """Load the same service built in Go and in Rust, beside what each build costs.

    Builds both release binaries (or reuses those of a recorded clean release build
    of the same sources, toolchain and machine), starts each server on 127.0.0.1,
    checks that both answer the route file's requests alike, then drives them with
    wrk in turn (Go, Rust, Go, Rust…), pinned to separate cores when there are two
    or more. Prints build cost (clean release, clean debug, incremental debug,
    binary size) against runtime (requests/s, latency p50/p99, server peak RSS and
    CPU), and whether "Rust serves about 10% more requests" holds here. Every round
    is stored (table load_runs); `history`, `compare --metric rps` and `report`
    read them."""
    from profiler.payoff.session import PayoffRequest

    if rounds < 1:
        raise UsageError(f"--rounds takes a whole number of at least 1 (got {rounds})")
    n_build_runs = parse_runs(build_runs, "--build-runs")
    _positive("--duration-s", duration)
    _positive("--warmup-s", warmup, zero_ok=True)
    _positive("--request-timeout-s", request_timeout)
    paths = list(paths or [])
    if not paths and sample is None:
        sample = DEFAULT_SAMPLE
    if paths and routes is None:
        raise UsageError("your own servers need --routes FILE: how to start them and what "
                         "to send (docs/payoff.md shows the format)")
    req = PayoffRequest(
        sample=sample, paths=paths, routes=routes,
        connections=_connections(split_values(connections)) or [256],
        duration_s=duration, warmup_s=warmup, rounds=rounds, build_runs=n_build_runs,
        request_timeout_s=request_timeout, toolchains=split_values(toolchain), label=label,
        db_path=db,
        command_line=shlex.join(["buildprof", *sys.argv[1:]]))
    from profiler.cli.signals import install_signal_handlers
    from profiler.payoff.server import kill_live

    install_signal_handlers(kill_live)
    outcome = _execute(req)
    _show(outcome, fmt)
    if outcome.session["status"] != "completed":
        raise typer.Exit(1)


def _execute(req: Any) -> Any:
    from profiler.cli.progress import ProgressBar
    from profiler.payoff.session import execute
    from profiler.report.console import make_console

    err = make_console(stderr=True)
    with ProgressBar(err) as bar:
        return execute(req, _Lines(err), bar)


def _show(outcome: Any, fmt: str) -> None:
    from profiler.analysis.payoff import payoff_of
    from profiler.report import payoff as view

    found = payoff_of(outcome.rounds, {c.lang: c.costs for c in outcome.contenders})
    if fmt == "json":
        from profiler.report.writers import write_json

        write_json(view.payoff_dict(outcome.session, found, outcome.rounds,
                                    loadgen=outcome.loadgen, cores=outcome.cores,
                                    mix=outcome.mix), sys.stdout)
        return
    from profiler.report.console import make_console

    out = make_console()
    project = outcome.contenders[0].project.name
    title = (f"Payoff of {project}, session {outcome.session['id']} "
             f"({outcome.session['status']}): {outcome.loadgen}; {outcome.cores}")
    view.payoff_table(view.rows_of(found), out, title)
    for line in found.sentences:
        out.print(line, highlight=False, soft_wrap=True)
