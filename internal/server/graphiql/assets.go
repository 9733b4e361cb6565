package graphiql

import (
	"embed"

	"github.com/civicgraph/civicgraph/internal/webasset"
)

// assetFiles holds everything the page loads. The files are embedded rather
// than fetched from a CDN because civicgraph runs on government intranets
// with no internet access; see assets/LICENSES.txt for their provenance.
//
//go:embed assets
var assetFiles embed.FS

// contentTypes maps the extensions we embed to their media types. Anything
// else in assets/ is a mistake and makes loadAssets panic at startup.
var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".txt": "text/plain; charset=utf-8",
}

// assets is the embedded file set keyed by file name (without "assets/").
var assets = loadAssets()

func loadAssets() map[string]*webasset.Asset {
	out, err := webasset.Load(assetFiles, "assets", contentTypes)
	if err != nil {
		panic("graphiql: embedded assets: " + err.Error())
	}
	return out
}
