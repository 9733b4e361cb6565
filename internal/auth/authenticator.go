package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/store"
)

// DefaultKeyCacheTTL is how long a server trusts an API key it has looked
// up: a revoked key stops working within this time on every server, while
// a client's burst of requests costs one lookup.
const DefaultKeyCacheTTL = 5 * time.Second

// Config is what an Authenticator needs.
type Config struct {
	// DB holds the API keys and the scope anchors.
	DB *store.DB
	// JWT configures bearer tokens; nil (or nothing configured) accepts
	// API keys only.
	JWT *JWTConfig
	// Demo lets requests without credentials in as the demo's anonymous
	// reader (Demo()); credentials that are sent must still be valid.
	Demo bool
	// KeyCacheTTL is how long a looked-up key is remembered; 0 means
	// DefaultKeyCacheTTL, negative no caching.
	KeyCacheTTL time.Duration
}

// Authenticator establishes the principal behind an HTTP request from its
// Authorization header: an API key or a JWT, both as bearer credentials.
type Authenticator struct {
	db   *store.DB
	jwt  *JWTVerifier
	demo bool
	keys *ttlCache[string, Principal]
}

// NewAuthenticator checks cfg and returns its authenticator.
func NewAuthenticator(cfg Config) (*Authenticator, error) {
	if cfg.DB == nil {
		return nil, errors.New("the authenticator needs a database")
	}
	a := &Authenticator{db: cfg.DB, demo: cfg.Demo}
	if cfg.JWT.Enabled() {
		v, err := NewJWTVerifier(*cfg.JWT, cfg.DB)
		if err != nil {
			return nil, err
		}
		a.jwt = v
	}
	ttl := cfg.KeyCacheTTL
	if ttl == 0 {
		ttl = DefaultKeyCacheTTL
	}
	a.keys = newTTLCache[string, Principal](ttl, 10_000)
	return a, nil
}

// errMissing answers a request without credentials on a server that is
// not in demo mode.
func errMissing() error {
	return apperr.New(apperr.Unauthenticated, "missing credentials: send Authorization: Bearer <API key or JWT>")
}

// Authenticate returns the request's principal. Without an Authorization
// header that is the demo's reader in demo mode, else UNAUTHENTICATED; a
// header that is sent is always checked, in demo mode too, so that a
// client with a bad key finds out instead of silently reading as someone
// else. A bearer credential starting with KeyPrefix is an API key, any
// other a JWT. Failures to read the database are returned as they are
// (INTERNAL), not as UNAUTHENTICATED.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request) (*Principal, error) {
	values := r.Header.Values("Authorization")
	switch {
	case len(values) == 0 && a.demo:
		return Demo(), nil
	case len(values) == 0:
		return nil, errMissing()
	case len(values) > 1:
		return nil, apperr.New(apperr.Unauthenticated, "send one Authorization header, not %d", len(values))
	}
	scheme, cred, _ := strings.Cut(strings.TrimSpace(values[0]), " ")
	cred = strings.TrimSpace(cred)
	if !strings.EqualFold(scheme, "Bearer") || cred == "" {
		return nil, apperr.New(apperr.Unauthenticated, "unsupported Authorization header: send Authorization: Bearer <API key or JWT>")
	}
	if LooksLikeAPIKey(cred) {
		return a.lookupKey(ctx, cred)
	}
	if a.jwt == nil {
		return nil, apperr.New(apperr.Unauthenticated, "the bearer credential is not an API key, and this server accepts no JWTs")
	}
	return a.jwt.Verify(ctx, cred)
}

// lookupKey is LookupKey through the key cache. Only keys that work are
// cached, by hash (never the key itself): a new key works at once, a
// revoked one stops within the cache's lifetime. Each caller gets its own
// copy of the principal.
func (a *Authenticator) lookupKey(ctx context.Context, key string) (*Principal, error) {
	h := HashKey(key)
	if p, ok := a.keys.get(h); ok {
		return &p, nil
	}
	p, err := LookupKey(ctx, a.db, key)
	if err != nil {
		return nil, err
	}
	a.keys.put(h, *p)
	return p, nil
}
