package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// loadResult is what a load run measured. Only requests started in the
// measured window count; the warm-up's are discarded (but an error in the
// warm-up still counts as an error).
type loadResult struct {
	Workload    string  `json:"workload"`
	Target      string  `json:"target"` // civicgraph, civicgraph-cache, postgraphile
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
	// ProbeMs is the time of one request sent alone before the load (not
	// counted); when it is over a second the warm-up is skipped (the probe
	// warmed up, and a warm-up of slow requests would eat the window) and
	// the load is also bounded by -slow-max-requests.
	ProbeMs       float64 `json:"probeMs"`
	WarmupSkipped bool    `json:"warmupSkipped,omitempty"`
	MaxRequests   int64   `json:"maxRequests"` // the count bound applied
	// Profile is the CPU profile taken over the measured window (-profile),
	// relative to the results folder; ProfileError says why there is none.
	Profile      string    `json:"profile,omitempty"`
	HeapProfile  string    `json:"heapProfile,omitempty"`
	ProfileError string    `json:"profileError,omitempty"`
	Started      time.Time `json:"started"`
}

// The targets a load can drive.
var loadTargets = []string{"civicgraph", "civicgraph-cache", "postgraphile"}

// loadConfig bounds a load run in time and in count.
type loadConfig struct {
	clients          int
	warmup, duration time.Duration
	maxRequests      int64
	timeout          time.Duration // one request
	// profileURL, when set, is pprof's CPU profile endpoint
	// (http://ADMIN/debug/pprof/profile): a profile of the measured window
	// is written to profileOut, and the heap after the load to heapOut.
	profileURL, profileOut, heapOut string
}

// runLoad drives the prepared workload's requests against a server.
func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("load", stderr)
	name := fs.String("workload", "dashboard", "the workload (prepared in -dir)")
	target := fs.String("target", "civicgraph", "which server: civicgraph, civicgraph-cache (the same requests to a civicgraph with its response cache on) or postgraphile")
	url := fs.String("url", "", "the server's GraphQL endpoint")
	dir := fs.String("dir", "", "the run's work directory")
	var cfg loadConfig
	fs.IntVar(&cfg.clients, "clients", 8, "concurrent clients, each with its own keep-alive connection")
	fs.DurationVar(&cfg.duration, "duration", 30*time.Second, "the measured window")
	fs.DurationVar(&cfg.warmup, "warmup", 2*time.Second, "load before the window, not measured")
	fs.Int64Var(&cfg.maxRequests, "max-requests", 5_000_000, "stop after this many requests in all, whatever the time")
	fs.DurationVar(&cfg.timeout, "timeout", 120*time.Second, "one request's time limit (a request over it is an error)")
	slowMax := fs.Int64("slow-max-requests", 100, "when one request alone takes over a second (PostGraphile's (b) at city scale), stop after this many")
	profileURL := fs.String("profile", "", "civicgraph's admin listener, http://HOST:PORT: take a CPU profile of the measured window and a heap profile after it")
	profileDir := fs.String("profile-dir", "", "where -profile writes <workload>.<target>.cpu.pprof and .heap.pprof")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]*string{"url": url, "dir": dir}); err != nil {
		return err
	}
	if cfg.clients < 1 || cfg.duration <= 0 || cfg.warmup < 0 || cfg.maxRequests < 1 {
		return usageError{"need -clients >= 1, -duration > 0, -warmup >= 0, -max-requests >= 1"}
	}
	if !slices.Contains(loadTargets, *target) {
		return usageError{fmt.Sprintf("-target %q: want one of %s", *target, strings.Join(loadTargets, ", "))}
	}
	if *profileURL != "" {
		if *profileDir == "" {
			return usageError{"-profile needs -profile-dir"}
		}
		if err := os.MkdirAll(*profileDir, 0o755); err != nil {
			return err
		}
		base := filepath.Join(*profileDir, *name+"."+*target)
		cfg.profileURL = strings.TrimSuffix(*profileURL, "/") + "/debug/pprof/"
		cfg.profileOut, cfg.heapOut = base+".cpu.pprof", base+".heap.pprof"
	}
	var p plan
	if err := readJSON(planFile(*dir, *name), &p); err != nil {
		return fmt.Errorf("read the prepared workload (run prepare first): %w", err)
	}
	reqs := p.Requests
	var c *client
	if *target == "postgraphile" {
		if p.PostGraphile == nil {
			return fmt.Errorf("the prepared workload %s has no PostGraphile requests (prepare -postgraphile)", *name)
		}
		reqs = p.PostGraphile.Requests
		c = newPlainClient(*url, cfg.clients, cfg.timeout)
	} else {
		c = newClient(*url, cfg.clients, cfg.timeout)
	}
	if len(reqs) == 0 {
		return fmt.Errorf("the prepared workload %s has no requests", *name)
	}

	// One request alone first: it checks the server answers, and tells
	// whether a warm-up can fit.
	t0 := time.Now()
	status, raw, err := c.post(ctx, reqs[0].Body)
	probe := time.Since(t0)
	if err := judge(status, raw, err, reqs[0]); err != nil {
		return fmt.Errorf("%s %s: the first request failed: %w", *target, *name, err)
	}
	skipped := false
	if probe > time.Second {
		// A slow workload: no warm-up (the probe was one), and a bound on
		// the count as well as the time.
		skipped = cfg.warmup > 0
		cfg.warmup = 0
		if *slowMax > 0 {
			cfg.maxRequests = min(cfg.maxRequests, *slowMax)
		}
	}
	slow := ""
	if probe > time.Second {
		slow = fmt.Sprintf(": slow, so no warm-up and at most %d requests", cfg.maxRequests)
	}
	fmt.Fprintf(stdout, "load: %s on %s, %d clients, %s warm-up + %s measured (one request alone took %s%s)\n",
		*name, *target, cfg.clients, cfg.warmup, cfg.duration, probe.Round(time.Millisecond), slow)
	res := drive(ctx, c, reqs, cfg)
	res.Workload, res.Target, res.ProbeMs, res.WarmupSkipped, res.MaxRequests = *name, *target, ms(probe), skipped, cfg.maxRequests
	if res.Profile != "" {
		res.Profile, res.HeapProfile = filepath.Base(cfg.profileOut), filepath.Base(cfg.heapOut)
		if res.ProfileError != "" {
			res.HeapProfile = ""
		}
	}
	if err := writeJSON(loadFile(*dir, *name, *target), res); err != nil {
		return err
	}
	l := res.Latency
	fmt.Fprintf(stdout, "load: %d requests in %.1fs = %.1f req/s; p50 %.1f ms, p95 %.1f ms, p99 %.1f ms; %d errors\n",
		res.Requests, res.DurationSec, res.Throughput, l.P50, l.P95, l.P99, res.Errors)
	for _, s := range res.ErrorSamples {
		fmt.Fprintf(stderr, "load: error: %s\n", s)
	}
	if res.ProfileError != "" {
		fmt.Fprintf(stderr, "load: profile: %s\n", res.ProfileError)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if res.Errors > 0 {
		return fmt.Errorf("%d of the answers were wrong or failed (first: %s)", res.Errors, res.ErrorSamples[0])
	}
	if res.Requests == 0 {
		return fmt.Errorf("no request completed in the measured window")
	}
	return nil
}

