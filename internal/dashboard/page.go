package dashboard

import (
	"bytes"
	"encoding/json"
	"html/template"
)

// pageTemplateName is the embedded page, a template: it is served rendered
// (renderPage), never as the raw file.
const pageTemplateName = "index.html"

// pageData is what index.html renders: the demo notice and every asset's
// version, which the page and the shell put into URLs as ?v= so browsers
// may cache them until the binary changes.
type pageData struct {
	Demo     bool
	Notice   string
	V        map[string]string
	Versions string // V as JSON, for the shell's lazy imports of views
}

// renderPage renders the page once: it depends only on the binary and the
// notice.
func renderPage(notice string) []byte {
	v := make(map[string]string, len(assets))
	for name, a := range assets {
		v[name] = a.Version
	}
	versions, err := json.Marshal(v)
	if err != nil {
		panic("dashboard: " + err.Error())
	}
	tmpl := template.Must(template.New(pageTemplateName).Parse(string(assets[pageTemplateName].Data)))
	var buf bytes.Buffer
	// Demo mode is the only mode with a notice (serve --demo sets it).
	if err := tmpl.Execute(&buf, pageData{Demo: notice != "", Notice: notice, V: v, Versions: string(versions)}); err != nil {
		// The template is fixed at build time: failing is a programming error.
		panic("dashboard: rendering the page: " + err.Error())
	}
	return buf.Bytes()
}
