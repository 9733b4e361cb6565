package graphiql

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

const testNotice = "Demo mode: anonymous read access, synthetic data"

// get runs one request against a fresh handler mounted at "/".
func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestPageIsSelfContained(t *testing.T) {
	h := Handler("CivicGraph API", "/graphql", testNotice)
	rec := get(t, h, http.MethodGet, "/", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET / = %d, want 200", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control = %q, want no-cache", cc)
	}
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "connect-src 'self'", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	body := rec.Body.String()
	for _, want := range []string{"<title>CivicGraph API</title>", `data-endpoint="/graphql"`, testNotice} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if m := regexp.MustCompile(`(?i)https?://[^\s"'<>]*`).FindAllString(body, -1); len(m) > 0 {
		t.Errorf("page references absolute URLs %q; everything must come from the binary", m)
	}
	if strings.Contains(body, `"//`) || strings.Contains(body, `'//`) {
		t.Errorf("page has a protocol-relative URL")
	}
}

func TestPageReferencesOnlyServedAssets(t *testing.T) {
	h := Handler("t", "/graphql", "")
	body := get(t, h, http.MethodGet, "/", nil).Body.String()
	refs := regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(body, -1)
	if len(refs) < 6 {
		t.Fatalf("found %d asset references, want at least 6:\n%s", len(refs), body)
	}
	for _, m := range refs {
		ref := m[1]
		if strings.HasPrefix(ref, "data:") {
			continue
		}
		u, err := url.Parse(ref)
		if err != nil || u.IsAbs() || u.Host != "" || strings.HasPrefix(u.Path, "/") {
			t.Errorf("reference %q is not a relative URL", ref)
			continue
		}
		target := "/" + ref
		rec := get(t, h, http.MethodGet, target, nil)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", target, rec.Code)
		}
	}
}

func TestAssetsServedWithTypeAndCache(t *testing.T) {
	h := Handler("t", "/graphql", "")
	want := map[string]string{
		"graphiql.min.js":             "text/javascript; charset=utf-8",
		"graphiql.min.css":            "text/css; charset=utf-8",
		"react.production.min.js":     "text/javascript; charset=utf-8",
		"react-dom.production.min.js": "text/javascript; charset=utf-8",
		"page.js":                     "text/javascript; charset=utf-8",
		"page.css":                    "text/css; charset=utf-8",
		"LICENSES.txt":                "text/plain; charset=utf-8",
	}
	if len(assets) != len(want) {
		t.Errorf("embedded %d assets, test knows %d: keep assets/ to the needed files", len(assets), len(want))
	}
	for name, ct := range want {
		rec := get(t, h, http.MethodGet, "/assets/"+name, nil)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: status %d", name, rec.Code)
			continue
		}
		if got := rec.Header().Get("Content-Type"); got != ct {
			t.Errorf("%s: Content-Type %q, want %q", name, got, ct)
		}
		if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("%s: Cache-Control %q, want a year", name, cc)
		}
		if !bytes.Equal(rec.Body.Bytes(), assets[name].Data) {
			t.Errorf("%s: body differs from the embedded file", name)
		}
	}
}

func TestVendoredBundlesKeepLicenses(t *testing.T) {
	for _, name := range []string{"react.production.min.js", "react-dom.production.min.js"} {
		if !bytes.HasPrefix(assets[name].Data, []byte("/**\n * @license React")) {
			t.Errorf("%s lost its @license header", name)
		}
	}
	lic := string(assets["LICENSES.txt"].Data)
	for _, want := range []string{"graphiql@3.9.0", "react@18.3.1", "Copyright (c) 2021 GraphQL Contributors", "Copyright (c) Facebook"} {
		if !strings.Contains(lic, want) {
			t.Errorf("LICENSES.txt lacks %q", want)
		}
	}
}

func TestAssetGzipAndRevalidation(t *testing.T) {
	h := Handler("t", "/graphql", "")
	rec := get(t, h, http.MethodGet, "/assets/graphiql.min.js", map[string]string{"Accept-Encoding": "gzip, deflate, br"})
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", rec.Header().Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(plain, assets["graphiql.min.js"].Data) {
		t.Error("gzip body does not decompress to the embedded file")
	}

	etag := rec.Header().Get("ETag")
	again := get(t, h, http.MethodGet, "/assets/graphiql.min.js", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": etag})
	if again.Code != http.StatusNotModified {
		t.Errorf("revalidation with %s = %d, want 304", etag, again.Code)
	}

	identity := get(t, h, http.MethodGet, "/assets/graphiql.min.js", map[string]string{"Accept-Encoding": "gzip;q=0"})
	if identity.Header().Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 must not get a gzip body")
	}
}

func TestNoticeIsOptionalAndEscaped(t *testing.T) {
	plain := get(t, Handler("t", "/graphql", ""), http.MethodGet, "/", nil).Body.String()
	if strings.Contains(plain, "civicgraph-notice") {
		t.Error("empty notice still renders a banner")
	}
	hostile := get(t, Handler("<b>t</b>", "/graphql\"><script>", "<script>alert(1)</script>"), http.MethodGet, "/", nil).Body.String()
	if strings.Contains(hostile, "<script>alert") || strings.Contains(hostile, "<b>t</b>") || strings.Contains(hostile, `"><script>`) {
		t.Errorf("arguments are not HTML-escaped:\n%s", hostile)
	}
}

func TestRoutingErrors(t *testing.T) {
	h := Handler("t", "/graphql", "")
	cases := []struct {
		method, path string
		want         int
	}{
		{http.MethodHead, "/", http.StatusOK},
		{http.MethodHead, "/assets/page.js", http.StatusOK},
		{http.MethodGet, "/favicon.ico", http.StatusNotFound},
		{http.MethodGet, "/assets/", http.StatusNotFound},
		{http.MethodGet, "/assets/../handler.go", http.StatusNotFound},
		{http.MethodGet, "/assets/graphiql.min.js.map", http.StatusNotFound},
		{http.MethodPost, "/", http.StatusMethodNotAllowed},
	}
	for _, c := range cases {
		rec := get(t, h, c.method, c.path, nil)
		if rec.Code != c.want {
			t.Errorf("%s %s = %d, want %d", c.method, c.path, rec.Code, c.want)
		}
	}
}

func TestAbsoluteEndpointIsAllowedByCSP(t *testing.T) {
	csp := contentSecurityPolicy("https://api.example.gov/graphql")
	if !strings.Contains(csp, "connect-src 'self' https://api.example.gov") {
		t.Errorf("CSP %q does not allow the absolute endpoint", csp)
	}
}
