"""How fast are the graded samples generated? (size x language, fresh out dir each time)

    .venv/bin/python bench/gen_speed.py                 # every size, 3 repeats
    .venv/bin/python bench/gen_speed.py --size huge --repeats 2 --stats

`generate` is rendering plus writing the files; with --stats the script also
times `tree_stats` (code lines and content hash, what `materialise` adds once
per cache key). Requirements: large < 5 s, huge < 30 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from profiler.samples.materialise import generate  # noqa: E402
from profiler.samples.spec import (
    LANGS,  # noqa: E402
    SIZES,  # noqa: E402
)
from profiler.sources.local import tree_stats  # noqa: E402

LIMITS = {"large": 5.0, "huge": 30.0}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", action="append", help="sizes (repeat or comma list); default all")
    ap.add_argument("--lang", action="append", help="go, rust (repeat or comma list)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--stats", action="store_true", help="also time tree_stats")
    args = ap.parse_args(argv)
    sizes = [s for v in args.size or [",".join(SIZES)] for s in v.split(",") if s]
    langs = [lg for v in args.lang or [",".join(LANGS)] for lg in v.split(",") if lg]

    header = f"{'size':<7}{'lang':<6}{'files':>7}{'code lines':>12}{'min s':>8}{'median s':>10}"
    if args.stats:
        header += f"{'stats s':>9}"
    print(header + "  limit")
    failed = False
    with tempfile.TemporaryDirectory(prefix="bp-genspeed-") as tmp:
        for size in sizes:
            for lang in langs:
                times = []
                for i in range(args.repeats):
                    out = Path(tmp) / f"{size}-{lang}-{i}"
                    t0 = time.perf_counter()
                    generate(size, lang, out)
                    times.append(time.perf_counter() - t0)
                    if i < args.repeats - 1:
                        shutil.rmtree(out)
                t0 = time.perf_counter()
                stats = tree_stats(out, lang)
                stats_s = time.perf_counter() - t0
                shutil.rmtree(out)
                limit = LIMITS.get(size)
                ok = limit is None or max(times) < limit
                failed |= not ok
                row = (f"{size:<7}{lang:<6}{stats.files:>7}{stats.loc:>12,}{min(times):>8.2f}"
                       f"{statistics.median(times):>10.2f}")
                if args.stats:
                    row += f"{stats_s:>9.2f}"
                if limit:
                    row += f"  < {limit:.0f} s" + ("" if ok else "  EXCEEDED")
                print(row, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
