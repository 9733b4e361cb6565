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

// authenticateUpgrade is authenticate for websocket upgrades to /graphql.
// A browser cannot put headers on a websocket, so an upgrade without an
// Authorization header goes on without a principal and authenticates with
// its connection_init message instead (initConnection), before which
// nothing runs on the connection. An upgrade that sends the header is
// checked here like any request.
func authenticateUpgrade(a *auth.Authenticator, next http.Handler) http.Handler {
	checked := authenticate(a, next)
	if a == nil {
		return checked
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.Header.Values("Authorization")) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		checked.ServeHTTP(w, r)
	})
}
