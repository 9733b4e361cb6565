package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// getReadiness fetches /readyz from h.
func getReadiness(t *testing.T, h http.Handler) (int, server.ReadinessReport, []byte) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	var rep server.ReadinessReport
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
		t.Fatalf("/readyz: %v: %s", err, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("/readyz Content-Type %q", ct)
	}
	return rec.Code, rep, rec.Body.Bytes()
}

// A migrated store is ready once its startup is over: 200, the
// migrations counted, no replicas (an empty list, not null).
func TestReadiness(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		var started atomic.Bool
		h := server.Readiness(db, started.Load)
		status, rep, body := getReadiness(t, h)
		if status != http.StatusServiceUnavailable || rep.Ready || !rep.Database.OK || !rep.Migrations.OK {
			t.Errorf("before the startup is over: %d %s", status, body)
		}
		started.Store(true)
		for range 2 { // the second from the cached migration state
			status, rep, body = getReadiness(t, h)
			if status != http.StatusOK || !rep.Ready || !rep.Database.OK || rep.Database.Error != "" ||
				!rep.Migrations.OK || rep.Migrations.Applied != rep.Migrations.Known || rep.Migrations.Known == 0 ||
				!bytes.Contains(body, []byte(`"replicas":[]`)) {
				t.Errorf("ready: %d %s", status, body)
			}
		}
	})
}

// Without a database: 503, saying why.
func TestReadinessWithoutTheDatabase(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/civicgraph?sslmode=disable", ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	db, err := store.OpenPool(url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	status, rep, body := getReadiness(t, server.Readiness(db, func() bool { return false }))
	if status != http.StatusServiceUnavailable || rep.Ready || rep.Database.OK || !strings.Contains(rep.Database.Error, "refused") ||
		rep.Migrations.OK || rep.Migrations.Known == 0 || rep.Replicas == nil {
		t.Errorf("%d %s", status, body)
	}
}

// A closed gate answers GraphQL (whatever the method) with 503,
// Retry-After and UNAVAILABLE, and /healthz with 200; once open, it
// passes every request on.
func TestGate(t *testing.T) {
	gate := &server.Gate{}
	ts := httptest.NewServer(gate)
	defer ts.Close()
	for _, req := range []*http.Request{
		mustRequest(t, http.MethodPost, ts.URL+"/graphql", `{"query":"{ __typename }"}`),
		mustRequest(t, http.MethodGet, ts.URL+"/graphql?query=%7B__typename%7D", ""),
		mustRequest(t, http.MethodGet, ts.URL+"/export/ServiceRecord", ""),
	} {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var answer struct {
			Errors []struct {
				Message    string            `json:"message"`
				Extensions map[string]string `json:"extensions"`
			} `json:"errors"`
		}
		_ = json.Unmarshal(body, &answer)
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "1" || len(answer.Errors) != 1 ||
			answer.Errors[0].Extensions["code"] != "UNAVAILABLE" || answer.Errors[0].Message != "the database is unavailable; retry" {
			t.Errorf("%s %s: %d %v %s", req.Method, req.URL.Path, res.StatusCode, res.Header, body)
		}
	}
	if code, _, body := adminGet(t, ts.URL, "/healthz"); code != http.StatusOK || string(body) != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	gate.Open(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	if code, _, _ := adminGet(t, ts.URL, "/graphql"); code != http.StatusTeapot {
		t.Errorf("an open gate: %d", code)
	}
}

func mustRequest(t *testing.T, method, url, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}
