package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/changes"
	"github.com/civicgraph/civicgraph/internal/metrics"
	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// scrape GETs /metrics from an admin listener serving m, as Prometheus
// would, and returns every sample by series ("name{labels}" as exposed).
func scrape(t *testing.T, m *metrics.Metrics) map[string]float64 {
	t.Helper()
	admin := httptest.NewServer(server.NewAdmin(server.AdminConfig{Routes: map[string]http.Handler{"GET /metrics": m.Handler()}}))
	defer admin.Close()
	res, err := http.Get(admin.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: status %d", res.StatusCode)
	}
	samples := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad sample %q: %v", line, err)
		}
		samples[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return samples
}

// want fails the test unless series has the value.
func want(t *testing.T, samples map[string]float64, series string, value float64) {
	t.Helper()
	got, ok := samples[series]
	switch {
	case !ok:
		t.Errorf("no series %s", series)
	case got != value:
		t.Errorf("%s = %v, want %v", series, got, value)
	}
}

// sum adds the samples of the series whose name and labels start with prefix.
func sum(samples map[string]float64, prefix string) (float64, int) {
	total, n := 0.0, 0
	for k, v := range samples {
		if strings.HasPrefix(k, prefix) {
			total += v
			n++
		}
	}
	return total, n
}

// postAs sends one GraphQL operation with variables (and its name as
// operationName when name is not "") with the named key.
func (s *testServer) postAs(principal, name, query string, variables map[string]any) reply {
	s.t.Helper()
	body := map[string]any{"query": query}
	if name != "" {
		body["operationName"] = name
	}
	if variables != nil {
		body["variables"] = variables
	}
	b, _ := json.Marshal(body)
	return s.post(principal, string(b))
}

