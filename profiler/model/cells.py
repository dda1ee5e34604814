"""The cell, as stored: which cell a run belongs to, and its figures.

- `CellKey`: which cell a stored run belongs to, by name (project, language,
  toolchain, scenario, profile, jobs, edit, revision, variant). Every reader
  (history, compare, report, export, the run summary) groups runs by it, and
  every label of a cell is built here, once.
- `Sample`: one measure over a cell's runs: median, MAD, the median's 95% CI.
- `Summary`, `CellSummary`: a cell's figures over its runs (median, MAD, CI,
  min/max/mean, CPU, parallelism, peaks, artifact size, n and failures). Every
  reader summarises builds with it; `summarize(runs)` groups runs by CellKey.
  Load rounds of `payoff` have their own, profiler.model.loads.LoadSummary.
  The statistics themselves are profiler.stats' pure functions.

What to run (the project and toolchain objects, the edit) is
profiler.scenarios.plan.CellPlan; this module knows nothing of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from statistics import median
from typing import Any, ClassVar

from profiler import stats

Row = Mapping[str, Any]  # a stored run, as the storage queries return it

# The run-row columns that identify a cell, in CellKey's field order.
KEY_FIELDS = ("project", "lang", "toolchain", "scenario", "profile", "jobs", "edit", "rev",
              "variant")
BASELINE = "baseline"  # the variant of every cell that is not a `tune` knob


@dataclass(frozen=True)
class CellKey:
    project: str
    lang: str
    toolchain: str  # the toolchain's spec: go@1.26.8, rust@stable
    scenario: str
    profile: str
    jobs: int | None = None
    edit: str | None = None
    rev: str | None = None  # a git revision as named with `run --rev`
    variant: str = BASELINE  # a `tune` knob (debuginfo=0, -trimpath...), else baseline

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> CellKey:
        """The key of a stored run (or any mapping with the KEY_FIELDS); a run stored
        before variants existed is a baseline run."""
        values = [row.get(k) for k in KEY_FIELDS]
        values[-1] = values[-1] or BASELINE
        return cls(*values)

    @property
    def scenario_text(self) -> str:
        """The scenario with its edit, jobs and knob: `incremental (leaf-body) -j2 [-trimpath]`."""
        text = scenario_text(self.scenario, self.edit, self.jobs)
        return text if self.variant == BASELINE else f"{text} [{self.variant}]"

    @property
    def project_text(self) -> str:
        """The project, with its revision when it has one: `app@main`, `app@3454dee25037`."""
        return f"{self.project}@{short_rev(self.rev)}" if self.rev else self.project

    @property
    def label(self) -> str:
        """The whole cell in one line: `small go go@1.26.8 incremental leaf-body debug -j2`
        (`app@main go …` for a revision)."""
        edit = f" {self.edit}" if self.edit else ""
        jobs = f" -j{self.jobs}" if self.jobs else ""
        knob = f" [{self.variant}]" if self.variant != BASELINE else ""
        return (f"{self.project_text} {self.lang} {self.toolchain} {self.scenario}{edit} "
                f"{self.profile}{jobs}{knob}")

    @property
    def title(self) -> str:
        """The cell without its toolchain, as `compare` names it (each side may have
        its own toolchain): `small (go) incremental (leaf-body) debug -j2`."""
        edit = f" ({self.edit})" if self.edit else ""
        jobs = f" -j{self.jobs}" if self.jobs else ""
        knob = f" [{self.variant}]" if self.variant != BASELINE else ""
        return f"{self.project} ({self.lang}) {self.scenario}{edit} {self.profile}{jobs}{knob}"

    def without_toolchain(self) -> CellKey:
        """The key with the toolchain and the revision left out: what `compare` matches
        runs on (each side may have its own)."""
        return replace(self, toolchain="", rev=None)


def short_rev(name: str) -> str:
    """A revision as shown: a full commit hash (as CI passes them) cut to 12 digits,
    any other name as given."""
    if len(name) == 40 and all(ch in "0123456789abcdef" for ch in name):
        return name[:12]
    return name


def scenario_text(scenario: str, edit: str | None = None, jobs: int | None = None) -> str:
    """The scenario with its edit and jobs, the way every table shows it:
    `incremental (leaf-body) -j2`."""
    text = scenario + (f" ({edit})" if edit else "")
    return text + (f" -j{jobs}" if jobs else "")


# -- figures ---------------------------------------------------------------------------


def _cpu(r: Row) -> float:
    # A missing user or sys time counts as 0, as compare has always read it.
    return (r.get("user_s") or 0.0) + (r.get("sys_s") or 0.0)


# What each measure reads from a run row; None: not measured in that run.
MEASURES: dict[str, Callable[[Row], float | None]] = {
    "wall": lambda r: r.get("wall_s"),
    "cpu": _cpu,
    "user": lambda r: r.get("user_s"),
    "sys": lambda r: r.get("sys_s"),
    "cpu_util": lambda r: r.get("cpu_util"),
    "peak_rss": lambda r: r.get("peak_rss_bytes"),
    "tree_peak_rss": lambda r: r.get("tree_peak_rss_bytes"),
    "artifact": lambda r: r.get("artifact_bytes"),
}


@dataclass(frozen=True)
class Sample:
    """One measure (wall time, CPU, a peak, ...) over a cell's successful timed runs:
    the values in run order and their summary. An empty sample's figures are None."""

    values: tuple[float, ...]

    @property
    def n(self) -> int:
        return len(self.values)

    @cached_property
    def median(self) -> float | None:
        return median(self.values) if self.values else None

    @cached_property
    def mad(self) -> float | None:
        """Median absolute deviation (unscaled), the spread shown beside the median."""
        return stats.mad(self.values) if self.values else None

    @property
    def min(self) -> float | None:
        return min(self.values, default=None)

    @property
    def max(self) -> float | None:
        return max(self.values, default=None)

    @property
    def mean(self) -> float | None:
        return sum(self.values) / len(self.values) if self.values else None

    @property
    def stddev(self) -> float | None:
        """Sample standard deviation (n-1), hyperfine's; None below 2 values."""
        return stats.stddev(self.values)

    @cached_property
    def ci(self) -> tuple[float | None, float | None]:
        """95% confidence interval of the median from order statistics: (-inf, inf)
        below 6 values (stats.median_ci), (None, None) for no values."""
        return stats.median_ci(self.values) if self.values else (None, None)

    @property
    def ci_low(self) -> float | None:
        return self.ci[0]

    @property
    def ci_high(self) -> float | None:
        return self.ci[1]

    @cached_property
    def ci_pct(self) -> float:
        """The CI's half-width relative to the median, in % (inf: too few values)."""
        return stats.ci_halfwidth_pct(self.values)


