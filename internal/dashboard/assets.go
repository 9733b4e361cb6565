package dashboard

import (
	"embed"

	"github.com/civicgraph/civicgraph/internal/webasset"
)

// assetFiles is the whole dashboard: page, shell, views, styles and the
// vendored ECharts. Embedded because the dashboard runs on intranets with no
// internet: nothing it loads may come from anywhere but this binary.
//
//go:embed assets
var assetFiles embed.FS

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

func loadAssets() map[string]*webasset.Asset {
	out, err := webasset.Load(assetFiles, "assets", contentTypes)
	if err != nil {
		panic("dashboard: embedded assets: " + err.Error())
	}
	return out
}
