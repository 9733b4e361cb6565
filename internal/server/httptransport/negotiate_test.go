package httptransport

import (
	"net/http/httptest"
	"testing"
)

func TestNegotiate(t *testing.T) {
	cases := []struct {
		accept string
		want   string
	}{
		{"", mediaJSON},
		{"*/*", mediaJSON},
		{"application/*", mediaJSON},
		{"application/json", mediaJSON},
		{"application/json; charset=utf-8", mediaJSON},
		{"application/graphql-response+json", mediaGraphQLResponse},
		{"application/graphql-response+json, application/json;q=0.9", mediaGraphQLResponse},
		{"application/json, application/graphql-response+json", mediaJSON},
		{"application/graphql-response+json, application/json", mediaGraphQLResponse},
		{"application/json;q=0.5, application/graphql-response+json", mediaGraphQLResponse},
		{"application/json, multipart/mixed", mediaJSON},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", mediaJSON},
		{"application/graphql-response+json, */*;q=0.1", mediaGraphQLResponse},
		{"application/json;q=0, */*", mediaGraphQLResponse},
		{"application/json;q=0", ""},
		{"text/html", ""},
		{"text/event-stream", ""},
		{"application/json;q=abc", ""},
		{"garbage;;;", ""},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/graphql", nil)
		if c.accept != "" {
			r.Header.Set("Accept", c.accept)
		}
		if got := negotiate(r); got != c.want {
			t.Errorf("Accept %q: got %q, want %q", c.accept, got, c.want)
		}
	}
}

func TestNegotiateJoinsRepeatedHeaders(t *testing.T) {
	r := httptest.NewRequest("GET", "/graphql", nil)
	r.Header.Add("Accept", "text/html")
	r.Header.Add("Accept", "application/graphql-response+json")
	if got := negotiate(r); got != mediaGraphQLResponse {
		t.Errorf("got %q, want %q", got, mediaGraphQLResponse)
	}
}
