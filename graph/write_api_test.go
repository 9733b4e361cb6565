package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/changes"
	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// The write tests speak to a server that authenticates every request with
// an API key, as partners and operators do: each principal of writeKeys
// has a key, and every request names one.

// writeKey is a principal the write tests act as.
type writeKey struct {
	name  string
	role  auth.Role
	scope string // "", "region:CODE" or "organization:CODE"
	pii   bool
}

// writeKeys are the principals of the write tests, over fixture(n) with
// n >= 4: district 440304 holds C000 and C001, district 440305 C002 and
// C003; ORG-000-2 is the unit demand D-000-1 is assigned to and the
// provider of SR-000-2.
var writeKeys = []writeKey{
	{"admin", auth.Admin, "", true},
	{"admin2", auth.Admin, "", true},
	{"masked", auth.Admin, "", false},
	{"analyst", auth.Analyst, "region:440304", false},
	{"operator", auth.Operator, "region:440304", true},
	{"partner", auth.Partner, "organization:ORG-000-2", false},
	{"partner1", auth.Partner, "organization:ORG-001-2", false},
}

// writeAPI is a store behind an authenticating server.
type writeAPI struct {
	t        testing.TB
	db       *store.DB
	url      string
	keys     map[string]string // principal -> key text
	subjects map[string]string // principal -> audit subject (key:<id>)
}

// wError is one GraphQL error, with its path.
type wError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

func (e wError) code() string { s, _ := e.Extensions["code"].(string); return s }

// pathString spells a path as "a.b.3.c".
func (e wError) pathString() string {
	parts := make([]string, len(e.Path))
	for i, p := range e.Path {
		parts[i] = fmt.Sprint(p)
	}
	return strings.Join(parts, ".")
}

// wResponse is a GraphQL response.
type wResponse struct {
	Data   map[string]any `json:"data"`
	Errors []wError       `json:"errors"`
	Status int            `json:"-"`
}

// newWriteAPI loads lines into db and serves it with a key per writeKeys.
func newWriteAPI(t testing.TB, db *store.DB, lines []map[string]any) *writeAPI {
	t.Helper()
	ctx := context.Background()
	if len(lines) > 0 {
		if _, err := ingest.ImportLines(ctx, db, ingest.Slice(lines), ingest.Options{}); err != nil {
			t.Fatalf("load fixture: %v", err)
		}
	}
	w := &writeAPI{t: t, db: db, keys: map[string]string{}, subjects: map[string]string{}}
	for _, k := range writeKeys {
		scope, err := auth.ParseScope(k.scope)
		if err != nil {
			t.Fatalf("scope of %s: %v", k.name, err)
		}
		text, row, err := auth.Create(ctx, db, "write-"+k.name, k.role, scope, k.pii)
		if err != nil {
			t.Fatalf("create the key of %s: %v", k.name, err)
		}
		w.keys[k.name], w.subjects[k.name] = text, fmt.Sprintf("key:%d", row.ID)
	}
	authn, err := auth.NewAuthenticator(auth.Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(server.Config{DB: db, Auth: authn, RateLimit: -1}))
	t.Cleanup(srv.Close)
	w.url = srv.URL + "/graphql"
	return w
}

// eachWriteBackend runs fn on both stores, each with a fresh writeAPI.
func eachWriteBackend(t *testing.T, lines []map[string]any, fn func(t *testing.T, w *writeAPI)) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		fn(t, newWriteAPI(t, db, lines))
	})
}

// do runs a request as the named principal.
func (w *writeAPI) do(who, query string, vars map[string]any) wResponse {
	w.t.Helper()
	return w.doOp(who, "", query, vars)
}

// doOp is do with an operation name.
func (w *writeAPI) doOp(who, op, query string, vars map[string]any) wResponse {
	w.t.Helper()
	r, err := w.try(who, op, query, vars)
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

// try is doOp returning its failure instead of ending the test, for use
// from other goroutines.
func (w *writeAPI) try(who, op, query string, vars map[string]any) (wResponse, error) {
	req := map[string]any{"query": query, "variables": vars}
	if op != "" {
		req["operationName"] = op
	}
	body, err := json.Marshal(req)
	if err != nil {
		return wResponse{}, err
	}
	hreq, _ := http.NewRequest(http.MethodPost, w.url, bytes.NewReader(body))
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	key, ok := w.keys[who]
	if !ok {
		return wResponse{}, fmt.Errorf("no principal %q", who)
	}
	hreq.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(hreq)
	if err != nil {
		return wResponse{}, fmt.Errorf("POST /graphql: %w", err)
	}
	defer res.Body.Close()
	var r wResponse
	dec := json.NewDecoder(res.Body)
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		return wResponse{}, fmt.Errorf("decode response (status %d): %w", res.StatusCode, err)
	}
	r.Status = res.StatusCode
	return r, nil
}