def measured(name: str) -> cached_property[Sample]:
    """A summary's attribute: the Sample of measure `name`, made when first read."""
    return cached_property(lambda cell: cell.sample(name))


def counts(run: Row) -> bool:
    """Whether a run counts in its cell's summary: every timed run, and a failed
    warm-up (a failure of the cell: one that never reached a timed run still shows
    as failed). A successful warm-up is never in a figure."""
    return not (run.get("warmup") and run.get("status") == "ok")


@dataclass(frozen=True, eq=False)
class Summary:
    """What every summary of stored rows has: its cell, the rows it counts, and where
    they come from. The fields after `runs` are as the first row has them (history
    summarises one session per cell); the ones a query did not read are None.
    `measures` says what each measure reads from a row (`sample`)."""

    key: CellKey
    runs: tuple[Row, ...] = field(repr=False)  # the counted rows, in order
    session: int | None = None
    label: str | None = None
    date: str | None = None  # when the first row started (UTC), else its session
    machine: str | None = None  # hostname
    machine_id: str | None = None
    content_hash: str | None = None

    measures: ClassVar[dict[str, Callable[[Row], float | None]]] = {}

    @staticmethod
    def key_of(row: Row) -> CellKey:
        """The cell a row belongs to (a build run's; LoadSummary: a load round's)."""
        return CellKey.of(row)

    @staticmethod
    def origin(rows: tuple[Row, ...]) -> dict[str, Any]:
        """The fields after `runs`, read from the rows: the first row's, and the
        earliest start."""
        first = rows[0]
        started = [r["started"] for r in rows if r.get("started")]
        return {"session": first.get("session_id"), "label": first.get("label"),
                "date": min(started) if started else first.get("session_started"),
                "machine": first.get("machine"), "machine_id": first.get("machine_id"),
                "content_hash": first.get("content_hash")}

    @cached_property
    def ok(self) -> tuple[Row, ...]:
        """The successful timed rows: the ones every figure comes from."""
        return tuple(r for r in self.runs if r["status"] == "ok" and not r.get("warmup"))

    @property
    def n(self) -> int:
        return len(self.ok)

    @property
    def failed(self) -> int:
        """Failed or timed-out rows, a failed warm-up included."""
        return len(self.runs) - len(self.ok)

    @property
    def statuses(self) -> tuple[str, ...]:
        """Every counted row's status, in order."""
        return tuple(r["status"] for r in self.runs)

    @property
    def sessions(self) -> tuple[int, ...]:
        return tuple(sorted({r["session_id"] for r in self.runs if r.get("session_id")}))

    @property
    def machines(self) -> tuple[str, ...]:
        return _distinct(r.get("machine") for r in self.runs)

    @property
    def toolchains(self) -> tuple[str, ...]:
        return _distinct(r.get("toolchain") for r in self.runs)

    def sample(self, measure: str) -> Sample:
        """The named measure (a key of `measures`) over the successful timed rows,
        leaving out the rows that did not measure it."""
        read = self.measures[measure]
        return Sample(tuple(v for r in self.ok if (v := read(r)) is not None))


