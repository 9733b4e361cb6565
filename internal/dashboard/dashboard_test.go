package dashboard

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// views is the shell's fixed registry (VIEWS in assets/app.js).
var views = []string{"summary", "monthly", "regions", "network", "lineage", "demands", "live"}

func get(t *testing.T, h http.Handler, target string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Host = "dash.example:8080"
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestPageHasAStrictPolicyAndNoInlineScript(t *testing.T) {
	rec := get(t, Handler("Demo mode: synthetic data"), Prefix, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d", Prefix, rec.Code)
	}
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self';", "connect-src 'self' ws://dash.example:8080 wss://dash.example:8080;", "frame-ancestors 'none'"} {
		if !strings.Contains(csp+";", want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-eval") || strings.Contains(strings.Split(strings.Split(csp, "script-src")[1], ";")[0], "unsafe-inline") {
		t.Errorf("CSP allows inline or eval'd scripts: %q", csp)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("page Cache-Control %q, want no-cache", cc)
	}
	page := rec.Body.String()
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(page, -1) {
		if !strings.Contains(tag, " src=") {
			t.Errorf("inline script in the page: %s", tag)
		}
	}
	if regexp.MustCompile(`\son[a-z]+=`).MatchString(page) {
		t.Error("the page has an inline event handler attribute")
	}
	if !strings.Contains(page, `data-demo="true"`) || !strings.Contains(page, "Demo mode: synthetic data") {
		t.Error("the page does not carry the demo flag and notice")
	}
	m := regexp.MustCompile(`data-versions="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no data-versions on the page")
	}
	var versions map[string]string
	if err := json.Unmarshal([]byte(strings.ReplaceAll(m[1], "&#34;", `"`)), &versions); err != nil {
		t.Fatalf("data-versions is not JSON: %v", err)
	}
	for _, id := range views {
		if versions["views/"+id+".js"] != assets["views/"+id+".js"].Version {
			t.Errorf("view %s: page version %q, asset %q", id, versions["views/"+id+".js"], assets["views/"+id+".js"].Version)
		}
	}

	plain := get(t, Handler(""), Prefix+"index.html", nil).Body.String()
	if !strings.Contains(plain, `data-demo="false"`) {
		t.Error("without a notice the page claims demo mode")
	}
	// A Host header cannot smuggle sources into the policy.
	req := httptest.NewRequest(http.MethodGet, Prefix, nil)
	req.Host = "evil.example; script-src *"
	rec = httptest.NewRecorder()
	Handler("").ServeHTTP(rec, req)
	if csp := rec.Header().Get("Content-Security-Policy"); strings.Contains(csp, "evil") {
		t.Errorf("Host header reached the CSP: %q", csp)
	}
}

func TestAssetsAreCachedByVersionAndCompressed(t *testing.T) {
	h := Handler("")
	a := assets["app.js"]
	versioned := get(t, h, Prefix+"app.js?v="+a.Version, nil)
	if versioned.Code != http.StatusOK || !strings.Contains(versioned.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("versioned asset: %d %q", versioned.Code, versioned.Header().Get("Cache-Control"))
	}
	if ct := versioned.Header().Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("app.js Content-Type %q", ct)
	}
	stale := get(t, h, Prefix+"app.js?v=old", nil)
	if cc := stale.Header().Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("asset under another version: Cache-Control %q, want no-cache", cc)
	}
	gz := get(t, h, Prefix+"vendor/echarts.min.js", map[string]string{"Accept-Encoding": "br, gzip"})
	if gz.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("no gzip for echarts: %v", gz.Header())
	}
	zr, err := gzip.NewReader(gz.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(body, assets["vendor/echarts.min.js"].Data) {
		t.Fatalf("gzip body differs from the asset (%v)", err)
	}
	etag := gz.Header().Get("ETag")
	if again := get(t, h, Prefix+"vendor/echarts.min.js", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": etag}); again.Code != http.StatusNotModified {
		t.Errorf("revalidation with %s: %d, want 304", etag, again.Code)
	}
	if rec := get(t, h, Prefix+"app.js", map[string]string{"Accept-Encoding": "gzip;q=0"}); rec.Header().Get("Content-Encoding") != "" {
		t.Error("gzip sent to a client that refused it")
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	h := Handler("")
	for _, p := range []string{Prefix + "nope.js", Prefix + "views/", Prefix + "../server.go", "/elsewhere"} {
		if rec := get(t, h, p, nil); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, rec.Code)
		}
	}
	req := httptest.NewRequest(http.MethodPost, Prefix, strings.NewReader("x"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}

// Every view of the registry is embedded and is a module of the contract.
func TestEveryViewIsEmbedded(t *testing.T) {
	for _, id := range views {
		a, ok := assets["views/"+id+".js"]
		if !ok {
			t.Errorf("view %s is not embedded", id)
			continue
		}
		src := string(a.Data)
		if !regexp.MustCompile(`export const id = ['"]`+id+`['"]`).MatchString(src) || !strings.Contains(src, "export async function render(") {
			t.Errorf("views/%s.js does not export id %q and an async render", id, id)
		}
	}
	if !strings.Contains(string(assets["app.js"].Data), `const VIEWS = ['`+strings.Join(views, "', '")+`'];`) {
		t.Error("app.js's view registry differs from the contract's order")
	}
}

// offHost matches a URL the browser would fetch from another host.
var offHost = regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}[/:"')]`)

// Nothing of ours points off the host: the dashboard runs on intranets.
// (ECharts' bundle names XML namespaces and such, which it never fetches.)
func TestNothingPointsOffHost(t *testing.T) {
	for name, a := range assets {
		if strings.HasPrefix(name, "vendor/") {
			continue
		}
		for _, line := range strings.Split(string(a.Data), "\n") {
			if m := offHost.FindString(line); m != "" {
				t.Errorf("%s refers to another host: %s", name, strings.TrimSpace(line))
			}
		}
		if regexp.MustCompile(`@import|@font-face|url\(`).MatchString(string(a.Data)) && strings.HasSuffix(name, ".css") {
			t.Errorf("%s loads something (fonts are the system's)", name)
		}
	}
}

// The vendored ECharts is the version tests/browser/package-lock.json
// pins (scripts/vendor-echarts.sh copies it): an update of one without the
// other fails here. When node_modules is installed the bytes must match.
func TestVendoredEChartsMatchesLock(t *testing.T) {
	browser := filepath.Join("..", "..", "tests", "browser")
	raw, err := os.ReadFile(filepath.Join(browser, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(raw, &lock); err != nil {
		t.Fatal(err)
	}
	version := lock.Packages["node_modules/echarts"].Version
	if version == "" {
		t.Fatal("package-lock.json pins no echarts")
	}
	js := assets["vendor/echarts.min.js"]
	if js == nil {
		t.Fatal("vendor/echarts.min.js is not embedded")
	}
	found := regexp.MustCompile(`\.version="(\d+\.\d+\.\d+[^"]*)",\w+\.zrUtil=`).FindSubmatch(js.Data)
	if found == nil {
		t.Fatal("no version in the vendored echarts.min.js")
	}
	if string(found[1]) != version {
		t.Fatalf("vendored echarts %s, package-lock pins %s: run scripts/vendor-echarts.sh", found[1], version)
	}
	if assets["vendor/ECHARTS-LICENSE.txt"] == nil || assets["vendor/ECHARTS-NOTICE.txt"] == nil {
		t.Error("ECharts' LICENSE and NOTICE must ship with it")
	}
	installed, err := os.ReadFile(filepath.Join(browser, "node_modules", "echarts", "dist", "echarts.min.js"))
	if err == nil && !bytes.Equal(installed, js.Data) {
		t.Error("vendored echarts.min.js differs from node_modules' copy of the pinned version: run scripts/vendor-echarts.sh")
	}
	t.Logf("echarts %s", version)
}
