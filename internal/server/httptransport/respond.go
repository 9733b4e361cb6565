package httptransport

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

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
// an encoding failure can still become a clean 500. Its length is sent:
// a client reads a known length more cheaply than chunks.
func writeResponse(w http.ResponseWriter, status int, mediaType string, resp *graphql.Response) {
	if resp == nil {
		resp = &graphql.Response{}
	}
	h := w.Header()
	h.Set("Content-Type", mediaType+"; charset=utf-8")
	h.Add("Vary", "Accept")
	if dataOnly(resp) && plainJSON(resp.Data) {
		// Nothing to escape or compact: the answer is the data as the
		// executor wrote it, between two constants.
		h.Set("Content-Length", strconv.Itoa(len(dataPrefix)+len(resp.Data)+len(dataSuffix)))
		w.WriteHeader(status)
		_, _ = io.WriteString(w, dataPrefix)
		_, _ = w.Write(resp.Data)
		_, _ = io.WriteString(w, dataSuffix)
		return
	}
	body, err := encodeResponse(resp)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(internalErrorBody)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

const dataPrefix, dataSuffix = `{"data":`, `}`

// dataOnly reports whether resp is nothing but data, as nearly every
// answer is.
func dataOnly(resp *graphql.Response) bool {
	return len(resp.Errors) == 0 && resp.Label == "" && len(resp.Path) == 0 && resp.HasNext == nil &&
		len(resp.Extensions) == 0 && len(resp.Data) > 0
}

// encodeResponse is json.Marshal of resp's wireResponse. A response that is
// only data is encoded directly: json.Marshal would re-scan the whole answer
// to compact it (the executor writes no whitespace, so compacting changes
// nothing) and escape it for HTML, which json.HTMLEscape does alone, with
// the same result, in a fraction of the time.
func encodeResponse(resp *graphql.Response) ([]byte, error) {
	if dataOnly(resp) && compactJSON(resp.Data) {
		var b bytes.Buffer
		b.Grow(len(resp.Data) + len(dataPrefix) + len(dataSuffix) + 16)
		b.WriteString(dataPrefix)
		json.HTMLEscape(&b, resp.Data)
		b.WriteString(dataSuffix)
		return b.Bytes(), nil
	}
	return json.Marshal(wireResponse{
		Errors:     resp.Errors,
		Data:       resp.Data,
		Label:      resp.Label,
		Path:       resp.Path,
		HasNext:    resp.HasNext,
		Extensions: resp.Extensions,
	})
}

// plainJSON reports whether json.Marshal would copy data unchanged: it has
// no whitespace outside its strings (see compactJSON) and nothing that
// json.HTMLEscape escapes (<, >, &, U+2028, U+2029).
func plainJSON(data []byte) bool { return scanJSON(data, true) }

// compactJSON reports whether data has no whitespace outside its strings
// and starts like a JSON value, that is whether compacting it would change
// nothing. It is a quick scan, not a validation: a malformed answer is
// caught by the JSON-aware path only if it also has whitespace, which the
// executor's output never has.
func compactJSON(data []byte) bool { return scanJSON(data, false) }

// scanJSON is plainJSON (html) or compactJSON, in one pass over data: the
// data is the whole answer.
func scanJSON(data []byte, html bool) bool {
	inString, escaped := false, false
	for i, c := range data {
		if html {
			switch c {
			case '<', '>', '&':
				return false
			case 0xE2: // U+2028 and U+2029 are E2 80 A8 and E2 80 A9
				if i+2 < len(data) && data[i+1] == 0x80 && (data[i+2] == 0xA8 || data[i+2] == 0xA9) {
					return false
				}
			}
		}
		switch {
		case escaped:
			escaped = false
		case inString:
			switch c {
			case '\\':
				escaped = true
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			return false
		}
	}
	return !inString
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
