"""Real projects that do the same job: each real pair's Go against Rust, its own
verdict, and where it falls against the graded samples' fit.

A real pair (`--sample jq`, `age`, `task`; profiler.samples.pairs) is two
published programs, one per language, measured in the same session as any
sample. For each pair this module gives:

* the rows: Go against Rust in clean debug and release, and incremental;
* the pair's verdict, by the report's rule (profiler.analysis.rule.outcome):
  Go's default build against each Rust profile, clean;
* the lines of each side's own code and the lines compiled in total (the
  project and every non-std dependency the build compiles);
* predicted against measured: the graded samples' fit (time = a·LOC^b, fitted
  on generated projects that have no dependencies, so their compiled lines are
  their own) read at the side's compiled lines, against the measured median,
  and the verdict those predictions would give.

A pair "agrees" with the graded samples when its measured verdict is the one the
fits predict at its compiled size. All of it is a pure function of the report's
cells, pairs and fits and the runs' project columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from profiler.analysis.records import Fit, Pair, Prediction, RealPair, RealSide
from profiler.analysis.rule import GO_DEFAULT_PROFILE, LANG_ORDER, PROFILE_ORDER, outcome

SCENARIOS = ("clean", "incremental")  # what the pairs section shows


def _sides(name: str, runs: Sequence[dict[str, Any]]) -> tuple[RealSide, ...]:
    found: dict[str, RealSide] = {}
    for r in sorted(runs, key=lambda r: r.get("id") or 0):  # the newest run's project wins
        if r.get("project") == name:
            found[r["lang"]] = RealSide(r["lang"], r.get("project_path"), r.get("loc"),
                                    r.get("compiled_loc"))
    return tuple(found[lang] for lang in LANG_ORDER if lang in found)


def _clean_times(rows: Sequence[Pair], lang: str) -> dict[str, float]:
    """Median of each measured profile's clean build, default jobs."""
    out: dict[str, float] = {}
    for p in rows:
        cell = p.go if lang == "go" else p.rust
        if (p.scenario == "clean" and p.jobs is None and cell is not None and cell.n
                and cell.wall.median):
            out[p.profile] = float(cell.wall.median)
    return out


def _verdict(go: dict[str, float], rust: dict[str, float]) -> str:
    if not go or not rust:
        return "not measured"
    go_s = go.get(GO_DEFAULT_PROFILE, go[sorted(go)[0]])
    return outcome(go_s, rust)


def _fit_for(fits: Sequence[Fit], lang: str, p: Pair) -> Fit | None:
    return next((f for f in fits if f.lang == lang and f.scenario == p.scenario
                 and f.edit == p.edit and f.jobs == p.jobs and f.profile == p.profile
                 and f.b is not None), None)


def real_pairs(pairs: Sequence[Pair], fits: Sequence[Fit],
               runs: Sequence[dict[str, Any]]) -> list[RealPair]:
    """Every real pair in the report's pairs (kind "pair"), in the report's order."""
    names: list[str] = []
    for p in pairs:
        if p.kind == "pair" and p.project not in names:
            names.append(p.project)
    out = []
    for name in names:
        rows = tuple(p for p in pairs if p.project == name and p.scenario in SCENARIOS)
        sides = _sides(name, runs)
        compiled = {s.lang: s.compiled_loc or s.loc for s in sides}
        predictions: list[Prediction] = []
        predicted_clean: dict[str, dict[str, float]] = {"go": {}, "rust": {}}
        for p in rows:
            for lang in LANG_ORDER:
                cell = p.go if lang == "go" else p.rust
                fit = _fit_for(fits, lang, p)
                loc = compiled.get(lang)
                if fit is None or not loc:
                    continue
                guess = fit.predict(loc)
                if guess is None or guess <= 0:
                    continue
                if p.scenario == "clean" and p.jobs is None:
                    predicted_clean[lang][p.profile] = guess
                if cell is not None and cell.n and cell.wall.median:
                    predictions.append(Prediction(lang, p.scenario_text, p.profile, loc, guess,
                                                  float(cell.wall.median),
                                                  fit.extrapolated(loc)))
        measured = _verdict(_clean_times(rows, "go"), _clean_times(rows, "rust"))
        # The prediction is only comparable for the profiles that were measured.
        rust_measured = set(_clean_times(rows, "rust"))
        guess_rust = {k: v for k, v in predicted_clean["rust"].items() if k in rust_measured}
        comparable = bool(predicted_clean["go"]) and bool(rust_measured) and (
            set(guess_rust) == rust_measured)
        predicted = _verdict(predicted_clean["go"], guess_rust) if comparable else None
        predictions.sort(key=lambda x: (x.scenario_text, PROFILE_ORDER.index(x.profile)
                                        if x.profile in PROFILE_ORDER else 9,
                                        LANG_ORDER.index(x.lang)))
        out.append(RealPair(name, sides, rows, measured, predicted, tuple(predictions)))
    return out
