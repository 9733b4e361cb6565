package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// runSoak is issue 7's soak (bench/soak.sh drives it): the mixed workload's
// reads and recordServices writes from -clients connections spread over
// several API keys of different roles, for -duration, against a server with
// its default rate limits. Every answer is checked; RATE_LIMITED is counted
// apart; the server's RSS, heap and goroutines are sampled every -sample;
// p50/p99 come per window. The judgement (soak_judge.go) decides the exit
// status.
func runSoak(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("soak", stderr)
	dir := fs.String("dir", "", "the work directory holding the prepared workload")
	name := fs.String("workload", "mixed", "the prepared workload whose requests are the reads")
	url := fs.String("url", "", "civicgraph's GraphQL endpoint")
	admin := fs.String("admin", "", "civicgraph's admin listener, http://HOST:PORT (for /metrics)")
	pid := fs.Int("pid", 0, "the server's process id (for /proc/PID)")
	keysFile := fs.String("keys", "", "API keys, ROLE NAME SECRET per line; clients take them in turn; OPERATOR clients also write")
	dbURL := fs.String("database", "", "the PostgreSQL database it serves (to pick the written records' community)")
	out := fs.String("out", "", "the results folder (summary.md, samples.csv, windows.csv, soak.json)")
	clients := fs.Int("clients", 16, "concurrent clients, each with its own keep-alive connection")
	duration := fs.Duration("duration", 30*time.Minute, "how long the load runs")
	window := fs.Duration("window", 0, "the window of p50/p99 (default: 5m for 15m or more, 1m for 5m or more, else a quarter of the duration)")
	sampleEvery := fs.Duration("sample", 0, "how often the server is sampled (default 10s, or a third of a shorter window)")
	writeEvery := fs.Int("write-every", 3, "a writer client's every N-th request is a write (0: none)")
	timeout := fs.Duration("timeout", 60*time.Second, "one request's time limit (more is an error)")
	pause := fs.Duration("rate-limit-pause", time.Second, "how long a client waits after RATE_LIMITED")
	command := fs.String("command", "", "the command that ran the soak, for summary.md")
	lim := defaultSoakLimits
	fs.Float64Var(&lim.RSSFactor, "rss-factor", lim.RSSFactor, "peak RSS bound: this × the first window's peak RSS ...")
	fs.Float64Var(&lim.RSSCapMiB, "rss-cap-mib", lim.RSSCapMiB, "... and at most this many MiB")
	fs.Float64Var(&lim.GrowthFactor, "growth-factor", lim.GrowthFactor, "last window's mean RSS ≤ first's × this + -growth-slack-mib")
	fs.Float64Var(&lim.GrowthSlackMiB, "growth-slack-mib", lim.GrowthSlackMiB, "see -growth-factor")
	fs.IntVar(&lim.GoroutineSlack, "goroutine-slack", lim.GoroutineSlack, "goroutines after the load ≤ before + this")
	fs.Float64Var(&lim.P99Factor, "p99-factor", lim.P99Factor, "last window's p99 ≤ this × the first's")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]*string{"dir": dir, "url": url, "admin": admin, "keys": keysFile, "database": dbURL, "out": out}); err != nil {
		return err
	}
	if *pid <= 0 || *clients < 1 || *duration <= 0 || *sampleEvery < 0 || *window < 0 || *writeEvery < 0 {
		return usageError{"need -pid, -clients >= 1, -duration > 0, -sample >= 0, -window >= 0, -write-every >= 0"}
	}
	if *window == 0 {
		*window = defaultSoakWindow(*duration)
	}
	if *sampleEvery == 0 {
		// Every window needs samples of its own for its RSS.
		*sampleEvery = min(10*time.Second, max(*window/3, 100*time.Millisecond)).Round(100 * time.Millisecond)
	}
	var p plan
	if err := readJSON(planFile(*dir, *name), &p); err != nil {
		return fmt.Errorf("read the prepared workload (run prepare first): %w", err)
	}
	if len(p.Requests) == 0 {
		return fmt.Errorf("the prepared workload %s has no requests", *name)
	}
	keys, err := readSoakKeys(*keysFile)
	if err != nil {
		return err
	}
	if _, ok := soakWriterKey(keys); !ok && *writeEvery > 0 {
		return fmt.Errorf("%s has no OPERATOR key: the soak's writes need one", *keysFile)
	}
	runID := time.Now().UTC().Format("20060102T150405")
	writer, err := newSoakWriter(ctx, *dbURL, runID)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}

	workers, pools := soakWorkers(keys, *clients, *url, *timeout)
	if err := checkKeysAnswer(ctx, pools, keys, p.Requests, *pause); err != nil {
		return err
	}
	sampler := newSoakSampler(*pid, *admin)
	closeAll := func() {
		for _, c := range pools {
			c.http.CloseIdleConnections()
		}
	}
	closeAll()
	before, err := settledGoroutines(ctx, sampler, 2*time.Second, -1)
	if err != nil {
		return err
	}

	fmt.Fprintf(stdout, "soak: %s + writes, %d clients over %d keys (%s), %s in windows of %s, sampling every %s; %d goroutines before\n",
		*name, *clients, len(keys), keyRoles(keys), *duration, *window, *sampleEvery, before)
	csvFile, err := os.Create(filepath.Join(*out, "samples.csv"))
	if err != nil {
		return err
	}
	defer csvFile.Close()
	csv := bufio.NewWriter(csvFile)
	fmt.Fprintln(csv, soakSampleHeader)
	csv.Flush()

	started := time.Now()
	var samples []soakSample
	var sampleErrs []string
	var smu sync.Mutex
	takeSample := func() {
		s, err := sampler.sample(ctx, time.Since(started))
		smu.Lock()
		defer smu.Unlock()
		if err != nil {
			if len(sampleErrs) < 5 {
				sampleErrs = append(sampleErrs, err.Error())
			}
			return
		}
		samples = append(samples, s)
		fmt.Fprintln(csv, soakSampleRow(s))
		csv.Flush() // a run stopped midway keeps what it saw
		fmt.Fprintf(stdout, "  %5.0fs  RSS %6.1f MiB  heap %6.1f MiB  goroutines %4d  rate-limited %6d  load %.2f\n",
			s.AtSec, float64(s.RSSKiB)/kib, float64(s.HeapBytes)/kib/kib, s.Goroutines, s.RateLimited, s.Load1)
	}
	samplerCtx, stopSampler := context.WithCancel(ctx)
	var swg sync.WaitGroup
	swg.Go(func() {
		t := time.NewTicker(*sampleEvery)
		defer t.Stop()
		takeSample()
		for {
			select {
			case <-samplerCtx.Done():
				return
			case <-t.C:
				takeSample()
			}
		}
	})
	driven := soakDrive(ctx, workers, p.Requests, writer, soakDriveConfig{
		duration: *duration, window: *window, writeEvery: *writeEvery, rateLimitPause: *pause,
	})
	stopSampler()
	swg.Wait()
	takeSample() // the end of the load
	if ctx.Err() != nil {
		return ctx.Err()
	}

	closeAll()
	after, err := settledGoroutines(ctx, sampler, 15*time.Second, before+lim.GoroutineSlack)
	if err != nil {
		return err
	}
	windows := soakWindows(driven.windows, *window, *duration)
	fillWindowSamples(windows, samples)
	rec := soakRecord{
		Windows: windows, Samples: samples, GoroutinesBefore: before, GoroutinesAfter: after,
		Errors: driven.errors, RateLimited: driven.rateLimited, ErrorSamples: driven.errorSamples,
	}
	if len(sampleErrs) > 0 {
		// A server that could not be sampled is a failure of the soak.
		rec.Errors += len(sampleErrs)
		rec.ErrorSamples = append(rec.ErrorSamples, "sampling: "+sampleErrs[0])
	}
	verdict := judgeSoak(rec, lim)
	res := soakResult{
		Started: started.UTC(), DurationSec: duration.Seconds(), WindowSec: window.Seconds(), SampleSec: sampleEvery.Seconds(),
		Clients: *clients, Keys: keyRoles(keys), WriteEvery: *writeEvery, Workload: *name, Title: p.Title,
		WriteCommunity: writer.community, WriteCategory: writer.category, Limits: lim, Record: rec, Verdict: verdict,
		Command: *command,
	}
	if err := writeSoakResults(*out, res); err != nil {
		return err
	}
	for _, c := range verdict.Checks {
		mark := "PASS"
		if !c.Pass {
			mark = "FAIL"
		}
		fmt.Fprintf(stdout, "soak: %s %-11s %s\n", mark, c.Name, c.Detail)
	}
	for _, s := range rec.ErrorSamples {
		fmt.Fprintf(stderr, "soak: error: %s\n", s)
	}
	if !verdict.Pass {
		return fmt.Errorf("the soak failed (see %s)", filepath.Join(*out, "summary.md"))
	}
	return nil
}

