package dashboard

import (
	"net/http"
	"regexp"
	"strings"
)

// plainHost matches a Host header that is a host name or address with an
// optional port, and nothing that could end or extend a CSP directive.
var plainHost = regexp.MustCompile(`^[A-Za-z0-9.\-]+(:[0-9]+)?$|^\[[0-9A-Fa-f:.]+\](:[0-9]+)?$`)

// setSecurityHeaders confines the page to its own origin. Scripts only from
// the embedded files (no inline scripts, no eval); GraphQL requests and the
// live view's websocket only to this host, named explicitly for ws: and
// wss: because older browsers do not count them as 'self'; images from the
// origin, data: and blob: (ECharts exports PNGs as data URLs). Views inject
// their own <style> once (see app.js), hence 'unsafe-inline' for styles
// only. No fonts are loaded: the page uses the system's.
func setSecurityHeaders(hdr http.Header, r *http.Request) {
	connect := "'self'"
	if plainHost.MatchString(r.Host) {
		connect += " ws://" + r.Host + " wss://" + r.Host
	}
	hdr.Set("Content-Security-Policy", strings.Join([]string{
		"default-src 'self'",
		"script-src 'self'",
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data: blob:",
		"font-src 'self'",
		"connect-src " + connect,
		"object-src 'none'",
		"base-uri 'none'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	}, "; "))
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
}
