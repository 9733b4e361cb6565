package graphiql

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"path"
	"sync"
)

// assetFiles holds everything the page loads. The files are embedded rather
// than fetched from a CDN because civicgraph runs on government intranets
// with no internet access; see assets/LICENSES.txt for their provenance.
//
//go:embed assets
var assetFiles embed.FS

// asset is one embedded file with the metadata needed to serve it cheaply.
type asset struct {
	name        string
	contentType string
	data        []byte
	// version is a short content hash. Page URLs carry it as ?v=... so that
	// assets can be cached "forever" and still change when the binary does.
	version string

	gzipOnce sync.Once
	gzipped  []byte // nil when compression would not help
}

// contentTypes maps the extensions we embed to their media types. Anything
// else in assets/ is a mistake and makes loadAssets panic at startup.
var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".txt": "text/plain; charset=utf-8",
}

// assets is the embedded file set keyed by file name (without "assets/").
var assets = loadAssets()

func loadAssets() map[string]*asset {
	entries, err := fs.ReadDir(assetFiles, "assets")
	if err != nil {
		panic("graphiql: embedded assets missing: " + err.Error())
	}
	out := make(map[string]*asset, len(entries))
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		ct, ok := contentTypes[path.Ext(e.Name())]
		if !ok {
			panic("graphiql: no content type for embedded asset " + e.Name())
		}
		data, err := assetFiles.ReadFile("assets/" + e.Name())
		if err != nil {
			panic("graphiql: reading embedded asset: " + err.Error())
		}
		sum := sha256.Sum256(data)
		out[e.Name()] = &asset{
			name:        e.Name(),
			contentType: ct,
			data:        data,
			version:     hex.EncodeToString(sum[:8]),
		}
	}
	return out
}

// compressed returns the gzip form of the asset, computed on first use so
// that binaries which never serve GraphiQL pay nothing at startup.
func (a *asset) compressed() []byte {
	a.gzipOnce.Do(func() {
		gz := gzipBytes(a.data)
		if len(gz) < len(a.data) {
			a.gzipped = gz
		}
	})
	return a.gzipped
}
