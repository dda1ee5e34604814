"""Generate the graded sample projects: the same program in Go and in Rust.

A spec (`profiler.samples.spec`) describes a layered package graph:

    cmd/app (main)  ->  every package
    layer N  ->  `fan_in` packages of layer N-1, and leaf
    ...
    layer 1  ->  leaf
    leaf         (the most depended-on package: errors, traits, generic containers)

Go gets one module with one package per graph node; Rust gets a Cargo
workspace with one library crate per node and a binary crate `app`. Both are
the unit of compilation and of build caching in their language, so the two
builds do the same amount of work per node.

Every file holds records (structs with derives in Rust, hand-written
Clone/Equal/String in Go), traits/interfaces implemented by every record and
used statically (generic bounds) and dynamically (`dyn Trait` / interface
values), generic functions instantiated at several concrete types, free
functions of six kinds (mixing loops, iterator chains vs loops with func values,
`Result`/`?` vs returned errors, string formatting, maps iterated in key order,
slice sorting and searching), a `run` driver and unit tests.

All arithmetic is on u64 with explicit wrapping in Rust, so both binaries
print bit-identical checksums. Nothing depends on map iteration order.

Output is deterministic: the same spec and GENERATOR_VERSION give byte-identical
trees. No timestamps, no unseeded randomness; "random" constants come from a
fixed integer hash of the item's position.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from profiler.errors import UsageError
from profiler.paths import cache_dir
from profiler.projects import check_lang, tree_stats
from profiler.samples.edits import (  # noqa: F401  (re-exported: the public edit API)
    DIGEST_DOC,
    DIGEST_INIT,
    EDITS,
    SALT_LINE,
    Edit,
    apply_edit,
    edit_for,
    revert_edit,
)
from profiler.samples.spec import Spec, load_spec

GENERATOR_VERSION = 1

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_MASK = (1 << 64) - 1
_KINDS = 6  # kinds of free function, see _FnKind comments in the emitters


# ---------------------------------------------------------------- the model


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


class _Rnd:
    """Deterministic constants for one file."""

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
class _Type:
    """A concrete record type usable in generic instantiations."""

    rust: str  # path of the type
    go: str  # qualified type name
    go_new: str  # qualified constructor
    local: bool


@dataclass
class _File:
    """Everything both emitters need to write file `j` of a package."""

    pkg: Package
    j: int
    spec: Spec
    structs: list[str]  # Rec3A, Rec3B ...
    embeds: list[str | None]  # the package whose Rec{j}{L} each record embeds
    traits: list[str]  # A, B ... (Op3A ...)
    local_types: list[_Type]
    dep_types: list[_Type]
    consts: dict[str, int | str]


def _file_model(pkg: Package, spec: Spec, j: int) -> _File:
    structs = [f"Rec{j}{LETTERS[k]}" for k in range(spec.structs_per_file)]
    embeds = [None if pkg.is_leaf else _embed_dep(pkg, spec, j, k)
              for k in range(spec.structs_per_file)]
    local = [_Type(s, s, f"New{s}", True) for s in structs]
    deps = [_Type(f"{e}::m{j}::{s}", f"{e}.{s}", f"{e}.New{s}", False)
            for s, e in zip(structs, embeds, strict=True) if e is not None]
    return _File(pkg, j, spec, structs, embeds,
                 [LETTERS[t] for t in range(spec.traits_per_file)], local, deps, {})


def _instantiations(f: _File) -> list[tuple[str, tuple[_Type, ...], int]]:
    """Distinct (generic item, type arguments) pairs, interleaved for variety."""
    ng = f.spec.generics_per_file
    alltypes = f.local_types + f.dep_types
    sources: list[list[tuple[str, tuple[_Type, ...]]]] = []
    for g in range(ng):
        kind = g % 3
        types = f.local_types if kind == 0 else alltypes
        sources.append([(f"g{g}", (t,)) for t in types])
    sources.append([("total_weight", (t,)) for t in alltypes])
    sources.append([("bag", (t,)) for t in alltypes])
    pairs = [(a, b) for a in f.local_types for b in alltypes if a is not b]
    sources.append([("pair", p) for p in pairs])
    out: list[tuple[str, tuple[_Type, ...]]] = []
    depth = max(len(s) for s in sources)
    for r in range(depth):
        for s in sources:
            if r < len(s):
                out.append(s[r])
    chosen = out[:f.spec.instantiations_per_file]
    return [(item, types, n) for n, (item, types) in enumerate(chosen)]


def _tests(f: _File) -> list[tuple[str, int]]:
    """(kind, index) of the unit tests of a file: 'run', ('rec', k), ('fn', k)."""
    cands: list[tuple[str, int]] = [("run", 0)]
    fns = list(range(1, f.spec.functions_per_file)) + [0]
    recs = list(range(len(f.structs)))
    while fns or recs:
        if recs:
            cands.append(("rec", recs.pop(0)))
        for _ in range(2):
            if fns:
                cands.append(("fn", fns.pop(0)))
    return cands[:f.spec.tests_per_file]


# ---------------------------------------------------------------- Go


_GO_IMPORTS = (("cmp", "cmp"), ("errors", "errors"), ("fmt", "fmt"), ("bits", "math/bits"),
               ("os", "os"), ("slices", "slices"), ("sort", "sort"), ("strconv", "strconv"),
               ("strings", "strings"), ("testing", "testing"))
_GO_COMMENT = re.compile(r"^\s*//.*$", re.M)
_GO_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_GO_QUALIFIED = re.compile(r"(?<![\w.])([a-z][a-z0-9]*)\.[A-Z]")  # pkg.Exported


def _go_header(doc: str, pkgname: str, body: str, module: str, deps: list[str]) -> str:
    """Package clause and exactly the imports the body uses."""
    code = _GO_STRING.sub('""', _GO_COMMENT.sub("", body))
    used = set(_GO_QUALIFIED.findall(code))
    std = [path for name, path in _GO_IMPORTS if name in used]
    own = [f"{module}/{d}" for d in deps if d in used]
    lines = [f"{doc}package {pkgname}\n"]
    imports = [f'\t"{p}"' for p in std]
    if std and own:
        imports.append("")
    imports += [f'\t"{p}"' for p in sorted(own)]
    if len(imports) == 1:
        lines.append(f"import {imports[0].strip()}\n")
    elif imports:
        lines.append("import (\n" + "\n".join(imports) + "\n)\n")
    return "\n".join(lines) + "\n" + body


class _Go:
    def __init__(self, spec: Spec, graph: list[Package]) -> None:
        self.spec = spec
        self.graph = graph
        self.module = f"buildprof.sample/{spec.size}"

    def files(self) -> dict[str, str]:
        out = {"go.mod": f"module {self.module}\n\ngo 1.21\n"}
        for pkg in self.graph:
            deps = pkg.imports
            for j in range(self.spec.files_per_package):
                f = _file_model(pkg, self.spec, j)
                out[f"{pkg.name}/m{j}.go"] = _go_header(
                    "", pkg.name, self.source(f), self.module, deps)
                if self.spec.tests_per_file:
                    out[f"{pkg.name}/m{j}_test.go"] = _go_header(
                        "", pkg.name, self.tests(f), self.module, deps)
            out[f"{pkg.name}/run.go"] = self.run_file(pkg)
            if pkg.is_leaf:
                out["leaf/core.go"] = _GO_LEAF_CORE
                out["leaf/core_test.go"] = _GO_LEAF_TEST
        out["cmd/app/main.go"] = self.main()
        return out

    # -- one source file
    def source(self, f: _File) -> str:
        j, lp = f.j, ("" if f.pkg.is_leaf else "leaf.")
        rnd = _Rnd(f.pkg.ordinal, j, 1)
        parts: list[str] = []
        for t in f.traits:
            parts.append(
                f"// Op{j}{t} is an operation every record of this file implements.\n"
                f"type Op{j}{t} interface {{\n\t{lp}Shape\n\tStep{t}(x uint64) uint64\n"
                f"\tTag{t}() string\n}}\n\n"
                f"// Twice{j}{t} applies Step{t} twice.\n"
                f"func Twice{j}{t}(o Op{j}{t}, x uint64) uint64 {{\n"
                f"\treturn o.Step{t}(o.Step{t}(x))\n}}\n")
        for k, name in enumerate(f.structs):
            parts.append(self.record(f, k, name, lp, _Rnd(f.pkg.ordinal, j, 2, k)))
        for g in range(f.spec.generics_per_file):
            parts.append(self.generic(f, g, lp, rnd))
        for k in range(f.spec.functions_per_file):
            parts.append(self.function(f, k, lp, _Rnd(f.pkg.ordinal, j, 3, k)))
        parts.append(self.run(f, lp, rnd))
        return "\n".join(parts)

    def record(self, f: _File, k: int, name: str, lp: str, rnd: _Rnd) -> str:
        j, emb = f.j, f.embeds[k]
        ntags = rnd.int(3, 6)
        low = name.lower()
        if emb is None:
            last, last_t = "Level", "uint64"
            last_new, last_clone = f"id % {rnd.int(5, 97)}", "r.Level"
            last_eq, last_score = "r.Level == o.Level", "r.Level"
            what = "a record of the leaf package"
        else:
            last, last_t = "Inner", f"{emb}.{name}"
            last_new, last_clone = f"{emb}.New{name}(id)", "r.Inner.Clone()"
            last_eq, last_score = "r.Inner.Equal(o.Inner)", "r.Inner.Score()"
            what = f"a record of package {f.pkg.name}; it embeds the {name} of {emb}"
        s = [f"// {name} is {what}.\n"
             f"type {name} struct {{\n\tID    uint64\n\tName  string\n\tTags  []uint32\n"
             f"\t{last} {last_t}\n}}\n"]
        s.append(f"// New{name} builds the record for seed.\n"
                 f"func New{name}(seed uint64) {name} {{\n"
                 f"\tid := {lp}Mix(seed, {rnd.hex()})\n"
                 f"\ttags := make([]uint32, 0, {ntags})\n"
                 f"\tfor i := uint64(0); i < {ntags}; i++ {{\n"
                 f"\t\ttags = append(tags, uint32(id>>(i*8))&0xff)\n\t}}\n"
                 f'\treturn {name}{{ID: id, Name: fmt.Sprintf("{low}-%d", id%1000), Tags: tags, '
                 f"{last}: {last_new}}}\n}}\n")
        s.append(f"// Clone returns a deep copy (Rust derives this).\n"
                 f"func (r {name}) Clone() {name} {{\n"
                 f"\treturn {name}{{ID: r.ID, Name: r.Name, Tags: slices.Clone(r.Tags), "
                 f"{last}: {last_clone}}}\n}}\n")
        s.append(f"// Equal reports whether two records are the same (Rust derives this).\n"
                 f"func (r {name}) Equal(o {name}) bool {{\n"
                 f"\treturn r.ID == o.ID && r.Name == o.Name && slices.Equal(r.Tags, o.Tags) "
                 f"&&\n\t\t{last_eq}\n}}\n")
        s.append(f"// String renders the record.\n"
                 f"func (r {name}) String() string {{\n"
                 f'\treturn fmt.Sprintf("{name}(%d, %s)", r.ID, r.Name)\n}}\n')
        s.append(f"// Score folds the id, the tags not divisible by 3 and the {last}.\n"
                 f"func (r {name}) Score() uint64 {{\n\tacc := r.ID\n"
                 f"\tfor _, t := range r.Tags {{\n\t\tif t%3 != 0 {{\n"
                 f"\t\t\tacc = {lp}Mix(acc, uint64(t))\n\t\t}}\n\t}}\n"
                 f"\treturn {lp}Mix(acc, {last_score})\n}}\n")
        s.append(f"// Weight implements {lp}Shape.\n"
                 f"func (r {name}) Weight() uint64 {{\n"
                 f"\treturn r.Score() % {rnd.int(1000, 1000000)}\n}}\n")
        s.append(f"// Label implements {lp}Shape.\n"
                 f"func (r {name}) Label() string {{\n\treturn r.Name\n}}\n")
        for t in f.traits:
            s.append(f"// Step{t} implements Op{j}{t}.\n"
                     f"func (r {name}) Step{t}(x uint64) uint64 {{\n"
                     f"\treturn bits.RotateLeft64({lp}Mix(x^r.ID, {rnd.hex()}), {rnd.int(1, 63)})\n"
                     f"}}\n\n"
                     f"// Tag{t} implements Op{j}{t}.\n"
                     f"func (r {name}) Tag{t}() string {{\n"
                     f'\treturn fmt.Sprintf("%s#%d/{t}", r.Name, len(r.Tags))\n}}\n')
        return "\n".join(s)

    def generic(self, f: _File, g: int, lp: str, rnd: _Rnd) -> str:
        j = f.j
        kind = g % 3
        if kind == 0:
            t = f.traits[g % len(f.traits)]
            return (f"// G{j}_{g} folds every item's Step{t} and weight (static dispatch).\n"
                    f"func G{j}_{g}[T Op{j}{t}](items []T, x uint64) uint64 {{\n"
                    f"\tacc := x\n\tfor _, it := range items {{\n"
                    f"\t\tacc = {lp}Mix(acc, it.Step{t}(x)+it.Weight())\n\t}}\n"
                    f"\treturn acc\n}}\n")
        if kind == 1:
            return (f"// G{j}_{g} sorts items by weight (stable) and folds their labels.\n"
                    f"func G{j}_{g}[T {lp}Shape](items []T) uint64 {{\n"
                    f"\tslices.SortStableFunc(items, func(a, b T) int {{ "
                    f"return cmp.Compare(a.Weight(), b.Weight()) }})\n"
                    f"\tacc := uint64(len(items))\n"
                    f"\tfor i, it := range items {{\n"
                    f"\t\tacc = {lp}Mix(acc, {lp}ByteSum(it.Label())+uint64(i))\n\t}}\n"
                    f"\tif len(items) > 0 {{\n\t\tacc = {lp}Mix(acc, items[0].Weight())\n\t}}\n"
                    f"\treturn acc\n}}\n")
        n = rnd.int(2, 5)
        return (f"// G{j}_{g} builds {n} items with build and folds their fingerprints.\n"
                f"func G{j}_{g}[T {lp}Shape](seed uint64, build func(uint64) T) uint64 {{\n"
                f"\tacc := seed\n\tfor i := uint64(0); i < {n}; i++ {{\n"
                f"\t\tacc = {lp}Mix(acc, {lp}Fingerprint(build(seed+i)))\n\t}}\n"
                f"\treturn acc\n}}\n")

    def function(self, f: _File, k: int, lp: str, rnd: _Rnd) -> str:
        j, kind = f.j, k % _KINDS
        dep = None if f.pkg.is_leaf else f.embeds[k % len(f.embeds)]
        name = f"F{j}_{k}"
        if kind == 0:  # mixing loop, then the same function one layer down
            tail = f"acc ^ {dep}.{name}(acc>>3)" if dep else "acc"
            n, r = rnd.int(3, 9), rnd.int(1, 63)
            return (f"// {name} mixes x through {n} rounds.\n"
                    f"func {name}(x uint64) uint64 {{\n\tacc := x ^ {rnd.hex()}\n"
                    f"\tfor i := uint64(0); i < {n}; i++ {{\n"
                    f"\t\tacc = bits.RotateLeft64({lp}Mix(acc, i), {r})\n\t}}\n"
                    f"\treturn {tail}\n}}\n")
        if kind == 1:  # closure + filter/map/fold (Rust) vs func value + loop (Go)
            m = rnd.int(3, 11)
            r, mul = rnd.int(0, m - 1), rnd.int(3, 99999)
            return (f"// {name} keeps the words not congruent to {r} mod {m}, scales them\n"
                    f"// and folds them with their position.\n"
                    f"func {name}(xs []uint64) uint64 {{\n\tsalt := uint64({rnd.hex()})\n"
                    f"\tkeep := func(v uint64) bool {{ return v%{m} != {r} }}\n"
                    f"\tacc, i := uint64(0), uint64(0)\n"
                    f"\tfor _, v := range xs {{\n\t\tif !keep(v) {{\n\t\t\tcontinue\n\t\t}}\n"
                    f"\t\tacc = {lp}Mix(acc, (v*{mul}^salt)+i)\n\t\ti++\n\t}}\n"
                    f"\treturn acc\n}}\n")
        if kind == 2:  # errors
            limit, m, a = rnd.int(300, 900), rnd.int(5, 17), rnd.int(1, 500)
            e = "" if f.pkg.is_leaf else "leaf."
            if dep:
                tail = (f"\tw, err := {dep}.{name}(v + {a})\n\tif err != nil {{\n"
                        f'\t\treturn 0, fmt.Errorf("check {j}.{k}: %w", err)\n\t}}\n'
                        f"\treturn {lp}Mix(v, w), nil\n")
            else:
                tail = f"\treturn {lp}Mix(v, {a}), nil\n"
            return (f"// {name} checks seed and rejects multiples of {m}.\n"
                    f"func {name}(seed uint64) (uint64, error) {{\n"
                    f"\tv, err := {lp}Checked(seed%1000, {limit})\n"
                    f"\tif err != nil {{\n\t\treturn 0, err\n\t}}\n"
                    f"\tif v%{m} == 0 {{\n"
                    f"\t\treturn 0, &{e}Error{{Kind: {e}Invalid, "
                    f'Msg: fmt.Sprintf("check {j}.{k}: %d is a multiple of {m}", v)}}\n\t}}\n'
                    + tail + "}\n")
        if kind == 3:  # formatting
            n, mod = rnd.int(3, 8), rnd.int(256, 65536)
            return (f"// {name} renders {n} mixed words of x as [i:hex,...].\n"
                    f"func {name}(x uint64) string {{\n"
                    f"\tparts := make([]string, 0, {n})\n"
                    f"\tfor i := uint64(0); i < {n}; i++ {{\n"
                    f'\t\tparts = append(parts, fmt.Sprintf("%d:%x", i, {lp}Mix(x, i)%{mod}))\n'
                    f"\t}}\n"
                    f'\treturn "[" + strings.Join(parts, ",") + "]"\n}}\n')
        if kind == 4:  # maps, iterated in key order
            return (f"// {name} counts words, then folds the counts in key order.\n"
                    f"func {name}(words []string) uint64 {{\n"
                    f"\tcounts := make(map[string]uint64)\n"
                    f"\tfor _, w := range words {{\n\t\tcounts[w]++\n\t}}\n"
                    f"\tkeys := make([]string, 0, len(counts))\n"
                    f"\tfor w := range counts {{\n\t\tkeys = append(keys, w)\n\t}}\n"
                    f"\tslices.Sort(keys)\n\tacc := uint64({rnd.hex()})\n"
                    f"\tfor _, w := range keys {{\n"
                    f"\t\tacc = {lp}Mix(acc, {lp}ByteSum(w)+counts[w])\n\t}}\n"
                    f"\treturn acc\n}}\n")
        p, t = rnd.int(1, 12), rnd.int(2, 6)  # kind 5: sort, dedup, search
        return (f"// {name} sorts and dedups items, probes for {p} and folds the {t} largest.\n"
                f"func {name}(items []uint64) uint64 {{\n\tslices.Sort(items)\n"
                f"\titems = slices.Compact(items)\n"
                f"\t_, found := slices.BinarySearch(items, {p})\n"
                f"\tacc := {lp}Flag(found)\n"
                f"\tfor i := len(items) - 1; i >= 0 && i >= len(items)-{t}; i-- {{\n"
                f"\t\tacc = {lp}Mix(acc, items[i])\n\t}}\n"
                f"\treturn acc\n}}\n")

    def call(self, f: _File, k: int, lp: str, rnd: _Rnd) -> str:
        name = f"F{f.j}_{k}"
        kind = k % _KINDS
        if kind == 0:
            return f"\tacc = {lp}Mix(acc, {name}(acc))\n"
        if kind == 1:
            return (f"\tacc = {lp}Mix(acc, {name}([]uint64{{acc, acc >> 7, "
                    f"bits.RotateLeft64(acc, 9), {rnd.hex()}}}))\n")
        if kind == 2:
            return (f"\tif v, err := {name}(acc); err != nil {{\n"
                    f"\t\tacc = {lp}Mix(acc, {lp}CodeOf(err))\n\t}} else {{\n"
                    f"\t\tacc = {lp}Mix(acc, v)\n\t}}\n")
        if kind == 3:
            return f"\tacc = {lp}Mix(acc, {lp}ByteSum({name}(acc)))\n"
        if kind == 4:
            return (f"\tacc = {lp}Mix(acc, {name}({lp}Words(acc, {rnd.int(3, 9)}, "
                    f"{rnd.int(2, 5)})))\n")
        return (f"\tacc = {lp}Mix(acc, {name}([]uint64{{acc % 97, acc % 13, acc % 97, "
                f"{rnd.int(1, 12)}, acc >> 60}}))\n")

    def inst(self, f: _File, item: str, types: tuple[_Type, ...], n: int, lp: str) -> str:
        t = types[0]
        if item == "total_weight":
            return (f"\tacc = {lp}Mix(acc, {lp}TotalWeight([]{t.go}{{{t.go_new}(acc), "
                    f"{t.go}{{}}}}))\n")
        if item == "bag":
            return (f"\tacc = {lp}Mix(acc, {lp}BagOf({t.go_new}(acc), {t.go_new}(acc+{n}))"
                    f".Fold(acc))\n")
        if item == "pair":
            u = types[1]
            return (f"\tacc = {lp}Mix(acc, {lp}Fingerprint({lp}NewPair({t.go_new}(acc), "
                    f"{u.go_new}(acc^{n}))))\n")
        g = int(item[1:])
        fn = f"G{f.j}_{g}"
        if g % 3 == 0:
            return (f"\tacc = {lp}Mix(acc, {fn}([]{t.go}{{{t.go_new}(acc), "
                    f"{t.go_new}(acc ^ {n + 1})}}, acc))\n")
        if g % 3 == 1:
            return (f"\tacc = {lp}Mix(acc, {fn}([]{t.go}{{{t.go_new}(acc), "
                    f"{t.go_new}(acc >> {n % 17 + 1}), {{}}}}))\n")
        return f"\tacc = {lp}Mix(acc, {fn}(acc, {t.go_new}))\n"

    def run(self, f: _File, lp: str, rnd: _Rnd) -> str:
        j = f.j
        first = f.structs[0]
        var = [f"rec{LETTERS[k]}" for k in range(len(f.structs))]
        b = [f"// Run{j} runs everything in this file once.\n"
             f"func Run{j}(seed uint64) (uint64, error) {{\n"
             f"\tacc := {lp}Mix(seed, {rnd.hex()})\n"]
        for k, (name, v) in enumerate(zip(f.structs, var, strict=True)):
            b.append(f"\t{v} := New{name}({lp}Mix(acc, {k}))\n"
                     f"\tacc = {lp}Mix(acc, {v}.Score())\n"
                     f"\tacc = {lp}Mix(acc, {lp}ByteSum({v}.String()))\n")
        b.append(f"\tcp := {var[0]}.Clone()\n"
                 f"\tacc = {lp}Mix(acc, {lp}Flag(cp.Equal({var[0]})))\n"
                 f"\tseen := map[uint64]bool{{cp.ID: true}}\n"
                 f"\tseen[{var[0]}.ID] = true\n"
                 f"\tseen[New{first}(acc).ID] = true\n"
                 f"\tacc = {lp}Mix(acc, uint64(len(seen)))\n"
                 f"\tsorted := []{first}{{New{first}(acc >> 1), {var[0]}, {{}}}}\n"
                 f"\tslices.SortFunc(sorted, func(a, b {first}) int {{ "
                 f"return cmp.Compare(a.ID, b.ID) }})\n"
                 f"\tfor _, r := range sorted {{\n\t\tacc = {lp}Mix(acc, r.ID)\n\t}}\n")
        for t in f.traits:
            b.append(f"\tfor _, op := range []Op{j}{t}{{{', '.join(var)}}} {{\n"
                     f"\t\tacc = {lp}Mix(acc, op.Step{t}(acc))\n"
                     f"\t\tacc = {lp}Mix(acc, {lp}ByteSum(op.Tag{t}()))\n"
                     f"\t\tacc = {lp}Mix(acc, Twice{j}{t}(op, acc))\n\t}}\n")
        b.append(f"\tacc = {lp}Mix(acc, {lp}SumShapes([]{lp}Shape{{{', '.join(var)}}}))\n")
        for item, types, n in _instantiations(f):
            b.append(self.inst(f, item, types, n, lp))
        for k in range(f.spec.functions_per_file):
            b.append(self.call(f, k, lp, _Rnd(f.pkg.ordinal, j, 4, k)))
        b.append(f"\tlast, err := {lp}Checked(acc%1000, {rnd.int(500, 990)})\n"
                 f"\tif err != nil {{\n\t\treturn 0, err\n\t}}\n"
                 f"\treturn {lp}Mix(acc, last), nil\n}}\n")
        return "".join(b)

    def tests(self, f: _File) -> str:
        j = f.j
        e = "" if f.pkg.is_leaf else "leaf."
        out = []
        for kind, k in _tests(f):
            if kind == "run":
                out.append(f"func TestRun{j}Deterministic(t *testing.T) {{\n"
                           f"\ta, errA := Run{j}(7)\n\tb, errB := Run{j}(7)\n"
                           f"\tif a != b || (errA == nil) != (errB == nil) {{\n"
                           f'\t\tt.Fatalf("Run{j}(7) differs between calls: %d, %d", a, b)\n'
                           f"\t}}\n}}\n")
            elif kind == "rec":
                s = f.structs[k]
                out.append(f"func Test{s}CloneIsEqual(t *testing.T) {{\n"
                           f"\trec := New{s}(11)\n"
                           f"\tif !rec.Clone().Equal(rec) {{\n"
                           f'\t\tt.Fatalf("clone of %v differs", rec)\n\t}}\n'
                           f'\tif !strings.HasPrefix(rec.String(), "{s}(") {{\n'
                           f'\t\tt.Fatalf("unexpected rendering %q", rec.String())\n\t}}\n'
                           f"\tif rec.Equal({s}{{}}) {{\n"
                           f'\t\tt.Fatal("a built record equals the zero value")\n\t}}\n}}\n')
            else:
                out.append(self.fn_test(j, k, e))
        return "\n".join(out)

    @staticmethod
    def fn_test(j: int, k: int, e: str) -> str:
        name = f"F{j}_{k}"
        kind = k % _KINDS
        if kind == 0:
            return (f"func Test{name}Deterministic(t *testing.T) {{\n"
                    f"\tif {name}(5) != {name}(5) {{\n"
                    f'\t\tt.Fatal("{name} differs between calls")\n\t}}\n}}\n')
        if kind == 1:
            return (f"func Test{name}OfNothingIsZero(t *testing.T) {{\n"
                    f"\tif got := {name}(nil); got != 0 {{\n"
                    f'\t\tt.Fatalf("{name}(nil) = %d, want 0", got)\n\t}}\n}}\n')
        if kind == 2:
            return (f"func Test{name}RejectsLargeInput(t *testing.T) {{\n"
                    f"\t_, err := {name}(999)\n\tvar le *{e}Error\n"
                    f"\tif !errors.As(err, &le) || le.Kind != {e}TooLarge {{\n"
                    f'\t\tt.Fatalf("{name}(999) = %v, want a TooLarge error", err)\n\t}}\n}}\n')
        if kind == 3:
            return (f"func Test{name}IsBracketed(t *testing.T) {{\n"
                    f"\ts := {name}(5)\n"
                    f'\tif !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {{\n'
                    f'\t\tt.Fatalf("{name}(5) = %q", s)\n\t}}\n}}\n')
        if kind == 4:
            return (f"func Test{name}IgnoresOrder(t *testing.T) {{\n"
                    f'\tif {name}([]string{{"b", "a", "b"}}) != '
                    f'{name}([]string{{"b", "b", "a"}}) {{\n'
                    f'\t\tt.Fatal("{name} depends on the order of its input")\n\t}}\n}}\n')
        return (f"func Test{name}IgnoresOrderAndRepeats(t *testing.T) {{\n"
                f"\tif {name}([]uint64{{3, 1, 3, 2}}) != {name}([]uint64{{1, 2, 3}}) {{\n"
                f'\t\tt.Fatal("{name} depends on order or repeats")\n\t}}\n}}\n')

    def run_file(self, pkg: Package) -> str:
        lp = "" if pkg.is_leaf else "leaf."
        n = self.spec.files_per_package
        steps = "".join(f'\t\t{{name: "m{j}", run: Run{j}}},\n' for j in range(n))
        if pkg.is_leaf:
            doc = ""  # the package comment is in core.go
        else:
            deps = ", ".join(pkg.imports)
            index = pkg.name[-2:].lstrip("0") or "0"
            doc = (f"// Package {pkg.name} is layer {pkg.layer}, package {index}"
                   f" of the buildprof sample {self.spec.size}.\n// It depends on {deps}.\n")
        body = ("// Run runs every file's Run and folds the results (an error counts by its "
                "code).\n"
                f"func Run(seed uint64) uint64 {{\n\tsteps := []struct {{\n\t\tname string\n"
                f"\t\trun  func(uint64) (uint64, error)\n\t}}{{\n{steps}\t}}\n"
                f"\tregistry := {lp}NewRegistry()\n"
                f"\tvalues := make([]uint64, 0, len(steps))\n\tacc := seed\n"
                f"\tfor _, step := range steps {{\n\t\tvalue, err := step.run(acc)\n"
                f"\t\tif err != nil {{\n\t\t\tvalue = {lp}CodeOf(err)\n\t\t}}\n"
                f"\t\tregistry.Add(step.name, value)\n"
                f"\t\tvalues = append(values, value)\n"
                f"\t\tacc = {lp}Mix(acc, value)\n\t}}\n"
                f"\treturn {lp}Mix(acc^registry.Checksum(), {lp}Digest(values))\n}}\n")
        return _go_header(doc, pkg.name, body, self.module, [] if pkg.is_leaf else ["leaf"])

    def main(self) -> str:
        rows = "".join(f'\t\t{{name: "{p.name}", run: {p.name}.Run}},\n' for p in self.graph)
        body = (f"// salt salts the seed (the top-body edit changes it).\n"
                f"func salt(seed uint64) uint64 {{\n{SALT_LINE['go']}}}\n\n"
                f"func main() {{\n\tseed := uint64({self.spec.seed})\n"
                f"\tif len(os.Args) > 1 {{\n"
                f"\t\tif v, err := strconv.ParseUint(os.Args[1], 10, 64); err == nil {{\n"
                f"\t\t\tseed = v\n\t\t}}\n\t}}\n"
                f"\tpackages := []struct {{\n\t\tname string\n\t\trun  func(uint64) uint64\n"
                f"\t}}{{\n{rows}\t}}\n"
                f"\tacc := salt(seed)\n\tfor _, p := range packages {{\n"
                f"\t\tvalue := p.run(acc)\n"
                f'\t\tfmt.Printf("%-8s %016x\\n", p.name, value)\n'
                f"\t\tacc = leaf.Mix(acc, value)\n\t}}\n"
                f'\tfmt.Printf("checksum %016x\\n", acc)\n}}\n')
        doc = (f"// Command app is the binary of the buildprof sample {self.spec.size}: it runs\n"
               f"// every package once and prints one checksum per package and a total,\n"
               f"// identical to the Rust build's output.\n")
        return _go_header(doc, "main", body, self.module, [p.name for p in self.graph])


_GO_LEAF_CORE = (
    """// Package leaf is the most depended-on package of the buildprof sample: the
