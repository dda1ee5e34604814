"""The Go emitter: one module, one package per graph node, and `cmd/app`.

Writes the program `graph` describes (see `profiler.samples.graph`) as Go
source, with hand-written Clone/Equal/String where Rust derives them and loops
with func values where Rust chains iterators. The leaf package's hand-written
core is in `leaf_go`.
"""

from __future__ import annotations

import re

from profiler.samples.edits import SALT_LINE
from profiler.samples.graph import KINDS, LETTERS, FileModel, Package, RecordType, Rnd, file_model
from profiler.samples.leaf_go import GO_LEAF_CORE, GO_LEAF_SLICES, GO_LEAF_TEST
from profiler.samples.spec import Spec

# No `slices` or `cmp` (Go 1.21): leaf/slices.go holds the few functions of theirs the
# sample uses, so that Go 1.19 builds it.
_GO_IMPORTS = (("errors", "errors"), ("fmt", "fmt"), ("bits", "math/bits"), ("os", "os"),
               ("sort", "sort"), ("strconv", "strconv"), ("strings", "strings"),
               ("testing", "testing"))
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


class GoEmitter:
    """The Go tree of one spec: `files()` gives every file by relative path."""

    def __init__(self, spec: Spec, graph: list[Package]) -> None:
        self.spec = spec
        self.graph = graph
        self.module = f"buildprof.sample/{spec.size}"

    def files(self) -> dict[str, str]:
        out = {"go.mod": f"module {self.module}\n\ngo 1.19\n"}
        for pkg in self.graph:
            deps = pkg.imports
            for j in range(self.spec.files_per_package):
                f = file_model(pkg, self.spec, j)
                out[f"{pkg.name}/m{j}.go"] = _go_header(
                    "", pkg.name, self.source(f), self.module, deps)
                if self.spec.tests_per_file:
                    out[f"{pkg.name}/m{j}_test.go"] = _go_header(
                        "", pkg.name, self.tests(f), self.module, deps)
            out[f"{pkg.name}/run.go"] = self.run_file(pkg)
            if pkg.is_leaf:
                out["leaf/core.go"] = GO_LEAF_CORE
                out["leaf/slices.go"] = GO_LEAF_SLICES
                out["leaf/core_test.go"] = GO_LEAF_TEST
        out["cmd/app/main.go"] = self.main()
        return out

    # -- one source file
    def source(self, f: FileModel) -> str:
        j, lp = f.j, ("" if f.pkg.is_leaf else "leaf.")
        rnd = f.rnd_file()
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
            parts.append(self.record(f, k, name, lp, f.rnd_record(k)))
        for g in range(f.spec.generics_per_file):
            parts.append(self.generic(f, g, lp, rnd))
        for k in range(f.spec.functions_per_file):
            parts.append(self.function(f, k, lp, f.rnd_function(k)))
        parts.append(self.run(f, lp, rnd))
        return "\n".join(parts)

    def record(self, f: FileModel, k: int, name: str, lp: str, rnd: Rnd) -> str:
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
                 f"\treturn {name}{{ID: r.ID, Name: r.Name, Tags: {lp}Clone(r.Tags), "
                 f"{last}: {last_clone}}}\n}}\n")
        s.append(f"// Equal reports whether two records are the same (Rust derives this).\n"
                 f"func (r {name}) Equal(o {name}) bool {{\n"
                 f"\treturn r.ID == o.ID && r.Name == o.Name && {lp}Equal(r.Tags, o.Tags) "
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

    def generic(self, f: FileModel, g: int, lp: str, rnd: Rnd) -> str:
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
                    f"\t{lp}SortStableFunc(items, func(a, b T) int {{ "
                    f"return {lp}Compare(a.Weight(), b.Weight()) }})\n"
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

    def function(self, f: FileModel, k: int, lp: str, rnd: Rnd) -> str:
        j, kind = f.j, k % KINDS
        dep = f.fn_dep(k)
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
                    f"\t{lp}Sort(keys)\n\tacc := uint64({rnd.hex()})\n"
                    f"\tfor _, w := range keys {{\n"
                    f"\t\tacc = {lp}Mix(acc, {lp}ByteSum(w)+counts[w])\n\t}}\n"
                    f"\treturn acc\n}}\n")
        p, t = rnd.int(1, 12), rnd.int(2, 6)  # kind 5: sort, dedup, search
        return (f"// {name} sorts and dedups items, probes for {p} and folds the {t} largest.\n"
                f"func {name}(items []uint64) uint64 {{\n\t{lp}Sort(items)\n"
                f"\titems = {lp}Compact(items)\n"
                f"\t_, found := {lp}BinarySearch(items, {p})\n"
                f"\tacc := {lp}Flag(found)\n"
                f"\tfor i := len(items) - 1; i >= 0 && i >= len(items)-{t}; i-- {{\n"
                f"\t\tacc = {lp}Mix(acc, items[i])\n\t}}\n"
                f"\treturn acc\n}}\n")

    def call(self, f: FileModel, k: int, lp: str, rnd: Rnd) -> str:
        name = f"F{f.j}_{k}"
        kind = k % KINDS
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

    def inst(self, f: FileModel, item: str, types: tuple[RecordType, ...], n: int, lp: str) -> str:
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

    def run(self, f: FileModel, lp: str, rnd: Rnd) -> str:
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
                 f"\t{lp}SortFunc(sorted, func(a, b {first}) int {{ "
                 f"return {lp}Compare(a.ID, b.ID) }})\n"
                 f"\tfor _, r := range sorted {{\n\t\tacc = {lp}Mix(acc, r.ID)\n\t}}\n")
        for t in f.traits:
            b.append(f"\tfor _, op := range []Op{j}{t}{{{', '.join(var)}}} {{\n"
                     f"\t\tacc = {lp}Mix(acc, op.Step{t}(acc))\n"
                     f"\t\tacc = {lp}Mix(acc, {lp}ByteSum(op.Tag{t}()))\n"
                     f"\t\tacc = {lp}Mix(acc, Twice{j}{t}(op, acc))\n\t}}\n")
        b.append(f"\tacc = {lp}Mix(acc, {lp}SumShapes([]{lp}Shape{{{', '.join(var)}}}))\n")
        for item, types, n in f.instantiations():
            b.append(self.inst(f, item, types, n, lp))
        for k in range(f.spec.functions_per_file):
            b.append(self.call(f, k, lp, f.rnd_call(k)))
        b.append(f"\tlast, err := {lp}Checked(acc%1000, {rnd.int(500, 990)})\n"
                 f"\tif err != nil {{\n\t\treturn 0, err\n\t}}\n"
                 f"\treturn {lp}Mix(acc, last), nil\n}}\n")
        return "".join(b)

    def tests(self, f: FileModel) -> str:
        j = f.j
        e = "" if f.pkg.is_leaf else "leaf."
        out = []
        for kind, k in f.unit_tests():
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
        kind = k % KINDS
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
