package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/storetest"
)

// browserDir holds the dashboard's browser runner and its node_modules
// (npm ci there; scripts/test.sh does it).
var browserDir = filepath.Join("..", "..", "tests", "browser")

// screenshotsEnv names a directory (relative to the repository root, e.g.
// docs/screenshots) that the SQLite run copies the city view's screenshot
// into: how the README's picture is refreshed. Unset, screenshots stay in
// the test's temporary directory.
const screenshotsEnv = "CIVICGRAPH_SCREENSHOTS"

// scopedRegion is the region the scoped key of the login check may see: a
// city of the article scenario other than the demo's first top region.
const scopedRegion = "330600"

// jwtSecret is serve's --jwt-secret here: the login check mints an HS256
// token with it, as an identity provider would.
const jwtSecret = "dashboard-test-secret-0123456789abcdef"

// TestDashboardInABrowser runs every dashboard check of tests/browser in
// headless Chromium against a real `serve --demo`, on each store: each
// view renders and shows the API's numbers, drill-down and back work, the
// live view receives a record written during the test, login with a
// region-scoped API key or JWT shows only that principal's numbers, and no request
// leaves 127.0.0.1. The runner logs how long the first view took (not
// asserted: wall-clock times depend on the machine) and saves screenshots.
func TestDashboardInABrowser(t *testing.T) {
	nodeBin := browserTools(t)
	bin := buildWithoutRace(t)
	for name, url := range map[string]string{
		"sqlite":   "sqlite:" + filepath.Join(t.TempDir(), "demo.db"),
		"postgres": storetest.NewPostgresDatabase(t),
	} {
		t.Run(name, func(t *testing.T) {
			// Seeded first: serve --demo would seed too, but within the
			// time startServing allows for the listening line.
			runCivicgraph(t, bin, "", "seed", "--scenario", "article", "--database", url)
			p := startServing(t, bin, url, "--demo", "--jwt-secret", jwtSecret)
			writer := lastField(runCivicgraph(t, bin, "", "apikey", "create", "--database", url, "--name", "dashboard-writer", "--role", "ADMIN"))
			scoped := lastField(runCivicgraph(t, bin, "", "apikey", "create", "--database", url, "--name", "dashboard-scoped",
				"--role", "ANALYST", "--scope", "region:"+scopedRegion))
			// The same store served without --demo: anonymous visitors refused.
			private := startServing(t, bin, url, "--jwt-secret", jwtSecret)
			checkRedirect(t, p.public)
			shots := t.TempDir()
			out := runNode(t, nodeBin, "dashboard.mjs", "--base", p.public, "--shots", shots,
				"--write-key", writer, "--scoped-key", scoped, "--scoped-region", scopedRegion, "--private-base", private.public)
			t.Logf("runner:\n%s", out)
			city := filepath.Join(shots, "dashboard-city.png")
			if st, err := os.Stat(city); err != nil || st.Size() == 0 {
				t.Fatalf("no city screenshot: %v", err)
			}
			t.Logf("screenshots in %s", shots)
			if dir := os.Getenv(screenshotsEnv); dir != "" && name == "sqlite" {
				refreshScreenshot(t, city, dir)
			}
			private.stop(t)
			p.stop(t)
		})
	}
}

// buildWithoutRace builds civicgraph without the race detector even when
// the tests have it: this test is about the page, and a race-built server
// seeds and answers several times slower, which only makes the browser
// wait (the server's concurrency has tests of its own).
func buildWithoutRace(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "civicgraph")
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command to build civicgraph with: %v", err)
	}
	out, err := exec.Command(gobin, "build", "-o", bin, "github.com/civicgraph/civicgraph/cmd/civicgraph").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// checkRedirect: /dashboard, as people type it, leads to the page, query
// and all (a shared link may lack the slash).
func checkRedirect(t *testing.T, base string) {
	t.Helper()
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	res, err := client.Get(base + "/dashboard?view=regions")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode/100 != 3 || res.Header.Get("Location") != "/dashboard/?view=regions" {
		t.Fatalf("GET /dashboard: %d Location %q, want a redirect to /dashboard/?view=regions", res.StatusCode, res.Header.Get("Location"))
	}
}

// browserTools fails the test (never skips it) when node, the runner's
// node_modules or Chromium is missing, and returns node's path.
func browserTools(t *testing.T) string {
	t.Helper()
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed: the dashboard's browser tests need Node.js 20 or later")
	}
	if _, err := os.Stat(filepath.Join(browserDir, "node_modules", "playwright-core")); err != nil {
		t.Fatal("tests/browser/node_modules is missing: run `npm ci` in tests/browser (scripts/test.sh does)")
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("no Chromium at %s: apt-get install chromium, or set CHROMIUM", chromium)
	}
	return nodeBin
}

// runNode runs a script of tests/browser and fails the test with its
// output if it fails.
func runNode(t *testing.T, nodeBin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodeBin, args...)
	cmd.Dir = browserDir
	cmd.Env = append(os.Environ(), "DASHBOARD_JWT_SECRET="+jwtSecret)
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// refreshScreenshot copies the city view's screenshot to dir (relative to
// the repository root unless absolute).
func refreshScreenshot(t *testing.T, src, dir string) {
	t.Helper()
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", "..", dir)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "dashboard-city.png")
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("refreshed %s (%d bytes)", dst, len(data))
}

// lastField is the last word of s: `apikey create` prints the key alone on
// its last line.
func lastField(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}