func TestMetrics(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		// graph.Direct answers the queries below; with GQLGenExecution
		// gqlgen's executor does: the operations must count the same.
		for _, mode := range []struct {
			name   string
			gqlgen bool
			region string // the code of the region it creates
		}{{"direct", false, "440301"}, {"gqlgen", true, "440302"}} {
			t.Run(mode.name, func(t *testing.T) {
				m := metrics.New()
				// A rate of one request per 1000 s refills nothing while the
				// test runs: every key has exactly 2 tokens.
				s := f.serve(t, server.Config{Metrics: m, GQLGenExecution: mode.gqlgen, RateLimit: 0.001, RateBurst: 2})
				before := scrape(t, m)

				s.postAs("admin", "", `query Regions { regions(first: 1) { totalCount } }`, nil).ok(t)
				s.postAs("admin", "", `mutation AddRegion($in: RegionInput!) { createRegion(input: $in) { code } }`,
					map[string]any{"in": map[string]any{"code": mode.region, "name": "区", "level": "DISTRICT", "parent": "440300"}}).ok(t)
				// A resolver's error, and a validation error that stops the
				// operation before it starts (named only by operationName).
				s.postAs("analyst", "", `query BadPage { regions(first: -1) { totalCount } }`, nil).refused(t, http.StatusOK, "BAD_USER_INPUT")
				r := s.postAs("analyst", "Broken", `query Broken { noSuchField }`, nil)
				if res := r.result(t); len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
					t.Fatalf("want BAD_USER_INPUT, got %d %s", r.status, r.body)
				}
				for i := range 3 {
					r := s.postAs("partner", "", `query Limited { regions(first: 1) { totalCount } }`, nil)
					if i < 2 {
						r.ok(t)
					} else {
						r.refused(t, http.StatusTooManyRequests, "RATE_LIMITED")
					}
				}

				got := scrape(t, m)
				const ops = "civicgraph_graphql_operations_total"
				want(t, got, ops+`{code="OK",operation="Regions",type="query"}`, 1)
				want(t, got, ops+`{code="OK",operation="AddRegion",type="mutation"}`, 1)
				want(t, got, ops+`{code="BAD_USER_INPUT",operation="BadPage",type="query"}`, 1)
				want(t, got, ops+`{code="BAD_USER_INPUT",operation="Broken",type="unknown"}`, 1)
				// The third was refused by the HTTP rate limiter, before
				// gqlgen: a refusal, not an operation.
				want(t, got, ops+`{code="OK",operation="Limited",type="query"}`, 2)
				if total, _ := sum(got, ops+"{"); total != 6 {
					t.Errorf("%v operations counted, want 6", total)
				}
				const dur = "civicgraph_graphql_operation_duration_seconds"
				want(t, got, dur+`_count{operation="Regions",type="query"}`, 1)
				want(t, got, dur+`_count{operation="AddRegion",type="mutation"}`, 1)
				want(t, got, dur+`_bucket{operation="Regions",type="query",le="+Inf"}`, 1)
				want(t, got, "civicgraph_rate_limited_total", 1)
				want(t, got, `civicgraph_rows_written_total{type="Region"}`, 1)
				want(t, got, `civicgraph_http_requests_total{path="/graphql",status="429"}`, 1)
				if total, _ := sum(got, `civicgraph_http_requests_total{path="/graphql"`); total != 7 {
					t.Errorf("%v requests to /graphql counted, want 7", total)
				}

				for _, kind := range []string{"query", "exec"} {
					series := `civicgraph_sql_statements_total{kind="` + kind + `"}`
					if got[series] <= before[series] {
						t.Errorf("%s did not grow: %v, then %v", series, before[series], got[series])
					}
					if _, ok := got[`civicgraph_sql_errors_total{kind="`+kind+`"}`]; !ok {
						t.Errorf("no civicgraph_sql_errors_total for %s", kind)
					}
				}
				if got[`civicgraph_sql_statement_duration_seconds_count{kind="exec"}`] <= before[`civicgraph_sql_statement_duration_seconds_count{kind="exec"}`] {
					t.Error("the execs were not timed")
				}
				for _, g := range []string{"open", "in_use", "idle"} {
					if _, ok := got["civicgraph_db_"+g+"_connections"]; !ok {
						t.Errorf("no pool gauge civicgraph_db_%s_connections", g)
					}
				}
				if got["civicgraph_db_max_open_connections"] < 1 {
					t.Errorf("civicgraph_db_max_open_connections = %v", got["civicgraph_db_max_open_connections"])
				}
				for _, c := range []string{"civicgraph_db_wait_count_total", "civicgraph_db_wait_seconds_total", "go_goroutines", "civicgraph_live_sequence", "civicgraph_live_followers"} {
					if _, ok := got[c]; !ok {
						t.Errorf("no series %s", c)
					}
				}
				last, err := changes.Last(context.Background(), db)
				if err != nil {
					t.Fatal(err)
				}
				want(t, got, "civicgraph_change_feed_sequence", float64(last))
				want(t, got, "civicgraph_change_feed_read_errors_total", 0)
			})
		}
	})
}

// Operation names are the client's: past 500 of them, new ones count as
// "other", and names that are no identifiers as "invalid".
func TestMetricsBoundOperationNames(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		m := metrics.New()
		s := serve(t, db, server.Config{Metrics: m, RateLimit: -1, MaxBatch: 600})
		batch := make([]map[string]any, 600)
		for i := range batch {
			batch[i] = map[string]any{"query": fmt.Sprintf("query Op%d { __typename }", i)}
		}
		body, _ := json.Marshal(batch)
		r := s.post("", string(body))
		if r.status != http.StatusOK {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		var answers []gqlResult
		if err := json.Unmarshal(r.body, &answers); err != nil || len(answers) != 600 {
			t.Fatalf("want 600 answers (%v): %.300s", err, r.body)
		}
		// A document that does not parse, sent under a name that is no
		// identifier, and one without a name.
		s.postAs("", "no name; "+strings.Repeat("x", 100), `query {`, nil)
		s.query("", `{ __typename }`).ok(t)

		got := scrape(t, m)
		const ops = "civicgraph_graphql_operations_total{"
		opName := regexp.MustCompile(`operation="Op\d+"`)
		named := 0
		for k := range got {
			if strings.HasPrefix(k, ops) && opName.MatchString(k) {
				named++
			}
		}
		if named != 500 {
			t.Errorf("%d operation names counted as themselves, want 500", named)
		}
		want(t, got, ops+`code="OK",operation="other",type="query"}`, 100)
		want(t, got, ops+`code="BAD_USER_INPUT",operation="invalid",type="unknown"}`, 1)
		want(t, got, ops+`code="OK",operation="anonymous",type="query"}`, 1)
	})
}

