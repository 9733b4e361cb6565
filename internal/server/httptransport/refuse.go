package httptransport

import (
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Refuse answers r with status and a GraphQL response holding err alone
// (no data: nothing ran), in the media type r's Accept header negotiates,
// or application/json when it allows neither. It is for HTTP middleware
// that turns a request away before any transport sees it (a rate limit, a
// body or batch limit), so that those answers look like every other
// GraphQL error. No error presenter sees err: give it the extensions.code
// the client should read.
func Refuse(w http.ResponseWriter, r *http.Request, status int, err *gqlerror.Error) {
	mediaType := negotiate(r)
	if mediaType == "" {
		mediaType = mediaJSON
	}
	writeResponse(w, status, mediaType, &graphql.Response{Errors: gqlerror.List{err}})
}
