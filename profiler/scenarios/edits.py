"""Source edits for the incremental scenario: apply, and restore exactly."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from profiler.errors import UsageError
from profiler.sources.local import SKIP_DIRS, is_cache_dir, show


@dataclass(frozen=True)
class Edit:
    """Replace `old` (which occurs exactly once) by `new` in `path`, relative to
    the project root. The one edit type: the samples' named edits, the
    real-world samples' `edits.toml` and `--edit FILE` all make these.

    Text is read and written as UTF-8 bytes, unchanged otherwise (no newline
    translation), so that reverting restores the file byte for byte.
    """

    name: str
    path: str
    old: str
    new: str

    def _target(self, root: Path) -> Path:
        """root/path, refused unless it is below root and reached without any
        symlink: an edit is only ever written into buildprof's copy, never
        through a link into the user's tree."""
        target = root / self.path
        if Path(self.path).is_absolute() or ".." in Path(self.path).parts \
                or target.resolve() != root.resolve() / self.path:
            raise UsageError(f"edit '{self.name}': {self.path} is not a plain path inside "
                             f"the project; give a file relative to the project root")
        return target

    def apply(self, root: Path) -> str:
        """Apply the edit below `root`; return the original text for `revert`."""
        target = self._target(root)
        try:
            text = target.read_bytes().decode("utf-8")
        except FileNotFoundError:
            raise UsageError(f"edit '{self.name}': {target} does not exist; is {root} the "
                             f"project (or generated sample) the edit was made for?") from None
        count = text.count(self.old)
        if count != 1:
            raise UsageError(f"edit '{self.name}': the text to replace occurs {count} times in "
                             f"{self.path}, not once; regenerate the sample or fix the edit")
        target.write_bytes(text.replace(self.old, self.new, 1).encode("utf-8"))
        return text

    def revert(self, root: Path, original: str) -> None:
        """Undo `apply` by writing the original text back."""
        self._target(root).write_bytes(original.encode("utf-8"))


def project_file(root: Path, rel: str) -> str:
    """`rel` (relative, or absolute) as a path relative to the project `root`,
    with symlinks resolved; UsageError unless it is a file buildprof copies.

    `..`, an absolute path elsewhere, or a symlink that leads out of the project
    are refused: the edit would not be in the copy, and a path resolved against
    the copy could reach the user's own files.
    """
    root = root.resolve()
    real = Path(os.path.normpath(root / rel)).resolve()  # root / "/abs" is "/abs"
    if root not in real.parents:
        raise UsageError(f"--edit {rel}: it leads to {show(real)}, outside the project "
                         f"{show(root)}; give a file inside the project, relative to its root")
    inner = real.relative_to(root)
    if inner.parts[0] in SKIP_DIRS or any(is_cache_dir(root / d) for d in inner.parents
                                          if d != Path(".")):
        raise UsageError(f"--edit {rel}: {inner} is in build output or VCS data, which "
                         f"buildprof does not copy; give a source file")
    if not real.is_file():
        raise UsageError(f"--edit {rel}: no such file in the project; give a path "
                         f"relative to the project root")
    return inner.as_posix()


def append_edit(root: Path, rel: str, appended: str) -> Edit:
    """`--edit FILE` on a user's project: append `appended`, a harmless function in the
    project's language (its backend's `appended_edit`), to FILE, which must lie inside
    the project (see `project_file`)."""
    inner = project_file(root, rel)
    try:
        # Bytes, as `apply` reads them: read_text() would translate \r\n.
        text = (root.resolve() / inner).read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"--edit {rel}: not UTF-8 text; give a source file") from None
    except OSError as exc:
        raise UsageError(f"--edit {rel}: cannot read it ({exc.strerror}); give a readable "
                         f"source file") from None
    # Replacing the whole text once is an append that `apply` can check and revert.
    return Edit(name=f"append:{inner}", path=inner, old=text, new=text + appended)
