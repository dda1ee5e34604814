// Package stats is the CPU work behind GET /stats: a prime sieve, the longest
// Collatz chain, a Fibonacci number modulo a prime and a digest of the primes.
package stats

import (
	"encoding/binary"
	"fmt"
)

// MaxN is the largest accepted n.
const MaxN = 200000

const fibModulus = 1000000007

// Primes summarises the primes <= n.
type Primes struct {
	Count   uint64 `json:"count"`
	Sum     uint64 `json:"sum"`
	Largest uint64 `json:"largest"`
}

// Collatz is the start in 1..n with the longest chain.
type Collatz struct {
	Start uint64 `json:"start"`
	Steps uint64 `json:"steps"`
}

// Report is the body of GET /stats.
type Report struct {
	N            uint64  `json:"n"`
	Primes       Primes  `json:"primes"`
	Collatz      Collatz `json:"collatz"`
	FibonacciMod uint64  `json:"fibonacci_mod"`
	Digest       string  `json:"digest"`
}

// Compute builds the report for n.
func Compute(n uint64) Report {
	primes := sieve(n)
	p := Primes{Count: uint64(len(primes))}
	for _, v := range primes {
		p.Sum += v
	}
	if len(primes) > 0 {
		p.Largest = primes[len(primes)-1]
	}
	return Report{
		N:            n,
		Primes:       p,
		Collatz:      longestCollatz(n),
		FibonacciMod: fibonacciMod(n),
		Digest:       fmt.Sprintf("%016x", fnv1a(primes)),
	}
}

// sieve returns all primes <= n.
func sieve(n uint64) []uint64 {
	composite := make([]bool, n+1)
	var primes []uint64
	for i := uint64(2); i <= n; i++ {
		if composite[i] {
			continue
		}
		primes = append(primes, i)
		for j := i * i; j <= n; j += i {
			composite[j] = true
		}
	}
	return primes
}

// longestCollatz returns the start in 1..n with the most steps to 1 (smallest on ties).
func longestCollatz(n uint64) Collatz {
	best := Collatz{Start: 1}
	for start := uint64(1); start <= n; start++ {
		x, steps := start, uint64(0)
		for x != 1 {
			if x%2 == 0 {
				x /= 2
			} else {
				x = 3*x + 1
			}
			steps++
		}
		if steps > best.Steps {
			best = Collatz{Start: start, Steps: steps}
		}
	}
	return best
}

func fibonacciMod(n uint64) uint64 {
	a, b := uint64(0), uint64(1)
	for i := uint64(0); i < n; i++ {
		a, b = b, (a+b)%fibModulus
	}
	return a
}

// fnv1a is 64-bit FNV-1a over the little-endian bytes of each value.
func fnv1a(values []uint64) uint64 {
	hash := uint64(0xcbf29ce484222325)
	var buf [8]byte
	for _, v := range values {
		binary.LittleEndian.PutUint64(buf[:], v)
		for _, b := range buf {
			hash ^= uint64(b)
			hash *= 0x100000001b3
		}
	}
	return hash
}
