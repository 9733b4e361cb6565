package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Answers that differ only in the order of lists have one canonical form;
// any other difference shows.
func TestCanonicalJSON(t *testing.T) {
	a := `{"data":{"g":[{"keys":["2"],"n":"10"},{"keys":["1"],"n":"7"}],"c":{"nodes":[{"rowId":"1","code":"A"}]}}}`
	b := `{"data":{"c":{"nodes":[{"code":"A","rowId":"1"}]},"g":[{"n":"7","keys":["1"]},{"n":"10","keys":["2"]}]}}`
	ca, err := canonicalJSON([]byte(a))
	if err != nil {
		t.Fatal(err)
	}
	cb, err := canonicalJSON([]byte(b))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ca, cb) {
		t.Errorf("reordered answers differ:\n%s\n%s", ca, cb)
	}
	c := strings.Replace(b, `"n":"7"`, `"n":"8"`, 1)
	cc, _ := canonicalJSON([]byte(c))
	if bytes.Equal(ca, cc) {
		t.Error("a changed figure gives the same canonical form")
	}
	if _, err := canonicalJSON([]byte("{")); err == nil {
		t.Error("broken JSON accepted")
	}
	// Big integers stay as written.
	big, _ := canonicalJSON([]byte(`[12345678901234567890]`))
	if string(big) != `[12345678901234567890]` {
		t.Errorf("big number: %s", big)
	}
}

// judge passes the checked answer by its digest, an answer reordered only
// when the request allows it, and nothing else.
func TestJudge(t *testing.T) {
	ans := []byte(`{"data":{"g":[1,2]}}`)
	reordered := []byte(`{"data":{"g":[2,1]}}`)
	canon, _ := canonicalJSON(ans)
	strict := plannedRequest{Expect: sha256Hex(ans)}
	loose := plannedRequest{Expect: sha256Hex(ans), ExpectUnordered: sha256Hex(canon)}
	if err := judge(http.StatusOK, ans, nil, strict); err != nil {
		t.Errorf("the checked answer: %v", err)
	}
	if err := judge(http.StatusOK, reordered, nil, strict); err == nil {
		t.Error("a reordered answer passed a strict check")
	}
	if err := judge(http.StatusOK, reordered, nil, loose); err != nil {
		t.Errorf("a reordered answer failed an unordered check: %v", err)
	}
	if err := judge(http.StatusOK, []byte(`{"data":{"g":[1,3]}}`), nil, loose); err == nil {
		t.Error("a different answer passed")
	}
	if err := judge(http.StatusOK, []byte(`{"errors":[{"message":"boom"}]}`), nil, plannedRequest{}); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("a GraphQL error: %v", err)
	}
	if err := judge(http.StatusBadGateway, ans, nil, strict); err == nil {
		t.Error("an HTTP 502 passed")
	}
}

// The mix is spread out: every part comes as often as its weight, and no
// part comes twice in a row when others are left.
func TestInterleave(t *testing.T) {
	parts := []mixPart{{label: "window", weight: 30}, {label: "nested", weight: 15}, {label: "totals", weight: 10}}
	for i := 1; i <= 5; i++ {
		parts = append(parts, mixPart{label: "card", weight: 5}, mixPart{label: "unresolved", weight: 4})
	}
	seq := interleave(parts)
	if len(seq) != 100 {
		t.Fatalf("%d picks, want 100", len(seq))
	}
	count := make([]int, len(parts))
	for _, i := range seq {
		count[i]++
	}
	for i, p := range parts {
		if count[i] != p.weight {
			t.Errorf("part %d (%s): %d picks, want %d", i, p.label, count[i], p.weight)
		}
	}
	for i := 1; i < len(seq); i++ {
		if seq[i] == seq[i-1] && parts[seq[i]].weight < 50 {
			t.Errorf("part %s twice in a row at %d", parts[seq[i]].label, i)
		}
	}
	if got := mixWeights(parts); !strings.HasPrefix(got, "window 30, card 25, unresolved 20, nested 15, totals 10") {
		t.Errorf("mixWeights = %q", got)
	}
}