// shared error type, the Shape interface, generic containers and hashing helpers.
package leaf

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
)

// ErrorKind says which check failed.
type ErrorKind int

const (
	// TooLarge means a value exceeded its limit.
	TooLarge ErrorKind = iota
	// Invalid means input failed a check; Msg says which.
	Invalid
	// Empty means a collection was empty; Msg names it.
	Empty
)

// Error is the error type shared by every package of the sample.
type Error struct {
	Kind  ErrorKind
	Value uint64
	Limit uint64
	Msg   string
}

func (e *Error) Error() string {
	switch e.Kind {
	case TooLarge:
		return fmt.Sprintf("value %d exceeds limit %d", e.Value, e.Limit)
	case Invalid:
		return "invalid: " + e.Msg
	default:
		return e.Msg + " is empty"
	}
}

// Code is a number standing for the error, folded into checksums.
func (e *Error) Code() uint64 {
	switch e.Kind {
	case TooLarge:
		return Mix(e.Value, e.Limit)
	case Invalid:
		return ByteSum(e.Msg)
	default:
		return ByteSum(e.Msg) + 1
	}
}

// CodeOf returns the code of err's *Error, or the hash of its message.
func CodeOf(err error) uint64 {
	var e *Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return ByteSum(err.Error())
}

// Mix mixes two words (a multiply-xorshift step); every checksum goes through it.
func Mix(a, b uint64) uint64 {
	x := a ^ bits.RotateLeft64(b, 17)
	x *= 0x9e3779b97f4a7c15
	x ^= x >> 29
	return x + b
}

