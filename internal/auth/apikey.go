package auth

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/store"
)

// APIKey is a credential given to a program (a dashboard, a partner's
// script): a role, a scope and the pii:read permission under a name. Only
// the key's hash is stored; the key itself is shown once, by Create.
// A key is revoked, never deleted, so that its id keeps naming it in the
// access log.
type APIKey struct {
	ID   int64
	Name string
	Role Role
	// Scope is the scope as granted (Kind and Code); it is resolved to its
	// anchor's row at each lookup, not here.
	Scope Scope
	PII   bool
	// Prefix is the key's first characters, to tell keys apart in listings.
	Prefix    string
	CreatedAt time.Time
	// RevokedAt is when the key stopped working, nil while it works.
	RevokedAt *time.Time
	// Operations counts the documents of its persisted-operation
	// allowlist; 0 means it runs any operation.
	Operations int
}

// Revoked reports whether the key no longer works.
func (k *APIKey) Revoked() bool { return k.RevokedAt != nil }

// errBadKey is the answer to any key that does not work, whatever the
// reason: no hint for someone guessing.
var errBadKey = apperr.New(apperr.Unauthenticated, "invalid API key")

// errRevokedKey tells the holder of a real key that it was revoked; only
// someone who has the key can learn it.
var errRevokedKey = apperr.New(apperr.Unauthenticated, "the API key has been revoked")

// validKeyName checks a key's name: it is how people refer to the key on
// the command line (`apikey revoke NAME`), so it must not look like an id
// or a flag, nor hide characters.
func validKeyName(name string) error {
	switch {
	case name == "":
		return apperr.Invalid("an API key needs a name")
	case len(name) > 100:
		return apperr.Invalid("the key name is longer than 100 bytes")
	case strings.HasPrefix(name, "-"):
		return apperr.Invalid("the key name %q must not start with '-'", name)
	case strings.Trim(name, "0123456789") == "":
		return apperr.Invalid("the key name %q must not be all digits (digits name a key by id)", name)
	case strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0:
		return apperr.Invalid("the key name %q must not contain spaces or control characters", name)
	}
	return nil
}

// Create makes a new API key and returns it with its stored row. The key
// text is returned only here: it is stored as a hash and cannot be shown
// again. role takes any letter case; the role must be able to carry the
// scope (see CheckGrant), and the scope's anchor must exist now (later it
// may disappear: the key then sees nothing). Bad input is BAD_USER_INPUT,
// a name in use CONFLICT.
func Create(ctx context.Context, q store.Querier, name string, role Role, scope Scope, pii bool) (key string, row *APIKey, err error) {
	if err := validKeyName(name); err != nil {
		return "", nil, err
	}
	role, err = ParseRole(string(role))
	if err != nil {
		return "", nil, err
	}
	scope = Scope{Kind: scope.Kind, Code: scope.Code}
	if err := CheckGrant(role, scope); err != nil {
		return "", nil, err
	}
	if _, found, err := ResolveScope(ctx, q, scope); err != nil {
		return "", nil, err
	} else if !found {
		return "", nil, apperr.Invalid("no %s has the code %q", scope.Kind, scope.Code)
	}
	if _, err := findKey(ctx, q, "name = ?", name); err == nil {
		return "", nil, apperr.New(apperr.Conflict, "an API key named %q exists already", name)
	} else if apperr.CodeOf(err) != apperr.NotFound {
		return "", nil, err
	}
	key, err = newKeyText()
	if err != nil {
		return "", nil, fmt.Errorf("create API key: %w", err)
	}
	row = &APIKey{
		Name: name, Role: role, Scope: scope, PII: pii,
		Prefix:    key[:displayPrefixLength],
		CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
	}
	rows, err := q.Query(ctx,
		"INSERT INTO api_keys (name, role, scope_kind, scope_code, pii, hash, prefix, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		row.Name, string(row.Role), string(row.Scope.Kind), row.Scope.Code, row.PII, HashKey(key), row.Prefix, row.CreatedAt)
	if err != nil {
		if isUniqueViolation(err) {
			return "", nil, apperr.New(apperr.Conflict, "an API key named %q exists already", name)
		}
		return "", nil, fmt.Errorf("create API key: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil && isUniqueViolation(err) {
			return "", nil, apperr.New(apperr.Conflict, "an API key named %q exists already", name)
		}
		return "", nil, fmt.Errorf("create API key: the insert returned no id: %v", rows.Err())
	}
	if err := rows.Scan(&row.ID); err != nil {
		return "", nil, fmt.Errorf("create API key: %w", err)
	}
	return key, row, rows.Close()
}

// isUniqueViolation recognises a unique-constraint failure on either store
// (PostgreSQL: "duplicate key value violates unique constraint"; SQLite:
// "UNIQUE constraint failed").
func isUniqueViolation(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "unique constraint")
}

// keyColumns are the columns scanKey reads, in its order.
const keyColumns = "id, name, role, scope_kind, scope_code, pii, prefix, created_at, revoked_at, " +
	"(SELECT COUNT(*) FROM api_key_operations o WHERE o.key_id = api_keys.id)"

