"""The words the report's renderers and its analysis share, written once.

Numbers as text (`seconds`, `size`, `loc_text`), the claim and its rule, a cell's
median and a pair's ratio, and the report's sentences: the verdict's reasons, the
scaling fits in words, what the claim leaves out. The terminal, Markdown and HTML
renderers phrase everything through here, so they say the same thing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from profiler.analysis.rule import MIN_SIZES, MINUTE, PROFILE_ORDER, SCENARIO_ORDER
from profiler.languages import title

if TYPE_CHECKING:
    from profiler.analysis.records import Evidence, Fit, GapReport, Pair, RealPair
    from profiler.analysis.twosample import TwoSample
    from profiler.model.cells import CellSummary

# -- numbers ---------------------------------------------------------------------------


def seconds(s: float | None) -> str:
    """1.23 s, 12.3 s, 1 min 04 s."""
    if s is None or (isinstance(s, float) and math.isnan(s)):
        return "-"
    if s < 10:
        return f"{s:.2f} s"
    if s < 60:
        return f"{s:.1f} s"
    minutes, rest = divmod(round(s), 60)
    return f"{minutes} min {rest:02d} s"


def size(n: float | None) -> str:
    """Binary units: 512 B, 1.5 KiB, 300.0 MiB, 1.20 GiB."""
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return "-"
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            if unit == "B":
                return f"{int(n)} B"
            return f"{n:.2f} {unit}" if unit == "GiB" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.2f} TiB"


def loc_text(loc: float | None) -> str:
    """12 lines, 950 lines, 12 k lines, 1.2 M lines."""
    if loc is None or math.isnan(loc):
        return "-"
    if math.isinf(loc):
        return "beyond 1 G lines"
    if loc < 1000:
        return f"{loc:.0f} lines"
    if loc < 10_000:
        return f"{loc / 1000:.1f} k lines"
    if loc < 1_000_000:
        return f"{loc / 1000:.0f} k lines"
    return f"{loc / 1e6:.1f} M lines"


def number_text(x: float | None, fmt: str) -> str:
    """A fit's figure (a, b, R²) in `fmt`; "-" when there is none."""
    return "-" if x is None or not math.isfinite(x) else format(x, fmt)


# -- the claim ---------------------------------------------------------------------------

CLAIM = "Go compiles in seconds, Rust in minutes"
RULE = ("Clean builds at the largest graded size measured in both languages; seconds: "
        "under 60 s, minutes: 60 s or more; Go's default build (release) against each Rust "
        "profile measured. Holds: Go takes seconds and every Rust profile minutes. Partly "
        "holds: Rust takes minutes in some profile only, or Go takes minutes too. Does not "
        "hold: every Rust profile finishes in under a minute.")

# Why a scenario's gap can differ from the clean build's (the claim leaves these out).
LEFT_OUT: dict[str, str] = {
    "cold": "nothing cached: Go compiles its standard library from source, Rust's ships "
            "prebuilt",
    "incremental": "one edit in a built project: each tool rebuilds only what depends on it",
    "noop": "a rebuild with nothing changed",
    "check": "`cargo check` (no code generation) against `go vet ./...`",
    "test": "test binaries compiled, not run",
}

NOT_MEASURED = ("No project has clean builds of both languages in this selection: run "
                "`buildprof run --size tiny,small,medium` (clean is the default scenario).")


# -- a cell, a pair of cells -------------------------------------------------------------


def median_text(c: CellSummary | None) -> str:
    """A cell's median ± MAD (no spread from one run); `failed (n)` without a
    successful run; "-" for no cell."""
    if c is None:
        return "-"
    if not c.n:
        return f"failed ({c.failed})"
    return seconds(c.wall.median) + (f" ± {seconds(c.wall.mad)}" if c.n > 1 else "")


def ratio_text(p: Pair) -> str:
    return "-" if p.ratio is None else f"{p.ratio:.1f}×"


def locs_text(p: Pair) -> str:
    """The lines of code of both sides: `1200 / 1250`."""
    return f"{p.go.loc if p.go else '-'} / {p.rust.loc if p.rust else '-'}"