// ByteSum is a polynomial hash of a string's bytes.
func ByteSum(s string) uint64 {
	var acc uint64
	for i := 0; i < len(s); i++ {
		acc = acc*31 + uint64(s[i])
	}
	return acc
}

// Flag is 1 for true and 0 for false.
func Flag(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

"""
    + DIGEST_DOC["go"]
    + "func Digest(words []uint64) uint64 {\n"
    + DIGEST_INIT["go"]
    + """	for i, word := range words {
		v := word
		for j := 0; j < 8; j++ {
			h ^= v & 0xff
			h *= 0x100000001b3
			v >>= 8
		}
		if i%2 == 1 {
			h = bits.RotateLeft64(h, 5)
		}
	}
	// Fold in the length, then finalise (murmur3's fmix64) so that every input bit
	// reaches every output bit.
	h ^= uint64(len(words)) * 0x9e3779b97f4a7c15
	h = bits.RotateLeft64(h, 31)
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// Checked returns value when it is at most limit, else a TooLarge error.
func Checked(value, limit uint64) (uint64, error) {
	if value > limit {
		return 0, &Error{Kind: TooLarge, Value: value, Limit: limit}
	}
	return value, nil
}

// Words returns n short words drawn from seed, with m possible values.
func Words(seed, n, m uint64) []string {
	out := make([]string, 0, n)
	for i := uint64(0); i < n; i++ {
		out = append(out, fmt.Sprintf("w%d", Mix(seed, i)%m))
	}
	return out
}

// Shape is something with a weight and a label; every record of the sample is one.
type Shape interface {
	Weight() uint64
	Label() string
}

// Fingerprint folds a shape's weight with the hash of its label.
func Fingerprint(s Shape) uint64 {
	return Mix(s.Weight(), ByteSum(s.Label()))
}

// TotalWeight folds the fingerprints of items (static dispatch).
func TotalWeight[T Shape](items []T) uint64 {
	var acc uint64
	for _, it := range items {
		acc = Mix(acc, Fingerprint(it))
	}
	return acc
}

// SumShapes folds the fingerprints of interface values (dynamic dispatch).
func SumShapes(items []Shape) uint64 {
	var acc uint64
	for _, it := range items {
		acc = Mix(acc, Fingerprint(it))
	}
	return acc
}

// Bag is a generic bag of shapes.
type Bag[T Shape] struct {
	items []T
}

// BagOf returns a bag holding items.
func BagOf[T Shape](items ...T) *Bag[T] {
	return &Bag[T]{items: items}
}

// Push adds an item.
func (b *Bag[T]) Push(item T) {
	b.items = append(b.items, item)
}

// Len returns the number of items.
func (b *Bag[T]) Len() int {
	return len(b.items)
}

// Heaviest returns the heaviest item, or an Empty error.
func (b *Bag[T]) Heaviest() (T, error) {
	var best T
	if len(b.items) == 0 {
		return best, &Error{Kind: Empty, Msg: "bag"}
	}
	best = b.items[0]
	for _, it := range b.items[1:] {
		if it.Weight() >= best.Weight() {
			best = it
		}
	}
	return best, nil
}

// Fold folds the heaviest weight and every item's fingerprint into seed.
func (b *Bag[T]) Fold(seed uint64) uint64 {
	var first uint64
	if top, err := b.Heaviest(); err != nil {
		first = CodeOf(err)
	} else {
		first = top.Weight()
	}
	acc := Mix(seed, first)
	for _, it := range b.items {
		acc = Mix(acc, Fingerprint(it))
	}
	return acc
}

// Pair is a generic pair of shapes; it is a shape itself.
type Pair[A, B Shape] struct {
	Left  A
	Right B
}

// NewPair returns the pair (left, right).
func NewPair[A, B Shape](left A, right B) Pair[A, B] {
	return Pair[A, B]{Left: left, Right: right}
}

// Weight implements Shape.
func (p Pair[A, B]) Weight() uint64 {
	return Mix(p.Left.Weight(), p.Right.Weight())
}

// Label implements Shape.
func (p Pair[A, B]) Label() string {
	return "(" + p.Left.Label() + ", " + p.Right.Label() + ")"
}

// Registry holds named counters; Checksum visits them in key order.
type Registry struct {
	entries map[string]uint64
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{entries: make(map[string]uint64)}
}

// Add adds value to the counter name.
func (r *Registry) Add(name string, value uint64) {
	r.entries[name] += value
}

// Get returns the counter name, if present.
func (r *Registry) Get(name string) (uint64, bool) {
	v, ok := r.entries[name]
	return v, ok
}

// Checksum folds every counter in key order.
func (r *Registry) Checksum() uint64 {
	keys := make([]string, 0, len(r.entries))
	for k := range r.entries {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var acc uint64
	for _, k := range keys {
		acc = Mix(acc, ByteSum(k)^r.entries[k])
	}
	return acc
}
""")

_GO_LEAF_TEST = """package leaf

import (
	"errors"
	"testing"
)

func TestMixIsNotIdentity(t *testing.T) {
	if Mix(1, 2) == 1 || Mix(1, 2) == Mix(2, 1) {
		t.Fatal("Mix is too weak")
	}
}

func TestCheckedRejectsLargeValues(t *testing.T) {
	if v, err := Checked(3, 5); err != nil || v != 3 {
		t.Fatalf("Checked(3, 5) = %d, %v", v, err)
	}
	_, err := Checked(9, 5)
	var e *Error
	if !errors.As(err, &e) || e.Kind != TooLarge || e.Value != 9 {
		t.Fatalf("Checked(9, 5) = %v, want TooLarge", err)
	}
}

func TestEmptyBagFoldsItsError(t *testing.T) {
	bag := BagOf[Pair[Rec0A, Rec0A]]()
	if _, err := bag.Heaviest(); err == nil {
		t.Fatal("an empty bag has a heaviest item")
	}
	if bag.Fold(1) != Mix(1, ByteSum("bag")+1) {
		t.Fatal("an empty bag folds to the wrong value")
	}
}

func TestRegistryOrderDoesNotMatter(t *testing.T) {
	a, b := NewRegistry(), NewRegistry()
	a.Add("x", 1)
	a.Add("y", 2)
	b.Add("y", 2)
	b.Add("x", 1)
	if a.Checksum() != b.Checksum() {
		t.Fatal("Registry.Checksum depends on insertion order")
	}
	if v, ok := a.Get("y"); !ok || v != 2 {
		t.Fatalf("Get(y) = %d, %v", v, ok)
	}
}
"""


# ---------------------------------------------------------------- Rust


_RS_STD = ("BTreeMap", "HashMap", "HashSet")  # std::collections items a module may use


def _rs_list(head: str, items: list[str], tail: str, indent: str) -> str:
    """`head[a, b]tail` on one line when short, else one item per line (as rustfmt does)."""
    one = ", ".join(items)
    if len(one) <= 60 and len(indent) + len(head) + len(one) + len(tail) <= 100:
        return f"{indent}{head}{one}{tail}\n"
    if len(one) <= 60 and head.endswith(" = ["):  # the right-hand side on its own line
        rhs = f"{indent}    [{one}{tail}"
        if len(rhs) <= 100:
            return f"{indent}{head[:-2]}\n{rhs}\n"
    inner = "".join(f"{indent}    {it},\n" for it in items)
    return f"{indent}{head}\n{inner}{indent}{tail}\n"


def _rs_mix(expr: str, items: list[str] | None = None, close: str = "])") -> str:
    """`acc = mix(acc, expr);`, wrapped like rustfmt when the arguments are long.

    With `items`, expr ends in a list literal (`...vec![` or `...&[`) holding
    them, closed by `close`; a long list gets one item per line."""
    if items is not None:
        one = ", ".join(items)
        if len(expr.split("(", 1)[1]) + len(one) + 1 > 60:  # the call's arguments are too wide
            inner = "".join(f"            {it},\n" for it in items)
            return (f"    acc = mix(\n        acc,\n        {expr}\n{inner}        {close},\n"
                    f"    );\n")
        expr = f"{expr}{one}{close}"
    if len(expr) + 5 <= 60:
        return f"    acc = mix(acc, {expr});\n"
    return f"    acc = mix(\n        acc,\n        {expr},\n    );\n"


class _Rust:
    def __init__(self, spec: Spec, graph: list[Package]) -> None:
        self.spec = spec
        self.graph = graph

    def files(self) -> dict[str, str]:
        members = sorted([p.name for p in self.graph] + ["app"])
        out = {"Cargo.toml": "[workspace]\nresolver = \"2\"\nmembers = [\n"
                             + "".join(f'    "crates/{m}",\n' for m in members) + "]\n",
               "Cargo.lock": self.lock()}
        for pkg in self.graph:
            deps = pkg.imports
            out[f"crates/{pkg.name}/Cargo.toml"] = self.manifest(pkg.name, deps)
            for j in range(self.spec.files_per_package):
                f = _file_model(pkg, self.spec, j)
                out[f"crates/{pkg.name}/src/m{j}.rs"] = self.source(f)
            out[f"crates/{pkg.name}/src/lib.rs"] = self.lib(pkg)
        out["crates/app/Cargo.toml"] = self.manifest("app", [p.name for p in self.graph])
        out["crates/app/src/main.rs"] = self.main()
        return out

    def manifest(self, name: str, deps: list[str]) -> str:
        lines = [f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n'
                 f"publish = false\n"]
        if deps:
            lines.append("\n[dependencies]\n"
                         + "".join(f'{d} = {{ path = "../{d}" }}\n' for d in sorted(deps)))
        return "".join(lines)

    def lock(self) -> str:
        """Cargo.lock as cargo writes it for path-only workspaces (version 3:
        readable by cargo 1.53 and later, and kept as it is by newer cargo)."""
        deps = {p.name: p.imports for p in self.graph}
        deps["app"] = sorted(p.name for p in self.graph)
        out = ["# This file is automatically @generated by Cargo.\n"
               "# It is not intended for manual editing.\nversion = 3\n"]
        for name in sorted(deps):
            block = f'\n[[package]]\nname = "{name}"\nversion = "0.1.0"\n'
            if deps[name]:
                block += "dependencies = [\n" + "".join(f' "{d}",\n' for d in deps[name]) + "]\n"
            out.append(block)
        return "".join(out)

    # -- one module
    def source(self, f: _File) -> str:
        j = f.j
        root = "crate" if f.pkg.is_leaf else "leaf"
        rnd = _Rnd(f.pkg.ordinal, j, 1)
        parts: list[str] = []
        for t in f.traits:
            lt = t.lower()
            parts.append(
                f"/// An operation every record of this module implements.\n"
                f"pub trait Op{j}{t}: Shape {{\n"
                f"    fn step_{lt}(&self, x: u64) -> u64;\n"
                f"    fn tag_{lt}(&self) -> String;\n\n"
                f"    /// Applies `step_{lt}` twice.\n"
                f"    fn twice_{lt}(&self, x: u64) -> u64 {{\n"
                f"        self.step_{lt}(self.step_{lt}(x))\n    }}\n}}\n")
        for k, name in enumerate(f.structs):
            parts.append(self.record(f, k, name, _Rnd(f.pkg.ordinal, j, 2, k)))
        for g in range(f.spec.generics_per_file):
            parts.append(self.generic(f, g, rnd))
        for k in range(f.spec.functions_per_file):
            parts.append(self.function(f, k, _Rnd(f.pkg.ordinal, j, 3, k)))
        parts.append(self.run(f, root, rnd))
        if f.spec.tests_per_file:
            parts.append(self.tests(f))
        body = "\n".join(parts)
        std = [name for name in _RS_STD if name in body]
        head = [f"//! Module {j} of crate `{f.pkg.name}` (buildprof sample `{f.spec.size}`).\n\n"]
        if len(std) == 1:
            head.append(f"use std::collections::{std[0]};\n")
        elif std:
            head.append(f"use std::collections::{{{', '.join(std)}}};\n")
        head.append("use std::fmt;\n\n")
        head.append(f"use {root}::{{bytesum, checked, mix, Error, Shape}};\n\n")
        return "".join(head) + body

    def record(self, f: _File, k: int, name: str, rnd: _Rnd) -> str:
        j, emb = f.j, f.embeds[k]
        ntags = rnd.int(3, 6)
        low = name.lower()
        if emb is None:
            field, new, score = ("pub level: u64", f"level: id % {rnd.int(5, 97)}",
                                 "self.level")
            what = "A record of the leaf crate."
        else:
            field, new, score = (f"pub inner: {emb}::m{j}::{name}",
                                 f"inner: {emb}::m{j}::{name}::new(id)", "self.inner.score()")
            what = f"A record of crate `{f.pkg.name}`; it embeds the `{name}` of `{emb}`."
        s = [f"/// {what}\n"
             f"#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]\n"
             f"pub struct {name} {{\n    pub id: u64,\n    pub name: String,\n"
             f"    pub tags: Vec<u32>,\n    {field},\n}}\n"]
        s.append(f"impl {name} {{\n"
                 f"    /// Builds the record for `seed`.\n"
                 f"    pub fn new(seed: u64) -> Self {{\n"
                 f"        let id = mix(seed, {rnd.hex()});\n"
                 f"        {name} {{\n            id,\n"
                 f'            name: format!("{low}-{{}}", id % 1000),\n'
                 f"            tags: (0..{ntags}u64)"
                 f".map(|i| ((id >> (i * 8)) as u32) & 0xff).collect(),\n"
                 f"            {new},\n        }}\n    }}\n\n"
                 f"    /// Folds the id, the tags not divisible by 3 and the last field.\n"
                 f"    pub fn score(&self) -> u64 {{\n"
                 f"        let base = self\n            .tags\n            .iter()\n"
                 f"            .map(|&t| u64::from(t))\n"
                 f"            .filter(|t| t % 3 != 0)\n"
                 f"            .fold(self.id, mix);\n"
                 f"        mix(base, {score})\n    }}\n}}\n")
        s.append(f"impl fmt::Display for {name} {{\n"
                 f"    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {{\n"
                 f'        write!(f, "{name}({{}}, {{}})", self.id, self.name)\n    }}\n}}\n')
        s.append(f"impl Shape for {name} {{\n"
                 f"    fn weight(&self) -> u64 {{\n"
                 f"        self.score() % {rnd.int(1000, 1000000)}\n    }}\n\n"
                 f"    fn label(&self) -> String {{\n        self.name.clone()\n    }}\n}}\n")
        for t in f.traits:
            lt = t.lower()
            s.append(f"impl Op{j}{t} for {name} {{\n"
                     f"    fn step_{lt}(&self, x: u64) -> u64 {{\n"
                     f"        mix(x ^ self.id, {rnd.hex()}).rotate_left({rnd.int(1, 63)})\n"
                     f"    }}\n\n"
                     f"    fn tag_{lt}(&self) -> String {{\n"
                     f'        format!("{{}}#{{}}/{t}", self.name, self.tags.len())\n    }}\n}}\n')
        return "\n".join(s)

    def generic(self, f: _File, g: int, rnd: _Rnd) -> str:
        j = f.j
        kind = g % 3
        if kind == 0:
            t = f.traits[g % len(f.traits)]
            lt = t.lower()
            return (f"/// Folds every item's `step_{lt}` and weight (static dispatch).\n"
                    f"pub fn g{j}_{g}<T: Op{j}{t}>(items: &[T], x: u64) -> u64 {{\n"
                    f"    items\n        .iter()\n"
                    f"        .map(|it| it.step_{lt}(x).wrapping_add(it.weight()))\n"
                    f"        .fold(x, mix)\n}}\n")
        if kind == 1:
            return (f"/// Sorts items by weight (stable) and folds their labels.\n"
                    f"pub fn g{j}_{g}<T: Shape + Clone>(mut items: Vec<T>) -> u64 {{\n"
                    f"    items.sort_by_key(|it| it.weight());\n"
                    f"    let first = items.first().cloned();\n"
                    f"    let acc = items\n        .iter()\n        .enumerate()\n"
                    f"        .fold(items.len() as u64, |acc, (i, it)| {{\n"
                    f"            mix(acc, bytesum(&it.label()).wrapping_add(i as u64))\n"
                    f"        }});\n"
                    f"    match first {{\n        Some(it) => mix(acc, it.weight()),\n"
                    f"        None => acc,\n    }}\n}}\n")
        n = rnd.int(2, 5)
        return (f"/// Builds {n} items with `build` and folds their fingerprints.\n"
                f"pub fn g{j}_{g}<T: Shape>(seed: u64, build: impl Fn(u64) -> T) -> u64 {{\n"
                f"    (0..{n})\n        .map(|i| build(seed.wrapping_add(i)).fingerprint())\n"
                f"        .fold(seed, mix)\n}}\n")

    def function(self, f: _File, k: int, rnd: _Rnd) -> str:
        j, kind = f.j, k % _KINDS
        dep = None if f.pkg.is_leaf else f.embeds[k % len(f.embeds)]
        name = f"f{j}_{k}"
        if kind == 0:
            tail = f"acc ^ {dep}::m{j}::{name}(acc >> 3)" if dep else "acc"
            n, r = rnd.int(3, 9), rnd.int(1, 63)
            return (f"/// Mixes `x` through {n} rounds.\n"
                    f"pub fn {name}(x: u64) -> u64 {{\n    let mut acc = x ^ {rnd.hex()};\n"
                    f"    for i in 0..{n} {{\n        acc = mix(acc, i).rotate_left({r});\n    }}\n"
                    f"    {tail}\n}}\n")
        if kind == 1:
            m = rnd.int(3, 11)
            r, mul = rnd.int(0, m - 1), rnd.int(3, 99999)
            return (f"/// Keeps the words not congruent to {r} mod {m}, scales them and folds "
                    f"them\n"
                    f"/// with their position.\n"
                    f"pub fn {name}(xs: &[u64]) -> u64 {{\n    let salt = {rnd.hex()};\n"
                    f"    let keep = |v: &u64| *v % {m} != {r};\n"
                    f"    xs.iter()\n        .copied()\n        .filter(keep)\n"
                    f"        .map(|v| v.wrapping_mul({mul}) ^ salt)\n"
                    f"        .enumerate()\n"
                    f"        .fold(0, |acc, (i, v)| mix(acc, v.wrapping_add(i as u64)))\n}}\n")
        if kind == 2:
            limit, m, a = rnd.int(300, 900), rnd.int(5, 17), rnd.int(1, 500)
            if dep:
                tail = (f"    let w = {dep}::m{j}::{name}(v.wrapping_add({a}))?;\n"
                        f"    Ok(mix(v, w))\n")
            else:
                tail = f"    Ok(mix(v, {a}))\n"
            msg = f'"check {j}.{k}: {{v}} is a multiple of {m}"'
            if len(f"Error::Invalid(format!({msg}))") <= 60:  # rustfmt's call width
                err = f"        return Err(Error::Invalid(format!({msg})));\n"
            else:
                err = (f"        return Err(Error::Invalid(format!(\n            {msg}\n"
                       f"        )));\n")
            return (f"/// Checks `seed` and rejects multiples of {m}.\n"
                    f"pub fn {name}(seed: u64) -> Result<u64, Error> {{\n"
                    f"    let v = checked(seed % 1000, {limit})?;\n"
                    f"    if v % {m} == 0 {{\n{err}    }}\n" + tail + "}\n")
        if kind == 3:
            n, mod = rnd.int(3, 8), rnd.int(256, 65536)
            return (f"/// Renders {n} mixed words of `x` as `[i:hex,...]`.\n"
                    f"pub fn {name}(x: u64) -> String {{\n"
                    f"    let parts: Vec<String> = (0..{n})\n"
                    f'        .map(|i| format!("{{}}:{{:x}}", i, mix(x, i) % {mod}))\n'
                    f"        .collect();\n"
                    f'    format!("[{{}}]", parts.join(","))\n}}\n')
        if kind == 4:
            c = rnd.hex()
            if (j + k) % 2:
                return (f"/// Counts words, then folds the counts in key order.\n"
                        f"pub fn {name}(words: &[String]) -> u64 {{\n"
                        f"    let mut counts: HashMap<&str, u64> = HashMap::new();\n"
                        f"    for w in words {{\n"
                        f"        *counts.entry(w.as_str()).or_insert(0) += 1;\n    }}\n"
                        f"    let mut keys: Vec<&str> = counts.keys().copied().collect();\n"
                        f"    keys.sort_unstable();\n"
                        f"    keys.iter().fold({c}, |acc, w| {{\n"
                        f"        mix(acc, bytesum(w).wrapping_add(counts[w]))\n    }})\n}}\n")
            return (f"/// Counts words in a sorted map and folds the counts in key order.\n"
                    f"pub fn {name}(words: &[String]) -> u64 {{\n"
                    f"    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();\n"
                    f"    for w in words {{\n"
                    f"        *counts.entry(w.as_str()).or_default() += 1;\n    }}\n"
                    f"    counts.iter().fold({c}, |acc, (w, n)| {{\n"
                    f"        mix(acc, bytesum(w).wrapping_add(*n))\n    }})\n}}\n")
        p, t = rnd.int(1, 12), rnd.int(2, 6)
        return (f"/// Sorts and dedups `items`, probes for {p} and folds the {t} largest.\n"
                f"pub fn {name}(mut items: Vec<u64>) -> u64 {{\n"
                f"    items.sort_unstable();\n    items.dedup();\n"
                f"    let found = u64::from(items.binary_search(&{p}).is_ok());\n"
                f"    items\n        .iter()\n        .rev()\n        .take({t})\n"
                f"        .fold(found, |acc, &v| mix(acc, v))\n}}\n")

    def call(self, f: _File, k: int, root: str, rnd: _Rnd) -> str:
        name = f"f{f.j}_{k}"
        kind = k % _KINDS
        if kind == 0:
            return _rs_mix(f"{name}(acc)")
        if kind == 1:
            return _rs_mix(f"{name}(&[acc, acc >> 7, acc.rotate_left(9), {rnd.hex()}])")
        if kind == 2:
            return (f"    acc = match {name}(acc) {{\n        Ok(v) => mix(acc, v),\n"
                    f"        Err(e) => mix(acc, e.code()),\n    }};\n")
        if kind == 3:
            return _rs_mix(f"bytesum(&{name}(acc))")
        if kind == 4:
            return _rs_mix(f"{name}(&{root}::words(acc, {rnd.int(3, 9)}, {rnd.int(2, 5)}))")
        return _rs_mix(f"{name}(vec![acc % 97, acc % 13, acc % 97, {rnd.int(1, 12)}, acc >> 60])")

    def inst(self, f: _File, item: str, types: tuple[_Type, ...], n: int, root: str) -> str:
        t = types[0]
        if item == "total_weight":
            return _rs_mix(f"{root}::total_weight(&[",
                           [f"{t.rust}::new(acc)", f"{t.rust}::default()"])
        if item == "bag":
            return _rs_mix(f"{root}::Bag::from_vec(vec![{t.rust}::new(acc), "
                           f"{t.rust}::new(acc.wrapping_add({n}))]).fold(acc)")
        if item == "pair":
            u = types[1]
            return _rs_mix(f"{root}::Pair::new({t.rust}::new(acc), "
                           f"{u.rust}::new(acc ^ {n})).fingerprint()")
        g = int(item[1:])
        fn = f"g{f.j}_{g}"
        if g % 3 == 0:
            return _rs_mix(f"{fn}(&[{t.rust}::new(acc), {t.rust}::new(acc ^ {n + 1})], acc)")
        if g % 3 == 1:
            return _rs_mix(f"{fn}(vec![", [f"{t.rust}::new(acc)",
                                           f"{t.rust}::new(acc >> {n % 17 + 1})",
                                           f"{t.rust}::default()"])
        return _rs_mix(f"{fn}(acc, {t.rust}::new)")

    def run(self, f: _File, root: str, rnd: _Rnd) -> str:
        j = f.j
        first = f.structs[0]
        var = [f"rec_{LETTERS[k].lower()}" for k in range(len(f.structs))]
        b = [f"/// Runs everything in this module once; errors propagate with `?`.\n"
             f"pub fn run(seed: u64) -> Result<u64, Error> {{\n"
             f"    let mut acc = mix(seed, {rnd.hex()});\n"]
        for k, (name, v) in enumerate(zip(f.structs, var, strict=True)):
            b.append(f"    let {v} = {name}::new(mix(acc, {k}));\n"
                     f"    acc = mix(acc, {v}.score());\n"
                     f"    acc = mix(acc, bytesum(&{v}.to_string()));\n")
        v0 = var[0]
        b.append(f"    let copy = {v0}.clone();\n"
                 f"    acc = mix(acc, u64::from(copy == {v0}));\n"
                 f"    let mut seen = HashSet::new();\n"
                 f"    seen.insert(copy);\n"
                 f"    seen.insert({v0}.clone());\n"
                 f"    seen.insert({first}::new(acc));\n"
                 f"    acc = mix(acc, seen.len() as u64);\n"
                 f"    let mut sorted = vec![{first}::new(acc >> 1), {v0}.clone(), "
                 f"{first}::default()];\n"
                 f"    sorted.sort();\n"
                 f"    acc = sorted.iter().fold(acc, |acc, r| mix(acc, r.id));\n")
        for t in f.traits:
            lt = t.lower()
            boxes = [f"Box::new({v}.clone())" for v in var]
            b.append(_rs_list(f"let ops: Vec<Box<dyn Op{j}{t}>> = vec![", boxes, "];", "    "))
            b.append(f"    for op in &ops {{\n"
                     f"        acc = mix(acc, op.step_{lt}(acc));\n"
                     f"        acc = mix(acc, bytesum(&op.tag_{lt}()));\n"
                     f"        acc = mix(acc, op.twice_{lt}(acc));\n    }}\n")
        b.append(_rs_list(f"let shapes: [&dyn Shape; {len(var)}] = [", [f"&{v}" for v in var],
                          "];", "    "))
        b.append(f"    acc = mix(acc, {root}::sum_dyn(&shapes));\n")
        for item, types, n in _instantiations(f):
            b.append(self.inst(f, item, types, n, root))
        for k in range(f.spec.functions_per_file):
            b.append(self.call(f, k, root, _Rnd(f.pkg.ordinal, j, 4, k)))
        b.append(f"    let last = checked(acc % 1000, {rnd.int(500, 990)})?;\n"
                 f"    Ok(mix(acc, last))\n}}\n")
        return "".join(b)

    def tests(self, f: _File) -> str:
        j = f.j
        out = []
        for kind, k in _tests(f):
            if kind == "run":
                out.append("    #[test]\n    fn run_is_deterministic() {\n"
                           "        assert_eq!(run(7), run(7));\n    }\n")
            elif kind == "rec":
                s = f.structs[k]
                out.append(f"    #[test]\n    fn {s.lower()}_clone_is_equal() {{\n"
                           f"        let rec = {s}::new(11);\n"
                           f"        assert_eq!(rec.clone(), rec);\n"
                           f'        assert!(format!("{{:?}}", rec).starts_with("{s} {{"));\n'
                           f'        assert!(rec.to_string().starts_with("{s}("));\n'
                           f"        assert_ne!(rec, {s}::default());\n    }}\n")
            else:
                out.append(self.fn_test(j, k))
        return ("#[cfg(test)]\nmod tests {\n    use super::*;\n\n" + "\n".join(out) + "}\n")

    @staticmethod
    def fn_test(j: int, k: int) -> str:
        name = f"f{j}_{k}"
        kind = k % _KINDS
        if kind == 0:
            return (f"    #[test]\n    fn {name}_is_deterministic() {{\n"
                    f"        assert_eq!({name}(5), {name}(5));\n    }}\n")
        if kind == 1:
            return (f"    #[test]\n    fn {name}_of_nothing_is_zero() {{\n"
                    f"        assert_eq!({name}(&[]), 0);\n    }}\n")
        if kind == 2:
            return (f"    #[test]\n    fn {name}_rejects_large_input() {{\n"
                    f"        assert!(matches!({name}(999), Err(Error::TooLarge {{ .. }})));\n"
                    f"    }}\n")
        if kind == 3:
            return (f"    #[test]\n    fn {name}_is_bracketed() {{\n"
                    f"        let s = {name}(5);\n"
                    f"        assert!(s.starts_with('[') && s.ends_with(']'), \"{{s}}\");\n"
                    f"    }}\n")
        if kind == 4:
            return (f"    #[test]\n    fn {name}_ignores_order() {{\n"
                    f'        let a: Vec<String> = ["b", "a", "b"]'
                    f'.iter().map(|s| s.to_string()).collect();\n'
                    f'        let b: Vec<String> = ["b", "b", "a"]'
                    f'.iter().map(|s| s.to_string()).collect();\n'
                    f"        assert_eq!({name}(&a), {name}(&b));\n    }}\n")
        return (f"    #[test]\n    fn {name}_ignores_order_and_repeats() {{\n"
                f"        assert_eq!({name}(vec![3, 1, 3, 2]), {name}(vec![1, 2, 3]));\n    }}\n")

    def lib(self, pkg: Package) -> str:
        n = self.spec.files_per_package
        mods = "".join(f"pub mod {m};\n" for m in sorted(f"m{j}" for j in range(n)))
        if pkg.is_leaf:
            head = _RS_LEAF_CORE + "\n" + mods + "\n"
        else:
            deps = ", ".join(f"`{d}`" for d in pkg.imports)
            head = (f"//! `{pkg.name}`: layer {pkg.layer} of the buildprof sample "
                    f"`{self.spec.size}`.\n"
                    f"//! It depends on {deps}.\n\n{mods}\n"
                    f"use leaf::{{digest, mix, Error, Registry}};\n\n")
        steps = _rs_list(f"let steps: [(&str, fn(u64) -> Result<u64, Error>); {n}] = [",
                         [f'("m{j}", m{j}::run)' for j in range(n)], "];", "    ")
        body = (f"/// Runs every module and folds the results (an error counts by its code).\n"
                f"pub fn run(seed: u64) -> u64 {{\n{steps}"
                f"    let mut registry = Registry::default();\n"
                f"    let mut values = Vec::with_capacity(steps.len());\n"
                f"    let mut acc = seed;\n"
                f"    for (name, step) in steps {{\n"
                f"        let value = step(acc).unwrap_or_else(|e| e.code());\n"
                f"        registry.add(name, value);\n"
                f"        values.push(value);\n"
                f"        acc = mix(acc, value);\n    }}\n"
                f"    mix(acc ^ registry.checksum(), digest(&values))\n}}\n")
        text = head + body
        if pkg.is_leaf:
            text += "\n" + _RS_LEAF_TEST
        return text

    def main(self) -> str:
        rows = _rs_list(f"let crates: [(&str, fn(u64) -> u64); {len(self.graph)}] = [",
                        [f'("{p.name}", {p.name}::run)' for p in self.graph], "];", "    ")
        return (f"//! The binary of the buildprof sample `{self.spec.size}`: runs every crate "
                f"once and\n//! prints one checksum per crate and a total, identical to the Go "
                f"build's output.\n\n"
                f"/// Salts the seed (the top-body edit changes it).\n"
                f"fn salt(seed: u64) -> u64 {{\n{SALT_LINE['rust']}}}\n\n"
                f"fn main() {{\n"
                f"    let seed = std::env::args()\n        .nth(1)\n"
                f"        .and_then(|arg| arg.parse::<u64>().ok())\n"
                f"        .unwrap_or({self.spec.seed});\n"
                f"{rows}"
                f"    let mut acc = salt(seed);\n"
                f"    for (name, run) in crates {{\n"
                f"        let value = run(acc);\n"
                f'        println!("{{name:<8}} {{value:016x}}");\n'
                f"        acc = leaf::mix(acc, value);\n    }}\n"
                f'    println!("checksum {{acc:016x}}");\n}}\n')


_RS_LEAF_CORE = (
    """//! `leaf`: the most depended-on crate of the buildprof sample: the shared error
//! type, the `Shape` trait, generic containers and hashing helpers.

use std::collections::BTreeMap;
use std::fmt;

/// The error type shared by every crate of the sample.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Error {
    /// A value exceeded its limit.
    TooLarge { value: u64, limit: u64 },
    /// Input failed a check; the message says which.
    Invalid(String),
    /// A collection was empty.
    Empty(&'static str),
}

impl Error {
    /// A number standing for the error, folded into checksums.
    pub fn code(&self) -> u64 {
        match self {
            Error::TooLarge { value, limit } => mix(*value, *limit),
            Error::Invalid(msg) => bytesum(msg),
            Error::Empty(what) => bytesum(what).wrapping_add(1),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::TooLarge { value, limit } => write!(f, "value {value} exceeds limit {limit}"),
            Error::Invalid(msg) => write!(f, "invalid: {msg}"),
            Error::Empty(what) => write!(f, "{what} is empty"),
        }
    }
}

impl std::error::Error for Error {}

/// Mixes two words (a multiply-xorshift step); every checksum goes through it.
pub fn mix(a: u64, b: u64) -> u64 {
    let mut x = a ^ b.rotate_left(17);
    x = x.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x ^= x >> 29;
    x.wrapping_add(b)
}

/// A polynomial hash of a string's bytes.
pub fn bytesum(s: &str) -> u64 {
    s.bytes()
        .fold(0, |acc, b| acc.wrapping_mul(31).wrapping_add(u64::from(b)))
}

"""
    + DIGEST_DOC["rust"]
    + "pub fn digest(words: &[u64]) -> u64 {\n"
    + DIGEST_INIT["rust"]
    + """    for (i, word) in words.iter().enumerate() {
        let mut v = *word;
        for _ in 0..8 {
            h ^= v & 0xff;
            h = h.wrapping_mul(0x0100_0000_01b3);
            v >>= 8;
        }
        if i % 2 == 1 {
            h = h.rotate_left(5);
        }
    }
    // Fold in the length, then finalise (murmur3's fmix64) so that every input bit
    // reaches every output bit.
    h ^= (words.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h = h.rotate_left(31);
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h
}

/// `Ok(value)` when `value` is at most `limit`, else `Error::TooLarge`.
pub fn checked(value: u64, limit: u64) -> Result<u64, Error> {
    if value > limit {
        Err(Error::TooLarge { value, limit })
    } else {
        Ok(value)
    }
}

/// `n` short words drawn from `seed`, with `m` possible values.
pub fn words(seed: u64, n: u64, m: u64) -> Vec<String> {
    (0..n).map(|i| format!("w{}", mix(seed, i) % m)).collect()
}

/// Something with a weight and a label; every record of the sample is one.
pub trait Shape {
    fn weight(&self) -> u64;
    fn label(&self) -> String;

    /// The weight folded with the hash of the label.
    fn fingerprint(&self) -> u64 {
        mix(self.weight(), bytesum(&self.label()))
    }
}

/// Folds the fingerprints of `items` (static dispatch).
pub fn total_weight<T: Shape>(items: &[T]) -> u64 {
    items.iter().map(Shape::fingerprint).fold(0, mix)
}

/// Folds the fingerprints of trait objects (dynamic dispatch).
pub fn sum_dyn(items: &[&dyn Shape]) -> u64 {
    items.iter().map(|s| s.fingerprint()).fold(0, mix)
}

/// A generic bag of shapes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Bag<T> {
    items: Vec<T>,
}

impl<T: Shape + Clone> Bag<T> {
    /// A bag holding `items`.
    pub fn from_vec(items: Vec<T>) -> Self {
        Bag { items }
    }

    /// Adds an item.
    pub fn push(&mut self, item: T) {
        self.items.push(item);
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the bag is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The heaviest item, or `Error::Empty`.
    pub fn heaviest(&self) -> Result<T, Error> {
        self.items
            .iter()
            .max_by_key(|it| it.weight())
            .cloned()
            .ok_or(Error::Empty("bag"))
    }

    /// Folds the heaviest weight and every item's fingerprint into `seed`.
    pub fn fold(&self, seed: u64) -> u64 {
        let first = match self.heaviest() {
            Ok(top) => top.weight(),
            Err(e) => e.code(),
        };
        self.items
            .iter()
            .map(Shape::fingerprint)
            .fold(mix(seed, first), mix)
    }
}

/// A generic pair of shapes; it is a shape itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Pair<A, B> {
    pub left: A,
    pub right: B,
}

impl<A: Shape, B: Shape> Pair<A, B> {
    /// The pair `(left, right)`.
    pub fn new(left: A, right: B) -> Self {
        Pair { left, right }
    }
}

impl<A: Shape, B: Shape> Shape for Pair<A, B> {
    fn weight(&self) -> u64 {
        mix(self.left.weight(), self.right.weight())
    }

    fn label(&self) -> String {
        format!("({}, {})", self.left.label(), self.right.label())
    }
}

/// Named counters, kept in key order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Registry {
    entries: BTreeMap<String, u64>,
}