// pglcheck's filled scripts split into their header and statements; the
// script text round-trips.
func TestParseScript(t *testing.T) {
	text := "-- (a) nested\n-- communities: the first 20\nSELECT 1\n  FROM t;\n-- between\nSELECT '12:30' AS at;\n"
	s, err := parseScript(text)
	if err != nil {
		t.Fatal(err)
	}
	if s.Header != "-- (a) nested\n-- communities: the first 20\n" || len(s.Statements) != 2 || s.Statements[0] != "SELECT 1\n  FROM t" || s.Weight != 1 {
		t.Fatalf("parseScript = %+v", s)
	}
	again, err := parseScript(s.text())
	if err != nil || len(again.Statements) != 2 || again.Statements[1] != s.Statements[1] {
		t.Errorf("round trip: %+v, %v", again, err)
	}
	if _, err := parseScript("SELECT 1"); err == nil {
		t.Error("a statement without ';' accepted")
	}
	if _, err := parseScript("-- nothing\n"); err == nil {
		t.Error("a script without statements accepted")
	}
}

// writeScripts names the files pgbench runs.
func TestWriteScripts(t *testing.T) {
	dir := t.TempDir()
	p := &plan{Workload: "mixed", Baselines: []sqlBaseline{
		{Name: "sql", Scripts: []sqlScript{{Label: "window", Weight: 30, Statements: []string{"SELECT 1"}}, {Weight: 0, Statements: []string{"SELECT 2"}}}},
		{Name: "groupby", Scripts: []sqlScript{{Statements: []string{"SELECT 3", "SELECT 4"}, Header: "-- h\n"}}},
	}}
	if err := writeScripts(dir, p); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"mixed.sql.window.sql": "SELECT 1;\n", "mixed.sql.2.sql": "SELECT 2;\n", "mixed.groupby.sql": "-- h\nSELECT 3;\nSELECT 4;\n"}
	for f, text := range want {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || string(b) != text {
			t.Errorf("%s: %q, %v; want %q", f, b, err, text)
		}
	}
	if p.Baselines[0].Scripts[1].Weight != 1 || p.Baselines[0].Scripts[1].File != "mixed.sql.2.sql" {
		t.Errorf("script 2: %+v", p.Baselines[0].Scripts[1])
	}
}

// An exported record gets a new code and nothing else changes.
func TestRecodeLine(t *testing.T) {
	line := `{"type":"ServiceRecord","code":"SR-10","community":"910102001004","category":"HEALTH_CHECK","occurredAt":"2022-01-01T15:58:36+08:00","peopleServed":2,"resolved":true,"provider":"ORG-000188"}`
	got, err := recodeLine([]byte(line), "IMP2-")
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(line, `"code":"SR-10"`, `"code":"IMP2-SR-10"`, 1); string(got) != want {
		t.Errorf("recodeLine = %s", got)
	}
	if _, err := recodeLine([]byte(`{"type":"Community","code":"C1"}`), "X"); err == nil {
		t.Error("a community was recoded")
	}
}

// recode goes round the source again with the next pass's prefix when it
// has fewer records than asked for (runRecords), and stops at max.
func TestRecodeStopsAtMax(t *testing.T) {
	src := `{"type":"ServiceRecord","code":"SR-1"}` + "\n" + `{"type":"ServiceRecord","code":"SR-2"}` + "\n" + `{"type":"ServiceRecord","code":"SR-3"}`
	var out, keep bytes.Buffer
	w, k := newBuffered(&out), newBuffered(&keep)
	written, read, err := recode(strings.NewReader(src), w, k, "IMP1-", 2)
	w.Flush()
	k.Flush()
	if err != nil || written != 2 || read != 2 {
		t.Fatalf("recode: %d written, %d read, %v", written, read, err)
	}
	if !strings.Contains(out.String(), `"IMP1-SR-2"`) || strings.Contains(out.String(), "SR-3") {
		t.Errorf("out = %s", out.String())
	}
	if strings.Count(keep.String(), "\n") != 2 || strings.Contains(keep.String(), "IMP") {
		t.Errorf("kept = %q", keep.String())
	}
}

