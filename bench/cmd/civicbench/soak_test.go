package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// flatSoak is a record that passes: five windows, steady RSS and p99.
func flatSoak() soakRecord {
	var r soakRecord
	for i := range 5 {
		r.Windows = append(r.Windows, soakWindow{
			Index: i + 1, StartSec: float64(i * 300), EndSec: float64((i + 1) * 300), Reads: 1000, Writes: 100,
			All: latencies{Count: 1100, P99: 40 + float64(i)},
		})
		for j := range 30 {
			r.Samples = append(r.Samples, soakSample{AtSec: float64(i*300 + j*10), RSSKiB: 100 * 1024, Goroutines: 30})
		}
	}
	r.GoroutinesBefore, r.GoroutinesAfter = 11, 12
	r.RateLimited = 50
	return r
}

func judged(t *testing.T, r soakRecord) map[string]bool {
	t.Helper()
	fillWindowSamples(r.Windows, r.Samples)
	v := judgeSoak(r, defaultSoakLimits)
	out := map[string]bool{}
	for _, c := range v.Checks {
		out[c.Name] = c.Pass
	}
	if v.Pass != !strings.Contains(fmt.Sprint(out), "false") {
		t.Errorf("Pass %v disagrees with the checks %v", v.Pass, out)
	}
	return out
}

// The judgement passes a steady run and fails each kind of bad one, on the
// check that names it and only there.
func TestJudgeSoak(t *testing.T) {
	if got := judged(t, flatSoak()); fmt.Sprint(got) != "map[RSS trend:true errors:true goroutines:true p99 stable:true peak RSS:true]" {
		t.Fatalf("a steady run: %v", got)
	}
	cases := map[string]func(r *soakRecord){
		"errors": func(r *soakRecord) { r.Errors, r.ErrorSamples = 1, []string{"HTTP 500"} },
		// A slow leak: +0.5 MiB a sample, 75 MiB over the run; the peak
		// within 2× the 5-minute RSS, but the last window above the first
		// window's end × 1.25 + 16 MiB.
		"RSS trend": func(r *soakRecord) {
			for i := range r.Samples {
				r.Samples[i].RSSKiB = int64(100*1024 + i*512)
			}
		},
		// One spike to 3× the 5-minute RSS, gone again: no trend, but
		// over the peak bound.
		"peak RSS": func(r *soakRecord) { r.Samples[70].RSSKiB = 300 * 1024 },
		// Connections' goroutines that never end.
		"goroutines": func(r *soakRecord) { r.GoroutinesAfter = 40 },
		// The last window's p99 at 2× the first's.
		"p99 stable": func(r *soakRecord) { r.Windows[4].All.P99 = 80 },
	}
	for name, spoil := range cases {
		r := flatSoak()
		spoil(&r)
		got := judged(t, r)
		for check, pass := range got {
			if pass != (check != name) {
				t.Errorf("%s: check %q passed=%v (all: %v)", name, check, pass, got)
			}
		}
	}
	// RATE_LIMITED alone is no error; no answers at all is.
	r := flatSoak()
	r.RateLimited = 1_000_000
	if !judged(t, r)["errors"] {
		t.Error("refusals by the rate limiter failed the soak")
	}
	r = flatSoak()
	for i := range r.Windows {
		r.Windows[i].Reads, r.Windows[i].Writes = 0, 0
	}
	if judged(t, r)["errors"] {
		t.Error("a run without answers passed")
	}
	if v := judgeSoak(soakRecord{}, defaultSoakLimits); v.Pass {
		t.Error("an empty record passed")
	}
}