// defaultSoakWindow: 5-minute windows for a full soak, 1-minute ones for a
// shorter run, quarters for a short debugging run.
func defaultSoakWindow(d time.Duration) time.Duration {
	switch {
	case d >= 15*time.Minute:
		return 5 * time.Minute
	case d >= 5*time.Minute:
		return time.Minute
	default:
		return max(d/4, time.Second)
	}
}

// soakKey is one API key of the soak.
type soakKey struct{ Role, Name, Secret string }

// readSoakKeys reads ROLE NAME SECRET lines.
func readSoakKeys(path string) ([]soakKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var keys []soakKey
	for i, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("%s:%d: want ROLE NAME SECRET", path, i+1)
		}
		keys = append(keys, soakKey{Role: strings.ToUpper(f[0]), Name: f[1], Secret: f[2]})
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s has no keys", path)
	}
	return keys, nil
}

// soakWriterKey is the first OPERATOR key: the role that writes in a
// deployment (ADMIN could too, but is not who sends records).
func soakWriterKey(keys []soakKey) (soakKey, bool) {
	for _, k := range keys {
		if k.Role == "OPERATOR" {
			return k, true
		}
	}
	return soakKey{}, false
}

func keyRoles(keys []soakKey) string {
	var r []string
	for _, k := range keys {
		r = append(r, k.Role)
	}
	return strings.Join(r, ", ")
}

