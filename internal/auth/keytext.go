package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
)

// KeyPrefix starts every API key, so that a bearer credential is told
// apart from a JWT by its shape, and a leaked key is recognisable to
// secret scanners.
const KeyPrefix = "cgk_"

// keyBytes is the key's entropy: 256 random bits.
const keyBytes = 32

// keyEncoding writes the random part in lower-case base32 without padding:
// letters and digits only, so a key survives copying through shells, URLs
// and spreadsheets.
var keyEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// keyLength is the length of every key: the prefix and 52 base32 digits.
var keyLength = len(KeyPrefix) + keyEncoding.EncodedLen(keyBytes)

// displayPrefixLength is how much of a key is kept to show in listings.
const displayPrefixLength = 8

// newKeyText returns a fresh random API key.
func newKeyText() (string, error) {
	b := make([]byte, keyBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return KeyPrefix + keyEncoding.EncodeToString(b), nil
}

// LooksLikeAPIKey reports whether a bearer credential is meant as an API
// key (rather than a JWT): it starts with KeyPrefix.
func LooksLikeAPIKey(s string) bool { return strings.HasPrefix(s, KeyPrefix) }

// wellFormedKey reports whether s could be a key this package made, so that
// garbage is refused without a database lookup.
func wellFormedKey(s string) bool {
	if len(s) != keyLength || !LooksLikeAPIKey(s) {
		return false
	}
	_, err := keyEncoding.DecodeString(s[len(KeyPrefix):])
	return err == nil
}

// HashKey is what is stored of a key: its SHA-256, in hex. Keys carry 256
// random bits, so a fast unsalted hash is enough; nothing can be guessed.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}
