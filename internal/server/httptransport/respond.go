package httptransport

import (
	"encoding/json"
	"net/http"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
)

// wireResponse is graphql.Response as sent on the wire, with one
// difference: "data" is omitted when the executor produced none. The GraphQL
// spec says a response to a request error (the operation never ran) must
// not contain a data entry, and graphql.Response would always write
// "data": null.
type wireResponse struct {
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Label      string          `json:"label,omitempty"`
	Path       ast.Path        `json:"path,omitempty"`
	HasNext    *bool           `json:"hasNext,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

// internalErrorBody is sent when a response cannot be encoded. It is a
// constant so that no detail of the failure reaches the client.
const internalErrorBody = `{"errors":[{"message":"internal server error","extensions":{"code":"` + codeInternal + `"}}]}`

// hasData reports whether the response carries a data entry; an explicit
// JSON null counts, because it means execution ran.
func hasData(resp *graphql.Response) bool {
	return resp != nil && len(resp.Data) > 0
}

// writeResponse encodes resp and writes it with the given status in the
// negotiated media type. The body is encoded before anything is written, so
// an encoding failure can still become a clean 500.
func writeResponse(w http.ResponseWriter, status int, mediaType string, resp *graphql.Response) {
	if resp == nil {
		resp = &graphql.Response{}
	}
	body, err := json.Marshal(wireResponse{
		Errors:     resp.Errors,
		Data:       resp.Data,
		Label:      resp.Label,
		Path:       resp.Path,
		HasNext:    resp.HasNext,
		Extensions: resp.Extensions,
	})
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(internalErrorBody)
	}
	h := w.Header()
	h.Set("Content-Type", mediaType+"; charset=utf-8")
	h.Add("Vary", "Accept")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// statusForRequestErrors is the status for errors raised before execution
// (parse, validation, unknown operation, variable coercion, and anything an
// operation-parameter or operation-context extension rejects). Legacy
// application/json clients get 200 as the specification asks; the new
// media type signals the failure with 400.
func statusForRequestErrors(mediaType string) int {
	if mediaType == mediaGraphQLResponse {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// statusForResult is the status for an executed operation. With
// application/graphql-response+json a response that has a data entry (even
// null: a partial result) is 200, and one without data must be 4xx or 5xx:
// 400 when gqlgen marks its errors as protocol errors, 500 otherwise (an
// operation middleware or the schema failed without producing data).
func statusForResult(mediaType string, resp *graphql.Response) int {
	if mediaType != mediaGraphQLResponse || hasData(resp) {
		return http.StatusOK
	}
	if errcode.GetErrorKind(resp.Errors) == errcode.KindProtocol {
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}