// data runs a request that must succeed.
func (w *writeAPI) data(who, query string, vars map[string]any) map[string]any {
	w.t.Helper()
	r := w.do(who, query, vars)
	if len(r.Errors) > 0 {
		w.t.Fatalf("as %s: %+v\nquery: %s\nvariables: %v", who, r.Errors, query, vars)
	}
	return r.Data
}

// fail runs a request that must fail with code (and with nothing in
// data but nulls), and returns its errors.
func (w *writeAPI) fail(who, code, query string, vars map[string]any) []wError {
	w.t.Helper()
	r := w.do(who, query, vars)
	if len(r.Errors) == 0 {
		w.t.Fatalf("as %s: succeeded, want %s: %v\nquery: %s", who, code, r.Data, query)
	}
	for _, e := range r.Errors {
		if e.code() != code {
			w.t.Fatalf("as %s: error %s %q (path %v), want %s\nquery: %s", who, e.code(), e.Message, e.Path, code, query)
		}
	}
	return r.Errors
}

// count runs an SQL query whose answer is one integer.
func (w *writeAPI) count(q string, args ...any) int {
	w.t.Helper()
	return storetest.QueryInt(w.t, w.db, q, args...)
}

// writeState is what a write that fails must leave as it was: the rows of
// every table, the feed's last sequence and the audit trail.
type writeState struct {
	rows         map[string]int
	lastChange   int
	auditEntries int
	idempotency  int
	transitions  int
}

// state reads the writeState.
func (w *writeAPI) state() writeState {
	w.t.Helper()
	s := writeState{rows: map[string]int{}}
	for _, typ := range changes.Order {
		table := store.Catalog[typ].Table
		s.rows[typ] = w.count("SELECT COUNT(*) FROM " + table)
		s.rows[typ+" live"] = w.count("SELECT COUNT(*) FROM " + table + " WHERE archived_at IS NULL")
	}
	s.lastChange = w.count("SELECT COALESCE(MAX(sequence), 0) FROM changes")
	s.auditEntries = w.count("SELECT COUNT(*) FROM audit_log")
	s.idempotency = w.count("SELECT COUNT(*) FROM idempotency_keys")
	s.transitions = w.count("SELECT COUNT(*) FROM demand_transitions")
	return s
}

// unchanged fails the test when the store differs from s.
func (w *writeAPI) unchanged(what string, s writeState) {
	w.t.Helper()
	now := w.state()
	var diffs []string
	for typ, n := range s.rows {
		if now.rows[typ] != n {
			diffs = append(diffs, fmt.Sprintf("%s rows %d -> %d", typ, n, now.rows[typ]))
		}
	}
	if now.lastChange != s.lastChange {
		diffs = append(diffs, fmt.Sprintf("last change %d -> %d", s.lastChange, now.lastChange))
	}
	if now.auditEntries != s.auditEntries {
		diffs = append(diffs, fmt.Sprintf("audit entries %d -> %d", s.auditEntries, now.auditEntries))
	}
	if now.idempotency != s.idempotency {
		diffs = append(diffs, fmt.Sprintf("idempotency keys %d -> %d", s.idempotency, now.idempotency))
	}
	if now.transitions != s.transitions {
		diffs = append(diffs, fmt.Sprintf("demand transitions %d -> %d", s.transitions, now.transitions))
	}
	slices.Sort(diffs)
	if len(diffs) > 0 {
		w.t.Fatalf("%s changed the store: %s", what, strings.Join(diffs, "; "))
	}
}

// str is a decoded JSON value as text ("<nil>" for null).
func str(v any) string { return fmt.Sprint(v) }

// wnum reads a decoded JSON number.
func wnum(t testing.TB, v any) int {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v (%T) is not a number", v, v)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return int(i)
}
