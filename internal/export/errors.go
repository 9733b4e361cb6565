package export

import (
	"encoding/json"
	"net/http"

	"github.com/civicgraph/civicgraph/internal/apperr"
)

// writeError answers with a GraphQL-shaped error body, as /graphql does:
// {"errors":[{"message":...,"extensions":{"code":...}}]}. Only the
// message of an *apperr.Error reaches the client, never a driver's text.
func writeError(w http.ResponseWriter, status int, err error) {
	if status == 0 {
		status = http.StatusInternalServerError
	}
	type gqlError struct {
		Message    string            `json:"message"`
		Extensions map[string]string `json:"extensions"`
	}
	body, _ := json.Marshal(map[string][]gqlError{"errors": {{
		Message:    apperr.MessageOf(err),
		Extensions: map[string]string{"code": string(apperr.CodeOf(err))},
	}}})
	h := w.Header()
	h.Del("Content-Disposition")
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// interrupted is the last line of an NDJSON export that failed after it
// had started: the client can tell a cut export from a complete one.
const interrupted = `{"error":{"code":"INTERNAL","message":"export interrupted"}}` + "\n"
