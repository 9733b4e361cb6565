package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/golang-jwt/jwt/v5"
)

// JWTConfig says which bearer tokens (JWTs) a server trusts: HS256 tokens
// signed with Secret, RS256 tokens signed by a key of Keys, or both. Only
// the configured algorithms are accepted, each with its own key: "none",
// and an HS256 token "signed" with an RSA public key, are refused.
//
// A token's claims map to a principal as follows:
//
//	sub          required; the principal is "jwt:<sub>", named <sub>
//	exp          required; nbf honoured when present; Leeway for clock skew
//	iss, aud     must match Issuer and Audience when those are set
//	role         required: ADMIN, ANALYST, OPERATOR or PARTNER, any case
//	scope        optional: "region:CODE" or "organization:CODE". It may be an
//	             OAuth-style space-separated list: words without ':' (openid,
//	             profile, ...) are ignored, "pii:read" grants pii:read, and at
//	             most one region:/organization: word gives the data scope; any
//	             other word with ':' refuses the token, so a typo cannot widen
//	             what it sees. No scope: ADMIN, or ANALYST/OPERATOR over the
//	             whole tree; PARTNER needs organization:CODE (see CheckGrant).
//	pii          optional boolean: true grants pii:read
//	perms        optional list of strings (or one space-separated string);
//	permissions  the same (Auth0's name): "pii:read" among them grants pii:read
//
// Scope anchors resolve as for API keys; an unknown one sees nothing.
type JWTConfig struct {
	// Secret is the HS256 shared secret, at least 32 bytes; nil: no HS256.
	Secret []byte
	// Keys verify RS256 tokens; nil: no RS256.
	Keys *JWKS
	// Issuer and Audience, when set, must be the token's iss and among its aud.
	Issuer   string
	Audience string
	// Leeway allows for clocks that disagree; 0 means DefaultLeeway.
	Leeway time.Duration
}

// DefaultLeeway is the clock skew tolerated on exp and nbf.
const DefaultLeeway = 30 * time.Second

// minSecretBytes is the shortest HS256 secret: as long as the hash (RFC 7518).
const minSecretBytes = 32

// scopeCacheTTL is how long a token scope's anchor is remembered.
const scopeCacheTTL = 30 * time.Second

// Enabled reports whether any tokens are accepted.
func (c *JWTConfig) Enabled() bool { return c != nil && (len(c.Secret) > 0 || c.Keys != nil) }

// JWTVerifier checks bearer JWTs and turns them into principals.
type JWTVerifier struct {
	cfg    JWTConfig
	parser *jwt.Parser
	scopes *scopeResolver
}

