package stats

import "testing"

func TestSmallReport(t *testing.T) {
	r := Compute(10)
	if r.Primes != (Primes{Count: 4, Sum: 17, Largest: 7}) {
		t.Fatalf("primes: %+v", r.Primes)
	}
	if r.Collatz != (Collatz{Start: 9, Steps: 19}) {
		t.Fatalf("collatz: %+v", r.Collatz)
	}
	if r.FibonacciMod != 55 {
		t.Fatalf("fib: %d", r.FibonacciMod)
	}
}
