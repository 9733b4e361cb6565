package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
	"github.com/golang-jwt/jwt/v5"
)

var (
	testSecret  = []byte("0123456789abcdef0123456789abcdef")
	otherSecret = []byte("fedcba9876543210fedcba9876543210")
)

// rsaKeys are three signing keys, made once: k1 and k2 are published in
// the test JWKS, the third is not.
var rsaKeys = sync.OnceValue(func() [3]*rsa.PrivateKey {
	var keys [3]*rsa.PrivateKey
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[i] = k
	}
	return keys
})

// jwksOf writes the public halves of keys as a JWKS, with the kids given.
func jwksOf(t testing.TB, kids []string, keys ...*rsa.PrivateKey) []byte {
	t.Helper()
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	for i, k := range keys {
		set.Keys = append(set.Keys, map[string]string{
			"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kids[i],
			"n": base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
		})
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// claims are a good token's claims, changed by edit.
func claims(edit func(jwt.MapClaims)) jwt.MapClaims {
	c := jwt.MapClaims{
		"sub": "alice", "iss": "https://idp.example", "aud": "civicgraph",
		"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(),
		"role": "analyst", "scope": "region:R2", "perms": []string{"read", "pii:read"},
	}
	if edit != nil {
		edit(c)
	}
	return c
}

func signHS(t testing.TB, secret []byte, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func signRS(t testing.TB, key *rsa.PrivateKey, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// unsigned is a token with alg none.
func unsigned(t testing.TB, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestJWT(t *testing.T) {
	keys := rsaKeys()
	jwks, err := ParseJWKS(jwksOf(t, []string{"k1", "k2"}, keys[0], keys[1]))
	if err != nil {
		t.Fatal(err)
	}
	publicDER, err := x509.MarshalPKIXPublicKey(&keys[0].PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		fixture(t, db)
		hs, err := NewJWTVerifier(JWTConfig{Secret: testSecret, Issuer: "https://idp.example", Audience: "civicgraph"}, db)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := NewJWTVerifier(JWTConfig{Keys: jwks, Issuer: "https://idp.example", Audience: "civicgraph"}, db)
		if err != nil {
			t.Fatal(err)
		}
		open, err := NewJWTVerifier(JWTConfig{Secret: testSecret}, db)
		if err != nil {
			t.Fatal(err)
		}
		city := Scope{Kind: ScopeRegion, Code: "R2", ID: cityID, Path: "/1/2/"}
		alice := Principal{Subject: "jwt:alice", Name: "alice", Role: Analyst, Scope: city, PII: true}

		good := []struct {
			what  string
			v     *JWTVerifier
			token string
			want  Principal
		}{
			{"HS256", hs, signHS(t, testSecret, claims(nil)), alice},
			{"RS256 by kid k1", rs, signRS(t, keys[0], "k1", claims(nil)), alice},
			{"RS256 by kid k2", rs, signRS(t, keys[1], "k2", claims(nil)), alice},
			{"expired within the leeway", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-10 * time.Second).Unix() })), alice},
			{"aud as a list", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { c["aud"] = []string{"other", "civicgraph"} })), alice},
			{"pii: true, no scope, ADMIN", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) {
				c["role"], c["pii"] = "ADMIN", true
				delete(c, "scope")
				delete(c, "perms")
			})), Principal{Subject: "jwt:alice", Name: "alice", Role: Admin, PII: true}},
			{"no pii permission", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { c["perms"] = "read write"; c["pii"] = false })),
				Principal{Subject: "jwt:alice", Name: "alice", Role: Analyst, Scope: city}},
			{"permissions claim", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { delete(c, "perms"); c["permissions"] = []string{"pii:read"} })), alice},
			{"OAuth-style scope list", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { delete(c, "perms"); c["scope"] = "openid profile region:R2 pii:read" })), alice},
			{"partner", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { c["role"], c["scope"] = "Partner", "organization:ORG-1" })),
				Principal{Subject: "jwt:alice", Name: "alice", Role: Partner, Scope: Scope{Kind: ScopeOrganization, Code: "ORG-1", ID: orgID}, PII: true}},
			{"unknown anchor sees nothing", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { c["scope"] = "region:R9" })),
				Principal{Subject: "jwt:alice", Name: "alice", Role: Analyst, Scope: Scope{Kind: ScopeRegion, Code: "R9"}, PII: true}},
			{"no iss or aud configured", open, signHS(t, testSecret, claims(func(c jwt.MapClaims) { delete(c, "iss"); delete(c, "aud") })), alice},
		}
		for _, c := range good {
			p, err := c.v.Verify(ctx, c.token)
			if err != nil {
				t.Errorf("%s: %v", c.what, err)
			} else if *p != c.want {
				t.Errorf("%s: %+v\nwant %+v", c.what, *p, c.want)
			}
		}

		bad := []struct {
			what  string
			v     *JWTVerifier
			token string
			says  string
		}{
			{"wrong HS256 secret", hs, signHS(t, otherSecret, claims(nil)), "signature"},
			{"signed by a key not in the JWKS", rs, signRS(t, keys[2], "k1", claims(nil)), "signature"},
			{"unknown kid", rs, signRS(t, keys[2], "k3", claims(nil)), "cannot be verified"},
			{"no kid with two keys", rs, signRS(t, keys[0], "", claims(nil)), "cannot be verified"},
			{"expired", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-2 * time.Minute).Unix() })), "expired"},
			{"not valid yet", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(2 * time.Minute).Unix() })), "not valid yet"},
			{"no exp", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { delete(c, "exp") })), "exp"},
			{"wrong iss", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })), "issuer"},
			{"no iss", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { delete(c, "iss") })), "iss"},
			{"wrong aud", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { c["aud"] = "other" })), "audience"},
			{"no aud", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { delete(c, "aud") })), "aud"},
			{"alg none (HS256 config)", hs, unsigned(t, claims(nil)), "algorithm"},
			{"alg none (RS256 config)", rs, unsigned(t, claims(nil)), "algorithm"},
			{"HS256 token against RS256", rs, signHS(t, testSecret, claims(nil)), "algorithm"},
			{"HS256 keyed with the RSA public key", rs, signHS(t, publicDER, claims(nil)), "algorithm"},
			{"RS256 token against HS256", hs, signRS(t, keys[0], "k1", claims(nil)), "algorithm"},
			{"garbage", hs, "not.a.token", "malformed"},
			{"no sub", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { delete(c, "sub") })), "sub"},
			{"no role", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { delete(c, "role") })), "role"},
			{"unknown role", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { c["role"] = "ROOT" })), "role"},
			{"PARTNER without scope", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { c["role"] = "PARTNER"; delete(c, "scope") })), "PARTNER"},
			{"ANALYST with an organization", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { c["scope"] = "organization:ORG-1" })), "ANALYST"},
			{"misspelt scope", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { c["scope"] = "regoin:R2" })), "unsupported scope"},
			{"two scopes", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { c["scope"] = "region:R1 region:R2" })), "two scopes"},
			{"pii as text", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { c["pii"] = "true" })), "malformed"},
			{"perms of numbers", hs, signHS(t, testSecret, claims(func(c jwt.MapClaims) { c["perms"] = []int{1} })), "perms"},
		}
		for _, c := range bad {
			p, err := c.v.Verify(ctx, c.token)
			if err == nil {
				t.Errorf("%s: accepted as %+v", c.what, p)
				continue
			}
			wantCode(t, err, apperr.Unauthenticated, c.what)
			if !strings.Contains(err.Error(), c.says) || strings.Contains(err.Error(), c.token) {
				t.Errorf("%s: message %q does not say %q (or repeats the token)", c.what, err, c.says)
			}
		}
	})
}