// soakWorkers gives client i key i mod len(keys), one connection pool per
// key sized to its clients; OPERATOR clients write.
func soakWorkers(keys []soakKey, clients int, url string, timeout time.Duration) ([]soakWorker, []*client) {
	per := make([]int, len(keys))
	for i := range clients {
		per[i%len(keys)]++
	}
	pools := make([]*client, len(keys))
	for i, k := range keys {
		pools[i] = newPlainClient(url, max(per[i], 1), timeout)
		pools[i].key = k.Secret
	}
	workers := make([]soakWorker, clients)
	for i := range clients {
		k := keys[i%len(keys)]
		workers[i] = soakWorker{c: pools[i%len(keys)], role: k.Role, writer: k.Role == "OPERATOR"}
	}
	return workers, pools
}

// checkKeysAnswer sends every distinct read once with every key: all roles
// must get the answer prepare checked (the mix reads no personal data, so
// the roles' views of it are the same). A RATE_LIMITED refusal is retried
// after pause, up to 10 times.
func checkKeysAnswer(ctx context.Context, pools []*client, keys []soakKey, reqs []plannedRequest, pause time.Duration) error {
	seen := map[string]bool{}
	for _, r := range reqs {
		if seen[string(r.Body)] {
			continue
		}
		seen[string(r.Body)] = true
		for i, c := range pools {
			status, raw, err := c.post(ctx, r.Body)
			for try := 0; err == nil && isRateLimited(status, raw) && try < 10; try++ {
				time.Sleep(pause) // as under load: the limiter's Retry-After is at least 1 s
				status, raw, err = c.post(ctx, r.Body)
			}
			if err := judge(status, raw, err, r); err != nil {
				return fmt.Errorf("the %s key %s, %s: %w", keys[i].Role, keys[i].Name, r.Label, err)
			}
		}
	}
	return nil
}

// settledGoroutines reads the server's goroutines after wait, and keeps
// reading (up to wait again) while they are above target (target < 0:
// read once): closed connections take a moment to end on the server.
func settledGoroutines(ctx context.Context, s *soakSampler, wait time.Duration, target int) (int, error) {
	time.Sleep(min(wait, 2*time.Second))
	deadline := time.Now().Add(wait)
	for {
		n, err := s.goroutines(ctx)
		if err != nil {
			return 0, err
		}
		if target < 0 || n <= target || time.Now().After(deadline) {
			return n, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}
