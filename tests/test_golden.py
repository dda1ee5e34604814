"""What the reader commands print stays what it was: every case of tests/golden/cases.py
(history, compare, export, report and breakdown in every format, every --help, the
error line of each kind of bad input) against tests/golden/history.db, a real
history, byte for byte. A deliberate change of output is made again with
`tests/golden/capture.py --update` and reviewed in the diff of tests/golden/out/.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"
sys.path.insert(0, str(GOLDEN))

from capture import OUT, run_case  # noqa: E402
from cases import CASES  # noqa: E402


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("golden-cache")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_output_is_what_it_was(case, cache: Path) -> None:
    want = (OUT / f"{case.name}.txt").read_text()
    assert run_case(case, cache) == want


def test_every_case_has_its_output_and_no_output_is_stale() -> None:
    assert {p.stem for p in OUT.glob("*.txt")} == {c.name for c in CASES}


def test_the_cases_cover_every_reader_command_and_format() -> None:
    """A check of the list itself: a format added to a reader command without a
    golden case would go unwatched."""
    seen = {(c.args[0], c.args[c.args.index("--format") + 1]) for c in CASES
            if c.args and "--format" in c.args and not c.name.startswith("error-")}
    for command, formats in {"history": ("table", "json", "csv", "markdown"),
                             "compare": ("table", "json", "csv", "markdown", "junit"),
                             "export": ("json", "csv", "markdown", "bmf", "benchfmt"),
                             "report": ("table", "markdown", "json"),
                             "breakdown": ("trace",)}.items():
        for fmt in formats:
            assert (command, fmt) in seen, (command, fmt)
    assert any(c.args[:1] == ("report",) and "--html" in c.args for c in CASES)
