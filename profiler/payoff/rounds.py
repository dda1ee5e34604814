"""payoff's rounds, scheduled the way the runner schedules builds.

Each round loads one server (a fresh start, a warm-up, the measured load). The
rounds of every connection count run in turn, one per contender (Go, Rust, Go,
Rust…), as scenarios.runner interleaves the cells of a block, so that a slow
period of the machine falls on both languages alike instead of on whichever ran
last. What runs a round is a `RoundExecutor` (payoff.session gives the real one:
servers and wrk); tests hand in a fake one, as the runner's tests hand it a fake
Executor, to check the schedule in milliseconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


class Contender(Protocol):
    """What the schedule needs of a contender (payoff.session.Contender)."""

    lang: str


@dataclass(frozen=True)
class RoundPlan:
    connections: tuple[int, ...]  # each connection count, in the order given
    rounds: int  # rounds per contender and connection count


@dataclass(frozen=True)
class RoundProgress:
    lang: str
    connections: int
    round: int  # 1-based, per connection count
    done: int  # rounds finished before this one
    total: int


@dataclass(frozen=True)
class RoundExecutor:
    """`load(contender, connections, round, log_dir)` runs one round and returns its
    figures (the load_runs columns it measured, `status` among them); `clock` gives
    the time each round starts at (seconds since the epoch)."""

    load: Callable[[Any, int, int, Path], dict[str, Any]]
    clock: Callable[[], float] = field(default=time.time)


def run_rounds(contenders: Sequence[Contender], plan: RoundPlan, work: Path,
               executor: RoundExecutor,
               on_result: Callable[[Any, int, int, str, dict[str, Any]], None],
               on_progress: Callable[[RoundProgress], None] | None = None) -> None:
    """Every round of the plan, interleaved: for each connection count, round after
    round, each contender in turn. `on_result(contender, connections, round, started,
    figures)` hears of each round as it ends (`started`: UTC, to the second); an
    exception (KeyboardInterrupt included) stops the schedule where it is raised."""
    total = len(plan.connections) * plan.rounds * len(contenders)
    done = 0
    for connections in plan.connections:
        for round_ in range(1, plan.rounds + 1):
            for c in contenders:
                if on_progress:
                    on_progress(RoundProgress(c.lang, connections, round_, done, total))
                started = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(executor.clock()))
                figures = executor.load(c, connections, round_,
                                        work / f"{c.lang}-{connections}-{round_}")
                on_result(c, connections, round_, started, figures)
                done += 1
