package dashboard

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"path"
	"sync"
)

// assetFiles is the whole dashboard: page, shell, views, styles and the
// vendored ECharts. Embedded because the dashboard runs on intranets with no
// internet: nothing it loads may come from anywhere but this binary.
//
//go:embed assets
var assetFiles embed.FS

// asset is one embedded file, ready to be served cheaply.
type asset struct {
	name        string // path under assets/, e.g. "views/summary.js"
	contentType string
	data        []byte
	// version is a short content hash: URLs carry it as ?v=... so a
	// matching request may be cached for good (see serveAsset).
	version string

	gzipOnce sync.Once
	gzipped  []byte // nil when compression does not help
}

// contentTypes maps the embedded extensions to media types. Any other file
// under assets/ is a mistake, and loadAssets panics at startup (a test
// loads them, so it never reaches a release).
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".txt":  "text/plain; charset=utf-8",
}

// assets are the embedded files keyed by their path under assets/.
var assets = loadAssets()

func loadAssets() map[string]*asset {
	out := map[string]*asset{}
	err := fs.WalkDir(assetFiles, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := contentTypes[path.Ext(p)]
		if !ok {
			panic("dashboard: no content type for embedded asset " + p)
		}
		data, err := assetFiles.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		name := p[len("assets/"):]
		out[name] = &asset{name: name, contentType: ct, data: data, version: hex.EncodeToString(sum[:8])}
		return nil
	})
	if err != nil {
		panic("dashboard: embedded assets: " + err.Error())
	}
	return out
}

// compressed is the gzip form of the asset, made on first use so that a
// server nobody opens the dashboard of pays nothing at startup.
func (a *asset) compressed() []byte {
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if err != nil {
			return
		}
		if _, err := zw.Write(a.data); err != nil {
			return
		}
		if err := zw.Close(); err != nil {
			return
		}
		if buf.Len() < len(a.data) {
			a.gzipped = buf.Bytes()
		}
	})
	return a.gzipped
}
