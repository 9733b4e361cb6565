package store

import (
	"context"
	"fmt"
)

// BumpDataVersion raises the data version inside the caller's write
// transaction. Every transaction that changes data must call it (import,
// roll-up rebuild, and mutations when they come): caches key on the
// version, and an unbumped write would leave them serving old answers.
// Concurrent writers serialize on the one row until they commit, which the
// import's own locks already do.
func BumpDataVersion(ctx context.Context, q Querier) error {
	if _, err := q.Exec(ctx, "UPDATE data_version SET version = version + 1 WHERE id = 1"); err != nil {
		return fmt.Errorf("bump data version: %w", err)
	}
	return nil
}

// DataVersion reads the current data version: equal versions mean equal
// data.
func (db *DB) DataVersion(ctx context.Context) (int64, error) {
	var v int64
	rows, err := db.Query(ctx, "SELECT version FROM data_version WHERE id = 1")
	if err != nil {
		return 0, fmt.Errorf("read data version: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return 0, fmt.Errorf("read data version: no row")
	}
	if err := rows.Scan(&v); err != nil {
		return 0, fmt.Errorf("read data version: %w", err)
	}
	return v, rows.Err()
}
