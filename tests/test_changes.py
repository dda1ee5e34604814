"""Change point detection on known series (no builds): profiler.analysis.changes and the
vendored Otava E-divisive code it runs."""

from __future__ import annotations

import numpy as np

from profiler.analysis.changes import change_points, detect, series


def test_two_mean_shifts_are_found_where_they_are() -> None:
    """Matteson and James's setting: independent normal values whose mean shifts
    twice (here 10 → 13 → 10, sd 1, 100 values each)."""
    rng = np.random.default_rng(7)
    values = np.concatenate([rng.normal(10, 1, 100), rng.normal(13, 1, 100),
                             rng.normal(10, 1, 100)])
    found = [i for i, _ in detect(values)]
    assert len(found) == 2
    assert abs(found[0] - 100) <= 2 and abs(found[1] - 200) <= 2


def test_noise_alone_has_no_change_point() -> None:
    rng = np.random.default_rng(3)
    assert detect(rng.lognormal(0, 0.02, 60)) == []
    assert detect([1.0] * 20) == []
    assert detect([1.0, 2.0]) == []  # too short to split


def test_a_bump_has_both_edges() -> None:
    """A step up then down: tested against the whole rest of the series the first
    edge is weak, against its neighbours both are strong (the lenient first pass)."""
    v = [0.333, 0.339, 0.332, 2.122, 2.217, 2.119, 2.31, 2.052, 1.987, 1.93, 0.304, 0.287,
         0.318, 0.334]
    assert [i for i, _ in detect(v)] == [3, 10]


def test_a_clean_bump_is_not_cut_into_untestable_pieces() -> None:
    """Measured (tests/watchrepo.py's Go range, medians of 3 runs): at the lenient
    first pass alone the bump is split into one-point pieces that test at p = 1, and
    the merge dropped both edges; the middle first-pass levels keep them."""
    v = [0.205, 0.223, 0.222, 1.463, 1.509, 1.503, 1.539, 1.514, 1.515, 1.576, 0.245,
         0.219, 0.224, 0.225]
    assert [i for i, _ in detect(v)] == [3, 10]


def test_one_high_commit_at_a_step_is_not_a_level_of_its_own() -> None:
    """Measured (the same range, another day): the bump's first commit was 8% above
    the rest of it, and the passes' union held a change point at each side of that one
    point. The weaker goes; a one-commit blip, both of whose edges go, is no step."""
    v = [0.223, 0.213, 0.221, 1.504, 1.389, 1.376, 1.388, 1.386, 1.391, 1.405, 0.234,
         0.213, 0.2, 0.197]
    assert [i for i, _ in detect(v)] == [3, 10]
    assert detect([1.0, 1.01, 0.99, 1.0, 1.5, 1.0, 1.01, 0.99, 1.0, 1.02]) == []
    assert [i for i, _ in detect([1.0, 1.01, 0.99, 1.0, 1.0, 1.02, 1.01, 0.99, 1.0, 1.5])
            ] == [9]  # a step at the newest commit is an edge, not a point between two


def test_a_strong_step_beside_a_removed_weak_one_is_kept() -> None:
    """Measured (the Rust fixture's range, one run a commit): the split step finds
    2 (strong) and 3 (weak). Removing 3 must re-test 2 against everything after it;
    Otava 0.8.0 re-tested the wrong neighbour and dropped the step."""
    found = detect([0.299, 0.28, 2.514, 2.378, 2.286, 2.213])
    assert [i for i, _ in found] == [2] and found[0][1] < 0.001


def test_a_small_step_below_the_least_magnitude_is_not_reported() -> None:
    rng = np.random.default_rng(11)
    base = rng.normal(1.0, 0.001, 40)
    base[20:] *= 1.01  # 1%: significant, but below the 2% least change
    assert detect(base) == []
    assert [i for i, _ in detect(base, min_magnitude_pct=0.5)] == [20]


def _row(i: int, commit: str | None, order: int | None, wall: float | None, status: str = "ok",
         session: int = 1, started: str = "2026-01-01T00:00:00") -> dict:
    return {"id": i, "session_id": session, "machine_id": "m1", "machine": "box",
            "project": "app", "lang": "go", "toolchain": "go@1.26.8", "scenario": "clean",
            "profile": "debug", "jobs": None, "edit": None, "rev": commit, "variant": None,
            "commit_hash": commit, "commit_order": order, "commit_date": started,
            "commit_subject": f"s{order}", "status": status, "wall_s": wall,
            "started": started, "session_started": started, "toolchain_version": "1.26.8",
            "compiled_loc": None, "stderr_tail": "./main.go:1:1: syntax error" if wall is None
            else None, "repo": None, "project_path": None}


