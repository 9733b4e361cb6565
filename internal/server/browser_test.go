package server_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// browserDir holds the Node scripts and their node_modules (npm ci there;
// scripts/test.sh does it).
var browserDir = filepath.Join("..", "..", "tests", "browser")

// node runs one of the browser scripts and fails the test with its output.
func node(t *testing.T, args ...string) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(browserDir, "node_modules")); err != nil {
		t.Fatalf("tests/browser/node_modules is missing: run `npm ci` in tests/browser (scripts/test.sh does)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = browserDir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func newTestServer(t *testing.T, cfg server.Config) *httptest.Server {
	cfg.DB = storetest.Open(t, store.SQLite)
	cfg.Notice = "test notice"
	srv := httptest.NewServer(server.New(cfg))
	t.Cleanup(srv.Close)
	return srv
}

// TestGraphQLOverHTTPAudit runs the graphql-http package's audit against the
// real endpoint: no errors and no warnings. The audit fires its 61 requests
// at once, well past the default burst of the rate limit, which has tests
// of its own: here it is off.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	srv := newTestServer(t, server.Config{RateLimit: -1})
	out := node(t, "audit.mjs", srv.URL+"/graphql")
	t.Log(lastLine(out))
}

// TestGraphiQLRendersAndRunsAQuery loads GraphiQL from the binary in headless
// Chromium, runs a query and keeps a screenshot; no request may leave
// 127.0.0.1.
func TestGraphiQLRendersAndRunsAQuery(t *testing.T) {
	srv := newTestServer(t, server.Config{})
	shot := filepath.Join(t.TempDir(), "graphiql.png")
	out := node(t, "graphiql.mjs", srv.URL+"/", shot, "{ regions(first: 1) { totalCount } }")
	if !strings.Contains(out, "totalCount") {
		t.Fatalf("GraphiQL result does not show the query's data:\n%s", out)
	}
	if st, err := os.Stat(shot); err != nil || st.Size() == 0 {
		t.Fatalf("no screenshot: %v", err)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
