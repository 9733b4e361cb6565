// Package webasset holds files embedded in the binary for browsers — GraphiQL
// and the dashboard — ready to serve: typed, versioned by a hash of their
// content (pages put it in URLs as ?v=, so a versioned URL may be cached for
// good), and gzipped once, on first use.
package webasset

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

// Asset is one embedded file.
type Asset struct {
	Name        string // its path under the loaded folder, e.g. "views/summary.js"
	ContentType string
	Data        []byte
	Version     string // a short hash of Data

	gzipOnce sync.Once
	gzipped  []byte // nil when compression does not help
}

// Load reads every file under dir of fsys, keyed by its path under dir.
// types maps the extensions allowed to media types: any other file is a
// mistake in the build, and an error.
func Load(fsys fs.FS, dir string, types map[string]string) (map[string]*Asset, error) {
	out := map[string]*Asset{}
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := types[path.Ext(p)]
		if !ok {
			return fmt.Errorf("no content type for embedded asset %s", p)
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		name := strings.TrimPrefix(p, dir+"/")
		out[name] = &Asset{Name: name, ContentType: ct, Data: data, Version: hex.EncodeToString(sum[:8])}
		return nil
	})
	return out, err
}

// Gzipped returns the asset compressed at the best level, made on first use
// so that a process that never serves it pays nothing at startup (the
// GraphiQL bundle shrinks from ~1 MB to ~300 kB, which matters on slow
// intranet links); nil when compression does not make it smaller.
func (a *Asset) Gzipped() []byte {
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if err != nil {
			return
		}
		if _, err := zw.Write(a.Data); err != nil {
			return
		}
		if err := zw.Close(); err != nil {
			return
		}
		if buf.Len() < len(a.Data) {
			a.gzipped = buf.Bytes()
		}
	})
	return a.gzipped
}

// AcceptsGzip reports whether the Accept-Encoding header allows gzip
// (explicitly or through "*") with a non-zero quality.
func AcceptsGzip(r *http.Request) bool {
	for _, h := range r.Header.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(h, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding != "gzip" && coding != "*" {
				continue
			}
			if qualityOf(params) > 0 {
				return true
			}
		}
	}
	return false
}

// qualityOf extracts q from a header element's parameters; no q means 1.
func qualityOf(params string) float64 {
	for p := range strings.SplitSeq(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 0
		}
		return q
	}
	return 1
}
