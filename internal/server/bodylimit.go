package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/server/httptransport"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// limitBody reads a request's body, at most limit bytes, before anything
// else happens to the request, and hands it on from memory. A larger body
// gets 413 with QUERY_TOO_COMPLEX and is never parsed, so one client cannot
// make the server hold or decode an arbitrary amount of data; and the
// batch splitter behind can look at the body without reading it again.
func limitBody(limit int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > limit {
			refuseTooLarge(w, r, limit)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			var maxErr *http.MaxBytesError
			if errors.As(err, &maxErr) {
				refuseTooLarge(w, r, limit)
				return
			}
			// A client that hung up mid-body, a broken proxy: hand the
			// failure on, and the transport answers it as it always has.
			r.Body = io.NopCloser(failingReader{err})
			next.ServeHTTP(w, r)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// failingReader is a body whose reading failed.
type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

func refuseTooLarge(w http.ResponseWriter, r *http.Request, limit int64) {
	// The connection may still carry the rest of the body; don't read it.
	w.Header().Set("Connection", "close")
	httptransport.Refuse(w, r, http.StatusRequestEntityTooLarge, &gqlerror.Error{
		Message:    "request body is too large: the limit is " + formatBytes(limit),
		Extensions: map[string]any{"code": string(apperr.TooComplex)},
	})
}

// formatBytes writes a byte count the way people configure it.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d bytes (%d MiB)", n, n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d bytes (%d KiB)", n, n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
