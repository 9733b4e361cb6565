// Package dashboard serves the city dashboard: a page of charts and tables
// over the GraphQL API, for street offices and city bureaus, entirely from
// the binary (page, scripts and the vendored ECharts are embedded), so it
// works on an intranet with no internet.
//
// The page is plain ES modules with no build step: assets/app.js is the
// shell (URL state, login, language, the ctx every view gets) and
// assets/views/<id>.js are the views; see assets/app.js for the contract
// between them.
package dashboard

import (
	"bytes"
	"net/http"
	"strings"
	"time"

	"github.com/civicgraph/civicgraph/internal/webasset"
)

// Prefix is where the dashboard is mounted. http.ServeMux redirects
// /dashboard to it.
const Prefix = "/dashboard/"

// handler serves the rendered page at Prefix and the embedded files below.
type handler struct {
	page []byte
}

// Handler serves the dashboard under Prefix (mount it there, without
// http.StripPrefix). notice is the server's notice, set only in demo mode:
// when it is not empty the page says that it shows demo data.
// Methods other than GET and HEAD answer 405; unknown paths 404.
func Handler(notice string) http.Handler {
	return &handler{page: renderPage(notice)}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if name == "" || name == "index.html" {
		h.servePage(w, r)
		return
	}
	a, ok := assets[name]
	if !ok || name == pageTemplateName {
		http.NotFound(w, r)
		return
	}
	serveAsset(w, r, a)
}

// servePage writes the rendered page, never cached, so that a new binary's
// asset versions and notice show on the next load.
func (h *handler) servePage(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-cache")
	setSecurityHeaders(hdr, r)
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(h.page))
}

// serveAsset writes one embedded file. A URL carrying the file's current
// version (?v=, as the page and the shell write them) may be cached for a
// year; any other is revalidated each time with its ETag, so a stale
// module never outlives an upgrade. gzip when the client takes it.
func serveAsset(w http.ResponseWriter, r *http.Request, a *webasset.Asset) {
	hdr := w.Header()
	hdr.Set("Content-Type", a.ContentType)
	if r.URL.Query().Get("v") == a.Version {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "no-cache")
	}
	setSecurityHeaders(hdr, r)
	hdr.Add("Vary", "Accept-Encoding")
	body, etag := a.Data, `"`+a.Version+`"`
	if webasset.AcceptsGzip(r) {
		if gz := a.Gzipped(); gz != nil {
			body, etag = gz, `"`+a.Version+`-gz"`
			hdr.Set("Content-Encoding", "gzip")
		}
	}
	hdr.Set("ETag", etag)
	http.ServeContent(w, r, a.Name, time.Time{}, bytes.NewReader(body))
}
