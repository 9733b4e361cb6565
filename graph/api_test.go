package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// api is a civicgraph server over a test store, spoken to over real HTTP.
type api struct {
	t   testing.TB
	db  *store.DB
	url string
}

// gqlError is one error of a GraphQL response.
type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// response is a GraphQL response.
type response struct {
	Data   map[string]any `json:"data"`
	Errors []gqlError     `json:"errors"`
}

// newAPI loads lines into a fresh store of the dialect and serves it.
func newAPI(t testing.TB, db *store.DB, lines []map[string]any) *api {
	return newAPIAt(t, db, lines, nil)
}

// newAPIAt is newAPI with the server's clock fixed by now.
func newAPIAt(t testing.TB, db *store.DB, lines []map[string]any, now func() time.Time) *api {
	t.Helper()
	if len(lines) > 0 {
		_, err := ingest.ImportLines(context.Background(), db, ingest.Slice(lines), ingest.Options{})
		if err != nil {
			t.Fatalf("load fixture: %v", err)
		}
	}
	srv := httptest.NewServer(server.New(server.Config{DB: db, Now: now, RateLimit: -1}))
	t.Cleanup(srv.Close)
	return &api{t: t, db: db, url: srv.URL + "/graphql"}
}

// do runs a query and returns the whole response.
func (a *api) do(query string, vars map[string]any) response {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, a.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("POST /graphql: %v", err)
	}
	defer res.Body.Close()
	var r response
	dec := json.NewDecoder(res.Body)
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		a.t.Fatalf("decode response (status %d): %v", res.StatusCode, err)
	}
	return r
}

// data runs a query that must succeed and returns its data.
func (a *api) data(query string, vars map[string]any) map[string]any {
	a.t.Helper()
	r := a.do(query, vars)
	if len(r.Errors) > 0 {
		a.t.Fatalf("query failed: %+v\nquery: %s", r.Errors, query)
	}
	return r.Data
}

// errorCode runs a query that must fail and returns the first error's code.
func (a *api) errorCode(query string, vars map[string]any) (string, string) {
	a.t.Helper()
	r := a.do(query, vars)
	if len(r.Errors) == 0 {
		a.t.Fatalf("query succeeded, want an error: %s", query)
	}
	code, _ := r.Errors[0].Extensions["code"].(string)
	return code, r.Errors[0].Message
}

// get walks a decoded JSON value by keys and indexes.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// codes lists the "code" of each node of a connection value.
func codes(conn any) []string {
	var out []string
	nodes, _ := get(conn, "nodes").([]any)
	for _, n := range nodes {
		out = append(out, fmt.Sprint(get(n, "code")))
	}
	return out
}

// eachBackend runs fn against both stores with the same fixture.
func eachBackend(t *testing.T, lines []map[string]any, fn func(t *testing.T, a *api)) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		fn(t, newAPI(t, db, lines))
	})
}
