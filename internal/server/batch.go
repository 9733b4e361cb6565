package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/server/httptransport"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// splitBatch lets a client send up to limit operations in one POST as a JSON
// array of request objects, and answers a JSON array of their responses in
// the same order. Each operation becomes a sub-request that passes
// everything behind this handler exactly as if it had come alone: it takes
// its own rate-limit token, gets its own loaders (so that nothing one
// operation fetched is served stale to a later one), is checked for depth
// and cost, and is executed by the transport. Operations run one after
// another, in order, under the deadline of the whole request.
//
// A batch with more than limit operations is refused whole with
// QUERY_TOO_COMPLEX, and an empty one with BAD_USER_INPUT, before any of
// it runs. Anything that is not a well-formed JSON array (a single request
// object, a broken body, another content type) goes on untouched, and the
// transport answers it as it always does.
func splitBatch(limit int, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !isJSONBody(r.Header) {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body) // in memory already: see limitBody
		if err != nil {
			r.Body = io.NopCloser(failingReader{err})
			next.ServeHTTP(w, r)
			return
		}
		ops, ok := batchOf(body)
		if !ok {
			r.Body = io.NopCloser(bytes.NewReader(body))
			next.ServeHTTP(w, r)
			return
		}
		switch {
		case len(ops) == 0:
			httptransport.Refuse(w, r, http.StatusBadRequest, &gqlerror.Error{
				Message:    "the batch is empty: send at least one operation",
				Extensions: map[string]any{"code": string(apperr.BadUserInput)},
			})
			return
		case len(ops) > limit:
			httptransport.Refuse(w, r, http.StatusBadRequest, &gqlerror.Error{
				Message:    fmt.Sprintf("the batch holds %d operations, the limit is %d; send them in smaller batches", len(ops), limit),
				Extensions: map[string]any{"code": string(apperr.TooComplex)},
			})
			return
		}
		results := make([]*recorder, 0, len(ops))
		for _, op := range ops {
			if errors.Is(r.Context().Err(), context.Canceled) {
				return // the client is gone; nothing more to run for it
			}
			sub := r.Clone(r.Context())
			sub.Body = io.NopCloser(bytes.NewReader(op))
			sub.ContentLength = int64(len(op))
			rec := &recorder{header: http.Header{}}
			next.ServeHTTP(rec, sub)
			results = append(results, rec)
		}
		writeBatch(w, results)
	})
}

// isJSONBody reports whether the request says its body is plain JSON, the
// one kind of body a batch can be.
func isJSONBody(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	ce := h.Get("Content-Encoding")
	return err == nil && mt == "application/json" && (ce == "" || ce == "identity")
}

// batchOf splits body into its elements when it is a JSON array.
func batchOf(body []byte) ([]json.RawMessage, bool) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '[' {
		return nil, false
	}
	var ops []json.RawMessage
	if err := json.Unmarshal(trimmed, &ops); err != nil {
		return nil, false
	}
	return ops, true
}

// writeBatch answers the responses of a batch as one JSON array. The status
// is the operations' common status when they agree and 200 when they do
// not: a batch cannot succeed and fail at once, and each element carries
// its own errors. Retry-After is the longest any operation was told.
func writeBatch(w http.ResponseWriter, results []*recorder) {
	for _, res := range results {
		if res.status == 0 { // the handler wrote nothing at all
			res.status = http.StatusInternalServerError
		}
	}
	status := results[0].status
	retryAfter := 0
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, res := range results {
		if res.status != status {
			status = http.StatusOK
		}
		if s, err := strconv.Atoi(res.header.Get("Retry-After")); err == nil && s > retryAfter {
			retryAfter = s
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		elem := bytes.TrimSpace(res.body.Bytes())
		if !json.Valid(elem) {
			elem = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"` + string(apperr.Internal) + `"}}]}`)
		}
		buf.Write(elem)
	}
	buf.WriteByte(']')
	h := w.Header()
	ct := results[0].header.Get("Content-Type")
	if ct == "" {
		ct = "application/json; charset=utf-8"
	}
	h.Set("Content-Type", ct)
	h.Add("Vary", "Accept")
	if retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(retryAfter))
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// recorder keeps the response to one operation of a batch.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}
