package webasset

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                         false,
		"gzip":                     true,
		"br, gzip;q=0.5":           true,
		"gzip;q=0":                 false,
		"gzip; q=0.000":            false,
		"*":                        true,
		"identity, *;q=0":          false,
		"deflate, br":              false,
		"GZIP;Q=1":                 true,
		"gzip;q=nonsense, deflate": false,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if header != "" {
			r.Header.Set("Accept-Encoding", header)
		}
		if got := AcceptsGzip(r); got != want {
			t.Errorf("Accept-Encoding %q: %v, want %v", header, got, want)
		}
	}
}

func TestLoad(t *testing.T) {
	big := strings.Repeat("civicgraph ", 200)
	fsys := fstest.MapFS{
		"assets/app.js":       {Data: []byte(big)},
		"assets/views/one.js": {Data: []byte("x")},
	}
	types := map[string]string{".js": "text/javascript"}
	got, err := Load(fsys, "assets", types)
	if err != nil {
		t.Fatal(err)
	}
	app, one := got["app.js"], got["views/one.js"]
	if app == nil || one == nil || len(got) != 2 {
		t.Fatalf("loaded %v", got)
	}
	if app.ContentType != "text/javascript" || app.Version == "" || app.Version == one.Version {
		t.Errorf("app.js: %+v", app)
	}
	if gz := app.Gzipped(); gz == nil || len(gz) >= len(big) || !bytes.HasPrefix(gz, []byte{0x1f, 0x8b}) {
		t.Errorf("app.js gzipped: %d bytes of %d", len(gz), len(big))
	}
	if one.Gzipped() != nil {
		t.Errorf("a 1-byte file was gzipped although that makes it bigger")
	}
	fsys["assets/notes.md"] = &fstest.MapFile{Data: []byte("?")}
	if _, err := Load(fsys, "assets", types); err == nil {
		t.Errorf("a file of an unknown type was loaded")
	}
}
