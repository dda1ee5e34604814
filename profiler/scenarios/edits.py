"""Source edits for the incremental scenario: apply, and restore exactly."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from profiler.errors import UsageError


@dataclass(frozen=True)
class Edit:
    """Replace `old` (which occurs exactly once) by `new` in `path` (relative)."""

    name: str
    path: str
    old: str
    new: str

    def apply(self, root: Path) -> str:
        """Apply the edit below `root`; return the original text for `revert`."""
        target = root / self.path
        text = target.read_text()
        if text.count(self.old) != 1:
            raise UsageError(f"edit '{self.name}': the text to replace occurs "
                             f"{text.count(self.old)} times in {self.path}, not once")
        target.write_text(text.replace(self.old, self.new, 1))
        return text

    def revert(self, root: Path, original: str) -> None:
        (root / self.path).write_text(original)


APPENDED = {
    "go": "\n// buildprof edit\nfunc buildprofEdit() int { return 1 }\n",
    "rust": "\n// buildprof edit\n#[allow(dead_code)]\nfn buildprof_edit() -> u32 { 1 }\n",
}


def append_edit(root: Path, rel: str, lang: str) -> Edit:
    """`--edit FILE` on a user's project: append a harmless function to FILE."""
    target = root / rel
    if not target.is_file():
        raise UsageError(f"--edit {rel}: no such file in the project; give a path "
                         f"relative to the project root")
    text = target.read_text()
    # Replacing the whole text once is an append that `apply` can check and revert.
    return Edit(name=f"append:{rel}", path=rel, old=text, new=text + APPENDED[lang])
