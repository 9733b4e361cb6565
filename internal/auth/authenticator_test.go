package auth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
	"github.com/golang-jwt/jwt/v5"
)

// call sends one request with the given Authorization headers through the
// middleware and returns the response and the principal next saw (nil when
// next did not run).
func call(t *testing.T, a *Authenticator, authorization ...string) (*httptest.ResponseRecorder, *Principal) {
	t.Helper()
	var seen *Principal
	h := Middleware(a)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = From(r.Context())
		if seen == nil {
			t.Error("next ran without a principal")
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ regions { totalCount } }"}`))
	for _, v := range authorization {
		r.Header.Add("Authorization", v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w, seen
}

// refusal is the body of a refused request.
type refusal struct {
	Errors []struct {
		Message    string            `json:"message"`
		Extensions map[string]string `json:"extensions"`
	} `json:"errors"`
}

// wantRefused checks the 401 answer: GraphQL-shaped, UNAUTHENTICATED,
// WWW-Authenticate: Bearer, and never the credential sent.
func wantRefused(t *testing.T, w *httptest.ResponseRecorder, seen *Principal, says, secret string) {
	t.Helper()
	if seen != nil {
		t.Errorf("the request went through as %+v", seen)
	}
	if w.Code != http.StatusUnauthorized || w.Header().Get("WWW-Authenticate") != "Bearer" || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Errorf("status %d, headers %v; want 401, WWW-Authenticate: Bearer, JSON", w.Code, w.Header())
	}
	var body refusal
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 {
		t.Fatalf("body %q: %v", w.Body.String(), err)
	}
	e := body.Errors[0]
	if e.Extensions["code"] != "UNAUTHENTICATED" || len(e.Extensions) != 1 || !strings.Contains(e.Message, says) {
		t.Errorf("error %+v; want UNAUTHENTICATED saying %q", e, says)
	}
	if secret != "" && strings.Contains(w.Body.String(), secret) {
		t.Errorf("the answer echoes the credential: %s", w.Body.String())
	}
}

func TestMiddleware(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		fixture(t, db)
		key, row := mustCreate(t, db, "dashboard", Analyst, "region:R2", false)
		strict, err := NewAuthenticator(Config{DB: db, JWT: &JWTConfig{Secret: testSecret}})
		if err != nil {
			t.Fatal(err)
		}
		demo, err := NewAuthenticator(Config{DB: db, Demo: true})
		if err != nil {
			t.Fatal(err)
		}

		w, _ := call(t, strict)
		wantRefused(t, w, nil, "missing credentials: send Authorization: Bearer <API key or JWT>", "")
		if got := w.Body.String(); got != `{"errors":[{"message":"missing credentials: send Authorization: Bearer \u003cAPI key or JWT\u003e","extensions":{"code":"UNAUTHENTICATED"}}]}`+"\n" {
			t.Errorf("body %s", got)
		}

		for _, a := range []*Authenticator{strict, demo} {
			w, p := call(t, a, "Bearer "+key)
			if w.Code != http.StatusNoContent || p == nil || p.KeyID != row.ID || p.Scope.ID != cityID || p.Anonymous {
				t.Errorf("a good key: %d %+v", w.Code, p)
			}
			if w, p := call(t, a, "bearer  "+key+" "); w.Code != http.StatusNoContent || p == nil || p.KeyID != row.ID {
				t.Errorf("the scheme in lower case, extra spaces: %d %+v", w.Code, p)
			}
			bad := KeyPrefix + strings.Repeat("b", 52)
			w, p = call(t, a, "Bearer "+bad)
			wantRefused(t, w, p, "invalid API key", bad)
			w, p = call(t, a, "Basic dXNlcjpwYXNz")
			wantRefused(t, w, p, "Bearer", "dXNlcjpwYXNz")
			w, p = call(t, a, "Bearer")
			wantRefused(t, w, p, "Bearer", "")
			w, p = call(t, a, "")
			wantRefused(t, w, p, "Bearer", "")
			w, p = call(t, a, "Bearer "+key, "Bearer "+key)
			wantRefused(t, w, p, "one Authorization header", key)
		}

		// Demo mode lets the credential-less in as the demo's reader, only them.
		if w, p := call(t, demo); w.Code != http.StatusNoContent || p == nil || *p != *Demo() {
			t.Errorf("demo without credentials: %d %+v", w.Code, p)
		}
		token := signHS(t, testSecret, claims(func(c jwt.MapClaims) { delete(c, "scope") }))
		w, p := call(t, demo, "Bearer "+token)
		wantRefused(t, w, p, "accepts no JWTs", token)

		// A JWT where they are accepted.
		if w, p := call(t, strict, "Bearer "+token); w.Code != http.StatusNoContent || p == nil || p.Subject != "jwt:alice" || !p.PII {
			t.Errorf("a good JWT: %d %+v", w.Code, p)
		}
		wrong := signHS(t, otherSecret, claims(nil))
		w, p = call(t, strict, "Bearer "+wrong)
		wantRefused(t, w, p, "invalid token", wrong)
	})
}

// A database that fails is the server's problem: 500 INTERNAL, not 401.
func TestMiddlewareDatabaseDown(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	key, _ := mustCreate(t, db, "k", Admin, "", false)
	a, err := NewAuthenticator(Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	w, p := call(t, a, "Bearer "+key)
	if p != nil || w.Code != http.StatusInternalServerError || w.Header().Get("WWW-Authenticate") != "" ||
		!strings.Contains(w.Body.String(), `"code":"INTERNAL"`) || !strings.Contains(w.Body.String(), `"internal error"`) {
		t.Errorf("%d %v %s", w.Code, w.Header(), w.Body.String())
	}
}

// A revoked key keeps working only as long as it is cached.
func TestKeyCacheRevocation(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		key, _ := mustCreate(t, db, "k", Admin, "", false)
		a, err := NewAuthenticator(Config{DB: db})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		a.keys.now = func() time.Time { return now }
		if w, _ := call(t, a, "Bearer "+key); w.Code != http.StatusNoContent {
			t.Fatalf("a good key: %d", w.Code)
		}
		if _, err := Revoke(ctx, db, "k"); err != nil {
			t.Fatal(err)
		}
		before := db.Statements()
		if w, _ := call(t, a, "Bearer "+key); w.Code != http.StatusNoContent || db.Statements() != before {
			t.Fatalf("within the cache's lifetime: %d, %d statements", w.Code, db.Statements()-before)
		}
		now = now.Add(DefaultKeyCacheTTL)
		w, p := call(t, a, "Bearer "+key)
		wantRefused(t, w, p, "revoked", key)

		// Without a cache, revocation is immediate.
		key2, _ := mustCreate(t, db, "k2", Admin, "", false)
		nocache, _ := NewAuthenticator(Config{DB: db, KeyCacheTTL: -1})
		if w, _ := call(t, nocache, "Bearer "+key2); w.Code != http.StatusNoContent {
			t.Fatalf("a good key: %d", w.Code)
		}
		if _, err := Revoke(ctx, db, "k2"); err != nil {
			t.Fatal(err)
		}
		w, p = call(t, nocache, "Bearer "+key2)
		wantRefused(t, w, p, "revoked", key2)
	})
}