def ns_text(p: Pair) -> str:
    """Both sides' n: `6/5`."""
    return "/".join(str(c.n) if c else "-" for c in (p.go, p.rust))


def both_text(p: Pair, measure: str, fmt: Callable[[float], str]) -> str:
    """A measure's median on both sides, `Go | Rust` ("-" where not measured)."""
    vals = []
    for c in (p.go, p.rust):
        v = getattr(c, measure).median if c and c.n else None
        vals.append(fmt(v) if v is not None else "-")
    return " | ".join(vals)


def parallelism(x: float) -> str:
    return f"{x:.2f}×"


def change_words(ts: TwoSample) -> str:
    """B's build time against A's, for a sentence: `12.3% faster (p=0.002)`, `1.2%
    slower, not significant (p=0.41)`, `3.1% faster, too few runs (4 a side needed)`."""
    pct = ts.change_pct
    if pct is None or not math.isfinite(pct):
        how = f"changed by {ts.change_text}"
    elif pct == 0:
        how = "neither faster nor slower"
    else:
        how = f"{abs(pct):.1f}% {'faster' if pct < 0 else 'slower'}"
    if ts.test.too_few:
        return f"{how}, {ts.p_verdict()}"
    if ts.significant:
        return f"{how} ({ts.p_verdict()})"
    return f"{how}, not significant (p={ts.test.p:.2f})"


# -- sentences ---------------------------------------------------------------------------


def _at(fit: Fit, loc: float | None) -> str:
    """A crossing's size, said to be extrapolated when it lies beyond the sizes measured."""
    where = " (extrapolated)" if loc is not None and fit.extrapolated(loc) else ""
    return loc_text(loc) + where


# Per language: the two times its fit is read at, and how to say where it crosses them.
_CROSSINGS = {
    "rust": (60.0, 600.0, "Rust {profile} {scenario} builds pass 1 minute at about {0} and "
                          "10 minutes at about {1}"),
    "go": (10.0, 60.0, "Go {profile} stays under 10 s up to {0} and under 1 minute up to {1}"),
}


def scaling_sentences(fits: Sequence[Fit]) -> list[str]:
    """The fits in words, for the clean scenario (else the first one measured):
    where Rust passes 1 minute (and 10 minutes), how far Go stays under 10 s and
    under 1 minute."""
    fitted = [f for f in fits if f.b is not None and f.edit is None and f.jobs is None]
    scenarios = [s for s in SCENARIO_ORDER if any(f.scenario == s for f in fitted)]
    if not scenarios:
        return []
    scenario = scenarios[0]
    out = []
    for profile in PROFILE_ORDER:
        parts = []
        by_lang = {f.lang: f for f in fitted if f.scenario == scenario and f.profile == profile}
        for lang, (first, second, said) in _CROSSINGS.items():
            fit = by_lang.get(lang)
            if fit is None:
                continue
            lo, hi = fit.crossing(first), fit.crossing(second)
            if lo is None:
                parts.append(f"{title(lang)} {profile} {scenario} builds do not grow with "
                             f"size (b = {fit.b:.2f})")
            else:
                parts.append(said.format(_at(fit, lo), _at(fit, hi), profile=profile,
                                         scenario=scenario))
        if parts:
            sentence = "; ".join(parts) + "."
            shaky = [f for f in by_lang.values() if not f.trusted]
            if shaky:
                sentence += (f" These fits rest on {min(f.sizes for f in shaky)} sizes: too few "
                             f"to trust (measure at least {MIN_SIZES}, e.g. "
                             f"`buildprof run --size tiny,small,medium`).")
            out.append(sentence)
    return out


