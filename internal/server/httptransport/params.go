package httptransport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/99designs/gqlgen/graphql"
)

// requestError is a problem with the HTTP request itself, found before
// gqlgen sees the GraphQL document. Its message is written by this package
// for the client; it never embeds a Go error string.
type requestError struct {
	status  int
	code    string // extensions.code of the GraphQL error sent back
	message string
}

func badRequest(format string, args ...any) *requestError {
	return &requestError{status: http.StatusBadRequest, code: codeBadRequest, message: fmt.Sprintf(format, args...)}
}

// Values of extensions.code on the errors this package writes itself, so
// that clients can tell transport problems from GraphQL errors.
const (
	codeBadRequest           = "BAD_REQUEST"
	codeNotAcceptable        = "NOT_ACCEPTABLE"
	codeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	codeRequestTooLarge      = "REQUEST_ENTITY_TOO_LARGE"
	codeMethodNotAllowed     = "METHOD_NOT_ALLOWED"
	codeOperationNotAllowed  = "OPERATION_NOT_SUPPORTED"
	codeInternal             = "INTERNAL_SERVER_ERROR"
)

// decodeBody turns a POST body into request parameters. The specification
// requires a JSON object whose "query" is a string and whose
// "operationName", "variables" and "extensions" are absent, null, or of
// the right type; anything else is not a well-formed request and gets 400.
// Unknown keys are ignored, as the specification allows.
func decodeBody(body []byte) (*graphql.RawParams, *requestError) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, badRequest(`request body is empty; expected a JSON object with a "query" string`)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil {
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syntax):
			return nil, badRequest("request body is not valid JSON (error at byte %d)", syntax.Offset)
		case errors.As(err, &typ):
			return nil, badRequest("request body must be a JSON object, not %s", typ.Value)
		default:
			return nil, badRequest("request body is not valid JSON")
		}
	}
	if fields == nil {
		return nil, badRequest("request body must be a JSON object, not null")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badRequest("request body has data after the JSON object")
	}

	p := &graphql.RawParams{}
	if err := stringField(fields, "query", &p.Query); err != nil {
		return nil, err
	}
	if err := stringField(fields, "operationName", &p.OperationName); err != nil {
		return nil, err
	}
	if err := objectField(fields["variables"], "variables", &p.Variables); err != nil {
		return nil, err
	}
	if err := objectField(fields["extensions"], "extensions", &p.Extensions); err != nil {
		return nil, err
	}
	if err := requireQuery(p); err != nil {
		return nil, err
	}
	return p, nil
}

// decodeQueryString turns GET query parameters into request parameters.
// variables and extensions arrive as URL-encoded JSON objects. A parameter
// given twice is ambiguous and rejected rather than silently picking one.
func decodeQueryString(rawQuery string) (*graphql.RawParams, *requestError) {
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, badRequest("the URL query string is malformed")
	}
	for _, name := range []string{"query", "operationName", "variables", "extensions"} {
		if len(values[name]) > 1 {
			return nil, badRequest("parameter %q is given more than once", name)
		}
	}
	p := &graphql.RawParams{
		Query:         values.Get("query"),
		OperationName: values.Get("operationName"),
	}
	if v := values.Get("variables"); v != "" {
		if err := objectField(json.RawMessage(v), "variables", &p.Variables); err != nil {
			return nil, err
		}
	}
	if v := values.Get("extensions"); v != "" {
		if err := objectField(json.RawMessage(v), "extensions", &p.Extensions); err != nil {
			return nil, err
		}
	}
	if err := requireQuery(p); err != nil {
		return nil, err
	}
	return p, nil
}

// requireQuery insists on a non-empty query, except for automatic persisted
// queries: those send only extensions.persistedQuery and let gqlgen's APQ
// extension fill in (or ask for) the document.
func requireQuery(p *graphql.RawParams) *requestError {
	if p.Query != "" {
		return nil
	}
	if _, ok := p.Extensions["persistedQuery"]; ok {
		return nil
	}
	return badRequest(`the "query" parameter is missing or empty`)
}

// stringField reads fields[name] into dst when it is a JSON string; absent
// and null leave dst empty.
func stringField(fields map[string]json.RawMessage, name string, dst *string) *requestError {
	raw := bytes.TrimSpace(fields[name])
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	if raw[0] != '"' || json.Unmarshal(raw, dst) != nil {
		return badRequest("the %q parameter must be a string", name)
	}
	return nil
}

// objectField decodes a JSON object into dst, keeping numbers as
// json.Number: gqlgen's variable coercion expects that, so that an Int
// variable like 9007199254740993 is not rounded through float64. Absent and
// null leave dst nil.
func objectField(raw json.RawMessage, name string, dst *map[string]any) *requestError {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	if raw[0] != '{' {
		return badRequest("the %q parameter must be a JSON object", name)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return badRequest("the %q parameter is not a valid JSON object", name)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("the %q parameter has data after the JSON object", name)
	}
	return nil
}
