package graphiql

import (
	"bytes"
	"html/template"
	"net/url"
	"strings"
)

// pageTemplate is the whole GraphiQL page. Every URL in it is relative
// ("assets/...") so it works wherever the handler is mounted, and nothing
// points off the host: intranet deployments have no internet, and the
// Content-Security-Policy built by contentSecurityPolicy forbids it anyway.
// The favicon is an empty data URL so browsers do not request /favicon.ico.
var pageTemplate = template.Must(template.New("graphiql").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/graphiql.min.css?v={{.V.CSS}}">
<link rel="stylesheet" href="assets/page.css?v={{.V.PageCSS}}">
</head>
<body>
{{- if .Notice}}
<div id="civicgraph-notice" role="status">{{.Notice}}</div>
{{- end}}
<div id="graphiql" data-endpoint="{{.Endpoint}}">Loading GraphiQL…</div>
<noscript>GraphiQL needs JavaScript. You can still send GraphQL requests to {{.Endpoint}}.</noscript>
<script src="assets/react.production.min.js?v={{.V.React}}"></script>
<script src="assets/react-dom.production.min.js?v={{.V.ReactDOM}}"></script>
<script src="assets/graphiql.min.js?v={{.V.JS}}"></script>
<script src="assets/page.js?v={{.V.PageJS}}"></script>
</body>
</html>
`))

// pageVersions carries the content hashes used as cache-busting query
// strings, so assets can be cached for a year yet refresh after an upgrade.
type pageVersions struct {
	CSS, PageCSS, React, ReactDOM, JS, PageJS string
}

// pageData is what pageTemplate renders.
type pageData struct {
	Title    string
	Endpoint string
	Notice   string
	V        pageVersions
}

// renderPage renders the page once; it only depends on the Handler
// arguments, so there is no reason to execute the template per request.
func renderPage(title, endpoint, notice string) []byte {
	data := pageData{
		Title:    title,
		Endpoint: endpoint,
		Notice:   notice,
		V: pageVersions{
			CSS:      assets["graphiql.min.css"].Version,
			PageCSS:  assets["page.css"].Version,
			React:    assets["react.production.min.js"].Version,
			ReactDOM: assets["react-dom.production.min.js"].Version,
			JS:       assets["graphiql.min.js"].Version,
			PageJS:   assets["page.js"].Version,
		},
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, data); err != nil {
		// The template and its data are fixed at build time; failing here
		// is a programming error, not a runtime condition.
		panic("graphiql: rendering page: " + err.Error())
	}
	return buf.Bytes()
}

// contentSecurityPolicy confines the page to its own origin: scripts only
// from our embedded files (no inline scripts, no eval), fonts and images
// from the origin or data: URLs (GraphiQL inlines its fonts), and GraphQL
// requests to the origin, plus the endpoint's origin if it is absolute.
// GraphiQL injects <style> elements at runtime, hence 'unsafe-inline' for
// styles only.
func contentSecurityPolicy(endpoint string) string {
	connect := "'self'"
	if u, err := url.Parse(endpoint); err == nil && u.Scheme != "" && u.Host != "" {
		connect += " " + u.Scheme + "://" + u.Host
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:",
		"font-src 'self' data:",
		"connect-src " + connect,
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}
