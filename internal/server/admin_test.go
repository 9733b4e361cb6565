package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/server"
)

func adminGet(t *testing.T, base, path string) (int, string, []byte) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// The admin handler serves pprof's index, its named profiles, a CPU profile
// and /healthz, and 404 for anything else.
func TestAdminServesPprof(t *testing.T) {
	ts := httptest.NewServer(server.NewAdmin(server.AdminConfig{}))
	defer ts.Close()

	if code, _, body := adminGet(t, ts.URL, "/healthz"); code != http.StatusOK || string(body) != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	code, _, body := adminGet(t, ts.URL, "/debug/pprof/")
	if code != http.StatusOK || !bytes.Contains(body, []byte("goroutine")) || !bytes.Contains(body, []byte("heap")) {
		t.Errorf("/debug/pprof/: %d, %.200q", code, body)
	}
	code, _, body = adminGet(t, ts.URL, "/debug/pprof/goroutine?debug=1")
	if code != http.StatusOK || !bytes.Contains(body, []byte("goroutine profile:")) {
		t.Errorf("goroutine?debug=1: %d, %.200q", code, body)
	}
	// Binary profiles are gzipped protocol buffers.
	for _, p := range []string{"/debug/pprof/heap", "/debug/pprof/allocs", "/debug/pprof/profile?seconds=1"} {
		code, ctype, body := adminGet(t, ts.URL, p)
		if code != http.StatusOK || len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b {
			t.Errorf("%s: %d %s, %d bytes starting %.8q, want a gzipped profile", p, code, ctype, len(body), body)
		}
	}
	if code, _, body := adminGet(t, ts.URL, "/debug/pprof/cmdline"); code != http.StatusOK || len(body) == 0 {
		t.Errorf("cmdline: %d %q", code, body)
	}
	if code, _, _ := adminGet(t, ts.URL, "/metrics"); code != http.StatusNotFound {
		t.Errorf("/metrics before anyone added it: %d, want 404", code)
	}
}

// Further endpoints (issue 7's /readyz and /metrics) slot in through
// AdminConfig.Routes or on the returned mux.
func TestAdminExtraRoutes(t *testing.T) {
	mux := server.NewAdmin(server.AdminConfig{Routes: map[string]http.Handler{
		"GET /readyz": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ready\n") }),
	}})
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "# metrics\n") })
	ts := httptest.NewServer(mux)
	defer ts.Close()
	if code, _, body := adminGet(t, ts.URL, "/readyz"); code != http.StatusOK || string(body) != "ready\n" {
		t.Errorf("/readyz: %d %q", code, body)
	}
	if code, _, body := adminGet(t, ts.URL, "/metrics"); code != http.StatusOK || string(body) != "# metrics\n" {
		t.Errorf("/metrics: %d %q", code, body)
	}
	if code, _, _ := adminGet(t, ts.URL, "/debug/pprof/"); code != http.StatusOK {
		t.Errorf("pprof is gone once routes are added: %d", code)
	}
}

// StartAdmin listens on a free loopback port, serves until Shutdown, and
// Shutdown may be called twice.
func TestStartAdmin(t *testing.T) {
	a, err := server.StartAdmin("127.0.0.1:0", server.NewAdmin(server.AdminConfig{}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a.URL(), "http://127.0.0.1:") || strings.HasSuffix(a.URL(), ":0") {
		t.Fatalf("URL %q", a.URL())
	}
	if code, _, _ := adminGet(t, a.URL(), "/debug/pprof/"); code != http.StatusOK {
		t.Errorf("/debug/pprof/: %d", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := a.Shutdown(ctx); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	if _, err := http.Get(a.URL() + "/healthz"); err == nil {
		t.Error("the admin listener still answers after Shutdown")
	}
	// A taken address is an error, not a silent no-op.
	b, err := server.StartAdmin("127.0.0.1:0", http.NotFoundHandler())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Shutdown(context.Background())
	if c, err := server.StartAdmin(b.Addr().String(), http.NotFoundHandler()); err == nil {
		c.Shutdown(context.Background())
		t.Errorf("StartAdmin on a busy address %s succeeded", b.Addr())
	}
}

// The public handler does not serve pprof, although importing
// net/http/pprof fills http.DefaultServeMux.
func TestPublicHandlerHasNoPprof(t *testing.T) {
	ts := httptest.NewServer(server.New(server.Config{}))
	defer ts.Close()
	code, _, body := adminGet(t, ts.URL, "/debug/pprof/")
	if code == http.StatusOK && bytes.Contains(body, []byte("goroutine")) {
		t.Errorf("the public handler serves pprof: %d %.200q", code, body)
	}
	code, _, body = adminGet(t, ts.URL, "/debug/pprof/heap")
	if code == http.StatusOK && len(body) > 1 && body[0] == 0x1f && body[1] == 0x8b {
		t.Error("the public handler serves a heap profile")
	}
}
