package auth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/civicgraph/civicgraph/graph"
	"github.com/civicgraph/civicgraph/graph/generated"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/loader"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// endpoint is a GraphQL endpoint behind the authentication middleware, with
// the allowlist and automatic persisted queries in either order.
func endpoint(db *store.DB, a *auth.Authenticator, allowlistFirst bool) http.Handler {
	srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: &graph.Resolver{DB: db}}))
	srv.AddTransport(transport.POST{})
	apq := extension.AutomaticPersistedQuery{Cache: lru.New[string](100)}
	allow := &auth.Allowlist{DB: db}
	if allowlistFirst {
		srv.Use(allow)
		srv.Use(apq)
	} else {
		srv.Use(apq)
		srv.Use(allow)
	}
	srv.SetErrorPresenter(graph.PresentError)
	return auth.Middleware(a)(loader.Middleware(db, srv))
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func post(t *testing.T, h http.Handler, key string, body map[string]any) gqlResponse {
	t.Helper()
	b, _ := json.Marshal(body)
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(b)))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+key)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var resp gqlResponse
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatalf("%d %s: %v", w.Code, w.Body.String(), err)
	}
	return resp
}

// A key with registered documents runs them, by text or by persisted-query
// hash, and nothing else: FORBIDDEN, whatever the extensions' order.
func TestAllowlistInTheGraphQLHandler(t *testing.T) {
	const doc = "query Count { regions { totalCount } }"
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		key, row, err := auth.Create(ctx, db, "partner-script", auth.Admin, auth.Scope{}, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := auth.AllowOperations(ctx, db, row.ID, []string{auth.DocumentHash(doc)}); err != nil {
			t.Fatal(err)
		}
		a, err := auth.NewAuthenticator(auth.Config{DB: db})
		if err != nil {
			t.Fatal(err)
		}
		for _, first := range []bool{true, false} {
			h := endpoint(db, a, first)
			pq := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": auth.DocumentHash(doc)}}
			if resp := post(t, h, key, map[string]any{"query": doc, "extensions": pq}); len(resp.Errors) != 0 || !strings.Contains(string(resp.Data), "totalCount") {
				t.Errorf("allowlist first %v, the registered document: %+v %s", first, resp.Errors, resp.Data)
			}
			if resp := post(t, h, key, map[string]any{"extensions": pq}); len(resp.Errors) != 0 || !strings.Contains(string(resp.Data), "totalCount") {
				t.Errorf("allowlist first %v, the registered document by hash: %+v %s", first, resp.Errors, resp.Data)
			}
			resp := post(t, h, key, map[string]any{"query": "{ regions { nodes { name } } }"})
			if len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != "FORBIDDEN" || !strings.Contains(resp.Errors[0].Message, "only runs its registered operations") || len(resp.Data) != 0 && string(resp.Data) != "null" {
				t.Errorf("allowlist first %v, another document: %+v %s", first, resp.Errors, resp.Data)
			}
		}
	})
}
