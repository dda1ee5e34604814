"""Named source edits of the graded samples, for the incremental scenario.

- `leaf-body`: change the body of `digest` in the most depended-on package,
  `leaf` (no signature change; the printed checksums change).
- `leaf-api`: add an exported (Go) / pub (Rust) function to `leaf`, so every
  dependent sees an interface change.
- `top-body`: change a function body in the main package.

The generator writes every `old` text below verbatim, exactly once, so an edit
is `text.replace(old, new, 1)` and undoing it is writing the original back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from profiler.errors import UsageError
from profiler.projects import check_lang
from profiler.samples.spec import check_size

EDITS = ("leaf-body", "leaf-api", "top-body")

# Files holding the edited code, relative to the tree root.
LEAF_FILE = {"go": "leaf/core.go", "rust": "crates/leaf/src/lib.rs"}
MAIN_FILE = {"go": "cmd/app/main.go", "rust": "crates/app/src/main.rs"}

# Lines the generator emits verbatim (each exactly once in its file).
DIGEST_INIT = {
    "go": "\th := uint64(0xcbf29ce484222325)\n",
    "rust": "    let mut h: u64 = 0xcbf2_9ce4_8422_2325;\n",
}
DIGEST_DOC = {
    "go": "// Digest is an FNV-1a hash of a slice of words; every package's Run folds its\n"
          "// results through it.\n",
    "rust": "/// FNV-1a hash of a slice of words; every crate's `run` folds its results "
            "through it.\n",
}
SALT_LINE = {
    "go": "\treturn seed ^ 0x5eed\n",
    "rust": "    seed ^ 0x5eed\n",
}

_NEW_API = {
    "go": "// DigestWidth was added by the leaf-api edit: the bytes a digest covers.\n"
          "func DigestWidth(words []uint64) uint64 {\n"
          "\treturn uint64(len(words)) * 8\n"
          "}\n\n",
    "rust": "/// Added by the leaf-api edit: the bytes a digest covers.\n"
            "pub fn digest_width(words: &[u64]) -> u64 {\n"
            "    words.len() as u64 * 8\n"
            "}\n\n",
}


@dataclass(frozen=True)
class Edit:
    """Replace `old` (which occurs exactly once) by `new` in `path` (relative)."""

    path: str
    old: str
    new: str


def edit_for(size: str, lang: str, name: str) -> Edit:
    """The named edit of the graded sample `size` in `lang`."""
    check_size(size)
    check_lang(lang)
    if name == "leaf-body":
        old = DIGEST_INIT[lang]
        return Edit(LEAF_FILE[lang], old, old.replace("2325", "2327"))
    if name == "leaf-api":
        old = DIGEST_DOC[lang]
        return Edit(LEAF_FILE[lang], old, _NEW_API[lang] + old)
    if name == "top-body":
        old = SALT_LINE[lang]
        return Edit(MAIN_FILE[lang], old, old.replace("0x5eed", "0x5eee"))
    raise UsageError(f"unknown edit '{name}'; use one of: {', '.join(EDITS)}")


def apply_edit(root: Path, edit: Edit) -> str:
    """Apply `edit` below `root`; return the file's original text (write it back to revert)."""
    target = root / edit.path
    try:
        text = target.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise UsageError(f"cannot apply edit: {target} does not exist; is {root} a "
                         f"generated sample tree?") from None
    count = text.count(edit.old)
    if count != 1:
        raise UsageError(f"cannot apply edit to {edit.path}: the text to replace occurs "
                         f"{count} times, not once; regenerate the sample")
    target.write_bytes(text.replace(edit.old, edit.new, 1).encode("utf-8"))
    return text


def revert_edit(root: Path, edit: Edit, original: str) -> None:
    """Undo `apply_edit` by writing the original text back."""
    (root / edit.path).write_bytes(original.encode("utf-8"))