func scanKey(rows *sql.Rows) (*APIKey, error) {
	var (
		k                APIKey
		role, kind       string
		created, revoked any
		ops              int64
	)
	if err := rows.Scan(&k.ID, &k.Name, &role, &kind, &k.Scope.Code, &k.PII, &k.Prefix, &created, &revoked, &ops); err != nil {
		return nil, err
	}
	k.Role, k.Scope.Kind, k.Operations = Role(role), ScopeKind(kind), int(ops)
	t, err := store.ToTime(created)
	if err != nil {
		return nil, fmt.Errorf("key %d created_at: %w", k.ID, err)
	}
	k.CreatedAt = t.UTC()
	if revoked != nil {
		t, err := store.ToTime(revoked)
		if err != nil {
			return nil, fmt.Errorf("key %d revoked_at: %w", k.ID, err)
		}
		t = t.UTC()
		k.RevokedAt = &t
	}
	return &k, nil
}

// findKey returns the one key matching where (a condition on api_keys with
// one ? bound to arg), NOT_FOUND when none does.
func findKey(ctx context.Context, q store.Querier, where string, arg any) (*APIKey, error) {
	rows, err := q.Query(ctx, "SELECT "+keyColumns+" FROM api_keys WHERE "+where, arg)
	if err != nil {
		return nil, fmt.Errorf("read API key: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read API key: %w", err)
		}
		return nil, apperr.New(apperr.NotFound, "no API key %v", arg)
	}
	k, err := scanKey(rows)
	if err != nil {
		return nil, fmt.Errorf("read API key: %w", err)
	}
	return k, nil
}

// List returns every key, revoked ones included, oldest first.
func List(ctx context.Context, q store.Querier) ([]*APIKey, error) {
	rows, err := q.Query(ctx, "SELECT "+keyColumns+" FROM api_keys ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list API keys: %w", err)
	}
	defer rows.Close()
	var out []*APIKey
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, fmt.Errorf("list API keys: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list API keys: %w", err)
	}
	return out, nil
}

// FindKey returns the key ref names: its id when ref is all digits, else its
// name (names are never all digits). NOT_FOUND when there is none.
func FindKey(ctx context.Context, q store.Querier, ref string) (*APIKey, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && strings.Trim(ref, "0123456789") == "" {
		k, err := findKey(ctx, q, "id = ?", id)
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil, apperr.New(apperr.NotFound, "no API key has the id %d", id)
		}
		return k, err
	}
	k, err := findKey(ctx, q, "name = ?", ref)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, apperr.New(apperr.NotFound, "no API key is named %q", ref)
	}
	return k, err
}

// Revoke stops the key ref names (see FindKey) from working. It returns
// the key as it now is; revoking a revoked key changes nothing. Servers
// that cached the key stop accepting it within their cache's lifetime
// (KeyCacheTTL).
func Revoke(ctx context.Context, q store.Querier, ref string) (*APIKey, error) {
	k, err := FindKey(ctx, q, ref)
	if err != nil || k.Revoked() {
		return k, err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	if _, err := q.Exec(ctx, "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", now, k.ID); err != nil {
		return nil, fmt.Errorf("revoke API key %d: %w", k.ID, err)
	}
	return findKey(ctx, q, "id = ?", k.ID)
}

// LookupKey establishes the principal behind an API key: its role, its
// scope resolved to the anchor's current row (ID 0 when the anchor no
// longer exists: the key then sees nothing of the scoped kinds), and its
// pii:read permission. An unknown, malformed or revoked key is
// UNAUTHENTICATED. It reads the database every time; Authenticator caches.
func LookupKey(ctx context.Context, q store.Querier, key string) (*Principal, error) {
	if !wellFormedKey(key) {
		return nil, errBadKey
	}
	rows, err := q.Query(ctx, "SELECT id, name, role, scope_kind, scope_code, pii, revoked_at FROM api_keys WHERE hash = ?", HashKey(key))
	if err != nil {
		return nil, fmt.Errorf("look up API key: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("look up API key: %w", err)
		}
		return nil, errBadKey
	}
	var (
		p          Principal
		id         int64
		role, kind string
		revoked    any
		scope      Scope
	)
	if err := rows.Scan(&id, &p.Name, &role, &kind, &scope.Code, &p.PII, &revoked); err != nil {
		return nil, fmt.Errorf("look up API key: %w", err)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("look up API key: %w", err)
	}
	if revoked != nil {
		return nil, errRevokedKey
	}
	p.Subject, p.KeyID, p.Role = "key:"+strconv.FormatInt(id, 10), id, Role(role)
	scope.Kind = ScopeKind(kind)
	if err := CheckGrant(p.Role, scope); err != nil {
		// Create refuses such rows; one that exists was edited by hand.
		// Not %w: the grant error is a client's usage error, this one is ours.
		return nil, fmt.Errorf("API key %d has an invalid grant: %s", id, err)
	}
	if p.Scope, _, err = ResolveScope(ctx, q, scope); err != nil {
		return nil, err
	}
	return &p, nil
}