// A window without a sample of its own takes the one before it; the first
// window's end is its last sample.
func TestFillWindowSamples(t *testing.T) {
	ws := []soakWindow{{StartSec: 0, EndSec: 10}, {StartSec: 10, EndSec: 20}, {StartSec: 20, EndSec: 30}}
	fillWindowSamples(ws, []soakSample{{AtSec: 0, RSSKiB: 10}, {AtSec: 9, RSSKiB: 30}, {AtSec: 25, RSSKiB: 50}, {AtSec: 30, RSSKiB: 70}})
	if ws[0].RSSMeanKiB != 20 || ws[0].RSSEndKiB != 30 || ws[0].RSSMaxKiB != 30 {
		t.Errorf("first window: %+v", ws[0])
	}
	if ws[1].RSSMeanKiB != 30 || ws[1].RSSEndKiB != 30 {
		t.Errorf("a window without samples: %+v", ws[1])
	}
	// The last window keeps the sample taken at the very end.
	if ws[2].RSSMeanKiB != 60 || ws[2].RSSMaxKiB != 70 {
		t.Errorf("last window: %+v", ws[2])
	}
	if windowCount(30*time.Minute, 5*time.Minute) != 6 || windowCount(62*time.Second, 15*time.Second) != 4 || windowCount(time.Second, time.Minute) != 1 {
		t.Error("windowCount")
	}
}

// fakeCivicgraph answers the soak's reads with one fixed answer, its writes
// as recordServices does, refuses every rateEvery-th request with
// RATE_LIMITED, and, once wrongAfter requests have been answered (0:
// never), gives a wrong answer to reads. /metrics serves the series the
// sampler reads.
type fakeCivicgraph struct {
	answer     []byte
	rateEvery  int64
	wrongAfter int64
	n, writes  atomic.Int64
}

