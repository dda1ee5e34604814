"""The hand-written core of the Rust leaf crate (top of `leaf/src/lib.rs`) and its tests.

The shared error type, the `Shape` trait, generic containers and the hashing
helpers every checksum goes through; `leaf_go` is the same code in Go. The
edits find their lines verbatim: DIGEST_DOC and DIGEST_INIT come from `edits`.
"""

from __future__ import annotations

from profiler.samples.edits import DIGEST_DOC, DIGEST_INIT

RS_LEAF_CORE = (
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

RS_LEAF_TEST = """#[cfg(test)]
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
