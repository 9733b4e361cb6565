package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	// 1..100 ms: the p-th percentile is p ms.
	var s []time.Duration
	for i := 100; i >= 1; i-- {
		s = append(s, time.Duration(i)*time.Millisecond)
	}
	l := summarize(s)
	if l.Count != 100 || l.MinMs != 1 || l.MaxMs != 100 || l.P50 != 50 || l.P95 != 95 || l.P99 != 99 || l.Mean != 50.5 {
		t.Fatalf("summarize(1..100 ms) = %+v", l)
	}
	// Few samples: a percentile is always a sample, never interpolated.
	if got := percentile([]time.Duration{10, 20, 30}, 95); got != 30 {
		t.Errorf("p95 of 3 samples = %v, want the largest", got)
	}
	if got := percentile([]time.Duration{10, 20, 30}, 50); got != 20 {
		t.Errorf("p50 of 3 samples = %v, want the middle one", got)
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("p99 of one sample = %v", got)
	}
	if l := summarize(nil); l != (latencies{}) {
		t.Errorf("summarize(nil) = %+v, want zeros", l)
	}
}

// randomLatencies is a load run's worth of request times: mostly around
// 20 ms with a long tail.
func randomLatencies(n int) []time.Duration {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(r.ExpFloat64()*20e6) + 2*time.Millisecond
	}
	return out
}

// BenchmarkSummarize measures the load generator's summary of a 30 s run:
// 30,000 requests (1,000 req/s) and 1,000,000 (the cap's order).
func BenchmarkSummarize(b *testing.B) {
	for _, n := range []int{30_000, 1_000_000} {
		src := randomLatencies(n)
		work := make([]time.Duration, n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				copy(work, src)
				summarize(work)
			}
		})
	}
}

func TestSummarizeMatchesSortedIndex(t *testing.T) {
	s := randomLatencies(1001)
	sorted := slices.Clone(s)
	slices.Sort(sorted)
	l := summarize(s)
	// nearest rank of p95 over 1001 samples: ceil(950.95) = 951st.
	if want := ms(sorted[950]); l.P95 != want {
		t.Errorf("p95 = %v, want %v", l.P95, want)
	}
}
