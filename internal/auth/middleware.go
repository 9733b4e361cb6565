package auth

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/store"
)

// Middleware puts the principal of each request in its context (see With
// and From) before next runs. A request that does not authenticate gets
// 401 with a GraphQL-shaped error, {"errors":[{"message": ...,
// "extensions":{"code":"UNAUTHENTICATED"}}]}, and WWW-Authenticate: Bearer;
// a database that cannot be reached gets 503 UNAVAILABLE with Retry-After;
// any other failure to read the database gets 500 INTERNAL. Credentials
// are never logged or echoed.
func Middleware(a *Authenticator) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, err := a.Authenticate(r.Context(), r)
			if err != nil {
				refuse(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(With(r.Context(), p)))
		})
	}
}

// refuse answers a request whose principal could not be established.
func refuse(w http.ResponseWriter, r *http.Request, err error) {
	if store.IsUnavailable(err) {
		// The key could not be looked up because the database is down:
		// retryable, and nothing of the driver's text reaches the client.
		slog.WarnContext(r.Context(), "authenticate: database unavailable", "err", err.Error())
		err = store.Unavailable()
	}
	code, status := apperr.CodeOf(err), http.StatusInternalServerError
	switch code {
	case apperr.Unauthenticated:
		status = http.StatusUnauthorized
		w.Header().Set("WWW-Authenticate", "Bearer")
	case apperr.Unavailable:
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "1")
	default:
		slog.ErrorContext(r.Context(), "authenticate", "err", err.Error())
	}
	type gqlError struct {
		Message    string            `json:"message"`
		Extensions map[string]string `json:"extensions"`
	}
	body, _ := json.Marshal(map[string][]gqlError{"errors": {{
		Message:    apperr.MessageOf(err),
		Extensions: map[string]string{"code": string(code)},
	}}})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
