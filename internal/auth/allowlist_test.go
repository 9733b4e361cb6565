package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

const (
	registered   = "query Regions { regions { totalCount } }\n"
	unregistered = "{ people { nodes { name phone } } }"
)

func TestAllowlist(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		_, restricted := mustCreate(t, db, "restricted", Analyst, "", false)
		_, free := mustCreate(t, db, "free", Analyst, "", false)
		if n, err := AllowOperations(ctx, db, restricted.ID, []string{DocumentHash(registered)}); err != nil || n != 1 {
			t.Fatalf("allow: %d %v", n, err)
		}
		if n, err := AllowOperations(ctx, db, restricted.ID, []string{DocumentHash(registered)}); err != nil || n != 0 {
			t.Fatalf("allow again: %d %v", n, err)
		}
		if hs, err := Operations(ctx, db, restricted.ID); err != nil || len(hs) != 1 || hs[0] != DocumentHash(registered) {
			t.Fatalf("operations: %v %v", hs, err)
		}
		if keys, _ := List(ctx, db); keys[0].Operations != 1 || keys[1].Operations != 0 {
			t.Fatalf("list counts %d and %d operations", keys[0].Operations, keys[1].Operations)
		}

		a := &Allowlist{DB: db}
		a.init()
		now := time.Now()
		a.cache.now = func() time.Time { return now }
		check := func(p *Principal, params graphql.RawParams) string {
			t.Helper()
			c := ctx
			if p != nil {
				c = With(ctx, p)
			}
			if err := a.MutateOperationParameters(c, &params); err != nil {
				if err.Extensions["code"] != "FORBIDDEN" {
					t.Errorf("refusal %v has code %v", err, err.Extensions["code"])
				}
				return err.Message
			}
			return ""
		}
		key := func(k *APIKey) *Principal { return &Principal{Subject: "key:x", Role: Analyst, KeyID: k.ID} }
		apq := func(hash string) graphql.RawParams {
			return graphql.RawParams{Extensions: map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}}
		}

		if msg := check(key(restricted), graphql.RawParams{Query: registered}); msg != "" {
			t.Errorf("the registered document: %s", msg)
		}
		if msg := check(key(restricted), apq(strings.ToUpper(DocumentHash(registered)))); msg != "" {
			t.Errorf("the registered document by its persisted-query hash: %s", msg)
		}
		for what, params := range map[string]graphql.RawParams{
			"another document":             {Query: unregistered},
			"the document, changed a byte": {Query: strings.TrimSpace(registered)},
			"another persisted-query hash": apq(DocumentHash(unregistered)),
			"no document":                  {},
		} {
			if msg := check(key(restricted), params); !strings.Contains(msg, "only runs its registered operations") {
				t.Errorf("%s: %q", what, msg)
			}
		}
		for what, p := range map[string]*Principal{
			"a key without registrations": key(free),
			"a token":                     {Subject: "jwt:alice", Role: Analyst},
			"the demo":                    Demo(),
			"an in-process caller":        nil,
		} {
			if msg := check(p, graphql.RawParams{Query: unregistered}); msg != "" {
				t.Errorf("%s: %s", what, msg)
			}
		}

		// Removing the last registration lifts the restriction, once the
		// cache has forgotten it.
		if n, err := DisallowOperations(ctx, db, restricted.ID, nil); err != nil || n != 1 {
			t.Fatalf("disallow: %d %v", n, err)
		}
		if msg := check(key(restricted), graphql.RawParams{Query: unregistered}); msg == "" {
			t.Error("the cached allowlist was forgotten at once")
		}
		now = now.Add(DefaultAllowlistTTL)
		if msg := check(key(restricted), graphql.RawParams{Query: unregistered}); msg != "" {
			t.Errorf("after the cache's lifetime: %s", msg)
		}
	})
}