@dataclass(frozen=True, eq=False)
class CellSummary(Summary):
    """One cell's figures over its runs: `n` successful timed runs (whose measures
    are the Samples `wall`, `cpu`, `user`, `sys`, `cpu_util` (parallelism),
    `peak_rss`, `tree_peak_rss` and `artifact`) and `failed` others."""

    toolchain_version: str | None = None
    source: str | None = None  # the project's: "path", "sample:<name>" or a crate:/go: spec
    loc: int | None = None  # the newest run's project
    # graded, realworld, pair or path (profiler.samples.resolve.project_kind): from the
    # runs' `kind`, which the analyses that read `source` add; path when none did.
    kind: str = "path"

    measures: ClassVar[dict[str, Callable[[Row], float | None]]] = MEASURES

    wall = measured("wall")
    cpu = measured("cpu")
    user = measured("user")
    sys = measured("sys")
    cpu_util = measured("cpu_util")
    peak_rss = measured("peak_rss")
    tree_peak_rss = measured("tree_peak_rss")
    artifact = measured("artifact")

    @classmethod
    def of(cls, runs: Iterable[Row]) -> CellSummary:
        """The summary of one cell's runs (rows as stored, with the project and
        toolchain fields the queries add). The key is the first run's: `compare`
        may pool toolchains or machines in one summary (`toolchains`, `machines`)."""
        rows = tuple(r for r in runs if counts(r))
        if not rows:
            raise ValueError("a cell summary needs a run that counts (see cells.counts)")
        first = rows[0]
        return cls(CellKey.of(first), rows, **cls.origin(rows),
                   toolchain_version=first.get("toolchain_version"),
                   source=first.get("source"), loc=rows[-1].get("loc"),
                   kind=first.get("kind") or "path")

    @property
    def exit_codes(self) -> tuple[int | None, ...]:
        return tuple(r.get("exit_code") for r in self.runs)

    @property
    def artifact_bytes(self) -> float | None:
        """The median size of the build's artifacts (None: not measured)."""
        return self.artifact.median

    @property
    def command(self) -> str | None:
        """The command line of the first successful run (else of the first run)."""
        return (self.ok or self.runs)[0].get("command")

    def per_run(self, column: str) -> tuple[Any, ...]:
        """A column of every successful timed run, None kept (exports list each run)."""
        return tuple(r.get(column) for r in self.ok)


def summarize(runs: Iterable[Row]) -> list[CellSummary]:
    """Group run rows into cells by CellKey, in order of first appearance, and
    summarise each (a successful warm-up counts in none, see `counts`)."""
    groups: dict[CellKey, list[Row]] = {}
    for run in runs:
        if counts(run):
            groups.setdefault(CellKey.of(run), []).append(run)
    return [CellSummary.of(rows) for rows in groups.values()]


def _distinct(values: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(sorted({v for v in values if v is not None}, key=str))
