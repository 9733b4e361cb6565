package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// loadAgainst prepares a one-request plan whose answer is want, runs load
// against a server answering with answer after delay, and returns the
// load's result and error.
func loadAgainst(t *testing.T, delay time.Duration, answer, want string, args ...string) (loadResult, error, int64) {
	t.Helper()
	var served atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		time.Sleep(delay)
		io.WriteString(w, answer)
	}))
	defer ts.Close()
	dir := t.TempDir()
	p := plan{Workload: "w", Requests: []plannedRequest{{Body: json.RawMessage(`{"query":"{x}"}`), Expect: sha256Hex([]byte(want))}}}
	if err := writeJSON(planFile(dir, "w"), p); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	err := runLoad(context.Background(), append([]string{"-workload", "w", "-url", ts.URL, "-dir", dir}, args...), &out, io.Discard)
	var res loadResult
	if rerr := readJSON(loadFile(dir, "w", "civicgraph"), &res); rerr != nil && err == nil {
		t.Fatalf("no result: %v (%s)", rerr, out.String())
	}
	return res, err, served.Load()
}

// A fast load is bounded by its window and checks every answer.
func TestLoadChecksEveryAnswer(t *testing.T) {
	ok := `{"data":{"x":1}}`
	res, err, _ := loadAgainst(t, 0, ok, ok, "-clients", "2", "-duration", "200ms", "-warmup", "50ms")
	if err != nil || res.Errors != 0 || res.Requests == 0 || res.WarmupSkipped || res.Throughput <= 0 {
		t.Fatalf("good answers: %+v, %v", res, err)
	}
	res, err, _ = loadAgainst(t, 0, `{"data":{"x":2}}`, ok, "-clients", "2", "-duration", "100ms", "-warmup", "0s")
	if err == nil || !strings.Contains(err.Error(), "first request failed") {
		t.Fatalf("a wrong answer: %+v, %v", res, err)
	}
	res, err, _ = loadAgainst(t, 0, ok, ok, "-clients", "2", "-duration", "10s", "-warmup", "0s", "-max-requests", "20")
	if err != nil || !res.Capped || res.Requests > 20 {
		t.Fatalf("-max-requests 20: %+v, %v", res, err)
	}
}

// A load whose single request takes over a second skips its warm-up and is
// bounded by -slow-max-requests as well as by its window.
func TestLoadSlowWorkload(t *testing.T) {
	if testing.Short() {
		t.Skip("takes a few seconds")
	}
	ok := `{"data":{"x":1}}`
	res, err, served := loadAgainst(t, 1050*time.Millisecond, ok, ok, "-clients", "2", "-duration", "30s", "-warmup", "5s", "-slow-max-requests", "3")
	if err != nil {
		t.Fatal(err)
	}
	if !res.WarmupSkipped || res.WarmupSec != 0 || res.MaxRequests != 3 || !res.Capped || res.Requests > 3 || served > 4 {
		t.Fatalf("slow load: %+v, %d served", res, served)
	}
}
