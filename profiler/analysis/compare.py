"""Compare two sides of the history (toolchains, sessions or labels), as data.

`compare(store, "go@1.25.5", "go@1.26.8")` returns a `Comparison`: for every cell
measured on both sides, both medians with their 95% confidence intervals, the
change of B against A in %, and a Mann-Whitney U verdict at alpha = 0.05 (`~`
when not significant), plus a geometric-mean row, as benchstat reports. The CLI
turns it into text and an exit code (`regressions` for --fail-above).

How runs pair up. A cell is matched on project name, language, scenario, edit,
profile and jobs. Within such a match:

- content hash: pairs only with the same hash. When the two sides share no hash
  (the project's sources changed), the cell is refused: the difference would be
  the code, not the toolchain.
- machine: pairs only with the same machine. When the sides share no machine,
  the cell is refused unless `allow_cross_machine` (pyperf refuses to mix
  machines too); with it, the machines are pooled and the result says so.
- toolchain (when A and B are sessions or labels): pairs the same toolchain on
  both sides; when each side has a single, different one, those two are paired
  (a toolchain upgrade between two sessions).

Refused cells are listed with the reason; when every cell is refused, the
comparison itself is (CompareRefused, naming the option that would allow it).
Cells measured on one side only are listed, not compared.

Load metrics (`rps`, `p99`, `server-rss`) compare `buildprof payoff`'s rounds
(table load_runs) instead of builds, by the same engine: a round's cell
(profiler.model.loads.load_key) has scenario `load` and an edit naming the
connection count, so a load cell is matched on project, language and
connections, paired by content hash, machine and toolchain as above, and
summarised as a LoadSummary. For
requests per second higher is better: a significant drop is the regression
(`regressions`, `CellComparison.worse`); for p99 and server RSS, a rise is.
A build metric never reads load rounds, nor a load metric builds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from profiler.analysis.twosample import TwoSample, change_pct
from profiler.errors import UsageError
from profiler.model.cells import CellKey, CellSummary, Sample, Summary, short_rev
from profiler.model.filters import Filters
from profiler.model.loads import LoadSummary
from profiler.stats import ALPHA, geomean

if TYPE_CHECKING:
    from profiler.analysis.unitdiff import UnitDiff
    from profiler.storage.db import ResultsDB

# Each metric's unit and the measure it compares (model.cells.MEASURES for builds,
# model.loads.LOAD_MEASURES for the load rounds of `payoff`).
METRICS: dict[str, tuple[str, str]] = {
    "wall": ("s", "wall"),
    "cpu": ("s", "cpu"),
    "peak-rss": ("B", "peak_rss"),
    "tree-rss": ("B", "tree_peak_rss"),
    # Load rounds of `buildprof payoff` (LOAD_MEASURES read them).
    "rps": ("req/s", "rps"),
    "p99": ("ms", "p99"),
    "server-rss": ("B", "server_rss"),
}
METRIC_TEXT = {"wall": "wall time", "cpu": "CPU time (user+sys)",
               "peak-rss": "peak RSS of the largest process",
               "tree-rss": "peak RSS of the process tree",
               "rps": "requests per second under load (buildprof payoff)",
               "p99": "p99 latency under load (buildprof payoff)",
               "server-rss": "server peak RSS under load (buildprof payoff)"}
LOAD_METRICS = ("rps", "p99", "server-rss")
HIGHER_IS_BETTER = frozenset({"rps"})  # the others: lower is better


class CompareRefused(UsageError):
    """The two sides cannot be compared fairly (different sources or machines)."""


@dataclass(frozen=True)
class Side:
    """One side of a comparison: what the user wrote, and how it was read."""

    text: str
    kind: str  # "toolchain" | "session" | "label" | "rev"
    filters: Filters

    @property
    def title(self) -> str:
        if self.kind == "rev":
            return short_rev(self.text.removeprefix("rev:"))
        return f"session {self.text}" if self.kind == "session" else self.text


@dataclass(frozen=True, kw_only=True)
class CellComparison(TwoSample):
    """One cell measured on both sides: B's values against A's (TwoSample: the
    samples, the change, the U test, the verdict), and each side's rows summarised
    (`cell_a`, `cell_b`: a CellSummary, or a LoadSummary for a load metric)."""

    key: CellKey  # without a toolchain: each side may have its own (cell_*.toolchains)
    content_hash: str
    cell_a: Summary
    cell_b: Summary

    @property
    def label(self) -> str:
        """The cell as `compare` names it (each side may have its own toolchain)."""
        return self.key.title


@dataclass(frozen=True)
class Comparison:
    a: Side
    b: Side
    metric: str
    unit: str  # "s" or "B"
    alpha: float
    cells: list[CellComparison]
    only_a: list[str] = field(default_factory=list)  # cells measured on side A only
    only_b: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # why cells were not compared
    cross_machine: bool = False  # machines were pooled (allow_cross_machine)
    # Cells whose sides ran different builds of the compiler (an official rustc
    # against Debian's): one line per pair of toolchains (Backend.build_line).
    builds: list[str] = field(default_factory=list)

    @property
    def higher_is_better(self) -> bool:
        return self.metric in HIGHER_IS_BETTER

    @property
    def geomean_a(self) -> float:
        return geomean([c.a.median for c in self.cells])

    @property
    def geomean_b(self) -> float:
        return geomean([c.b.median for c in self.cells])

    @property
    def geomean_change_pct(self) -> float:
        """Geometric mean of the per-cell ratios B/A, as a change in %."""
        g = geomean([c.b.median / c.a.median for c in self.cells if c.a.median > 0])
        return change_pct(1.0, g)


def regressions(result: Comparison, above_pct: float) -> list[CellComparison]:
    """Cells where B is significantly worse than A by more than `above_pct` percent:
    what `--fail-above` gates on (TwoSample.worse_by_more_than)."""
    return [c for c in result.cells if c.worse_by_more_than(above_pct)]


def regression_line(cell: CellComparison, above_pct: float) -> str:
    """The stderr line `--fail-above` prints for a cell `regressions` returned; the
    p-value is the one against A moved by the threshold."""
    test = cell.threshold_test(above_pct)
    p = "" if test.p is None else f" (p={test.p:.3f})"
    if cell.higher_is_better:
        return (f"regression: {cell.label}: {cell.change_text}{p} is a drop of more than "
                f"--fail-above {above_pct:g}%")
    return (f"regression: {cell.label}: {cell.change_text}{p} is above --fail-above "
            f"{above_pct:g}%")


# -- pairing -------------------------------------------------------------------------


def _group(rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any]
           ) -> dict[Any, list[dict[str, Any]]]:
    out: dict[Any, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(key(r), []).append(r)
    return out


def _floats(sample: Sample) -> Sample:
    # Compared values are floats (bytes too), so medians and JSON read 1.0e8, not 100000000.
    return Sample(tuple(float(v) for v in sample.values))


def _short(h: str | None) -> str:
    return (h or "?")[:12]


@dataclass
class _Pairing:
    a: Side
    b: Side
    allow_cross_machine: bool
    by_toolchain: bool
    summary: type[CellSummary] | type[LoadSummary]  # what a side's rows are summarised by
    pairs: list[tuple[CellKey, list[dict[str, Any]], list[dict[str, Any]]]] = field(
        default_factory=list)
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    cross_machine: bool = False

    def run(self, rows_a: list[dict[str, Any]], rows_b: list[dict[str, Any]]) -> None:
        key = self.summary.key_of
        ga = _group(rows_a, lambda r: key(r).without_toolchain())
        gb = _group(rows_b, lambda r: key(r).without_toolchain())
        for base in ga.keys() - gb.keys():
            self.only_a.append(base.title + self._tc(ga[base]))
        for base in gb.keys() - ga.keys():
            self.only_b.append(base.title + self._tc(gb[base]))
        for base in [k for k in ga if k in gb]:
            self._by_hash(base, ga[base], gb[base])
        self.only_a.sort()
        self.only_b.sort()

    def _tc(self, rows: list[dict[str, Any]]) -> str:
        if self.by_toolchain:
            return ""
        return f" [{', '.join(self.summary.of(rows).toolchains)}]"

    def _by_hash(self, base: CellKey, a: list[dict[str, Any]], b: list[dict[str, Any]]) -> None:
        if self.a.kind == "rev" and self.b.kind == "rev":
            # Two revisions differ in their sources by design: the code is what is compared.
            self._by_machine(base, a, b)
            return
        ha = _group(a, lambda r: r["content_hash"])
        hb = _group(b, lambda r: r["content_hash"])
        common = [h for h in ha if h in hb]
        if not common:
            self.refused.append(
                f"{base.title}: not compared: built from different sources (A "
                f"{self.a.title}: content {', '.join(map(_short, ha))}; B {self.b.title}: "
                f"content {', '.join(map(_short, hb))}), so the difference would be the code; "
                f"compare runs of the same sources, or leave the project out with --project")
            return
        for h in ha.keys() - hb.keys():
            self.only_a.append(f"{base.title} content {_short(h)}")
        for h in hb.keys() - ha.keys():
            self.only_b.append(f"{base.title} content {_short(h)}")
        for h in common:
            self._by_machine(base, ha[h], hb[h])

    def _by_machine(self, base: CellKey, a: list[dict[str, Any]], b: list[dict[str, Any]]
                    ) -> None:
        ma = _group(a, lambda r: r["machine_id"])
        mb = _group(b, lambda r: r["machine_id"])
        common = [m for m in ma if m in mb]
        if not common:
            if not self.allow_cross_machine:
                def names(rows: list[dict[str, Any]]) -> str:
                    return ", ".join(f"{h} ({i[:8]})" for i, h in sorted(
                        {(r["machine_id"], r["machine"]) for r in rows}))
                self.refused.append(
                    f"{base.title}: not compared: A ({self.a.title}) ran on {names(a)}, "
                    f"B ({self.b.title}) on {names(b)}; timings from different machines are "
                    f"not comparable: pick one machine with --machine, or pass "
                    f"--allow-cross-machine")
                return
            self.cross_machine = True
            self._by_toolchain(base, a, b)
            return
        for m in common:
            self._by_toolchain(base, ma[m], mb[m])

    def _by_toolchain(self, base: CellKey, a: list[dict[str, Any]], b: list[dict[str, Any]]
                      ) -> None:
        if self.by_toolchain:
            self.pairs.append((base, a, b))
            return
        ta = _group(a, lambda r: r["toolchain"])
        tb = _group(b, lambda r: r["toolchain"])
        common = [t for t in ta if t in tb]
        if not common and len(ta) == 1 and len(tb) == 1:
            self.pairs.append((base, a, b))
            return
        for t in common:
            self.pairs.append((base, ta[t], tb[t]))
        for t in ta.keys() - tb.keys():
            self.only_a.append(f"{base.title} [{t}]")
        for t in tb.keys() - ta.keys():
            self.only_b.append(f"{base.title} [{t}]")


def compare_runs(rows_a: list[dict[str, Any]], rows_b: list[dict[str, Any]], a: Side,
                 b: Side, *, metric: str = "wall", alpha: float = ALPHA,
                 allow_cross_machine: bool = False) -> Comparison:
    """Pair the successful timed runs of both sides into cells and compare each.

    `rows_*` are run rows as `queries.fetch_samples` returns them, or for a load
    metric load rounds (`ResultsDB.load_runs`), summarised as LoadSummary. Cells
    whose sources or machines differ are refused (`Comparison.refused`, see the
    module docstring).
    """
    if metric not in METRICS:
        raise UsageError(f"unknown metric '{metric}'; use one of: {', '.join(METRICS)}")
    unit, measure = METRICS[metric]
    summary = LoadSummary if metric in LOAD_METRICS else CellSummary
    read = summary.measures[measure]
    by_toolchain = a.kind == "toolchain" and b.kind == "toolchain"
    # A run that did not measure the metric is in neither side's cell.
    rows_a = [r for r in rows_a if r["status"] == "ok" and read(r) is not None]
    rows_b = [r for r in rows_b if r["status"] == "ok" and read(r) is not None]
    pairing = _Pairing(a, b, allow_cross_machine, by_toolchain, summary)
    pairing.run(rows_a, rows_b)
    sides = [(summary.of(ra), summary.of(rb)) for _, ra, rb in pairing.pairs]
    samples = [(_floats(ca.sample(measure)), _floats(cb.sample(measure))) for ca, cb in sides]
    tests = TwoSample.tests(samples, alpha)
    higher = metric in HIGHER_IS_BETTER
    cells = [CellComparison(sa, sb, test, higher, key=base,
                            content_hash=ra[0]["content_hash"], cell_a=ca, cell_b=cb)
             for (base, ra, _), (ca, cb), (sa, sb), test
             in zip(pairing.pairs, sides, samples, tests, strict=True)]
    cells.sort(key=lambda c: (c.key.project, c.key.lang, c.key.scenario, c.key.edit or "",
                              c.key.profile, c.key.jobs or 0, c.cell_a.toolchains,
                              c.cell_a.machines))
    return Comparison(a, b, metric, unit, alpha, cells, pairing.only_a, pairing.only_b,
                      pairing.refused, pairing.cross_machine, different_builds(pairing.pairs))


def different_builds(pairs: list[tuple[CellKey, list[dict[str, Any]], list[dict[str, Any]]]]
                     ) -> list[str]:
    """A warning per pair of toolchains of a compared cell that are different builds
    of the compiler: the change then measures how the compiler was built (PGO,
    BOLT, LLVM linked statically or not) as much as the release."""
    from profiler.backends import backend_for
    from profiler.toolchains.base import origin

    out: dict[str, None] = {}
    for key, ra, rb in pairs:
        backend = backend_for(key.lang)
        sides = [{(r["toolchain"], r.get("provenance"), r.get("source")) for r in rows}
                 for rows in (ra, rb)]
        for ta, pa, sa in sorted(sides[0], key=str):
            for tb, pb, sb in sorted(sides[1], key=str):
                if pa and pb and backend.build_line(pa) != backend.build_line(pb):
                    out[f"warning: {ta} ({origin(pa, sa)}) and {tb} ({origin(pb, sb)}) are "
                        f"different builds of the compiler: the change measures how each "
                        f"was built as much as the release"] = None
    return list(out)


def load_samples(store: ResultsDB, f: Filters) -> list[dict[str, Any]]:
    """The successful load rounds matching `f`."""
    return [r for r in store.load_runs(f) if r["status"] == "ok"]


# -- reading the sides from the database -----------------------------------------------


SIDE_PREFIXES = ("session:", "label:", "toolchain:", "rev:")


def resolve_side(store: ResultsDB, text: str, base: Filters) -> Side:
    """A session id (an integer), a toolchain (go@1.25.5, rust@nightly, 1.26.8), a
    session label or a git revision (as named to `run --rev`, or a commit prefix of 4
    hex digits or more); labels win over bare versions, `@` always means a
    toolchain, a bare number is a session id (else a commit prefix of digits only),
    and a revision is tried last.

    A prefix says which one is meant: `session:3`, `label:2024` (a label of digits
    would otherwise be read as a session id), `toolchain:1.26.8`, `rev:1234`."""
    text = text.strip()
    kind, sep, value = text.partition(":")
    if not sep or f"{kind}:" not in SIDE_PREFIXES:
        kind, value = "", text
    if kind == "label":
        if not store.label_exists(value):
            _, labels, _ = store.known_sides()
            raise UsageError(f"no session is labelled '{value}'; labels: "
                             f"{', '.join(labels) or 'none'}")
        return Side(text, "label", base.with_(labels=(*base.labels, value)))
    if kind == "rev":
        if not store.rev_exists(value):
            raise UsageError(f"no run was recorded for revision '{value}'; recorded: "
                             f"{', '.join(store.known_revs()) or 'none'} (`buildprof run "
                             f"PATH --rev A --rev B` records them)")
        return Side(text, "rev", base.with_(revs=(value,)))
    if kind == "toolchain":
        if not store.toolchain_exists(value):
            specs, _, _ = store.known_sides()
            raise UsageError(f"no recorded run used toolchain '{value}'; recorded: "
                             f"{', '.join(specs) or 'none'}")
        return Side(text, "toolchain", base.with_(toolchains=(value,)))
    # isdecimal, not isdigit: int() refuses '²', which isdigit accepts. Ids of 19
    # digits or more cannot exist (SQLite's integers end at 2**63-1; sqlite3 would
    # raise OverflowError, and int() refuses over 4300 digits).
    if kind == "session" or value.isdecimal():
        sid = int(value) if value.isdecimal() and len(value) < 19 else None
        if sid is None or not store.session_exists(sid):
            if not kind and store.rev_exists(value):  # a commit prefix of digits only
                return Side(text, "rev", base.with_(revs=(value,)))
            if not kind and store.label_exists(value):
                raise UsageError(f"there is no session {value} in the database; for the "
                                 f"session(s) labelled {value}, write label:{value}")
            raise UsageError(f"there is no session {value} in the database; see "
                             f"`buildprof history` for session ids")
        return Side(str(sid), "session", base.with_(sessions=(*base.sessions, sid)))
    if "@" not in text and store.label_exists(text):
        return Side(text, "label", base.with_(labels=(*base.labels, text)))
    if store.toolchain_exists(text):
        return Side(text, "toolchain", base.with_(toolchains=(text,)))
    if store.rev_exists(text):
        return Side(text, "rev", base.with_(revs=(text,)))
    specs, labels, n = store.known_sides()
    revs = store.known_revs()
    raise UsageError(f"'{text}' is neither a recorded toolchain ({', '.join(specs) or 'none'}), "
                     f"a session label ({', '.join(labels) or 'none'}), a revision "
                     f"({', '.join(revs) or 'none'}) nor a session id (1-{n}); give one of "
                     f"those")


def compare(store: ResultsDB, a: str, b: str, filters: Filters | None = None,
            *, metric: str = "wall", alpha: float = ALPHA,
            allow_cross_machine: bool = False) -> Comparison:
    """Read both sides from the database (narrowed by `filters`) and compare them.

    Raises UsageError for a side that matches nothing, and CompareRefused when
    every matching cell was refused (different sources or machines)."""
    filters = filters or Filters()
    store.check_filters(filters)
    side_a = resolve_side(store, a, filters)
    side_b = resolve_side(store, b, filters)
    if metric in LOAD_METRICS:
        rows_a = load_samples(store, side_a.filters)
        rows_b = load_samples(store, side_b.filters)
    else:
        rows_a = store.compare_samples(side_a.filters)
        rows_b = store.compare_samples(side_b.filters)
    # Sides written differently may select the same runs (`go` and `go@1.26.8` when
    # only that Go was measured, a session and its label): every cell would compare
    # runs with themselves and print `~`, which looks like "no change".
    if side_a.filters == side_b.filters or (
            rows_a and [r["id"] for r in rows_a] == [r["id"] for r in rows_b]):
        raise UsageError(f"A and B select the same runs ('{a}' and '{b}'); compare two "
                         f"different toolchains, sessions or labels")
    if not rows_a or not rows_b:
        empty = side_a if not rows_a else side_b
        if metric in LOAD_METRICS:
            raise UsageError(f"no successful load rounds for {empty.title} with these "
                             f"filters; --metric {metric} compares the rounds of `buildprof "
                             f"payoff` (see `buildprof history`)")
        raise UsageError(f"no successful timed runs for {empty.title} with these filters; "
                         f"see `buildprof history`")
    result = compare_runs(rows_a, rows_b, side_a, side_b, metric=metric, alpha=alpha,
                          allow_cross_machine=allow_cross_machine)
    if not result.cells and result.refused:
        more = len(result.refused) - 1
        raise CompareRefused(result.refused[0] + (f" (and {more} more cell(s) refused)"
                                                  if more else ""))
    if not result.cells:
        how = ("load both with `buildprof payoff`" if metric in LOAD_METRICS else
               "measure both in one session, e.g. `buildprof run --toolchain A,B`")
        raise UsageError(
            f"no cell was measured on both sides ({len(result.only_a)} only with {side_a.title}"
            f", {len(result.only_b)} only with {side_b.title}); {how}, or narrow with "
            f"--project/--scenario")
    return result


def unit_diffs(store: ResultsDB, result: Comparison) -> list[tuple[str, UnitDiff]]:
    """Each compared cell's units (`compare --units`), from the units its runs
    recorded with --breakdown: which got slower, which are new or removed."""
    from profiler.analysis.unitdiff import diff

    out = []
    for c in result.cells:
        d = diff([store.units_of_run(r["id"]) for r in c.cell_a.ok],
                 [store.units_of_run(r["id"]) for r in c.cell_b.ok])
        if d.runs_a and d.runs_b:
            out.append((c.label, d))
    if not out:
        raise UsageError("no compared cell has units on both sides: record both with "
                         "`buildprof run --breakdown …`, then compare with --units")
    return out
