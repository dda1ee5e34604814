"""The model both emitters write from: the package graph and, per file, its items.

A spec (`profiler.samples.spec`) describes a layered package graph:

    cmd/app (main)  ->  every package
    layer N  ->  `fan_in` packages of layer N-1, and leaf
    ...
    layer 1  ->  leaf
    leaf         (the most depended-on package: errors, traits, generic containers)

Go gets one module with one package per graph node (`emit_go`); Rust gets a
Cargo workspace with one library crate per node and a binary crate `app`
(`emit_rust`). Both are the unit of compilation and of build caching in their
language, so the two builds do the same amount of work per node.

Every file holds records (structs with derives in Rust, hand-written
Clone/Equal/String in Go), traits/interfaces implemented by every record and
used statically (generic bounds) and dynamically (`dyn Trait` / interface
values), generic functions instantiated at several concrete types, free
functions of `KINDS` kinds (mixing loops, iterator chains vs loops with func
values, `Result`/`?` vs returned errors, string formatting, maps iterated in key
order, slice sorting and searching), a `run` driver and unit tests.

All arithmetic is on u64 with explicit wrapping in Rust, so both binaries print
bit-identical checksums. That needs both emitters to draw the same "random"
constants for the same item: they come from `Rnd`, a fixed integer hash of the
item's position, seeded by the `FileModel.rnd_*` methods below (never by
Python's hash() or an unseeded generator, so trees are byte-identical run to run).
"""

from __future__ import annotations

from dataclasses import dataclass

from profiler.samples.spec import Spec

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_MASK = (1 << 64) - 1
KINDS = 6  # kinds of free function, see the `kind ==` comments in emit_go.GoEmitter.function


@dataclass(frozen=True)
class Package:
    """One node of the graph: a Go package and a Rust crate."""

    name: str
    layer: int
    ordinal: int  # position in dependency order (leaf first)
    deps: tuple[str, ...]  # packages whose records are embedded (leaf itself excluded)

    @property
    def is_leaf(self) -> bool:
        return self.layer == 0

    @property
    def imports(self) -> list[str]:
        """Every package this one imports: leaf (unless it is leaf) and `deps`."""
        return [] if self.is_leaf else sorted({"leaf", *self.deps})


def package_graph(spec: Spec) -> list[Package]:
    """The packages in dependency order: leaf, then layer 1, 2, ..."""
    pkgs = [Package("leaf", 0, 0, ())]
    for layer in range(1, spec.layers):
        for i in range(spec.width):
            if layer == 1:
                below = ("leaf",)
            else:
                n = min(spec.fan_in, spec.width)
                below = tuple(sorted({_pkg_name(layer - 1, (i + k) % spec.width)
                                      for k in range(n)}))
            pkgs.append(Package(_pkg_name(layer, i), layer, len(pkgs), below))
    # Keep only the dependencies that some record embeds, so that Go's imports
    # and Cargo's [dependencies] describe the same graph.
    out = []
    for p in pkgs:
        if p.deps:
            used = {_embed_dep(p, spec, j, k) for j in range(spec.files_per_package)
                    for k in range(spec.structs_per_file)}
            p = Package(p.name, p.layer, p.ordinal, tuple(d for d in p.deps if d in used))
        out.append(p)
    return out


def _pkg_name(layer: int, index: int) -> str:
    return f"l{layer:02d}p{index:02d}"


def _embed_dep(p: Package, spec: Spec, j: int, k: int) -> str:
    return p.deps[(j * spec.structs_per_file + k) % len(p.deps)]


def _mixh(*parts: int) -> int:
    """A fixed 64-bit integer hash (splitmix64 steps); never Python's hash()."""
    x = 0x9E3779B97F4A7C15
    for part in parts:
        x = (x ^ (part & _MASK)) & _MASK
        x = (x + 0x9E3779B97F4A7C15) & _MASK
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
        x ^= x >> 31
    return x


class Rnd:
    """Deterministic constants for one item, drawn in order."""

    def __init__(self, *seed: int) -> None:
        self.state = _mixh(*seed)

    def next(self) -> int:
        self.state = _mixh(self.state, 1)
        return self.state

    def int(self, low: int, high: int) -> int:
        return low + self.next() % (high - low + 1)

    def hex(self, bits: int = 32) -> str:
        return f"0x{self.next() & ((1 << bits) - 1):0{bits // 4}x}"  # fixed width


