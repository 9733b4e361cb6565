package httptransport

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
)

// DefaultMaxBodyBytes bounds a POST body when POST.MaxBodyBytes is 0. A
// GraphQL document plus variables is rarely more than a few kilobytes; 1 MiB
// leaves ample room while keeping a single request from exhausting memory.
const DefaultMaxBodyBytes int64 = 1 << 20

// POST executes GraphQL requests sent as application/json POST bodies.
//
// It claims every POST without an Upgrade header, so register transports
// for other POST bodies (multipart uploads, SSE) before it.
type POST struct {
	// MaxBodyBytes limits the request body; 0 means DefaultMaxBodyBytes.
	// A larger body gets 413 with a GraphQL error.
	MaxBodyBytes int64
}

var _ graphql.Transport = POST{}

// Supports claims all plain POST requests, including ones with a wrong or
// missing Content-Type, so that those get a precise 415 from Do.
func (p POST) Supports(r *http.Request) bool {
	return r.Method == http.MethodPost && r.Header.Get("Upgrade") == ""
}

// Do validates the request in the order the status codes depend on
// (Accept, then Content-Type, then size, then the JSON itself) and executes
// it.
func (p POST) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	start := graphql.Now()

	mediaType := negotiate(r)
	if mediaType == "" {
		sendRequestError(ctx, w, exec, mediaJSON, notAcceptable())
		return
	}
	if err := checkContentType(r.Header); err != nil {
		sendRequestError(ctx, w, exec, mediaType, err)
		return
	}
	body, rerr := readBody(w, r, p.maxBodyBytes())
	if rerr != nil {
		sendRequestError(ctx, w, exec, mediaType, rerr)
		return
	}
	params, rerr := decodeBody(body)
	if rerr != nil {
		sendRequestError(ctx, w, exec, mediaType, rerr)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	execute(w, r, exec, mediaType, params, true)
}

func (p POST) maxBodyBytes() int64 {
	if p.MaxBodyBytes > 0 {
		return p.MaxBodyBytes
	}
	return DefaultMaxBodyBytes
}

// notAcceptable is the 406 answer when Accept rules out both JSON types.
// The body is application/json regardless: it is the one type every client
// of this API can read.
func notAcceptable() *requestError {
	return &requestError{
		status:  http.StatusNotAcceptable,
		code:    codeNotAcceptable,
		message: "the Accept header allows neither application/graphql-response+json nor application/json",
	}
}

// checkContentType accepts only UTF-8 application/json bodies without a
// content coding: that is the one request format the specification makes
// mandatory, and anything else would otherwise surface as a confusing JSON
// parse error.
func checkContentType(h http.Header) *requestError {
	unsupported := func(msg string) *requestError {
		return &requestError{status: http.StatusUnsupportedMediaType, code: codeUnsupportedMediaType, message: msg}
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		return unsupported("missing Content-Type; send the request as application/json")
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != mediaJSON {
		return unsupported("unsupported Content-Type; send the request as application/json")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return unsupported("unsupported charset; send the request body as UTF-8")
	}
	if ce := h.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return unsupported("unsupported Content-Encoding; send the request body uncompressed")
	}
	return nil
}

// readBody reads at most limit bytes. Read failures other than the limit
// (a client that hung up, a broken proxy) are reported generically: their
// Go error text says nothing useful to the client.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, *requestError) {
	tooLarge := &requestError{
		status:  http.StatusRequestEntityTooLarge,
		code:    codeRequestTooLarge,
		message: fmt.Sprintf("request body is too large: the limit is %d bytes", limit),
	}
	if r.ContentLength > limit {
		return nil, tooLarge
	}
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return nil, tooLarge
		}
		return nil, badRequest("the request body could not be read")
	}
	return body, nil
}
