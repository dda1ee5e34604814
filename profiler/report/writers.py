"""What every text output is written with: JSON, CSV and Markdown tables, and the
short texts of numbers that several views share.

JSON never holds NaN or Infinity (not JSON): `clean`, the one scrubber every JSON
and CSV writer goes through, makes them null, and `write_json`, the one JSON
writer, refuses any that remain. `markdown_table` is the one Markdown table writer.
`write_file` is how every output file is written (export -o, report --html,
breakdown -o): never over a results database, always whole.
"""

from __future__ import annotations

import csv
import html
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from profiler import stats
from profiler.analysis.wording import seconds
from profiler.errors import UsageError
from profiler.model.cells import Sample

SQLITE_MAGIC = b"SQLite format 3\x00"


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def check_output(path: Path, option: str, db: Path | None = None,
                 force: bool = False, example: str = "out") -> None:
    """Refuse an output path before anything is computed: the results database being
    read or any existing SQLite file (unless `force`: a mistyped output path would lose
    every run), a directory, a missing directory, one that cannot be written."""
    if not force:
        if db is not None and path.exists() and db.exists() and path.samefile(db):
            raise UsageError(f"{option} {path} is the results database being read; writing "
                             f"it would lose every run: choose another {option} path (or "
                             f"add --force)")
        if _is_sqlite(path):
            raise UsageError(f"{option} {path} is an SQLite database (a results file?); "
                             f"writing it would replace it: choose another {option} path "
                             f"(or add --force)")
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UsageError(f"{option} {path} is a directory; give a file name such as "
                         f"{path / example}")
    if not parent.is_dir():
        raise UsageError(f"cannot write {path}: directory {parent} does not exist; create it "
                         f"or choose another {option} path")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"cannot write {path}: permission denied; choose another {option} "
                         f"path")


def write_file(path: Path, write: Callable[[TextIO], None], *, option: str,
               db: Path | None = None, force: bool = False, example: str = "out") -> None:
    """Write an output file whole: to a temporary file beside it, renamed over it at
    the end, so a reader never sees half of it and an error leaves the old file as it
    was; `check_output`'s refusals first."""
    check_output(path, option, db, force, example)
    parent = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}; choose another {option} path"
                         ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            write(out)
        # mkstemp makes 0600; the output gets the old file's mode, or the umask's.
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}; choose another {option} path"
                         ) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def clean(obj: Any) -> Any:
    """`obj` with non-finite floats replaced by None and tuples by lists."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean(v) for v in obj]
    return obj


def json_text(obj: Any, indent: int | None = 2) -> str:
    """`obj` as JSON text and a newline: non-finite floats null (`clean`), anything else
    that is not JSON (a path, a date) as its text; `indent` None for one line."""
    return json.dumps(clean(obj), indent=indent, default=str, allow_nan=False) + "\n"


def write_json(obj: Any, out: TextIO) -> None:
    out.write(json_text(obj))


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A signed number or percentage ("+20.5%", "-3") is a value a spreadsheet reads as
# itself, not a formula that can call anything: it stays as it is.
_SIGNED_NUMBER = re.compile(r"[+-]?(\d+(\.\d+)?(e[+-]?\d+)?|∞)%?")


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: a string that starts like a formula
    (= + - @, tab, carriage return) gets a leading apostrophe (OWASP's rule); numbers
    and signed percentages stay as they are, None an empty cell."""
    if value is None:
        return ""
    if (isinstance(value, str) and value.startswith(FORMULA_START)
            and not _SIGNED_NUMBER.fullmatch(value)):
        return "'" + value
    return value


def write_csv(rows: Sequence[dict[str, Any]], fields: Sequence[str], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=list(fields), extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: csv_cell(v) for k, v in clean(row).items()})


def md_text(value: Any) -> str:
    """Text from the history for Markdown: HTML is shown, not rendered."""
    return html.escape("" if value is None else str(value), quote=False)


def _md_cell(value: Any) -> str:
    return md_text(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(heads: Sequence[str], rows: Sequence[Sequence[Any]], out: TextIO,
                   right: Collection[int] = ()) -> None:
    """A GitHub-flavoured Markdown table; the columns whose index is in `right` are
    right-aligned. None shows as an empty cell."""
    out.write("| " + " | ".join(_md_cell(h) for h in heads) + " |\n")
    out.write("|" + "|".join("---:" if i in right else "---" for i in range(len(heads)))
              + "|\n")
    for row in rows:
        out.write("| " + " | ".join(_md_cell(v) for v in row) + " |\n")


def seconds_text(x: float | None) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return seconds(x)


def _pct_text(pct: float) -> str:
    return f"± {pct:.1f}%" if pct < 10 else f"± {pct:.0f}%"


def ci_text(sample: Sample) -> str:
    """± of a median's 95% CI, as benchstat prints it. Below the runs a 95% CI needs
    (6), the range of the runs with how often such a range holds the median, as
    `tune` shows it: `± 4.1% (75%)` at 3 runs; "-" for a single run (range_note)."""
    if math.isfinite(sample.ci_pct):
        return _pct_text(sample.ci_pct)
    pct = stats.range_halfwidth_pct(sample.values)
    if sample.n < 2 or not math.isfinite(pct):
        return "-"
    return f"{_pct_text(pct)} ({100 * stats.range_coverage(sample.n):.0f}%)"


def range_note(samples: Iterable[Sample]) -> str | None:
    """The line under a table where some ± is a range (ci_text), else None."""
    ns = sorted({s.n for s in samples if s.n >= 2 and not math.isfinite(s.ci_pct)})
    if not ns:
        return None
    at = ", ".join(f"{100 * stats.range_coverage(n):.0f}% at {n} runs" for n in ns)
    need = stats.min_runs_for_ci()
    return (f"± x% (y%): below {need} runs, the range of the runs, which holds the median "
            f"y% of the time ({at}); a 95% CI needs ≥{need} runs")


def date_text(iso: str | None) -> str:
    """An ISO date-time to the minute: `2026-11-20 10:01`."""
    return (iso or "")[:16].replace("T", " ")


def rps_text(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:,.0f}" if x >= 100 else f"{x:.2f}"


def ms_text(x: float | None) -> str:
    """Milliseconds with about four significant figures: `0.412 ms`, `12.35 ms`."""
    if x is None or not math.isfinite(x):
        return "-"
    if x < 10:
        return f"{x:.3f} ms"
    return f"{x:.2f} ms" if x < 100 else f"{x:.1f} ms"
