package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

func TestBodyLimit(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		const limit = 1024
		s := serve(t, db, server.Config{MaxBodyBytes: limit})
		// JSON allows trailing white space: pad a query to the size wanted.
		sized := func(n int) string {
			q := `{"query":"{ regions(first: 1) { totalCount } }"}`
			return q + strings.Repeat(" ", n-len(q))
		}
		s.ranSomething(t, func() { s.post("admin", sized(limit)).ok(t) })
		s.ranNothing(t, "admin", func() {
			s.post("admin", sized(limit+1)).refused(t, http.StatusRequestEntityTooLarge, "QUERY_TOO_COMPLEX", "the limit is 1024 bytes (1 KiB)")
		})
		t.Run("chunked", func(t *testing.T) {
			// No Content-Length: the limit must hold while reading.
			req, _ := http.NewRequest(http.MethodPost, s.url, io.MultiReader(strings.NewReader(sized(limit+1))))
			req.Header.Set("Content-Type", "application/json")
			s.authorize(req, "admin")
			if req.ContentLength != 0 {
				t.Fatalf("the request has a Content-Length")
			}
			s.ranNothing(t, "admin", func() {
				s.do(req).refused(t, http.StatusRequestEntityTooLarge, "QUERY_TOO_COMPLEX", "the limit is 1024 bytes")
			})
		})
	})
}

func TestDefaultBodyLimit(t *testing.T) {
	s := serve(t, storetest.Open(t, store.SQLite), server.Config{})
	s.post("admin", `{"query":"{ __typename }"}`+strings.Repeat(" ", 1<<20)).
		refused(t, http.StatusRequestEntityTooLarge, "QUERY_TOO_COMPLEX", "the limit is 1048576 bytes (1 MiB)")
}