// The report renders every section from a run's figures, with ratios and
// targets, and a failed run says so first.
func TestRenderReport(t *testing.T) {
	lat := func(p50, p95, p99 float64) latencies {
		return latencies{Count: 100, P50: p50, P95: p95, P99: p99, MaxMs: p99 * 2}
	}
	nested := &workloadResult{
		plan: plan{Workload: "nested", Title: "(a) nested", Query: "query Nested { x }", PostGraphile: &otherServer{Query: "query Nested { y }"},
			Baselines: []sqlBaseline{{Name: "sql", Own: true, Title: "civicgraph's own SQL", Scripts: []sqlScript{{File: "nested.sql.sql", Weight: 1, Statements: []string{"SELECT 1"}}}}},
			Check:     "equal"},
		loads: map[string]*loadResult{
			"civicgraph":   {Requests: 3000, Throughput: 100, Latency: lat(10, 20, 30)},
			"postgraphile": {Requests: 1500, Throughput: 40, Latency: lat(20, 50, 70)},
		},
		rss:     map[string]int64{"civicgraph": 100 * 1024, "postgraphile": 160 * 1024},
		pgbench: map[string]*pgbenchRun{"sql": {Command: "pgbench -f nested.sql.sql", Result: pgbenchResult{Transactions: 5000, TPS: 150, Latency: lat(5, 8, 9)}}},
	}
	in := reportInput{
		scale: "city", command: "bench/run.sh --scale city", when: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC),
		settings:  settings{Clients: 8, Jobs: 2, DurationSec: 30, WarmupSec: 2, ResponseCache: "off", PostGraphile: "postgraphile 5.1.5"},
		workloads: []*workloadResult{nested},
		imports:   []importResult{{Backend: "postgresql", Base: "a copy", Records: 1_000_000, WallSec: 16, RecPerSec: 62_500, Verified: true}},
		demo:      &demoResult{FirstAnswerSec: 3.2, ListeningSec: 3.2, Polls: 300},
	}
	text := renderReport(in, in.problems())
	for _, want := range []string{
		"**Valid run**",
		"| (a) nested | civicgraph | 100.0 req/s | 10.0 ms | 20.0 ms | 30.0 ms |",
		"| civicgraph | PostGraphile 5 | **2.50×** |",
		"| (a) nested: ≥ 2.00× PostGraphile's req/s | 100.0 req/s ÷ 40.0 req/s = 2.50× | yes |",
		"≥ 60% of the pgbench tps of civicgraph's own SQL | 100.0 req/s ÷ 150.0 tps = 67% | yes |",
		"p99 ≤ ½ PostGraphile's | 30.0 ms vs 70.0 ms (0.43 of it) | yes |",
		"civicgraph's peak RSS ≤ 150 MB (every load) | 100.0 MiB = 104.9 MB",
		"import ≥ 50,000 records/s on PostgreSQL | 62,500 records/s",
		"answers its first query ≤ 5 s after start, empty store | 3.20 s | yes |",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	nested.loads["civicgraph"].Errors = 2
	nested.loads["civicgraph"].ErrorSamples = []string{"HTTP 500"}
	problems := in.problems()
	if len(problems) != 1 || !strings.Contains(problems[0], "HTTP 500") {
		t.Fatalf("problems = %q", problems)
	}
	if text := renderReport(in, problems); !strings.HasPrefix(strings.SplitN(text, "\n\n", 2)[1], "**FAILED") {
		t.Errorf("a failed run's report does not start with FAILED:\n%.300s", text)
	}
}

// Every load target and workload the driver names is known, and plans
// survive their JSON (the steps hand them over through files).
func TestPlanRoundTrip(t *testing.T) {
	for _, n := range workloadOrder {
		if workloads[n] == nil {
			t.Errorf("workload %s in the order but not in the list", n)
		}
	}
	if len(workloads) != len(workloadOrder) {
		t.Errorf("%d workloads, %d in the order", len(workloads), len(workloadOrder))
	}
	p := plan{Workload: "totals", Requests: []plannedRequest{{Label: "totals", Body: json.RawMessage(`{"query":"{x}"}`), Expect: "ab"}},
		PostGraphile: &otherServer{Requests: []plannedRequest{{Body: json.RawMessage(`{}`), ExpectUnordered: "cd"}}},
		Baselines:    []sqlBaseline{{Name: "groupby", Scripts: []sqlScript{{File: "f.sql", Weight: 1, Statements: []string{"SELECT 1"}}}}}}
	path := filepath.Join(t.TempDir(), "p.json")
	if err := writeJSON(path, p); err != nil {
		t.Fatal(err)
	}
	var q plan
	if err := readJSON(path, &q); err != nil {
		t.Fatal(err)
	}
	if q.PostGraphile == nil || q.PostGraphile.Requests[0].ExpectUnordered != "cd" || q.Baselines[0].Scripts[0].Statements[0] != "SELECT 1" || q.Requests[0].Label != "totals" {
		t.Errorf("round trip: %+v", q)
	}
}

func newBuffered(b *bytes.Buffer) *bufio.Writer { return bufio.NewWriter(b) }
