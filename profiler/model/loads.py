"""A load cell: rounds of `buildprof payoff` (a server under load) summarised.

One type for every reader of load rounds (the rows of table load_runs): `history`
groups them per session, project, toolchain and connection count; `payoff` and the
report per language and connection count; `compare --metric rps|p99|server-rss`
per cell on each side. Medians are over the successful rounds (`ok`); errors are
summed over every round, failed ones included.

A load round's cell is written as a build cell's (`load_key`): scenario `load`,
the edit naming the connection count (`256 connections`), so that `compare`
matches load cells on project, language and connections by the rules it uses for
builds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from profiler.model.cells import CellKey, Row, Summary, measured

LOAD_SCENARIO = "load"

# What each measure reads from a load round; None: not measured in that round.
LOAD_MEASURES: dict[str, Callable[[Row], float | None]] = {
    "rps": lambda r: r.get("requests_per_s"),
    "p50": lambda r: r.get("p50_ms"),
    "p90": lambda r: r.get("p90_ms"),
    "p99": lambda r: r.get("p99_ms"),
    "server_rss": lambda r: r.get("server_peak_rss_bytes"),
    "server_cpu": lambda r: r.get("server_cpu_s"),
    "loadgen_cpu": lambda r: r.get("loadgen_cpu_s"),
    "duration": lambda r: r.get("duration_s"),
}


def load_key(row: Row) -> CellKey:
    """The cell of a load round: project, language and toolchain, scenario `load`,
    the binary's profile, and the connection count as its edit."""
    return CellKey(row.get("project") or "", row.get("lang") or "", row.get("toolchain") or "",
                   LOAD_SCENARIO, row.get("profile") or "release", None,
                   f"{row['connections']} connections")


@dataclass(frozen=True, eq=False)
class LoadSummary(Summary):
    """One load cell's rounds: requests per second, latency percentiles, the
    server's peak RSS and CPU, the load generator's CPU, each a Sample over the
    successful rounds."""

    connections: int = 0

    measures: ClassVar[dict[str, Callable[[Row], float | None]]] = LOAD_MEASURES

    @staticmethod
    def key_of(row: Row) -> CellKey:
        return load_key(row)

    rps = measured("rps")
    p50 = measured("p50")
    p90 = measured("p90")
    p99 = measured("p99")
    server_rss = measured("server_rss")
    server_cpu = measured("server_cpu")
    loadgen_cpu = measured("loadgen_cpu")
    duration = measured("duration")

    @classmethod
    def of(cls, rounds: Iterable[Row]) -> LoadSummary:
        """The summary of one load cell's rounds (load_runs rows with the project,
        toolchain, session and machine fields the queries add), in order."""
        rows = tuple(rounds)
        if not rows:
            raise ValueError("a load summary needs a round")
        first = rows[0]
        return cls(load_key(first), rows, **cls.origin(rows), connections=first["connections"])

    @property
    def lang(self) -> str:
        return self.key.lang

    @property
    def errors(self) -> int:
        """Errors summed over every round (timeouts, connection errors, non-2xx)."""
        return sum(r.get("errors") or 0 for r in self.runs)

    @property
    def loadgen_busy(self) -> float:
        """The load generator's CPU per second of load: near its core count, it (not
        the server) may be what limits the figures."""
        cpu, duration = self.loadgen_cpu.median, self.duration.median
        return cpu / duration if cpu is not None and duration else 0.0


def summarize_load(rounds: Iterable[Row], by: Callable[[Row], Any]) -> list[LoadSummary]:
    """Group load rounds by `by` (in order of first appearance) and summarise each."""
    groups: dict[Any, list[Row]] = {}
    for r in rounds:
        groups.setdefault(by(r), []).append(r)
    return [LoadSummary.of(rows) for rows in groups.values()]
