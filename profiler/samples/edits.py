"""Named source edits of the graded samples, for the incremental scenario.

- `leaf-body`: change the body of `digest` in the most depended-on package,
  `leaf` (no signature change; the printed checksums change).
- `leaf-api`: add an exported (Go) / pub (Rust) function to `leaf`, so every
  dependent sees an interface change.
- `top-body`: change a function body in the main package.

The generator writes every `old` text below verbatim, exactly once, so each
`Edit` applies (`text.replace(old, new, 1)`) and reverts exactly.
"""

from __future__ import annotations

from profiler.errors import UsageError
from profiler.samples.spec import check_lang, check_size
from profiler.scenarios.edits import Edit

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


def edit_for(size: str, lang: str, name: str) -> Edit:
    """The named edit of the graded sample `size` in `lang`."""
    check_size(size)
    check_lang(lang)
    if name == "leaf-body":
        old = DIGEST_INIT[lang]
        return Edit(name, LEAF_FILE[lang], old, old.replace("2325", "2327"))
    if name == "leaf-api":
        old = DIGEST_DOC[lang]
        return Edit(name, LEAF_FILE[lang], old, _NEW_API[lang] + old)
    if name == "top-body":
        old = SALT_LINE[lang]
        return Edit(name, MAIN_FILE[lang], old, old.replace("0x5eed", "0x5eee"))
    raise UsageError(f"unknown edit '{name}'; use one of: {', '.join(EDITS)}")