// syncBuffer is a buffer a log handler writes while a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// captureLogs sends the default logger's lines, as JSON wrapped by
// server.RequestIDHandler (as the command does), to the buffer returned,
// until the test ends.
func captureLogs(t *testing.T) *syncBuffer {
	t.Helper()
	buf := &syncBuffer{}
	old, oldOut, oldFlags := slog.Default(), log.Writer(), log.Flags()
	slog.SetDefault(slog.New(server.RequestIDHandler(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	t.Cleanup(func() {
		slog.SetDefault(old)
		log.SetOutput(oldOut)
		log.SetFlags(oldFlags)
	})
	return buf
}

// requestLine waits for the request line with the id (the server writes it
// after the response has gone) and decodes it.
func requestLine(t *testing.T, logs *syncBuffer, id string) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		for _, line := range strings.Split(logs.String(), "\n") {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "request" && rec["request_id"] == id {
				return rec
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no request line with request_id %q in:\n%s", id, logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRequestIDsAndLog(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		logs := captureLogs(t)
		s := serve(t, db, server.Config{Metrics: metrics.New()})
		hex16 := regexp.MustCompile(`^[0-9a-f]{16}$`)

		send := func(id string) reply {
			req, err := http.NewRequest(http.MethodPost, s.url, strings.NewReader(`{"query":"query Hello { __typename }"}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if id != "" {
				req.Header.Set(server.RequestIDHeader, id)
			}
			return s.do(req)
		}
		long := strings.Repeat("a", 64)
		for _, id := range []string{"abc-123.X_y", long} {
			if got := send(id).header.Get(server.RequestIDHeader); got != id {
				t.Errorf("sent request id %q, got %q back", id, got)
			}
		}
		for _, id := range []string{"", "has space", "ünï", long + "a", `{"json":1}`} {
			got := send(id).header.Get(server.RequestIDHeader)
			if !hex16.MatchString(got) {
				t.Errorf("sent request id %q, got %q back, want 16 hex digits", id, got)
			}
		}
		a, b := send("").header.Get(server.RequestIDHeader), send("").header.Get(server.RequestIDHeader)
		if a == b {
			t.Errorf("two requests got the same id %q", a)
		}

		// Personal data in variables never reaches the log.
		const phone, name = "13987654321", "测试人甲"
		body, _ := json.Marshal(map[string]any{
			"query":     `mutation AddPerson($in: PersonInput!) { createPerson(input: $in) { code } }`,
			"variables": map[string]any{"in": map[string]any{"code": "P-LOG-1", "name": name, "phone": phone}},
		})
		req, err := http.NewRequest(http.MethodPost, s.url, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+s.keys["admin"])
		req.Header.Set(server.RequestIDHeader, "log-test-1")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || bytes.Contains(answer, []byte(`"errors"`)) {
			t.Fatalf("createPerson: %d %s", res.StatusCode, answer)
		}
		line := requestLine(t, logs, "log-test-1")
		if line["operation"] != "AddPerson" || line["path"] != "/graphql" || line["status"] != float64(200) {
			t.Errorf("request line %v", line)
		}
		// A batch's line names each of its operations.
		req, _ = http.NewRequest(http.MethodPost, s.url, strings.NewReader(`[{"query":"query One { __typename }"},{"query":"{ __typename }"}]`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(server.RequestIDHeader, "log-test-2")
		s.do(req)
		if got := requestLine(t, logs, "log-test-2")["operation"]; got != "One,anonymous" {
			t.Errorf("batch line names %q, want One,anonymous", got)
		}

		all := logs.String()
		for _, secret := range []string{phone, name, "P-LOG-1", "createPerson"} {
			if strings.Contains(all, secret) {
				t.Errorf("the log holds %q:\n%s", secret, all)
			}
		}
		if n := strings.Count(requestLineText(all, "log-test-1"), `"request_id"`); n != 1 {
			t.Errorf("the request line carries request_id %d times", n)
		}
	})
}

// requestLineText is the raw JSON of the request line with the id.
func requestLineText(logs, id string) string {
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, `"msg":"request"`) && strings.Contains(line, `"request_id":"`+id+`"`) {
			return line
		}
	}
	return ""
}
