// Package graphiql serves the GraphiQL IDE entirely from the civicgraph
// binary. Government intranets cannot reach CDNs, so the page, React and
// GraphiQL are embedded with go:embed and nothing on the page points to
// another host.
package graphiql

import (
	"bytes"
	"net/http"
	"strings"
	"time"

	"github.com/civicgraph/civicgraph/internal/webasset"
)

// assetPrefix is where assets live relative to the handler's root.
const assetPrefix = "/assets/"

// handler serves the page at its root and the embedded files under assets/.
type handler struct {
	page []byte
	csp  string
}

// Handler serves the GraphiQL page at its root and its assets under
// <prefix>assets/..., all from the binary.
//
// endpoint is the GraphQL URL path the page queries (e.g. "/graphql").
// notice, when not empty, is shown as a banner on the page (e.g. "Demo mode:
// anonymous read access, synthetic data").
//
// The handler is meant to be mounted at "/" (or under a prefix with
// http.StripPrefix, keeping the trailing slash) because the page refers to
// its assets with relative URLs. Any other path answers 404, and methods
// other than GET and HEAD answer 405.
func Handler(title, endpoint, notice string) http.Handler {
	return &handler{
		page: renderPage(title, endpoint, notice),
		csp:  contentSecurityPolicy(endpoint),
	}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	switch {
	case p == "/" || p == "":
		h.servePage(w, r)
	case strings.HasPrefix(p, assetPrefix):
		a, ok := assets[strings.TrimPrefix(p, assetPrefix)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		serveAsset(w, r, a)
	default:
		http.NotFound(w, r)
	}
}

// servePage writes the pre-rendered page. It is never cached so that a
// redeploy (new asset versions, new notice) shows up on the next reload.
func (h *handler) servePage(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("Content-Security-Policy", h.csp)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(h.page))
}

// serveAsset writes one embedded file with a year-long immutable cache
// lifetime (page URLs carry a content hash, see pageVersions), gzip when the
// client accepts it, and ETags so revalidation is cheap.
func serveAsset(w http.ResponseWriter, r *http.Request, a *webasset.Asset) {
	hdr := w.Header()
	hdr.Set("Content-Type", a.ContentType)
	hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	hdr.Set("X-Content-Type-Options", "nosniff")
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
