package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
)

// DocumentHash identifies a GraphQL document in a key's persisted-operation
// allowlist: the SHA-256, in hex, of its exact text, byte for byte as the
// client sends it (the same hash automatic persisted queries use).
func DocumentHash(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

// AllowOperations adds document hashes to a key's allowlist. From its first
// registered document on, the key runs only registered documents (see
// Allowlist). Hashes registered already are left as they are; added counts
// the new ones.
func AllowOperations(ctx context.Context, q store.Querier, keyID int64, hashes []string) (added int, err error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	for _, h := range hashes {
		res, err := q.Exec(ctx,
			"INSERT INTO api_key_operations (key_id, hash, created_at) VALUES (?, ?, ?) ON CONFLICT (key_id, hash) DO NOTHING",
			keyID, h, now)
		if err != nil {
			return added, fmt.Errorf("register operation %s for key %d: %w", h, keyID, err)
		}
		if n, err := res.RowsAffected(); err == nil {
			added += int(n)
		}
	}
	return added, nil
}

// DisallowOperations removes document hashes from a key's allowlist, or
// every hash when hashes is nil. Removing the last one lifts the
// restriction: the key then runs any operation again.
func DisallowOperations(ctx context.Context, q store.Querier, keyID int64, hashes []string) (removed int, err error) {
	if hashes == nil {
		res, err := q.Exec(ctx, "DELETE FROM api_key_operations WHERE key_id = ?", keyID)
		if err != nil {
			return 0, fmt.Errorf("clear the operations of key %d: %w", keyID, err)
		}
		n, _ := res.RowsAffected()
		return int(n), nil
	}
	for _, h := range hashes {
		res, err := q.Exec(ctx, "DELETE FROM api_key_operations WHERE key_id = ? AND hash = ?", keyID, h)
		if err != nil {
			return removed, fmt.Errorf("remove operation %s of key %d: %w", h, keyID, err)
		}
		if n, err := res.RowsAffected(); err == nil {
			removed += int(n)
		}
	}
	return removed, nil
}

// Operations returns the document hashes registered for a key, in hash
// order; none means the key runs any operation.
func Operations(ctx context.Context, q store.Querier, keyID int64) ([]string, error) {
	rows, err := q.Query(ctx, "SELECT hash FROM api_key_operations WHERE key_id = ? ORDER BY hash", keyID)
	if err != nil {
		return nil, fmt.Errorf("read the operations of key %d: %w", keyID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("read the operations of key %d: %w", keyID, err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the operations of key %d: %w", keyID, err)
	}
	return out, nil
}
