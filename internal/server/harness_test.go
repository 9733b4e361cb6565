package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
)

// fixture is a test store with one API key per role the tests speak as,
// served through the real authentication: a request names its principal by
// key name, and a request without one is the demo's anonymous reader.
type fixture struct {
	db    *store.DB
	keys  map[string]string // name -> bearer key
	authn *auth.Authenticator
}

// newFixture adds a region and an organization (a PARTNER's scope must
// exist) and the keys admin, analyst, operator, partner and partner2.
func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	lines := []map[string]any{
		{"type": "Region", "code": "440300", "name": "深圳市", "level": "CITY"},
		{"type": "Organization", "code": "ORG-0001", "name": "Partner", "kind": "ENTERPRISE", "region": "440300"},
	}
	_, err := ingest.ImportLines(ctx, db, ingest.Slice(lines), ingest.Options{})
	if err != nil {
		t.Fatalf("load the fixture: %v", err)
	}
	f := &fixture{db: db, keys: map[string]string{}}
	partner := auth.Scope{Kind: auth.ScopeOrganization, Code: "ORG-0001"}
	for _, k := range []struct {
		name  string
		role  auth.Role
		scope auth.Scope
	}{
		{"admin", auth.Admin, auth.Scope{}},
		{"analyst", auth.Analyst, auth.Scope{}},
		{"operator", auth.Operator, auth.Scope{Kind: auth.ScopeRegion, Code: "440300"}},
		{"partner", auth.Partner, partner},
		{"partner2", auth.Partner, partner},
	} {
		key, _, err := auth.Create(ctx, db, k.name, k.role, k.scope, false)
		if err != nil {
			t.Fatalf("create the key %s: %v", k.name, err)
		}
		f.keys[k.name] = key
	}
	// Keys are looked up once: the statement counts below then show what
	// the request itself ran.
	f.authn, err = auth.NewAuthenticator(auth.Config{DB: db, Demo: true, KeyCacheTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// testServer is server.New over a fixture, spoken to over real HTTP.
type testServer struct {
	t    testing.TB
	db   *store.DB
	keys map[string]string
	url  string
}

// serve starts a server with cfg over the fixture. The response cache is
// off: every request must run (or be refused) for real.
func (f *fixture) serve(t testing.TB, cfg server.Config) *testServer {
	t.Helper()
	cfg.DB = f.db
	cfg.Auth = f.authn
	cfg.ResponseCacheBytes = -1
	srv := httptest.NewServer(server.New(cfg))
	t.Cleanup(srv.Close)
	return &testServer{t: t, db: f.db, keys: f.keys, url: srv.URL + "/graphql"}
}

// serve is newFixture(t, db).serve(t, cfg).
func serve(t testing.TB, db *store.DB, cfg server.Config) *testServer {
	t.Helper()
	return newFixture(t, db).serve(t, cfg)
}

// reply is an HTTP response, read whole.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// gqlResult is one GraphQL response.
type gqlResult struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// post sends body as application/json with the named key ("" or "demo":
// none, so the demo's anonymous reader).
func (s *testServer) post(principal, body string) reply {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	s.authorize(req, principal)
	return s.do(req)
}

// authorize sends the named key with req.
func (s *testServer) authorize(req *http.Request, principal string) {
	s.t.Helper()
	if principal == "" || principal == "demo" {
		return
	}
	key, ok := s.keys[principal]
	if !ok {
		s.t.Fatalf("no test key %q", principal)
	}
	req.Header.Set("Authorization", "Bearer "+key)
}

func (s *testServer) do(req *http.Request) reply {
	s.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatalf("read the response: %v", err)
	}
	return reply{status: res.StatusCode, header: res.Header, body: body}
}

// query sends one GraphQL query.
func (s *testServer) query(principal, query string) reply {
	s.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	return s.post(principal, string(body))
}

// result decodes a single (not batched) response.
func (r reply) result(t testing.TB) gqlResult {
	t.Helper()
	var res gqlResult
	if err := json.Unmarshal(r.body, &res); err != nil {
		t.Fatalf("decode the response (status %d): %v\n%s", r.status, err, r.body)
	}
	return res
}

// ok fails the test unless the response has no errors.
func (r reply) ok(t testing.TB) gqlResult {
	t.Helper()
	res := r.result(t)
	if r.status != http.StatusOK || len(res.Errors) > 0 {
		t.Fatalf("want success, got status %d: %s", r.status, r.body)
	}
	return res
}

// refused fails the test unless the response is status with one error of
// the code whose message contains every part.
func (r reply) refused(t testing.TB, status int, code string, parts ...string) {
	t.Helper()
	res := r.result(t)
	if r.status != status {
		t.Errorf("status %d, want %d: %s", r.status, status, r.body)
	}
	if len(res.Errors) != 1 {
		t.Fatalf("want one error, got %s", r.body)
	}
	e := res.Errors[0]
	if got, _ := e.Extensions["code"].(string); got != code {
		t.Errorf("code %q, want %q: %s", got, code, r.body)
	}
	for _, p := range parts {
		if !strings.Contains(e.Message, p) {
			t.Errorf("message %q does not say %q", e.Message, p)
		}
	}
	if res.Data != nil && !bytes.Equal(res.Data, []byte("null")) {
		t.Errorf("a refused request has data: %s", r.body)
	}
}

// ranNothing runs send and fails the test if it sent any SQL statement.
// When warm names a key, a request that runs no SQL of its own goes first,
// so that what the server caches about the key (its allowlist) is fresh
// and not read again by the request measured.
func (s *testServer) ranNothing(t testing.TB, warm string, send func()) {
	t.Helper()
	if warm != "" {
		s.query(warm, `{ __typename }`).ok(t)
	}
	before := s.db.Statements()
	send()
	if n := s.db.Statements() - before; n != 0 {
		t.Errorf("a refused request ran %d SQL statements", n)
	}
}

// ranSomething runs send and fails the test unless it sent SQL: the
// control that makes ranNothing mean something.
func (s *testServer) ranSomething(t testing.TB, send func()) {
	t.Helper()
	before := s.db.Statements()
	send()
	if s.db.Statements() == before {
		t.Errorf("an accepted request ran no SQL statement")
	}
}
