package server

import (
	"net/http"

	"github.com/civicgraph/civicgraph/internal/auth"
)

// authenticate puts the request's principal in its context: the
// authenticator's (refusing requests without a valid credential), or, with
// none configured, the demo's anonymous reader.
func authenticate(a *auth.Authenticator, next http.Handler) http.Handler {
	if a != nil {
		return auth.Middleware(a)(next)
	}
	demo := auth.Demo()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(auth.With(r.Context(), demo)))
	})
}
