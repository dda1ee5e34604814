"""`history`: recorded cells (one row per session and cell), individual runs, and
the load cells of `payoff`, as a terminal table, JSON, CSV or Markdown."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from rich.console import Console

from profiler.analysis.wording import seconds, size
from profiler.model.cells import CellKey, CellSummary, Sample
from profiler.model.loads import LoadSummary
from profiler.report.console import Markup, median_mad, min_max, new_table, shown, statuses
from profiler.report.writers import (
    ci_text,
    date_text,
    markdown_table,
    ms_text,
    range_note,
    rps_text,
    seconds_text,
    write_csv,
    write_json,
)

HISTORY_FIELDS = ("session", "date", "label", "project", "lang", "toolchain", "scenario",
                  "edit", "profile", "jobs", "machine", "n", "failed", "wall_median",
                  "wall_mad", "wall_ci_low", "wall_ci_high", "wall_ci_pct", "wall_min",
                  "wall_max", "wall_mean", "user_mean", "sys_mean", "cpu_util_median",
                  "peak_rss_median", "tree_peak_rss_median", "artifact_bytes",
                  "content_hash", "variant")  # variant: a `tune` knob, else baseline (last:


def history_row(c: CellSummary) -> dict[str, Any]:
    """A history cell as one flat row of HISTORY_FIELDS."""
    k, wall = c.key, c.wall
    return {"session": c.session, "date": c.date, "label": c.label, "project": k.project,
            "lang": k.lang, "toolchain": k.toolchain, "scenario": k.scenario, "edit": k.edit,
            "profile": k.profile, "jobs": k.jobs, "variant": k.variant, "machine": c.machine,
            "n": c.n,
            "failed": c.failed, "wall_median": wall.median, "wall_mad": wall.mad,
            "wall_ci_low": wall.ci_low, "wall_ci_high": wall.ci_high,
            "wall_ci_pct": wall.ci_pct, "wall_min": wall.min, "wall_max": wall.max,
            "wall_mean": wall.mean, "user_mean": c.user.mean, "sys_mean": c.sys.mean,
            "cpu_util_median": c.cpu_util.median, "peak_rss_median": c.peak_rss.median,
            "tree_peak_rss_median": c.tree_peak_rss.median,
            "artifact_bytes": c.artifact_bytes, "content_hash": c.content_hash}


# A load cell (queries.load_cells, a LoadSummary): `buildprof payoff`'s rounds of one
# session, project, toolchain and connection count.
LOAD_FIELDS = ("session", "date", "label", "project", "lang", "toolchain", "connections",
               "profile", "machine", "n", "failed", "requests_per_s_median", "p50_ms_median",
               "p99_ms_median", "errors", "server_peak_rss_median", "content_hash")
# The columns the history CSV gains when load cells are in it (after HISTORY_FIELDS).
LOAD_CSV_EXTRA = tuple(f for f in LOAD_FIELDS if f not in HISTORY_FIELDS)
LOAD_TITLE = "Load runs (buildprof payoff)"


def load_row(s: LoadSummary) -> dict[str, Any]:
    """A load cell as one flat row of LOAD_FIELDS (and its machine's id): medians over
    its successful rounds, errors summed over all of them."""
    def med(sample: Sample) -> float | None:
        return None if sample.median is None else float(sample.median)

    return {"session": s.session, "date": s.date, "label": s.label, "project": s.key.project,
            "lang": s.lang, "toolchain": s.key.toolchain, "connections": s.connections,
            "profile": s.key.profile, "machine": s.machine, "machine_id": s.machine_id,
            "n": s.n, "failed": s.failed, "requests_per_s_median": med(s.rps),
            "p50_ms_median": med(s.p50), "p99_ms_median": med(s.p99), "errors": s.errors,
            "server_peak_rss_median": med(s.server_rss), "content_hash": s.content_hash}


def history_json(cells: Sequence[CellSummary], out: TextIO,
                 load_cells: Sequence[LoadSummary] = ()) -> None:
    """`{"cells": [...], "load_cells": [...]}`: the build cells as before (each a
    HISTORY_FIELDS row with its `times`), and the load cells of `buildprof payoff`
    under their own key (each a LOAD_FIELDS row with its rounds' `requests_per_s`;
    `n` counts the successful rounds), an empty list when there are none. A reader
    of `cells` sees what it always did."""
    write_json({"cells": [{**history_row(c), "times": c.wall.values} for c in cells],
                "load_cells": [{**{k: row[k] for k in LOAD_FIELDS},
                                "requests_per_s": s.rps.values}
                               for s, row in zip(load_cells, map(load_row, load_cells),
                                                 strict=True)]}, out)


def history_csv(cells: Sequence[CellSummary], out: TextIO,
                load_cells: Sequence[LoadSummary] = ()) -> None:
    """One row per build cell (HISTORY_FIELDS). With load cells, the header gains
    LOAD_CSV_EXTRA (connections, requests/s, p50, p99, errors, server peak RSS) and
    each load cell is a row with `scenario` = `load` (`n`: successful rounds), after
    the build cells; without them the CSV is exactly as before."""
    if not load_cells:
        write_csv([history_row(c) for c in cells], HISTORY_FIELDS, out)
        return
    rows = [history_row(c) for c in cells]
    rows += [{**{k: row[k] for k in LOAD_FIELDS}, "scenario": "load"}
             for row in map(load_row, load_cells)]
    write_csv(rows, (*HISTORY_FIELDS, *LOAD_CSV_EXTRA), out)


def n_text(c: CellSummary) -> str:
    """n, and how many runs failed: `5 (1 failed)`."""
    return f"{c.n}" + (f" ({c.failed} failed)" if c.failed else "")


def history_markdown(cells: Sequence[CellSummary], out: TextIO,
                     load_cells: Sequence[LoadSummary] = ()) -> None:
    """The build cells' table, then, when there are load cells, a heading
    LOAD_TITLE and theirs (the build table is left out when it would be empty)."""
    heads = ("session", "date (UTC)", "label", "project", "toolchain", "scenario", "profile",
             "machine", "n", "wall median ± MAD", "95% CI", "peak RSS")
    rows = [[c.session, date_text(c.date), c.label, c.key.project, c.key.toolchain,
             c.key.scenario_text, c.key.profile, c.machine, n_text(c),
             f"{seconds_text(c.wall.median)} ± {seconds_text(c.wall.mad)}" if c.n else "-",
             ci_text(c.wall) if c.n else "-", size(c.peak_rss.median)] for c in cells]
    if cells or not load_cells:
        markdown_table(heads, rows, out, right=(0, 8, 9, 10, 11))
        if note := range_note(c.wall for c in cells):
            out.write(f"\n{note}\n")
    if load_cells:
        out.write(f"\n### {LOAD_TITLE}\n\n" if cells else f"### {LOAD_TITLE}\n\n")
        markdown_table(LOAD_HEADS, [load_columns(load_row(s)) for s in load_cells], out,
                       right=(0, 6, 7, 8, 9, 10, 11, 12))
        out.write(f"\n{LOAD_NOTE}\n")


# The load cells' columns, in every table that shows them (terminal and Markdown).
LOAD_HEADS = ("session", "date (UTC)", "label", "project", "toolchain", "machine",
              "connections", "rounds", "req/s", "p50", "p99", "errors", "server RSS")


LOAD_NOTE = ("req/s, p50, p99 and server RSS (peak): medians over the successful rounds; "
             "errors: summed over every round")


def rounds_text(lc: dict[str, Any]) -> str:
    """Successful rounds, and how many failed: `5 (1 failed)`."""
    return f"{lc['n']}" + (f" ({lc['failed']} failed)" if lc.get("failed") else "")


def load_columns(lc: dict[str, Any]) -> list[str]:
    """A load cell as the LOAD_HEADS columns' text."""
    return [str(lc["session"]), date_text(lc.get("date")), lc.get("label") or "",
            lc.get("project") or "", lc.get("toolchain") or "",
            lc.get("machine") or "", str(lc["connections"]), rounds_text(lc),
            rps_text(lc.get("requests_per_s_median")), ms_text(lc.get("p50_ms_median")),
            ms_text(lc.get("p99_ms_median")), str(lc.get("errors") or 0),
            size(lc.get("server_peak_rss_median"))]


RUN_FIELDS = ("id", "session_id", "started", "label", "project", "lang", "toolchain",
              "scenario", "edit", "profile", "jobs", "machine", "iteration", "warmup",
              "status", "wall_s", "user_s", "sys_s", "cpu_util", "peak_rss_bytes",
              "tree_peak_rss_bytes", "processes", "exit_code", "artifact_bytes",
              "rebuilt_units", "content_hash", "disturbed", "command", "variant")


def runs_json(runs: Sequence[dict[str, Any]], out: TextIO) -> None:
    write_json({"runs": [{k: r.get(k) for k in RUN_FIELDS} for r in runs]}, out)


def runs_csv(runs: Sequence[dict[str, Any]], out: TextIO) -> None:
    write_csv(runs, RUN_FIELDS, out)


def runs_markdown(runs: Sequence[dict[str, Any]], out: TextIO) -> None:
    heads = ("run", "session", "started (UTC)", "project", "toolchain", "scenario", "profile",
             "run #", "status", "wall", "peak RSS")
    rows = [[r["id"], r["session_id"], r["started"], r["project"], r["toolchain"],
             CellKey.of(r).scenario_text, r["profile"],
             "warm-up" if r["warmup"] else str(r["iteration"]), r["status"],
             seconds_text(r["wall_s"]), size(r.get("peak_rss_bytes"))] for r in runs]
    markdown_table(heads, rows, out, right=(0, 1, 9, 10))


# -- the terminal ---------------------------------------------------------------------


def history_table(cells: Sequence[CellSummary], console: Console,
                  title: str | None = None) -> None:
    """One row per session and cell, newest session first."""
    machines = {c.machine_id for c in cells}
    cols = [("session", "right"), ("date (UTC)", "left"), ("label", "left"),
            ("project", "left"), ("toolchain", "left"), ("scenario", "left"),
            ("profile", "left")]
    if len(machines) > 1:
        cols.append(("machine", "left"))
    cols += [("n", "right"), ("wall median ± MAD", "right"), ("95% CI", "right"),
             ("min – max", "right"), ("peak RSS", "right")]
    table = new_table(title or f"History: {len(cells)} cell(s), newest first", cols)
    for c in cells:
        if c.n:
            wall, ci, span = median_mad(c), ci_text(c.wall), min_max(c)
        else:
            wall, ci, span = statuses(c), "-", "-"
        row = [str(c.session), date_text(c.date), c.label or "", c.key.project_text,
               c.key.toolchain, c.key.scenario_text, c.key.profile]
        if len(machines) > 1:
            row.append(c.machine or "")
        n = Markup(f"{c.n} [red]({c.failed} failed)[/red]") if c.failed else str(c.n)
        row += [n, wall, ci, span, size(c.peak_rss.median)]
        table.add_row(*row)
    console.print(table)
    if note := range_note(c.wall for c in cells):
        console.print(note, highlight=False)


def load_table(load_cells: Sequence[LoadSummary], console: Console) -> None:
    """`buildprof payoff`'s rounds, one row per session and load cell (project,
    toolchain, connections), newest session first: medians over the successful
    rounds, errors summed over all of them. The machine only when there are several."""
    several = len({s.machine_id for s in load_cells}) > 1
    left = {"date (UTC)", "label", "project", "toolchain", "machine"}
    keep = [i for i, h in enumerate(LOAD_HEADS) if h != "machine" or several]
    table = new_table(LOAD_TITLE, [(LOAD_HEADS[i], "left" if LOAD_HEADS[i] in left else "right")
                                for i in keep])
    for lc in map(load_row, load_cells):
        cols = load_columns(lc)
        for name, bad in (("rounds", lc.get("failed")), ("errors", lc.get("errors"))):
            if bad:
                i = LOAD_HEADS.index(name)
                cols[i] = Markup(f"[red]{shown(cols[i])}[/red]")
        table.add_row(*(cols[i] for i in keep))
    table.caption, table.caption_justify = LOAD_NOTE, "left"
    console.print(table)


def runs_table(runs: Sequence[dict[str, Any]], console: Console) -> None:
    """Individual runs, newest first; warm-ups are marked and never in a median."""
    table = new_table(f"Runs: {len(runs)}, newest first",
                   [("run", "right"), ("session", "right"), ("started (UTC)", "left"),
                    ("project", "left"), ("toolchain", "left"), ("scenario", "left"),
                    ("profile", "left"), ("#", "right"), ("status", "left"),
                    ("wall", "right"), ("CPU", "right"), ("peak RSS", "right"),
                    ("peak tree", "right")])
    for r in runs:
        status = shown(r["status"]) if r["status"] == "ok" else f"[red]{shown(r['status'])}[/red]"
        if r.get("disturbed"):
            status += " [yellow](disturbed)[/yellow]"
        status = Markup(status)
        cpu = (r["user_s"] or 0) + (r["sys_s"] or 0)
        table.add_row(str(r["id"]), str(r["session_id"]), date_text(r.get("started")),
                      r["project"], r["toolchain"], CellKey.of(r).scenario_text, r["profile"],
                      "warm-up" if r["warmup"] else str(r["iteration"]), status,
                      seconds(r["wall_s"]), seconds(cpu), size(r.get("peak_rss_bytes")),
                      size(r.get("tree_peak_rss_bytes")))
    console.print(table)
