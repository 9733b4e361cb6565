package auth

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"
)

// JWKS is the set of RSA public keys an identity provider signs its RS256
// tokens with, by key id ("kid"), as published in a JSON Web Key Set
// (RFC 7517). Keys of other types, or marked for another use or algorithm,
// are left out.
type JWKS struct {
	keys map[string]*rsa.PublicKey
}

// minRSABits is the smallest modulus accepted: NIST has deprecated less.
const minRSABits = 2048

// LoadJWKS reads a JWKS file (`{"keys": [...]}`). It is read once; a server
// picks up rotated keys when restarted.
func LoadJWKS(path string) (*JWKS, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the JWKS: %w", err)
	}
	set, err := ParseJWKS(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return set, nil
}

// jwk is one key of a set, with the members RS256 verification needs.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// ParseJWKS reads a JSON Web Key Set. It must hold at least one RSA
// signing key; two usable keys with the same kid are an error, since a
// token could not say which one signed it.
func ParseJWKS(data []byte) (*JWKS, error) {
	var doc struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse the JWKS: %w", err)
	}
	set := &JWKS{keys: map[string]*rsa.PublicKey{}}
	for i, k := range doc.Keys {
		if k.Kty != "RSA" || (k.Use != "" && k.Use != "sig") || (k.Alg != "" && k.Alg != "RS256") {
			continue
		}
		pub, err := k.rsaPublicKey()
		if err != nil {
			return nil, fmt.Errorf("JWKS key %d (kid %q): %w", i, k.Kid, err)
		}
		if _, dup := set.keys[k.Kid]; dup {
			return nil, fmt.Errorf("JWKS: two keys have the kid %q", k.Kid)
		}
		set.keys[k.Kid] = pub
	}
	if len(set.keys) == 0 {
		return nil, errors.New("the JWKS holds no RSA signing key (kty RSA, use sig, alg RS256)")
	}
	return set, nil
}

func (k jwk) rsaPublicKey() (*rsa.PublicKey, error) {
	n, err := decodeBase64URL(k.N)
	if err != nil || len(n) == 0 {
		return nil, fmt.Errorf("bad modulus n: %v", err)
	}
	e, err := decodeBase64URL(k.E)
	if err != nil || len(e) == 0 || len(e) > 4 {
		return nil, fmt.Errorf("bad exponent e: %v", err)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	if pub.N.BitLen() < minRSABits {
		return nil, fmt.Errorf("the modulus has %d bits; at least %d are needed", pub.N.BitLen(), minRSABits)
	}
	if pub.E < 3 || pub.E%2 == 0 {
		return nil, fmt.Errorf("bad exponent e %d", pub.E)
	}
	return pub, nil
}

// decodeBase64URL decodes base64url without padding, as JWKs write it,
// tolerating padding that some tools add.
func decodeBase64URL(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// key returns the key a token names by its kid; with a kid unknown or
// absent, the set's only key if it has one.
func (s *JWKS) key(kid string) (*rsa.PublicKey, error) {
	if k, ok := s.keys[kid]; ok {
		return k, nil
	}
	if len(s.keys) == 1 {
		for _, k := range s.keys {
			return k, nil
		}
	}
	if kid == "" {
		return nil, errors.New("the token names no key (kid) and the JWKS holds several")
	}
	return nil, fmt.Errorf("no key in the JWKS has the kid %q", kid)
}

// Len returns how many keys the set holds.
func (s *JWKS) Len() int { return len(s.keys) }
