"""The hand-written core of the Go leaf package (`leaf/core.go`, `leaf/slices.go`) and
its tests.

The shared error type, the Shape interface, generic containers and the hashing
helpers every checksum goes through; `leaf_rust` is the same code in Rust. The
edits find their lines verbatim: DIGEST_DOC and DIGEST_INIT come from `edits`.
"""

from __future__ import annotations

from profiler.samples.edits import DIGEST_DOC, DIGEST_INIT

GO_LEAF_CORE = (
    """// Package leaf is the most depended-on package of the buildprof sample: the
// shared error type, the Shape interface, generic containers and hashing helpers.
package leaf

import (
	"errors"
	"fmt"
	"math/bits"
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
	Sort(keys)
	var acc uint64
	for _, k := range keys {
		acc = Mix(acc, ByteSum(k)^r.entries[k])
	}
	return acc
}
""")

# What the sample uses of Go 1.21's `slices` and `cmp` packages, as generic functions
# of leaf (instantiated in every package, as those are), built on `sort` (Go 1.0):
# Go 1.19 and later build the same source.
GO_LEAF_SLICES = """package leaf

import "sort"

// This file stands in for the functions of Go 1.21's slices and cmp packages the
// sample uses, so that Go 1.19 and later build the same source.

// Ordered is the constraint of the types < orders (cmp.Ordered).
type Ordered interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr |
		~float32 | ~float64 | ~string
}

// Compare returns -1, 0 or +1 as a is less than, equal to or greater than b
// (cmp.Compare, without its NaN ordering: the sample has no floats).
func Compare[T Ordered](a, b T) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}

// Clone returns a copy of s; nil stays nil (slices.Clone).
func Clone[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

// Equal reports whether a and b hold the same elements in the same order; nil
// and empty are equal (slices.Equal).
func Equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Sort sorts x in ascending order (slices.Sort).
func Sort[T Ordered](x []T) {
	sort.Slice(x, func(i, j int) bool { return x[i] < x[j] })
}

// SortFunc sorts x by cmp; the order of equal elements is not kept (slices.SortFunc).
func SortFunc[T any](x []T, cmp func(a, b T) int) {
	sort.Slice(x, func(i, j int) bool { return cmp(x[i], x[j]) < 0 })
}

// SortStableFunc sorts x by cmp, keeping the order of equal elements
// (slices.SortStableFunc).
func SortStableFunc[T any](x []T, cmp func(a, b T) int) {
	sort.SliceStable(x, func(i, j int) bool { return cmp(x[i], x[j]) < 0 })
}

// Compact replaces runs of equal elements by one copy and returns the shortened
// slice (slices.Compact).
func Compact[T comparable](s []T) []T {
	if len(s) < 2 {
		return s
	}
	n := 1
	for k := 1; k < len(s); k++ {
		if s[k] != s[k-1] {
			s[n] = s[k]
			n++
		}
	}
	return s[:n]
}

// BinarySearch finds target in the sorted x: the position where it is or would
// be inserted, and whether it is there (slices.BinarySearch).
func BinarySearch[T Ordered](x []T, target T) (int, bool) {
	lo, hi := 0, len(x)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if x[mid] < target {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < len(x) && x[lo] == target
}
"""

GO_LEAF_TEST = """package leaf

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
