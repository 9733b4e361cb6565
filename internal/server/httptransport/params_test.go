package httptransport

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestDecodeBodyKeepsNumbersExact(t *testing.T) {
	p, err := decodeBody([]byte(`{"query":"query Q($id: Int!) { find(id: $id) }","variables":{"id":9007199254740993},"operationName":null}`))
	if err != nil {
		t.Fatal(err.message)
	}
	n, ok := p.Variables["id"].(json.Number)
	if !ok || n.String() != "9007199254740993" {
		t.Errorf("variables.id = %#v, want json.Number 9007199254740993", p.Variables["id"])
	}
	if p.OperationName != "" {
		t.Errorf("null operationName decoded as %q", p.OperationName)
	}
}

func TestDecodeBodyAllowsPersistedQueryWithoutDocument(t *testing.T) {
	p, err := decodeBody([]byte(`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"abc"}}}`))
	if err != nil {
		t.Fatalf("APQ request rejected: %s", err.message)
	}
	if _, ok := p.Extensions["persistedQuery"]; !ok {
		t.Error("extensions.persistedQuery lost")
	}
}

func TestDecodeBodyKeysAreCaseSensitive(t *testing.T) {
	// encoding/json would match "QUERY" to a struct field named Query;
	// the specification's parameter names are exact.
	_, err := decodeBody([]byte(`{"QUERY":"{ name }"}`))
	if err == nil || err.status != http.StatusBadRequest {
		t.Errorf("QUERY accepted as query: %+v", err)
	}
}

func TestDecodeQueryString(t *testing.T) {
	p, err := decodeQueryString("query=query+Q%28%24id%3A+Int%21%29+%7B+find%28id%3A+%24id%29+%7D&variables=%7B%22id%22%3A1%7D&operationName=Q")
	if err != nil {
		t.Fatal(err.message)
	}
	if p.OperationName != "Q" || p.Variables["id"] != json.Number("1") {
		t.Errorf("decoded %+v", p)
	}
	for _, bad := range []string{
		"",
		"query=",
		"query=%7B+name+%7D&query=%7B+name+%7D",
		"query=%7B+name+%7D&variables=%5B%5D",
		"query=%7B+name+%7D&variables=nope",
		"query=%7B+name+%7D&extensions=1",
		"query=%zz",
	} {
		if _, err := decodeQueryString(bad); err == nil || err.status != http.StatusBadRequest {
			t.Errorf("%q: got %+v, want 400", bad, err)
		}
	}
}
