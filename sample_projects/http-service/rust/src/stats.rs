//! The CPU work behind `GET /stats`: a prime sieve, the longest Collatz
//! chain, a Fibonacci number modulo a prime and a digest of the primes.

use serde::Serialize;

pub const MAX_N: u64 = 200_000;
const FIB_MODULUS: u64 = 1_000_000_007;

#[derive(Debug, Serialize)]
pub struct Primes {
    pub count: u64,
    pub sum: u64,
    pub largest: u64,
}

#[derive(Debug, Serialize)]
pub struct Collatz {
    pub start: u64,
    pub steps: u64,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub n: u64,
    pub primes: Primes,
    pub collatz: Collatz,
    pub fibonacci_mod: u64,
    pub digest: String,
}

pub fn compute(n: u64) -> Report {
    let primes = sieve(n);
    Report {
        n,
        primes: Primes {
            count: primes.len() as u64,
            sum: primes.iter().sum(),
            largest: primes.last().copied().unwrap_or(0),
        },
        collatz: longest_collatz(n),
        fibonacci_mod: fibonacci_mod(n),
        digest: format!("{:016x}", fnv1a(&primes)),
    }
}

/// All primes <= n.
fn sieve(n: u64) -> Vec<u64> {
    let n = n as usize;
    let mut composite = vec![false; n + 1];
    let mut primes = Vec::new();
    for i in 2..=n {
        if composite[i] {
            continue;
        }
        primes.push(i as u64);
        let mut j = i * i;
        while j <= n {
            composite[j] = true;
            j += i;
        }
    }
    primes
}

/// The start in 1..=n with the most steps to reach 1 (smallest on ties).
fn longest_collatz(n: u64) -> Collatz {
    let mut best = Collatz { start: 1, steps: 0 };
    for start in 1..=n {
        let mut x = start;
        let mut steps = 0;
        while x != 1 {
            x = if x % 2 == 0 { x / 2 } else { 3 * x + 1 };
            steps += 1;
        }
        if steps > best.steps {
            best = Collatz { start, steps };
        }
    }
    best
}

fn fibonacci_mod(n: u64) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        (a, b) = (b, (a + b) % FIB_MODULUS);
    }
    a
}

/// FNV-1a (64-bit) over the little-endian bytes of each value.
fn fnv1a(values: &[u64]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for v in values {
        for byte in v.to_le_bytes() {
            hash ^= byte as u64;
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_report() {
        let r = compute(10);
        assert_eq!((r.primes.count, r.primes.sum, r.primes.largest), (4, 17, 7));
        assert_eq!((r.collatz.start, r.collatz.steps), (9, 19));
        assert_eq!(r.fibonacci_mod, 55);
    }
}
