package server_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// A rate of one request per 1000 s refills nothing while a test runs, so
// the counts below do not depend on timing.
func TestRateLimit(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		s := serve(t, db, server.Config{RateLimit: 0.001, RateBurst: 3})
		q := `{ regions(first: 1) { totalCount } }`

		ok, limited := 0, 0
		for range 5 {
			r := s.query("partner", q)
			switch r.status {
			case http.StatusOK:
				r.ok(t)
				ok++
			case http.StatusTooManyRequests:
				r.refused(t, http.StatusTooManyRequests, "RATE_LIMITED",
					"rate limit of 0.001 requests/s (burst 3) exceeded for this key; retry after")
				if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 {
					t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
				}
				limited++
			default:
				t.Fatalf("status %d: %s", r.status, r.body)
			}
		}
		if ok != 3 || limited != 2 {
			t.Errorf("%d passed and %d were limited, want 3 and 2", ok, limited)
		}
		// No warming up: that would take a token. The key is cached, and the
		// refusal comes before the allowlist is read.
		s.ranNothing(t, "", func() { s.query("partner", q).refused(t, http.StatusTooManyRequests, "RATE_LIMITED") })

		// Another key has a bucket of its own.
		s.ranSomething(t, func() { s.query("partner2", q).ok(t) })

		// The demo's anonymous reader goes by address: every anonymous
		// client of one address shares a bucket.
		for range 3 {
			s.query("demo", q).ok(t)
		}
		s.ranNothing(t, "", func() {
			s.query("demo", q).refused(t, http.StatusTooManyRequests, "RATE_LIMITED", "exceeded for this client address")
		})
	})
}

func TestRateLimitOff(t *testing.T) {
	s := serve(t, storetest.Open(t, store.SQLite), server.Config{RateLimit: -1, RateBurst: 1})
	for range 20 {
		s.query("partner", `{ __typename }`).ok(t)
	}
}
