package main

import (
	"fmt"
	"slices"
)

// The soak's judgement (issue 7, item 5) is a pure function of what the run
// recorded, so that tests can feed it synthetic series (a leak, a p99 jump)
// and see it fail.

// soakSample is one reading of the server, taken every -sample (10 s).
type soakSample struct {
	AtSec      float64 `json:"atSec"` // since the load started
	RSSKiB     int64   `json:"rssKiB"`
	HWMKiB     int64   `json:"hwmKiB"` // the process's peak RSS so far
	HeapBytes  int64   `json:"heapBytes"`
	Goroutines int     `json:"goroutines"`
	// RateLimited is the server's count of RATE_LIMITED refusals so far.
	RateLimited int64 `json:"rateLimited"`
	// CPUSec is the server's user+system CPU time so far.
	CPUSec float64 `json:"cpuSec"`
	Load1  float64 `json:"load1"`
}

// soakWindow is what one window of the load saw (requests by the time
// they started).
type soakWindow struct {
	Index       int       `json:"index"`
	StartSec    float64   `json:"startSec"`
	EndSec      float64   `json:"endSec"`
	Reads       int       `json:"reads"`  // answered correctly
	Writes      int       `json:"writes"` // answered correctly
	RateLimited int       `json:"rateLimited"`
	Errors      int       `json:"errors"`
	All         latencies `json:"all"` // reads and writes answered
	ReadLat     latencies `json:"read"`
	WriteLat    latencies `json:"write"`
	RSSMeanKiB  float64   `json:"rssMeanKiB"` // of the samples taken in the window
	RSSMaxKiB   int64     `json:"rssMaxKiB"`
	// RSSEndKiB is the window's last sample: for the first window, "the
	// 5-minute RSS", once the response cache and the pools have filled.
	RSSEndKiB   int64   `json:"rssEndKiB"`
	HeapMeanMiB float64 `json:"heapMeanMiB"`
	Load1Mean   float64 `json:"load1Mean"`
}

// soakLimits are the soak's pass marks (bench/README.md, "Soak").
type soakLimits struct {
	// Peak RSS ≤ min(RSSFactor × the RSS at the first window's end, RSSCapMiB).
	RSSFactor float64 `json:"rssFactor"`
	RSSCapMiB float64 `json:"rssCapMiB"`
	// The last window's mean RSS ≤ the RSS at the first window's end ×
	// GrowthFactor + GrowthSlackMiB. The first window's end, not its mean:
	// the response cache (64 MiB by default) fills during it, and that is
	// a bounded rise, not a trend.
	GrowthFactor   float64 `json:"growthFactor"`
	GrowthSlackMiB float64 `json:"growthSlackMiB"`
	// Goroutines once the clients have gone ≤ those before the load + GoroutineSlack.
	GoroutineSlack int `json:"goroutineSlack"`
	// p99 of the last window ≤ P99Factor × p99 of the first.
	P99Factor float64 `json:"p99Factor"`
}

var defaultSoakLimits = soakLimits{RSSFactor: 2, RSSCapMiB: 512, GrowthFactor: 1.25, GrowthSlackMiB: 16, GoroutineSlack: 8, P99Factor: 1.5}

// soakCheck is one line of the verdict.
type soakCheck struct {
	Name   string `json:"name"`
	Pass   bool   `json:"pass"`
	Detail string `json:"detail"`
}

// soakVerdict is the judgement: Pass when every check passed.
type soakVerdict struct {
	Pass   bool        `json:"pass"`
	Checks []soakCheck `json:"checks"`
}

// soakRecord is everything the judgement reads.
type soakRecord struct {
	Windows []soakWindow
	Samples []soakSample
	// GoroutinesBefore is read with the server idle before the load,
	// GoroutinesAfter once the load's connections are closed.
	GoroutinesBefore, GoroutinesAfter int
	Errors, RateLimited               int
	ErrorSamples                      []string
}

const kib = 1024.0

