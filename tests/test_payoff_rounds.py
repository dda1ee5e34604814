"""payoff's schedule on a fake executor (payoff.rounds), as the runner's is tested on a
fake one: interleaved rounds, progress, and a stop that leaves no round half-recorded.
Milliseconds; the real rounds (servers under wrk) are tests/test_payoff.py's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from profiler.payoff.rounds import RoundExecutor, RoundPlan, RoundProgress, run_rounds


@dataclass(frozen=True)
class Fake:
    lang: str


GO, RUST = Fake("go"), Fake("rust")


def _schedule(plan: RoundPlan
              ) -> tuple[list[tuple[str, int, int]], list[RoundProgress], list[Any]]:
    loaded: list[tuple[str, int, int]] = []
    progress: list[RoundProgress] = []
    recorded: list[Any] = []

    def load(c: Fake, connections: int, round_: int, log_dir: Path) -> dict[str, Any]:
        loaded.append((c.lang, connections, round_))
        assert log_dir.name == f"{c.lang}-{connections}-{round_}"
        return {"status": "ok", "requests_per_s": 1000.0 * (len(loaded))}

    def record(c: Fake, connections: int, round_: int, started: str, row: dict[str, Any]
               ) -> None:
        recorded.append((c.lang, connections, round_, started, row["requests_per_s"]))

    run_rounds([GO, RUST], plan, Path("/work"), RoundExecutor(load, clock=lambda: 0.0),
               record, progress.append)
    return loaded, progress, recorded


def test_rounds_alternate_between_the_languages_at_each_connection_count() -> None:
    loaded, progress, recorded = _schedule(RoundPlan((16, 256), rounds=2))
    assert loaded == [("go", 16, 1), ("rust", 16, 1), ("go", 16, 2), ("rust", 16, 2),
                      ("go", 256, 1), ("rust", 256, 1), ("go", 256, 2), ("rust", 256, 2)]
    assert [(p.lang, p.connections, p.round, p.done, p.total) for p in progress] == [
        (lang, c, r, i, 8) for i, (lang, c, r) in enumerate(loaded)]
    # Each round is recorded as it ends, with when it started (UTC, the executor's clock).
    assert [r[:3] for r in recorded] == loaded
    assert {r[3] for r in recorded} == {"1970-01-01T00:00:00"}
    assert [r[4] for r in recorded] == [1000.0 * i for i in range(1, 9)]


def test_an_interrupt_stops_the_schedule_and_records_only_finished_rounds() -> None:
    loaded: list[tuple[str, int, int]] = []
    recorded: list[Any] = []

    def load(c: Fake, connections: int, round_: int, log_dir: Path) -> dict[str, Any]:
        if len(loaded) == 3:
            raise KeyboardInterrupt
        loaded.append((c.lang, connections, round_))
        return {"status": "ok"}

    with pytest.raises(KeyboardInterrupt):
        run_rounds([GO, RUST], RoundPlan((32,), 3), Path("/w"), RoundExecutor(load),
                   lambda c, conn, r, *_: recorded.append((c.lang, conn, r)))
    assert recorded == [("go", 32, 1), ("rust", 32, 1), ("go", 32, 2)]


def test_one_language_alone_is_scheduled_too() -> None:
    loaded, progress, _ = _schedule(RoundPlan((8,), rounds=1))
    assert loaded == [("go", 8, 1), ("rust", 8, 1)] and progress[-1].total == 2