func TestJWKSKeySelection(t *testing.T) {
	keys := rsaKeys()
	only, err := ParseJWKS(jwksOf(t, []string{""}, keys[0]))
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewJWTVerifier(JWTConfig{Keys: only}, nil)
	if err != nil {
		t.Fatal(err)
	}
	noScope := func(c jwt.MapClaims) { delete(c, "scope") }
	for _, kid := range []string{"", "rotated"} {
		if _, err := v.Verify(ctx, signRS(t, keys[0], kid, claims(noScope))); err != nil {
			t.Errorf("the only key, token kid %q: %v", kid, err)
		}
	}
	if _, err := v.Verify(ctx, signRS(t, keys[1], "", claims(noScope))); err == nil {
		t.Error("a token signed by another key was accepted")
	}
}

func TestParseJWKS(t *testing.T) {
	keys := rsaKeys()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	for what, doc := range map[string]string{
		"not JSON":        "{",
		"no keys":         `{"keys":[]}`,
		"only EC keys":    `{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}`,
		"only enc keys":   strings.Replace(string(jwksOf(t, []string{"a"}, keys[0])), `"use":"sig"`, `"use":"enc"`, 1),
		"a 1024-bit key":  string(jwksOf(t, []string{"a"}, small)),
		"a duplicate kid": string(jwksOf(t, []string{"a", "a"}, keys[0], keys[1])),
		"a bad modulus":   `{"keys":[{"kty":"RSA","kid":"a","n":"!!","e":"AQAB"}]}`,
	} {
		if _, err := ParseJWKS([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", what)
		}
	}
	mixed := `{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"},` + strings.TrimPrefix(string(jwksOf(t, []string{"a"}, keys[0])), `{"keys":[`)
	if set, err := ParseJWKS([]byte(mixed)); err != nil || set.Len() != 1 {
		t.Errorf("an EC key beside an RSA key: %v", err)
	}
	for what, cfg := range map[string]JWTConfig{
		"nothing":        {Issuer: "x"},
		"a short secret": {Secret: []byte("short")},
	} {
		if _, err := NewJWTVerifier(cfg, nil); err == nil {
			t.Errorf("NewJWTVerifier with %s: accepted", what)
		}
	}
}
