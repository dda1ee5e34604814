"""The README shows real outputs: every line of its output excerpts (``` and ```console
blocks) is a line of docs/examples.md, which bench/readme_examples.py writes from real
commands, and the README names the date those were measured on. A README edited by
hand, or left behind when docs/examples.md is measured again, fails here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
EXAMPLES = ROOT / "docs" / "examples.md"
ELIDED = "..."  # an excerpt may skip lines of one output with this line


def blocks(text: str) -> list[tuple[str, list[str]]]:
    """(info string, lines) of each fenced code block."""
    out, info, lines = [], None, []
    for line in text.splitlines():
        if line.startswith("```"):
            if info is None:
                info, lines = line[3:].strip(), []
            else:
                out.append((info, lines))
                info = None
        elif info is not None:
            lines.append(line)
    assert info is None, "an unclosed code block"
    return out


def excerpts(text: str) -> list[list[str]]:
    return [lines for info, lines in blocks(text) if info in ("", "console")]


def test_blocks_parses_fences_and_info_strings() -> None:
    text = "a\n```sh\nbuildprof run\n```\nb\n```\nout 1\nout 2\n```\n```console\n$ x\n```\n"
    assert blocks(text) == [("sh", ["buildprof run"]), ("", ["out 1", "out 2"]),
                            ("console", ["$ x"])]
    assert excerpts(text) == [["out 1", "out 2"], ["$ x"]]


def test_every_excerpt_line_is_a_measured_output_line() -> None:
    measured = {line.rstrip() for lines in excerpts(EXAMPLES.read_text()) for line in lines}
    found = excerpts(README.read_text())
    assert len(found) >= 8, "the README lost its output excerpts"
    missing = [line for lines in found for line in lines
               if line.strip() != ELIDED and line.rstrip() not in measured]
    assert not missing, ("README lines not in docs/examples.md (run "
                         f"bench/readme_examples.py and copy from it): {missing[:5]}")


def test_readme_names_the_date_the_examples_were_measured() -> None:
    measured = re.search(r"\bon (\d{4}-\d{2}-\d{2}) on a machine", EXAMPLES.read_text())
    assert measured, "docs/examples.md does not say when it was measured"
    intro = README.read_text().split("## Using it", 1)[1].split("\n### ", 1)[0]
    assert measured.group(1) in intro, (
        f"docs/examples.md was measured on {measured.group(1)}; the README's "
        "'Using it' says another date")


def test_readme_stays_short() -> None:
    assert len(README.read_text().splitlines()) <= 360
