package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// batch is a JSON array of one request object per query.
func batch(queries ...string) string {
	ops := make([]map[string]string, len(queries))
	for i, q := range queries {
		ops[i] = map[string]string{"query": q}
	}
	b, _ := json.Marshal(ops)
	return string(b)
}

// results decodes a batched response.
func (r reply) results(t testing.TB) []gqlResult {
	t.Helper()
	var res []gqlResult
	if err := json.Unmarshal(r.body, &res); err != nil {
		t.Fatalf("decode the batch response (status %d): %v\n%s", r.status, err, r.body)
	}
	return res
}

func TestBatch(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		s := serve(t, db, server.Config{MaxBatch: 3})
		var r reply
		s.ranSomething(t, func() {
			r = s.post("admin", batch(`{ a: regions(first: 1) { totalCount } }`, `{ __typename }`, `{ b: regions(first: 2) { totalCount } }`))
		})
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Errorf("status %d, Content-Type %q", r.status, r.header.Get("Content-Type"))
		}
		res := r.results(t)
		if len(res) != 3 {
			t.Fatalf("%d results for 3 operations: %s", len(res), r.body)
		}
		for i, want := range []string{`{"a":{"totalCount":1}}`, `{"__typename":"Query"}`, `{"b":{"totalCount":1}}`} {
			if len(res[i].Errors) > 0 || string(res[i].Data) != want {
				t.Errorf("result %d is %s, want data %s", i, mustJSON(res[i]), want)
			}
		}

		s.ranNothing(t, "admin", func() {
			s.post("admin", batch(`{ a: regions(first: 1) { totalCount } }`, `{ __typename }`, `{ __typename }`, `{ __typename }`)).
				refused(t, http.StatusBadRequest, "QUERY_TOO_COMPLEX", "the batch holds 4 operations, the limit is 3")
		})
		s.post("admin", `[]`).refused(t, http.StatusBadRequest, "BAD_USER_INPUT", "the batch is empty")

		// A bad element spoils only its own place.
		r = s.post("admin", `[{"query":"{ __typename }"}, 1]`)
		res = r.results(t)
		if r.status != http.StatusOK || len(res) != 2 || len(res[0].Errors) != 0 || len(res[1].Errors) != 1 {
			t.Errorf("status %d, results %s", r.status, r.body)
		}
	})
}

// TestBatchOperationsEachTakeAToken: three operations from a key with two
// tokens left run two and refuse the third.
func TestBatchOperationsEachTakeAToken(t *testing.T) {
	s := serve(t, storetest.Open(t, store.SQLite), server.Config{RateLimit: 0.001, RateBurst: 2})
	r := s.post("partner", batch(`{ __typename }`, `{ __typename }`, `{ __typename }`))
	res := r.results(t)
	if len(res) != 3 {
		t.Fatalf("%d results for 3 operations: %s", len(res), r.body)
	}
	for i := range 2 {
		if len(res[i].Errors) != 0 {
			t.Errorf("operation %d was refused: %s", i, r.body)
		}
	}
	if len(res[2].Errors) != 1 || res[2].Errors[0].Extensions["code"] != "RATE_LIMITED" {
		t.Errorf("the third operation was not rate limited: %s", r.body)
	}
	if r.header.Get("Retry-After") == "" {
		t.Errorf("no Retry-After on a batch with a rate-limited operation")
	}
	s.query("partner", `{ __typename }`).refused(t, http.StatusTooManyRequests, "RATE_LIMITED")
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
