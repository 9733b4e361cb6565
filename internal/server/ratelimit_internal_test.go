package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/auth"
)

// clock is a settable time for the rate limiter.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestRateLimiterRefillsAndForgets(t *testing.T) {
	c := &clock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newRateLimiter(testRate, testBurst, c.now)
	for i := range testBurst {
		if ok, _ := l.take("a"); !ok {
			t.Fatalf("request %d of the burst was refused", i+1)
		}
	}
	ok, wait := l.take("a")
	if ok || wait != 50*time.Millisecond {
		t.Fatalf("past the burst: ok %v, wait %v; want refused, 50ms", ok, wait)
	}
	c.advance(50 * time.Millisecond)
	if ok, _ := l.take("a"); !ok {
		t.Fatalf("refused after a token came back")
	}
	if ok, _ := l.take("b"); !ok {
		t.Fatalf("another key was refused")
	}
	// An empty bucket is full after burst/rate = 2 s; from then on it is
	// no different from a new one and is dropped.
	c.advance(2 * time.Second)
	l.take("c")
	if n := l.size(); n != 1 {
		t.Errorf("%d buckets kept, want 1 (the one just used)", n)
	}
	for i := range testBurst {
		if ok, _ := l.take("a"); !ok {
			t.Fatalf("after refilling, request %d of the burst was refused", i+1)
		}
	}
}

func TestRateLimitMessage(t *testing.T) {
	c := &clock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	h := newRateLimiter(testRate, testBurst, c.now).middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	key := &auth.Principal{Subject: "key:7", Role: auth.Partner, KeyID: 7}
	var rec *httptest.ResponseRecorder
	for range testBurst + 1 {
		rec = httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
		h.ServeHTTP(rec, req.WithContext(auth.With(req.Context(), key)))
	}
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("status %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	var res struct {
		Errors []struct {
			Message    string
			Extensions map[string]string
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || len(res.Errors) != 1 {
		t.Fatalf("body %s: %v", rec.Body, err)
	}
	want := "rate limit of 20 requests/s (burst 40) exceeded for this key; retry after 1s"
	if e := res.Errors[0]; e.Message != want || e.Extensions["code"] != "RATE_LIMITED" {
		t.Errorf("error %+v, want %q RATE_LIMITED", e, want)
	}
}

// The mechanism's tests use a small bucket of their own, not the defaults.
const (
	testRate  = 20.0
	testBurst = 40
)