def test_series_follow_commit_order_and_keep_failed_commits() -> None:
    rows = []
    walls = {1: 1.0, 2: 1.01, 3: None, 4: 0.99, 5: 2.0, 6: 2.02, 7: 1.98}
    for order in (7, 1, 5, 3, 2, 6, 4):  # recorded in another order than the commits'
        w = walls[order]
        rows.append(_row(order, f"{order:040x}", order, w, "ok" if w else "failed"))
    (s,) = series(rows)
    assert [p.order for p in s.points] == [1, 2, 3, 4, 5, 6, 7]
    assert s.points[2].failed and "syntax error" in (s.points[2].error or "")
    assert [p.order for p in s.measured] == [1, 2, 4, 5, 6, 7]
    (cp,) = change_points(s, min_magnitude_pct=2)
    assert cp.point.order == 5 and cp.previous.order == 4 and cp.slower


def test_runs_without_a_commit_are_a_series_of_sessions() -> None:
    rows = [_row(i, None, None, 1.0 + i / 1000, session=i, started=f"2026-01-0{i}T00:00:00")
            for i in range(1, 6)]
    (s,) = series(rows)
    assert not s.by_commit and [p.label for p in s.points] == [f"session {i}"
                                                               for i in range(1, 6)]


def test_units_that_moved_most_are_named() -> None:
    """With --breakdown runs on both sides, the cause lists the units whose time moved
    most, new and gone ones included (the unit diff of `compare --units`)."""
    from profiler.analysis.changes import explain

    rows = []
    for order, wall in ((1, 1.0), (2, 1.0), (3, 1.0), (4, 3.0), (5, 3.0), (6, 3.0)):
        rows.append(_row(order, f"{order:040x}", order, wall))
    (s,) = series(rows)
    (cp,) = change_points(s)

    def units_of_run(run_id: int) -> list[dict]:
        unit = lambda name, t: {"name": name, "kind": "compile", "wall_s": t,  # noqa: E731
                                "cpu_s": t, "peak_rss_bytes": 1}
        if run_id < 4:
            return [unit("app", 0.5), unit("dep", 0.3), unit("old", 0.1)]
        return [unit("app", 0.6), unit("dep", 0.3), unit("gen", 1.9)]

    units = explain(cp, units_of_run).cause.units
    assert units[0] == ("gen", None, 1.9)  # new, and the largest move
    assert ("app", 0.5, 0.6) in units and ("old", 0.1, None) in units
    assert explain(cp, lambda run_id: []).cause.units == ()  # no --breakdown: none


def test_bisect_renders_its_culprit_probes_and_skips() -> None:
    """bisect's three formats from one result (the search itself: tests/test_watch.py)."""
    import io

    from rich.console import Console

    from profiler.analysis.changes import Cause
    from profiler.analysis.twosample import TwoSample
    from profiler.model.cells import Sample
    from profiler.report.bisect import bisect_dict, bisect_markdown, bisect_terminal
    from profiler.session.bisect import Bisection, Probe
    from profiler.sources.commits import CommitInfo

    a = Sample((1.0, 1.01, 0.99, 1.0))
    slow = TwoSample.of(a, Sample((2.0, 2.1, 1.9, 2.0)))
    same = TwoSample.of(a, Sample((1.0, 1.02, 0.98, 1.0)))
    r = Bisection("a" * 40, "b" * 40, ["c" * 40, "d" * 40, "b" * 40], 5.0)
    r.probes = [Probe("b" * 40, "head", slow, True), Probe("c" * 40, "wip", None, False,
                                                          "syntax error"),
                Probe("d" * 40, "add tables", slow, True)]
    r.culprit = CommitInfo("d" * 40, "add tables", "Ada <ada@example.com>", "2026-01-07T00:00:00")
    r.parent, r.against_parent = "a" * 40, slow
    r.cause = Cause(compiled_loc=(9, 4010), files=1, top_dirs=((".", 1),))
    out = io.StringIO()
    bisect_markdown(r, out)
    md = out.getvalue()
    assert md.startswith("### First slower commit (of 3 after A): dddddddddddd add tables")
    assert "| 2 | `cccccccccccc` | wip | | | | | skipped: syntax error |" in md
    assert "- lines compiled: 9 → 4,010" in md
    console = Console(file=io.StringIO(), width=200)
    bisect_terminal(r, console)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "Skipped (did not build): cccccccccccc" in text and "against A: 1.00 s → 2.00 s" in text
    data = bisect_dict(r)
    assert data["found"] and data["culprit"]["author"] == "Ada <ada@example.com>"
    assert [p["skipped"] for p in data["probes"]] == [False, True, False]
    r2 = Bisection("a" * 40, "b" * 40, ["b" * 40], 5.0, probes=[Probe("b" * 40, "h", same,
                                                                      False)])
    out = io.StringIO()
    bisect_markdown(r2, out)
    assert "is not slower than" in out.getvalue() and "nothing to find" in out.getvalue()
