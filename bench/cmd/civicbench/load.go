package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// loadResult is what a load run measured. Only requests started in the
// measured window count; the warm-up's are discarded (but an error in the
// warm-up still counts as an error).
type loadResult struct {
	Workload    string  `json:"workload"`
	Clients     int     `json:"clients"`
	WarmupSec   float64 `json:"warmupSec"`
	DurationSec float64 `json:"durationSec"` // from the window's start to the last measured answer
	Requests    int     `json:"requests"`    // measured, answered without error
	Errors      int     `json:"errors"`      // anywhere in the run, warm-up included
	// ErrorSamples quotes the first few errors.
	ErrorSamples []string `json:"errorSamples,omitempty"`
	// Capped is set when the run stopped at -max-requests before its time.
	Capped     bool      `json:"capped,omitempty"`
	Throughput float64   `json:"reqPerSec"`
	Latency    latencies `json:"latency"`
}

// loadConfig bounds a load run in time and in count.
type loadConfig struct {
	clients          int
	warmup, duration time.Duration
	maxRequests      int64
	timeout          time.Duration // one request
}

// runLoad drives the prepared workload's requests against the server.
func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("load", stderr)
	name := fs.String("workload", "dashboard", "the workload (prepared in -dir)")
	url := fs.String("url", "", "civicgraph's GraphQL endpoint")
	dir := fs.String("dir", "", "the run's work directory")
	var cfg loadConfig
	fs.IntVar(&cfg.clients, "clients", 8, "concurrent clients, each with its own keep-alive connection")
	fs.DurationVar(&cfg.duration, "duration", 30*time.Second, "the measured window")
	fs.DurationVar(&cfg.warmup, "warmup", 2*time.Second, "load before the window, not measured")
	fs.Int64Var(&cfg.maxRequests, "max-requests", 5_000_000, "stop after this many requests in all, whatever the time")
	fs.DurationVar(&cfg.timeout, "timeout", 120*time.Second, "one request's time limit (a request over it is an error)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]*string{"url": url, "dir": dir}); err != nil {
		return err
	}
	if cfg.clients < 1 || cfg.duration <= 0 || cfg.warmup < 0 || cfg.maxRequests < 1 {
		return usageError{"need -clients >= 1, -duration > 0, -warmup >= 0, -max-requests >= 1"}
	}
	var p plan
	if err := readJSON(planFile(*dir, *name), &p); err != nil {
		return fmt.Errorf("read the prepared workload (run prepare first): %w", err)
	}
	if len(p.Requests) == 0 {
		return fmt.Errorf("the prepared workload %s has no requests", *name)
	}
	fmt.Fprintf(stdout, "load: %s, %d clients, %s warm-up + %s measured\n", *name, cfg.clients, cfg.warmup, cfg.duration)
	res := drive(ctx, newClient(*url, cfg.clients, cfg.timeout), p.Requests, cfg)
	res.Workload = *name
	if err := writeJSON(loadFile(*dir, *name), res); err != nil {
		return err
	}
	l := res.Latency
	fmt.Fprintf(stdout, "load: %d requests in %.1fs = %.1f req/s; p50 %.1f ms, p95 %.1f ms, p99 %.1f ms; %d errors\n",
		res.Requests, res.DurationSec, res.Throughput, l.P50, l.P95, l.P99, res.Errors)
	for _, s := range res.ErrorSamples {
		fmt.Fprintf(stderr, "load: error: %s\n", s)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

// judge checks one answer under load. An HTTP 200 byte-identical to the
// answer prepare checked (expect, its SHA-256) is that answer, so it is not
// parsed again: the load generator shares the machine with the server, and
// parsing a dashboard's JSON costs more than serving it from the cache.
// Anything else is parsed, for an error that says what went wrong.
func judge(status int, raw []byte, err error, expect string) error {
	if err != nil {
		return err
	}
	if expect != "" && status == http.StatusOK && sha256Hex(raw) == expect {
		return nil
	}
	if _, err := checkAnswer(status, raw); err != nil {
		return err
	}
	if expect != "" {
		return fmt.Errorf("the answer (%d bytes) differs from the checked one", len(raw))
	}
	return nil
}

// drive runs cfg.clients workers, each sending the requests round-robin
// (worker i starts at request i) one after another until the window ends,
// the count cap is reached or ctx ends.
func drive(ctx context.Context, c *client, reqs []plannedRequest, cfg loadConfig) loadResult {
	var (
		sent     atomic.Int64
		mu       sync.Mutex
		errs     int
		samples  []string
		lastDone time.Time
		all      []time.Duration
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs++
		if len(samples) < 5 {
			samples = append(samples, err.Error())
		}
	}
	start := time.Now()
	windowStart := start.Add(cfg.warmup)
	end := windowStart.Add(cfg.duration)
	runCtx, cancel := context.WithDeadline(ctx, end.Add(cfg.timeout))
	defer cancel()
	var wg sync.WaitGroup
	for w := range cfg.clients {
		wg.Go(func() {
			var mine []time.Duration
			var myLast time.Time
			for i := w; ; i++ {
				t0 := time.Now()
				if !t0.Before(end) || runCtx.Err() != nil || sent.Add(1) > cfg.maxRequests {
					break
				}
				r := reqs[i%len(reqs)]
				status, raw, err := c.post(runCtx, r.Body)
				took := time.Since(t0)
				err = judge(status, raw, err, r.Expect)
				if err != nil {
					if errors.Is(err, context.Canceled) && ctx.Err() != nil {
						break // interrupted: not the server's fault
					}
					fail(err)
					continue
				}
				if !t0.Before(windowStart) {
					mine = append(mine, took)
					myLast = t0.Add(took)
				}
			}
			mu.Lock()
			all = append(all, mine...)
			if myLast.After(lastDone) {
				lastDone = myLast
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	res := loadResult{
		Clients: cfg.clients, WarmupSec: cfg.warmup.Seconds(), Errors: errs, ErrorSamples: samples,
		Capped: sent.Load() > cfg.maxRequests, Requests: len(all),
	}
	if len(all) > 0 {
		res.DurationSec = lastDone.Sub(windowStart).Seconds()
		res.Throughput = float64(len(all)) / res.DurationSec
	}
	res.Latency = summarize(all)
	return res
}
