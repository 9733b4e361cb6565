package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// soakWorker is one load client: its connection pool (with its key) and
// whether it writes.
type soakWorker struct {
	c      *client
	role   string
	writer bool
}

// soakDriveConfig bounds the soak's load.
type soakDriveConfig struct {
	duration, window time.Duration
	// writeEvery: a writer client's every writeEvery-th request is a write.
	writeEvery int
	// rateLimitPause is how long a client waits after RATE_LIMITED (the
	// server's Retry-After is at least a second; a real client waits).
	rateLimitPause time.Duration
}

// windowCount is the number of windows of a run: whole windows, a last
// part shorter than half a window joining the one before.
func windowCount(duration, window time.Duration) int {
	n := int((duration + window/2) / window)
	return max(n, 1)
}

// windowAcc gathers one window's requests.
type windowAcc struct {
	read, write []time.Duration
	rateLimited int
	errors      int
}

// soakDriven is what the load did, per window.
type soakDriven struct {
	windows      []windowAcc
	errors       int
	rateLimited  int
	errorSamples []string
}

// soakDrive runs the workers until the duration ends (or ctx does): each
// sends the mix's reads round-robin from its own place, a writer also a
// write every writeEvery requests. Every answer is checked; RATE_LIMITED
// is counted apart, any other failure is an error.
func soakDrive(ctx context.Context, workers []soakWorker, reads []plannedRequest, w *soakWriter, cfg soakDriveConfig) soakDriven {
	n := windowCount(cfg.duration, cfg.window)
	var (
		mu    sync.Mutex
		out   = soakDriven{windows: make([]windowAcc, n)}
		wseq  atomic.Int64
		start = time.Now()
		end   = start.Add(cfg.duration)
	)
	var wg sync.WaitGroup
	for i, wk := range workers {
		wg.Go(func() {
			mine := make([]windowAcc, n)
			var errs, limited int
			var samples []string
			for j := i; ; j++ {
				t0 := time.Now()
				if !t0.Before(end) || ctx.Err() != nil {
					break
				}
				win := min(int(t0.Sub(start)/cfg.window), n-1)
				write := wk.writer && cfg.writeEvery > 0 && j%cfg.writeEvery == 0
				var status int
				var raw []byte
				var err error
				if write {
					k := wseq.Add(1)
					status, raw, err = wk.c.post(ctx, w.body(k, fmt.Sprint(k)))
				} else {
					status, raw, err = wk.c.post(ctx, reads[j%len(reads)].Body)
				}
				took := time.Since(t0)
				if err == nil && isRateLimited(status, raw) {
					mine[win].rateLimited++
					limited++
					select {
					case <-time.After(cfg.rateLimitPause):
					case <-ctx.Done():
					}
					continue
				}
				if write {
					err = checkWrite(status, raw, err)
				} else {
					err = judge(status, raw, err, reads[j%len(reads)])
				}
				if err != nil {
					if errors.Is(err, context.Canceled) && ctx.Err() != nil {
						break // interrupted: not the server's fault
					}
					mine[win].errors++
					errs++
					if len(samples) < 5 {
						kind := "read"
						if write {
							kind = "write"
						}
						samples = append(samples, fmt.Sprintf("%s (%s key) at %.0fs: %v", kind, wk.role, t0.Sub(start).Seconds(), err))
					}
					continue
				}
				if write {
					mine[win].write = append(mine[win].write, took)
				} else {
					mine[win].read = append(mine[win].read, took)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			for k := range mine {
				a := &out.windows[k]
				a.read = append(a.read, mine[k].read...)
				a.write = append(a.write, mine[k].write...)
				a.rateLimited += mine[k].rateLimited
				a.errors += mine[k].errors
			}
			out.errors += errs
			out.rateLimited += limited
			if room := 5 - len(out.errorSamples); room > 0 {
				out.errorSamples = append(out.errorSamples, samples[:min(room, len(samples))]...)
			}
		})
	}
	wg.Wait()
	return out
}

// soakWindows summarizes the accumulated windows (without their samples:
// fillWindowSamples adds those).
func soakWindows(accs []windowAcc, window, duration time.Duration) []soakWindow {
	out := make([]soakWindow, len(accs))
	for i, a := range accs {
		all := append(append([]time.Duration(nil), a.read...), a.write...)
		end := time.Duration(i+1) * window
		if i == len(accs)-1 {
			end = duration
		}
		out[i] = soakWindow{
			Index: i + 1, StartSec: (time.Duration(i) * window).Seconds(), EndSec: end.Seconds(),
			Reads: len(a.read), Writes: len(a.write), RateLimited: a.rateLimited, Errors: a.errors,
			All: summarize(all), ReadLat: summarize(a.read), WriteLat: summarize(a.write),
		}
	}
	return out
}