func (f *fakeCivicgraph) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/metrics" {
		fmt.Fprintf(w, "# HELP go_goroutines x\ngo_goroutines 12\ngo_memstats_heap_alloc_bytes 4.2e+06\ncivicgraph_rate_limited_total 3\nlabelled{a=\"b\"} 7\n")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer key-") {
		http.Error(w, "no key", http.StatusUnauthorized)
		return
	}
	body, _ := io.ReadAll(r.Body)
	n := f.n.Add(1)
	if f.rateEvery > 0 && n%f.rateEvery == 0 {
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"errors":[{"message":"slow down","extensions":{"code":"RATE_LIMITED"}}]}`)
		return
	}
	if bytes.Contains(body, []byte("recordServices")) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer key-operator") {
			fmt.Fprint(w, `{"errors":[{"message":"forbidden","extensions":{"code":"FORBIDDEN"}}]}`)
			return
		}
		f.writes.Add(1)
		fmt.Fprint(w, `{"data":{"recordServices":{"count":5,"replayed":false}}}`)
		return
	}
	if f.wrongAfter > 0 && n > f.wrongAfter {
		fmt.Fprint(w, `{"data":{"x":2}}`)
		return
	}
	w.Write(f.answer)
}

// testSoakDatabase makes a throwaway database on the test PostgreSQL with
// the two tables the soak's writer reads its codes from.
func testSoakDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("CIVICGRAPH_TEST_POSTGRES_URL")
	if base == "" {
		t.Fatal("CIVICGRAPH_TEST_POSTGRES_URL is not set: this test needs PostgreSQL (e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	name := "cg_soak_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err == nil {
			c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	db, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	for _, s := range []string{
		`CREATE TABLE communities (code text NOT NULL, archived_at timestamptz)`,
		`CREATE TABLE service_categories (code text NOT NULL, archived_at timestamptz)`,
		`INSERT INTO communities VALUES ('C2', NULL), ('C1', now()), ('C3', NULL)`,
		`INSERT INTO service_categories VALUES ('CAT-B', NULL), ('CAT-A', NULL)`,
	} {
		if _, err := db.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	return u.String()
}

// runFakeSoak runs `civicbench soak` for two seconds against f and returns
// its exit status and the soak.json it wrote.
func runFakeSoak(t *testing.T, f *fakeCivicgraph, dbURL string, extra ...string) (int, soakResult, string) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	p := plan{Workload: "mixed", Title: "fake", Requests: []plannedRequest{
		{Label: "a", Body: json.RawMessage(`{"query":"{ a }"}`), Expect: sha256Hex(f.answer)},
		{Label: "b", Body: json.RawMessage(`{"query":"{ b }"}`), Expect: sha256Hex(f.answer)},
	}}
	if err := writeJSON(planFile(dir, "mixed"), p); err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join(dir, "keys")
	os.WriteFile(keys, []byte("ADMIN a key-admin\nanalyst b key-analyst\nOPERATOR c key-operator\n"), 0o600)
	out := filepath.Join(dir, "out")
	args := append([]string{"soak", "-dir", dir, "-url", srv.URL + "/graphql", "-admin", srv.URL, "-pid", fmt.Sprint(os.Getpid()),
		"-keys", keys, "-database", dbURL, "-out", out, "-clients", "6", "-duration", "2s", "-window", "500ms",
		"-sample", "200ms", "-rate-limit-pause", "10ms", "-write-every", "2"}, extra...)
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := run(ctx, args, &stdout, &stderr)
	var res soakResult
	if err := readJSON(filepath.Join(out, "soak.json"), &res); err != nil && code != 2 {
		t.Fatalf("no soak.json (exit %d): %v\n%s\n%s", code, err, stdout.String(), stderr.String())
	}
	return code, res, stdout.String() + stderr.String()
}

// The soak driven for two seconds against a fake server: RATE_LIMITED is
// counted apart and passes, writes go out with the OPERATOR key only, the
// windows and samples are filled; a wrong answer fails it.
func TestSoakRun(t *testing.T) {
	dbURL := testSoakDatabase(t)
	answer := []byte(`{"data":{"x":1}}`)
	// This test process is the "server" whose RSS is sampled, and its
	// timing is the race detector's: the run is judged on the wiring, not
	// on this process's memory or latency.
	lenient := []string{"-rss-factor", "1000", "-rss-cap-mib", "1e6", "-growth-slack-mib", "1e6", "-p99-factor", "1e6", "-goroutine-slack", "0"}

	f := &fakeCivicgraph{answer: answer, rateEvery: 7}
	code, res, log := runFakeSoak(t, f, dbURL, lenient...)
	if code != 0 || !res.Verdict.Pass {
		t.Fatalf("a good run: exit %d, verdict %+v\n%s", code, res.Verdict, log)
	}
	rec := res.Record
	if rec.Errors != 0 || rec.RateLimited == 0 {
		t.Errorf("errors %d, rate limited %d: want 0 and some", rec.Errors, rec.RateLimited)
	}
	if len(rec.Windows) != 4 || len(rec.Samples) < 5 {
		t.Errorf("%d windows, %d samples: want 4 and at least 5", len(rec.Windows), len(rec.Samples))
	}
	var reads, writes, limited int
	for _, w := range rec.Windows {
		reads, writes, limited = reads+w.Reads, writes+w.Writes, limited+w.RateLimited
		if w.RSSEndKiB == 0 {
			t.Errorf("window %d has no RSS", w.Index)
		}
	}
	if reads == 0 || writes == 0 || int64(writes) != f.writes.Load() || limited != rec.RateLimited {
		t.Errorf("reads %d, writes %d (server saw %d), rate limited %d of %d", reads, writes, f.writes.Load(), limited, rec.RateLimited)
	}
	if s := rec.Samples[0]; s.Goroutines != 12 || s.HeapBytes != 4_200_000 || s.RateLimited != 3 || s.RSSKiB == 0 {
		t.Errorf("sample read wrongly: %+v", s)
	}
	if res.WriteCommunity != "C2" || res.WriteCategory != "CAT-A" {
		t.Errorf("writes go to %s, %s: want the first live ones, C2 and CAT-A", res.WriteCommunity, res.WriteCategory)
	}

	// The same run with wrong answers after a while fails, on errors.
	f = &fakeCivicgraph{answer: answer, rateEvery: 7, wrongAfter: 200}
	code, res, log = runFakeSoak(t, f, dbURL, lenient...)
	if code != 1 || res.Verdict.Pass || res.Record.Errors == 0 {
		t.Fatalf("a run with wrong answers: exit %d, verdict %+v\n%s", code, res.Verdict, log)
	}
	if !strings.Contains(strings.Join(res.Record.ErrorSamples, "\n"), "differs from the checked one") {
		t.Errorf("error samples: %q", res.Record.ErrorSamples)
	}
}
