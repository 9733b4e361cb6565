package httptransport

import (
	"net/http"

	"github.com/99designs/gqlgen/graphql"
)

// GET executes query operations sent as URL query parameters ("query",
// "operationName", and JSON-encoded "variables" and "extensions"), which
// lets caches and browsers treat reads as the safe requests they are.
// Mutations are refused with 405 and Allow: POST.
type GET struct{}

var _ graphql.Transport = GET{}

// Supports claims GET requests that are not WebSocket upgrades, leaving
// those to gqlgen's websocket transport.
func (GET) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet && r.Header.Get("Upgrade") == ""
}

// Do decodes the query string and executes the operation if it is a query.
func (GET) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	start := graphql.Now()

	mediaType := negotiate(r)
	if mediaType == "" {
		sendRequestError(ctx, w, exec, mediaJSON, notAcceptable())
		return
	}
	params, rerr := decodeQueryString(r.URL.RawQuery)
	if rerr != nil {
		sendRequestError(ctx, w, exec, mediaType, rerr)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	execute(w, r, exec, mediaType, params, false)
}