@dataclass(frozen=True)
class RecordType:
    """A concrete record type usable in generic instantiations."""

    rust: str  # path of the type
    go: str  # qualified type name
    go_new: str  # qualified constructor
    local: bool


@dataclass
class FileModel:
    """Everything both emitters need to write file `j` of a package."""

    pkg: Package
    j: int
    spec: Spec
    structs: list[str]  # Rec3A, Rec3B ...
    embeds: list[str | None]  # the package whose Rec{j}{L} each record embeds
    traits: list[str]  # A, B ... (Op3A ...)
    local_types: list[RecordType]
    dep_types: list[RecordType]

    # The seeds of the constants: the Go and the Rust emitter must use the same
    # one for the same item (and draw in the same order) to print the same output.
    def rnd_file(self) -> Rnd:
        """Constants of the generics and of the `run` driver, shared across them."""
        return Rnd(self.pkg.ordinal, self.j, 1)

    def rnd_record(self, k: int) -> Rnd:
        return Rnd(self.pkg.ordinal, self.j, 2, k)

    def rnd_function(self, k: int) -> Rnd:
        return Rnd(self.pkg.ordinal, self.j, 3, k)

    def rnd_call(self, k: int) -> Rnd:
        """Constants of the arguments `run` passes to free function `k`."""
        return Rnd(self.pkg.ordinal, self.j, 4, k)

    def fn_dep(self, k: int) -> str | None:
        """The package whose same-named free function `k` calls (None in leaf)."""
        return None if self.pkg.is_leaf else self.embeds[k % len(self.embeds)]

    def instantiations(self) -> list[tuple[str, tuple[RecordType, ...], int]]:
        """Distinct (generic item, type arguments) pairs, interleaved for variety."""
        ng = self.spec.generics_per_file
        alltypes = self.local_types + self.dep_types
        sources: list[list[tuple[str, tuple[RecordType, ...]]]] = []
        for g in range(ng):
            kind = g % 3
            types = self.local_types if kind == 0 else alltypes
            sources.append([(f"g{g}", (t,)) for t in types])
        sources.append([("total_weight", (t,)) for t in alltypes])
        sources.append([("bag", (t,)) for t in alltypes])
        pairs = [(a, b) for a in self.local_types for b in alltypes if a is not b]
        sources.append([("pair", p) for p in pairs])
        out: list[tuple[str, tuple[RecordType, ...]]] = []
        depth = max(len(s) for s in sources)
        for r in range(depth):
            for s in sources:
                if r < len(s):
                    out.append(s[r])
        chosen = out[:self.spec.instantiations_per_file]
        return [(item, types, n) for n, (item, types) in enumerate(chosen)]

    def unit_tests(self) -> list[tuple[str, int]]:
        """(kind, index) of the unit tests of a file: 'run', ('rec', k), ('fn', k)."""
        cands: list[tuple[str, int]] = [("run", 0)]
        fns = list(range(1, self.spec.functions_per_file)) + [0]
        recs = list(range(len(self.structs)))
        while fns or recs:
            if recs:
                cands.append(("rec", recs.pop(0)))
            for _ in range(2):
                if fns:
                    cands.append(("fn", fns.pop(0)))
        return cands[:self.spec.tests_per_file]


def file_model(pkg: Package, spec: Spec, j: int) -> FileModel:
    structs = [f"Rec{j}{LETTERS[k]}" for k in range(spec.structs_per_file)]
    embeds = [None if pkg.is_leaf else _embed_dep(pkg, spec, j, k)
              for k in range(spec.structs_per_file)]
    local = [RecordType(s, s, f"New{s}", True) for s in structs]
    deps = [RecordType(f"{e}::m{j}::{s}", f"{e}.{s}", f"{e}.New{s}", False)
            for s, e in zip(structs, embeds, strict=True) if e is not None]
    return FileModel(pkg, j, spec, structs, embeds,
                     [LETTERS[t] for t in range(spec.traits_per_file)], local, deps)
