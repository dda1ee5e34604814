"""The compilers-over-time chart of a results file, as an SVG file (docs/toolchains.md).

    .venv/bin/python bench/compilers_chart.py --db DB --out docs/img/compilers-over-time.svg

The chart is the one `buildprof report --html` draws (report/document/charts.py
`releases_chart`), of every session in DB; the figures under it come from
`buildprof report --db DB --format markdown`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from profiler.analysis.document import assemble
from profiler.model.filters import Filters
from profiler.report.document.charts import releases_chart
from profiler.storage.db import ResultsDB


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    store = ResultsDB.open(args.db, readonly=True)
    doc = assemble(store, Filters(), all_sessions=True)
    if doc.compilers is None:
        raise SystemExit(f"{args.db}: no language was built by two releases or more")
    fig = releases_chart(doc.compilers)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, format=args.out.suffix.lstrip(".") or "svg", bbox_inches="tight")
    print(doc.compilers.sentence)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