impl Registry {
    /// Adds `value` to the counter `name`.
    pub fn add(&mut self, name: &str, value: u64) {
        let entry = self.entries.entry(name.to_string()).or_insert(0);
        *entry = entry.wrapping_add(value);
    }

    /// The counter `name`, if present.
    pub fn get(&self, name: &str) -> Option<u64> {
        self.entries.get(name).copied()
    }

    /// Folds every counter in key order.
    pub fn checksum(&self) -> u64 {
        self.entries
            .iter()
            .fold(0, |acc, (k, v)| mix(acc, bytesum(k) ^ v))
    }
}
""")

_RS_LEAF_TEST = """#[cfg(test)]
mod core_tests {
    use super::*;

    #[test]
    fn mix_is_not_identity() {
        assert_ne!(mix(1, 2), 1);
        assert_ne!(mix(1, 2), mix(2, 1));
    }

    #[test]
    fn checked_rejects_large_values() {
        assert_eq!(checked(3, 5), Ok(3));
        assert_eq!(checked(9, 5), Err(Error::TooLarge { value: 9, limit: 5 }));
    }

    #[test]
    fn empty_bag_folds_its_error() {
        let bag: Bag<Pair<m0::Rec0A, m0::Rec0A>> = Bag::default();
        assert!(bag.heaviest().is_err());
        assert_eq!(bag.fold(1), mix(1, bytesum("bag") + 1));
    }