// judge checks one answer under load. An HTTP 200 byte-identical to the
// answer prepare checked (its SHA-256) is that answer, so it is not parsed
// again: the load generator shares the machine with the server, and
// parsing a dashboard's JSON costs more than serving it from the cache.
// Anything else is parsed, for an error that says what went wrong (and,
// when the request has ExpectUnordered, compared up to the order of lists).
func judge(status int, raw []byte, err error, r plannedRequest) error {
	if err != nil {
		return err
	}
	if r.Expect != "" && status == http.StatusOK && sha256Hex(raw) == r.Expect {
		return nil
	}
	if _, err := checkAnswer(status, raw); err != nil {
		return err
	}
	if r.ExpectUnordered != "" {
		if c, err := canonicalJSON(raw); err == nil && sha256Hex(c) == r.ExpectUnordered {
			return nil
		}
	}
	if r.Expect != "" {
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
	var profileErr error
	if cfg.profileURL != "" {
		wg.Go(func() {
			select {
			case <-time.After(time.Until(windowStart)):
			case <-runCtx.Done():
				return
			}
			secs := max(int(cfg.duration.Round(time.Second)/time.Second), 1)
			profileErr = fetchProfile(runCtx, fmt.Sprintf("%sprofile?seconds=%d", cfg.profileURL, secs), cfg.profileOut)
		})
	}
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
				err = judge(status, raw, err, r)
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
		Capped: sent.Load() > cfg.maxRequests, Requests: len(all), Started: start.UTC(),
	}
	if cfg.profileURL != "" {
		res.Profile = cfg.profileOut
		if profileErr == nil {
			profileErr = fetchProfile(ctx, cfg.profileURL+"heap", cfg.heapOut)
		}
		if profileErr != nil {
			res.ProfileError = profileErr.Error()
		}
	}
	if len(all) > 0 {
		res.DurationSec = lastDone.Sub(windowStart).Seconds()
		res.Throughput = float64(len(all)) / res.DurationSec
	}
	res.Latency = summarize(all)
	return res
}

// fetchProfile GETs a pprof endpoint and writes the profile to path.
func fetchProfile(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d: %.200s", url, resp.StatusCode, b)
	}
	return os.WriteFile(path, b, 0o644)
}