def verdict_reasons(ev: Evidence, by_size: Sequence[Evidence], missing: Sequence[str],
                    crossings: Sequence[tuple[str, Fit, float]]) -> list[str]:
    """The numbers behind a verdict, in sentences: the evidence, each Rust profile,
    the profiles not measured, the outcome at each size, and (`crossings`: profile,
    fit, LOC) where the fits say Rust would reach a minute."""
    go_word = "seconds" if ev.go_s < MINUTE else "minutes"
    reasons = [f"Clean build of {ev.project} ({loc_text(ev.go_loc)} of Go, "
               f"{loc_text(ev.rust_loc)} of Rust): Go {ev.go_profile} {seconds(ev.go_s)} "
               f"({go_word})."]
    for prof, s in ev.rust_s:
        word = "minutes" if s >= MINUTE else "seconds"
        reasons.append(f"Rust {prof} {seconds(s)} ({word}), {s / ev.go_s:.1f}× Go's "
                       f"{ev.go_profile} build." if ev.go_s > 0 else
                       f"Rust {prof} {seconds(s)} ({word}).")
    if missing:
        reasons.append(f"Rust {', '.join(missing)} was not measured: the verdict covers "
                       f"{', '.join(p for p, _ in ev.rust_s)} only (`--profile debug,release`).")
    if len(by_size) > 1:
        steps = ", ".join(f"{e.project}: {e.outcome}" for e in by_size)
        reasons.append(f"By size: {steps}.")
    for prof, fit, loc in crossings:
        trust = "" if fit.trusted else f"; fit on {fit.sizes} sizes, too few to trust"
        reasons.append(f"By the fit, Rust {prof} clean builds would reach 1 minute at "
                       f"about {_at(fit, loc)}{trust}.")
    return reasons


def caveats(report: GapReport) -> list[str]:
    """What the claim leaves out: each other scenario's gap against the clean
    build's, measured where the data has it, and named where it does not."""
    out = []
    for g in report.gaps:
        against = (f" against {g.clean_ratio:.1f}× for the clean build: {g.change}"
                   if g.clean_ratio is not None else "")
        out.append(f"{g.scenario_text}, {g.profile}, {g.project}: Rust {seconds(g.rust_s)} "
                   f"vs Go {seconds(g.go_s)}, {g.ratio:.1f}×{against} ({g.why}).")
    ev = report.verdict.evidence
    where = ev.project if ev else "small"
    for s in report.not_measured:
        out.append(f"{s} was not measured ({LEFT_OUT[s]}): "
                   f"`buildprof run --size {where} --scenario {s}`.")
    kinds = {c.kind for c in report.cells}
    if not kinds & {"realworld", "pair"}:
        out.append("Third-party dependencies: the graded samples use only the standard "
                   "library; the real-world samples (`--sample http-service,cli-tool`) and "
                   "the real pairs (`--sample pairs`) add crates and modules to compile.")
    cores = report.machine.get("logical_cpus") or report.machine.get("cores")
    if cores:
        out.append(f"This machine has {cores} CPU(s): both tools build in parallel, so more "
                   f"cores shorten both, and the gap need not stay the same.")
    return out


def notes(changed: Sequence[tuple[str, str]], several: dict[str, str], *, failed: int,
          disturbed: int, single: int) -> list[str]:
    """The report's notes: projects measured with `changed` sources (project,
    language), languages with `several` toolchains (and the one the tables use),
    and how many runs `failed`, were `disturbed`, and cells rest on a `single` run."""
    out = []
    if changed:
        out.append("Changed sources: " + ", ".join(f"{p} ({lang})" for p, lang in changed)
                   + " were measured with different contents; only the newest is used.")
    for lang, primary in several.items():
        out.append(f"Several {title(lang)} toolchains: the Go-against-Rust tables use "
                   f"{primary} (choose another with --toolchain); all are compared "
                   f"under Toolchains.")
    if failed:
        out.append(f"{failed} timed run(s) failed or timed out and are left out of the "
                   f"medians (see `buildprof history --runs`).")
    if disturbed:
        out.append(f"{disturbed} run(s) started while other processes were busy "
                   f"(runs.disturbed): their times may be inflated.")
    if single:
        out.append(f"{single} cell(s) rest on a single timed run: no spread is known "
                   f"(`buildprof run --runs 5`).")
    return out


# -- real pairs ------------------------------------------------------------------------

PAIRS_TITLE = "Real projects that do the same job"
PAIRS_INTRO = ("Published Go and Rust programs that do the same job, each at an exact "
               "version. Lines: each side's own code / everything its build compiles (the "
               "project and every non-std dependency).")