    #[test]
    fn registry_order_does_not_matter() {
        let mut a = Registry::default();
        let mut b = Registry::default();
        a.add("x", 1);
        a.add("y", 2);
        b.add("y", 2);
        b.add("x", 1);
        assert_eq!(a.checksum(), b.checksum());
        assert_eq!(a.get("y"), Some(2));
    }
}
"""


# ---------------------------------------------------------------- writing trees


def render(spec: Spec, lang: str) -> dict[str, str]:
    """Every file of the tree, by relative path."""
    graph = package_graph(spec)
    files = _Go(spec, graph).files() if lang == "go" else _Rust(spec, graph).files()
    note = (f"# buildprof sample `{spec.size}` ({lang})\n\n"
            f"Generated by buildprof (generator version {GENERATOR_VERSION}) from "
            f"`sample_projects/{spec.size}.toml`; do not edit.\n"
            f"{spec.packages} library {'packages' if lang == 'go' else 'crates'} in "
            f"{spec.layers} layers plus the binary `app`, which prints one checksum per "
            f"{'package' if lang == 'go' else 'crate'}; the Go and Rust programs print the "
            f"same output.\n")
    files["README.md"] = note
    return files


def generate(size: str, lang: str, out: Path) -> Path:
    """Write the sample `size` in `lang` into `out` (absent or empty); return `out`."""
    check_lang(lang)
    spec = load_spec(size)
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out} exists and is not an empty directory; choose a new --out")
    files = render(spec, lang)
    _write(out, files)
    return out


def _write(root: Path, files: dict[str, str]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    made: set[str] = set()
    for rel in sorted(files):
        parent = os.path.dirname(rel)
        if parent and parent not in made:
            (root / parent).mkdir(parents=True, exist_ok=True)
            made.add(parent)
        with open(root / rel, "wb") as fh:
            fh.write(files[rel].encode())


STATS_FILE = ".buildprof/sample.json"  # inside the tree; skipped by hashing and copying


def tree_name(size: str, lang: str) -> str:
    """The cache folder name: `<size>-<lang>-<key>`, key = hash(spec, version)."""
    spec = load_spec(size)
    key = hashlib.sha256(f"{spec.key()}/{GENERATOR_VERSION}".encode()).hexdigest()[:10]
    return f"{size}-{lang}-{key}"


def materialise(size: str, lang: str) -> Path:
    """The sample tree in buildprof's cache, generated on first use.

    A tree is generated into a temporary sibling and renamed into place, so a
    tree at the final path is always complete (an interrupted run leaves only a
    `.tmp-*` folder, which is cleaned up by the next call)."""
    check_lang(lang)
    name = tree_name(size, lang)
    base = cache_dir("samples")
    final = base / name
    if (final / STATS_FILE).is_file():
        return final
    for stale in base.glob(f".tmp-{name}-*"):
        _remove_if_stale(stale)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=base))
    try:
        if final.exists() and not (final / STATS_FILE).is_file():
            # Not written by materialise (which only renames complete trees into
            # place): never reuse it. Move it aside first, atomically.
            with contextlib.suppress(FileNotFoundError):
                os.rename(final, tmp / "discarded")
        root = tmp / "tree"
        generate(size, lang, root)
        stats = tree_stats(root, lang)
        meta = {"size": size, "lang": lang, "generator_version": GENERATOR_VERSION,
                "files": stats.files, "loc": stats.loc, "content_hash": stats.content_hash,
                "packages": load_spec(size).packages + 1}  # the main package included
        (root / ".buildprof").mkdir()
        (root / STATS_FILE).write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
        try:
            os.rename(root, final)
        except OSError:
            if not (final / STATS_FILE).is_file():  # lost a race to a complete tree: fine
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _remove_if_stale(path: Path, age_s: float = 3600.0) -> None:
    """Remove a temporary tree left by an interrupted run (not one being written now)."""
    try:
        if time.time() - path.stat().st_mtime > age_s:
            shutil.rmtree(path, ignore_errors=True)
    except OSError:
        pass


def materialise_many(pairs: list[tuple[str, str]], jobs: int | None = None
                     ) -> dict[tuple[str, str], Path]:
    """`materialise` for several (size, lang) pairs; missing trees are generated in
    parallel worker processes, the biggest first."""
    for size, lang in pairs:
        load_spec(size)
        check_lang(lang)
    base = cache_dir("samples")
    missing = [p for p in dict.fromkeys(pairs)
               if not (base / tree_name(*p) / STATS_FILE).is_file()]
    workers = min(len(missing), jobs or os.cpu_count() or 1)
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        missing.sort(key=lambda p: -load_spec(p[0]).target_loc)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(_materialise_pair, missing))
    return {p: materialise(*p) for p in pairs}


def _materialise_pair(pair: tuple[str, str]) -> str:
    return str(materialise(*pair))


def sample_info(size: str, lang: str) -> dict:
    """Packages, files, code lines and content hash of a materialised sample."""
    root = materialise(size, lang)
    return json.loads((root / STATS_FILE).read_text()) | {"path": str(root)}
