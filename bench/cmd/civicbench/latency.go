package main

import (
	"math"
	"slices"
	"time"
)

// latencies summarizes request times. Percentiles are nearest-rank: the
// p-th percentile is the smallest sample with at least p% of the samples at
// or below it, so it is always a time some request actually took.
type latencies struct {
	Count int     `json:"count"`
	MinMs float64 `json:"minMs"`
	Mean  float64 `json:"meanMs"`
	P50   float64 `json:"p50Ms"`
	P95   float64 `json:"p95Ms"`
	P99   float64 `json:"p99Ms"`
	MaxMs float64 `json:"maxMs"`
}

// summarize sorts samples in place and summarizes them; no samples give
// all zeros.
func summarize(samples []time.Duration) latencies {
	if len(samples) == 0 {
		return latencies{}
	}
	slices.Sort(samples)
	var total time.Duration
	for _, d := range samples {
		total += d
	}
	return latencies{
		Count: len(samples),
		MinMs: ms(samples[0]),
		Mean:  ms(total) / float64(len(samples)),
		P50:   ms(percentile(samples, 50)),
		P95:   ms(percentile(samples, 95)),
		P99:   ms(percentile(samples, 99)),
		MaxMs: ms(samples[len(samples)-1]),
	}
}

// percentile is the nearest-rank p-th percentile (0 < p <= 100) of sorted
// samples, which must not be empty.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