// judgeSoak applies the limits to a soak's record: (a) no errors but
// RATE_LIMITED, (b) peak RSS within the bound, (c) no growth (RSS of the
// last window against the first, goroutines back to their baseline),
// (d) p99 of the last window against the first.
func judgeSoak(r soakRecord, lim soakLimits) soakVerdict {
	var v soakVerdict
	add := func(name string, pass bool, format string, args ...any) {
		v.Checks = append(v.Checks, soakCheck{Name: name, Pass: pass, Detail: fmt.Sprintf(format, args...)})
	}

	// (a)
	answered := 0
	for _, w := range r.Windows {
		answered += w.Reads + w.Writes
	}
	switch {
	case r.Errors > 0:
		first := ""
		if len(r.ErrorSamples) > 0 {
			first = "; first: " + r.ErrorSamples[0]
		}
		add("errors", false, "%d errors other than RATE_LIMITED%s", r.Errors, first)
	case answered == 0:
		add("errors", false, "no request was answered")
	default:
		add("errors", true, "0 errors in %d answers; %d RATE_LIMITED refusals (counted apart)", answered, r.RateLimited)
	}

	if len(r.Windows) == 0 || len(r.Samples) == 0 {
		add("windows", false, "%d windows and %d samples: nothing to judge", len(r.Windows), len(r.Samples))
		return finish(v)
	}
	first, last := r.Windows[0], r.Windows[len(r.Windows)-1]

	// (b)
	var peak int64
	for _, s := range r.Samples {
		peak = max(peak, s.RSSKiB)
	}
	bound := min(lim.RSSFactor*float64(first.RSSEndKiB), lim.RSSCapMiB*kib)
	add("peak RSS", first.RSSEndKiB > 0 && float64(peak) <= bound,
		"peak %.1f MiB ≤ bound %.1f MiB = min(%.3g × RSS at the first window's end %.1f MiB, cap %.0f MiB)",
		float64(peak)/kib, bound/kib, lim.RSSFactor, float64(first.RSSEndKiB)/kib, lim.RSSCapMiB)

	// (c)
	growthBound := float64(first.RSSEndKiB)*lim.GrowthFactor + lim.GrowthSlackMiB*kib
	add("RSS trend", first.RSSEndKiB > 0 && last.RSSMeanKiB <= growthBound,
		"last window's mean RSS %.1f MiB ≤ %.1f MiB = RSS at the first window's end %.1f MiB × %.3g + %.0f MiB",
		last.RSSMeanKiB/kib, growthBound/kib, float64(first.RSSEndKiB)/kib, lim.GrowthFactor, lim.GrowthSlackMiB)
	add("goroutines", r.GoroutinesAfter <= r.GoroutinesBefore+lim.GoroutineSlack,
		"%d after the load (connections closed) ≤ %d before it + %d",
		r.GoroutinesAfter, r.GoroutinesBefore, lim.GoroutineSlack)

	// (d)
	p99First, p99Last := first.All.P99, last.All.P99
	add("p99 stable", first.All.Count > 0 && last.All.Count > 0 && p99Last <= lim.P99Factor*p99First,
		"last window's p99 %.1f ms ≤ %.3g × first window's %.1f ms = %.1f ms (%d and %d answers)",
		p99Last, lim.P99Factor, p99First, lim.P99Factor*p99First, first.All.Count, last.All.Count)
	return finish(v)
}

func finish(v soakVerdict) soakVerdict {
	v.Pass = len(v.Checks) > 0 && !slices.ContainsFunc(v.Checks, func(c soakCheck) bool { return !c.Pass })
	return v
}

// fillWindowSamples puts each window's RSS, heap and load average (the
// means of the samples taken in it, and the peak RSS) into the windows.
// A window without a sample of its own takes the nearest earlier one.
func fillWindowSamples(ws []soakWindow, samples []soakSample) {
	for i := range ws {
		w := &ws[i]
		var n int
		var rss, heap, load float64
		for _, s := range samples {
			if s.AtSec < w.StartSec || s.AtSec >= w.EndSec && i < len(ws)-1 {
				continue
			}
			n++
			rss += float64(s.RSSKiB)
			heap += float64(s.HeapBytes)
			load += s.Load1
			w.RSSMaxKiB = max(w.RSSMaxKiB, s.RSSKiB)
			w.RSSEndKiB = s.RSSKiB
		}
		if n == 0 {
			for j := len(samples) - 1; j >= 0; j-- {
				if samples[j].AtSec < w.StartSec {
					s := samples[j]
					n, rss, heap, load = 1, float64(s.RSSKiB), float64(s.HeapBytes), s.Load1
					w.RSSMaxKiB, w.RSSEndKiB = s.RSSKiB, s.RSSKiB
					break
				}
			}
		}
		if n > 0 {
			w.RSSMeanKiB = rss / float64(n)
			w.HeapMeanMiB = heap / float64(n) / kib / kib
			w.Load1Mean = load / float64(n)
		}
	}
}
