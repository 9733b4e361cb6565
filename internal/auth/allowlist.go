package auth

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// DefaultAllowlistTTL is how long a server trusts what it read of a key's
// allowlist: registrations and removals take effect within it.
const DefaultAllowlistTTL = 5 * time.Second

// Allowlist is the gqlgen extension that holds API keys to their
// persisted-operation allowlists: a key with at least one registered
// document (`civicgraph apikey allow`) runs only documents whose
// DocumentHash is registered, anything else is FORBIDDEN before it is even
// parsed. Keys without registrations, tokens and the demo's reader are
// unaffected. It reads the principal that the authentication middleware
// put in the request's context.
//
// It checks the query text as the transport received it or, when the
// request carries only an automatic-persisted-query hash, that hash (the
// same SHA-256 of the same text), so it works whether it is added before
// or after gqlgen's AutomaticPersistedQuery extension.
//
// Use it by pointer: srv.Use(&auth.Allowlist{DB: db}).
type Allowlist struct {
	DB *store.DB
	// TTL is how long a key's allowlist is cached; 0 means
	// DefaultAllowlistTTL, negative no caching.
	TTL time.Duration

	once  sync.Once
	cache *ttlCache[int64, map[string]bool]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = (*Allowlist)(nil)

// ExtensionName names the extension to gqlgen.
func (a *Allowlist) ExtensionName() string { return "OperationAllowlist" }

// Validate accepts every schema.
func (a *Allowlist) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters refuses a document the request's key may not run.
func (a *Allowlist) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	p := From(ctx)
	if p == nil || p.KeyID == 0 {
		return nil
	}
	allowed, err := a.operations(ctx, p.KeyID)
	if err != nil {
		// Err set: the error presenter logs it and shows only "internal error".
		return &gqlerror.Error{Message: "read the operation allowlist: " + err.Error(), Err: err}
	}
	if len(allowed) == 0 || allowed[requestHash(params)] {
		return nil
	}
	e := gqlerror.Errorf("this API key only runs its registered operations, and this document (SHA-256 %s) is not one of them", requestHash(params))
	e.Extensions = map[string]any{"code": string(apperr.Forbidden)}
	return e
}

// requestHash is the DocumentHash of the request's document: of its text,
// or the persisted-query hash it sent in place of the text.
func requestHash(params *graphql.RawParams) string {
	if params.Query != "" {
		return DocumentHash(params.Query)
	}
	if pq, ok := params.Extensions["persistedQuery"].(map[string]any); ok {
		if h, ok := pq["sha256Hash"].(string); ok {
			return strings.ToLower(h)
		}
	}
	return DocumentHash("")
}

// init makes the cache on first use, so that the zero Allowlist works.
func (a *Allowlist) init() {
	a.once.Do(func() {
		ttl := a.TTL
		if ttl == 0 {
			ttl = DefaultAllowlistTTL
		}
		a.cache = newTTLCache[int64, map[string]bool](ttl, 10_000)
	})
}

// operations returns a key's registered hashes, through the cache.
func (a *Allowlist) operations(ctx context.Context, keyID int64) (map[string]bool, error) {
	a.init()
	if set, ok := a.cache.get(keyID); ok {
		return set, nil
	}
	hashes, err := Operations(ctx, a.DB, keyID)
	if err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(hashes))
	for _, h := range hashes {
		set[h] = true
	}
	a.cache.put(keyID, set)
	return set, nil
}