// NewJWTVerifier checks cfg and returns a verifier that resolves scope
// anchors in q.
func NewJWTVerifier(cfg JWTConfig, q store.Querier) (*JWTVerifier, error) {
	var methods []string
	if len(cfg.Secret) > 0 {
		if len(cfg.Secret) < minSecretBytes {
			return nil, fmt.Errorf("the JWT secret has %d bytes; HS256 needs at least %d", len(cfg.Secret), minSecretBytes)
		}
		methods = append(methods, jwt.SigningMethodHS256.Alg())
	}
	if cfg.Keys != nil {
		methods = append(methods, jwt.SigningMethodRS256.Alg())
	}
	if len(methods) == 0 {
		return nil, errors.New("JWT verification needs a secret (HS256) or a JWKS (RS256)")
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = DefaultLeeway
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(methods),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(cfg.Leeway),
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	return &JWTVerifier{
		cfg:    cfg,
		parser: jwt.NewParser(opts...),
		scopes: &scopeResolver{q: q, cache: newTTLCache[Scope, Scope](scopeCacheTTL, 10_000)},
	}, nil
}

// tokenClaims are the claims a token is read into (see JWTConfig).
type tokenClaims struct {
	jwt.RegisteredClaims
	Role        string          `json:"role"`
	Scope       string          `json:"scope"`
	PII         *bool           `json:"pii"`
	Perms       json.RawMessage `json:"perms"`
	Permissions json.RawMessage `json:"permissions"`
}

// keyFor picks the key that verifies a token, by its algorithm: the
// parser has already refused algorithms that are not configured.
func (v *JWTVerifier) keyFor(t *jwt.Token) (any, error) {
	switch t.Method.Alg() {
	case jwt.SigningMethodHS256.Alg():
		return v.cfg.Secret, nil
	case jwt.SigningMethodRS256.Alg():
		kid, _ := t.Header["kid"].(string)
		return v.cfg.Keys.key(kid)
	}
	return nil, fmt.Errorf("signing method %s is not accepted", t.Method.Alg())
}

// Verify checks a token's signature and claims and returns its principal.
// A token that fails any check is UNAUTHENTICATED, with a message that says
// which check and never repeats the token.
func (v *JWTVerifier) Verify(ctx context.Context, token string) (*Principal, error) {
	var c tokenClaims
	if _, err := v.parser.ParseWithClaims(token, &c, v.keyFor); err != nil {
		return nil, apperr.New(apperr.Unauthenticated, "invalid token: %s", tokenProblem(err))
	}
	p, scope, err := c.principal()
	if err != nil {
		return nil, apperr.New(apperr.Unauthenticated, "invalid token: %s", apperr.MessageOf(err))
	}
	if p.Scope, err = v.scopes.resolve(ctx, scope); err != nil {
		return nil, err
	}
	return p, nil
}

// principal maps verified claims to a principal and its unresolved scope.
func (c *tokenClaims) principal() (*Principal, Scope, error) {
	if c.Subject == "" {
		return nil, Scope{}, apperr.Invalid("it has no sub claim")
	}
	if c.Role == "" {
		return nil, Scope{}, apperr.Invalid("it has no role claim")
	}
	role, err := ParseRole(c.Role)
	if err != nil {
		return nil, Scope{}, err
	}
	scope, scopePII, err := parseScopeClaim(c.Scope)
	if err != nil {
		return nil, Scope{}, err
	}
	if err := CheckGrant(role, scope); err != nil {
		return nil, Scope{}, err
	}
	pii := scopePII || (c.PII != nil && *c.PII)
	for _, raw := range []json.RawMessage{c.Perms, c.Permissions} {
		perms, err := parseList(raw)
		if err != nil {
			return nil, Scope{}, err
		}
		for _, p := range perms {
			pii = pii || p == "pii:read"
		}
	}
	return &Principal{Subject: "jwt:" + c.Subject, Name: c.Subject, Role: role, PII: pii}, scope, nil
}

// parseScopeClaim reads the scope claim (see JWTConfig).
func parseScopeClaim(s string) (scope Scope, pii bool, err error) {
	for _, word := range strings.Fields(s) {
		switch {
		case word == "pii:read":
			pii = true
		case !strings.Contains(word, ":"):
			// An OAuth scope for someone else (openid, profile, ...).
		default:
			sc, err := ParseScope(word)
			if err != nil {
				return Scope{}, false, apperr.Invalid("unsupported scope %q: want region:CODE, organization:CODE or pii:read", word)
			}
			if scope.Kind != ScopeNone {
				return Scope{}, false, apperr.Invalid("the scope claim names two scopes (%s and %s)", scope, sc)
			}
			scope = sc
		}
	}
	return scope, pii, nil
}

// parseList reads a list claim: a JSON array of strings, or one string of
// space-separated words.
func parseList(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		return list, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return strings.Fields(s), nil
	}
	return nil, apperr.Invalid("the perms and permissions claims must be lists of strings")
}

// tokenProblem says in a few words why the JWT library refused a token.
func tokenProblem(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "it is malformed"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "it has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "it is not valid yet"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "its issuer (iss) is not the one this server trusts"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "its audience (aud) is not this server"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		for _, claim := range []string{"exp", "iss", "aud", "nbf", "sub"} {
			if strings.Contains(err.Error(), claim+" claim is required") {
				return "it lacks the " + claim + " claim"
			}
		}
		return "it lacks a required claim"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid) && strings.Contains(err.Error(), "signing method"):
		// The parser's words for an algorithm outside WithValidMethods.
		return "its signing algorithm (alg) is not accepted here"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "its signature is invalid"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "it cannot be verified (unknown algorithm or key)"
	}
	return "it does not verify"
}
