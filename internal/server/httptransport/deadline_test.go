package httptransport

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestDeadlineStillAnswers: when the server's own deadline ends a request
// before execution begins, the client still gets an error, and it goes
// through the error presenter with the deadline's cause attached, so that
// the server can say which limit it was.
func TestDeadlineStillAnswers(t *testing.T) {
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	rec := httptest.NewRecorder()
	newTestServer().ServeHTTP(rec, postRequest(ctx))
	var res struct {
		Errors []struct{ Extensions map[string]any }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatalf("status %d, body %q: %v", rec.Code, rec.Body, err)
	}
	if rec.Code != http.StatusInternalServerError || len(res.Errors) != 1 || res.Errors[0].Extensions["presented"] != true {
		t.Errorf("status %d, body %s", rec.Code, rec.Body)
	}
}

// TestClientGoneGetsNothing: a cancelled request has no one to answer.
func TestClientGoneGetsNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	newTestServer().ServeHTTP(rec, postRequest(ctx))
	if rec.Body.Len() != 0 {
		t.Errorf("answered a client that is gone: %s", rec.Body)
	}
}

func postRequest(ctx context.Context) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(okQuery)).WithContext(ctx)
	req.Header.Set("Content-Type", "application/json")
	return req
}
