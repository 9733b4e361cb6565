package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// asKey runs a query with a bearer key against h.
func asKey(t *testing.T, url, key, query string) response {
	t.Helper()
	_, raw := postAsKey(t, url, key, query, nil)
	var r response
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

// postAsKey POSTs a query and its variables with a bearer key to url and
// returns the status and the body as sent.
func postAsKey(t *testing.T, url, key, query string, vars map[string]any) (int, []byte) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, raw
}

// Unmasked reads land in the access log, which ADMIN reads through
// accessLog and nobody else may.
func TestAccessLogIsReadByAdminOnly(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		newAPI(t, db, fixture(4)) // loads the fixture
		ctx := context.Background()
		key := func(name string, role auth.Role, scope string, pii bool) string {
			s, err := auth.ParseScope(scope)
			if err != nil {
				t.Fatal(err)
			}
			k, _, err := auth.Create(ctx, db, name, role, s, pii)
			if err != nil {
				t.Fatal(err)
			}
			return k
		}
		auditor := key("auditor", auth.Admin, "", true)
		masked := key("masked", auth.Analyst, "region:440304", false)
		a, err := auth.NewAuthenticator(auth.Config{DB: db})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(server.New(server.Config{DB: db, Auth: a, RateLimit: -1}))
		defer srv.Close()
		url := srv.URL + "/graphql"

		// A masked read is not logged; an unmasked one is, per person.
		r := asKey(t, url, masked, `query Masked { people(first: 2, orderBy: [{field: CODE}]) { nodes { code name } } }`)
		if len(r.Errors) > 0 || get(r.Data, "people", "nodes", 0, "name") != "张**" {
			t.Fatalf("masked read: %+v %v", r.Errors, get(r.Data, "people", "nodes", 0, "name"))
		}
		r = asKey(t, url, auditor, `query Audit { people(first: 2, orderBy: [{field: CODE}]) { nodes { code name phone } } }`)
		if len(r.Errors) > 0 || get(r.Data, "people", "nodes", 0, "name") != "张00" {
			t.Fatalf("unmasked read: %+v %v", r.Errors, r.Data)
		}
		r = asKey(t, url, auditor, `{ accessLog(orderBy: [{field: ID}]) { totalCount nodes { subject operation entity row fields } } }`)
		if len(r.Errors) > 0 {
			t.Fatalf("accessLog: %+v", r.Errors)
		}
		if n := get(r.Data, "accessLog", "totalCount"); n != json.Number("2") {
			t.Fatalf("accessLog has %v entries, want 2 (two people read unmasked once): %v", n, r.Data)
		}
		e := get(r.Data, "accessLog", "nodes", 0)
		if get(e, "operation") != "Audit" || get(e, "entity") != "Person" || get(e, "fields", 0) != "name" || get(e, "fields", 1) != "phone" {
			t.Errorf("entry %v", e)
		}
		if s, _ := get(e, "subject").(string); len(s) < 5 || s[:4] != "key:" {
			t.Errorf("subject %q, want key:<id>", s)
		}
		r = asKey(t, url, masked, `{ accessLog { totalCount } }`)
		if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "FORBIDDEN" || r.Data["accessLog"] != nil {
			t.Errorf("an analyst read the access log: %+v %v", r.Errors, r.Data)
		}
	})
}