PAIRS_HEADS = ("pair", "Go / Rust", "lines own", "lines compiled", "scenario", "profile",
               "Go", "Rust", "Rust/Go", "verdict")
PAIRS_RIGHT = (2, 3, 6, 7, 8)
PREDICTED_INTRO = ("Predicted against measured: the graded samples' fit (generated code "
                   "with no dependencies) read at each side's compiled lines; * beyond the "
                   "graded sizes measured. measured/predicted above 1: the real project "
                   "builds slower than generated code of its size.")
PREDICTED_HEADS = ("pair", "language", "scenario", "profile", "lines compiled", "predicted",
                   "measured", "measured/predicted")
PREDICTED_RIGHT = (4, 5, 6, 7)


def _upstream(spec: str | None) -> str:
    """`crate:jaq@3.1.2` -> `jaq 3.1.2`; a module's last path element, before a
    major-version suffix: `go:github.com/go-task/task/v3@v3.54.0` -> `task v3.54.0`."""
    if not spec:
        return "-"
    name, _, version = spec.split(":", 1)[-1].rpartition("@")
    parts = name.rstrip("/").split("/")
    if len(parts) > 1 and re.fullmatch(r"v\d+", parts[-1]):
        parts = parts[:-1]
    return f"{parts[-1]} {version}"


def real_pair_rows(reals: Sequence[RealPair]) -> list[list[str]]:
    """The pairs table: one row per pair × scenario × profile, the pair's verdict
    on its first row."""
    rows = []
    for r in reals:
        go, rust = r.side("go"), r.side("rust")
        names = f"{_upstream(go.spec if go else None)} / {_upstream(rust.spec if rust else None)}"
        own = f"{loc_text(go.loc if go else None)} / {loc_text(rust.loc if rust else None)}"
        comp = (f"{loc_text(go.compiled_loc if go else None)} / "
                f"{loc_text(rust.compiled_loc if rust else None)}")
        for i, p in enumerate(r.rows):
            first = i == 0
            rows.append([r.name if first else "", names if first else "", own if first else "",
                         comp if first else "", p.scenario_text, p.profile,
                         median_text(p.go), median_text(p.rust), ratio_text(p),
                         r.outcome if first else ""])
    return rows


def prediction_rows(reals: Sequence[RealPair]) -> list[list[str]]:
    return [[r.name, title(x.lang), x.scenario_text, x.profile,
             loc_text(x.loc) + ("*" if x.extrapolated else ""), seconds(x.predicted_s),
             seconds(x.measured_s), f"{x.ratio:.2f}×"]
            for r in reals for x in r.predictions]


def pairs_agreement(reals: Sequence[RealPair]) -> str:
    """The verdict paragraph's sentence on the real pairs: does each pair's verdict
    match what the graded samples' fits predict at its compiled size?"""
    measured = "; ".join(f"{r.name}: {r.outcome}" for r in reals)
    comparable = [r for r in reals if r.agrees is not None]
    if not comparable:
        return (f"Real pairs ({measured}). This selection has no graded fit for their "
                f"scenarios to compare them with: report them together with a graded run "
                f"(`buildprof report --all`, or --session of each).")
    disagree = [r for r in comparable if not r.agrees]
    spread = []
    for lang in ("go", "rust"):
        ratios = [x.ratio for r in comparable for x in r.predictions
                  if x.lang == lang and x.scenario_text == "clean"]
        if ratios:
            spread.append(f"{title(lang)} {min(ratios):.2f}–{max(ratios):.2f}×")
    how = (f" Their clean builds took {' and '.join(spread)} the time the fit predicts "
           f"at their compiled lines." if spread else "")
    if not disagree:
        return (f"The real pairs agree with the graded samples ({measured}): each verdict is "
                f"the one the graded fits predict at the pair's compiled size.{how}")
    which = "; ".join(f"{r.name} measured {r.outcome}, predicted {r.predicted}"
                      for r in disagree)
    return (f"The real pairs do not all agree with the graded samples: {which}.{how}")
