package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// soakSampler reads the server under soak: its RSS and peak RSS and CPU
// time from /proc/PID, its Go heap, goroutines and RATE_LIMITED count from
// /metrics on its admin listener (the Prometheus text format), and the
// machine's load average.
type soakSampler struct {
	pid        int
	metricsURL string // http://ADMIN/metrics
	http       *http.Client
}

func newSoakSampler(pid int, adminURL string) *soakSampler {
	return &soakSampler{pid: pid, metricsURL: strings.TrimSuffix(adminURL, "/") + "/metrics",
		http: &http.Client{Timeout: 5 * time.Second}}
}

// sample takes one reading; at is its time since the load started.
func (s *soakSampler) sample(ctx context.Context, at time.Duration) (soakSample, error) {
	out := soakSample{AtSec: at.Seconds()}
	status := fmt.Sprintf("/proc/%d/status", s.pid)
	rss, ok := procField(status, "VmRSS")
	if !ok {
		return out, fmt.Errorf("read VmRSS of %s (has the server exited?)", status)
	}
	out.RSSKiB = rss
	out.HWMKiB, _ = procField(status, "VmHWM")
	out.CPUSec, _ = processCPUSeconds(s.pid)
	out.Load1 = load1()
	m, err := s.metrics(ctx)
	if err != nil {
		return out, err
	}
	out.HeapBytes = int64(m["go_memstats_heap_alloc_bytes"])
	out.Goroutines = int(m["go_goroutines"])
	out.RateLimited = int64(m["civicgraph_rate_limited_total"])
	return out, nil
}

// goroutines reads go_goroutines alone.
func (s *soakSampler) goroutines(ctx context.Context) (int, error) {
	m, err := s.metrics(ctx)
	return int(m["go_goroutines"]), err
}

// metrics reads the unlabelled series of /metrics (labelled ones are
// skipped: the soak needs none of them).
func (s *soakSampler) metrics(ctx context.Context) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.metricsURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/plain") // the classic text format
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", s.metricsURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return nil, fmt.Errorf("GET %s: HTTP %d: %s", s.metricsURL, resp.StatusCode, b)
	}
	return parseMetrics(resp.Body)
}

// parseMetrics reads "name value" lines of the Prometheus text format.
func parseMetrics(r io.Reader) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || strings.ContainsRune(line, '{') {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		if v, err := strconv.ParseFloat(f[1], 64); err == nil {
			out[f[0]] = v
		}
	}
	return out, sc.Err()
}

// processCPUSeconds is utime + stime of /proc/PID/stat, in seconds (the
// kernel's USER_HZ is 100 on Linux).
func processCPUSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: the fields after it
	// start behind its closing parenthesis.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// After ")": state is field 3, utime field 14, stime field 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	return (ut + st) / 100, nil
}

// load1 is the one-minute load average, 0 when unknown.
func load1() float64 {
	f := strings.Fields(firstLine("/proc/loadavg"))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
