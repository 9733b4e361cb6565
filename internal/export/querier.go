package export

import (
	"context"
	"fmt"

	"github.com/civicgraph/civicgraph/internal/store"
)

// An export reads one statement for as long as the client takes to
// download it: minutes for millions of rows. The server gives PostgreSQL
// connections a statement_timeout as long as one request's limit, which
// would cut a large export short; so an export's statement runs in a
// read-only transaction with a timeout of its own, maxStatement. A client
// that hangs up still stops it at once (the request's context cancels it).
// SQLite has no statement timeout; its statement stops with the context.

// maxStatement bounds one export's statement on PostgreSQL.
const maxStatement = "1h"

// withExportQuerier runs fn with the querier the export's statement runs on.
func withExportQuerier(ctx context.Context, db *store.DB, fn func(store.Querier) error) error {
	if db.Dialect() != store.Postgres {
		return fn(db)
	}
	return db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "SET TRANSACTION READ ONLY"); err != nil {
			return fmt.Errorf("read-only export: %w", err)
		}
		if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = '"+maxStatement+"'"); err != nil {
			return fmt.Errorf("export statement timeout: %w", err)
		}
		return fn(tx)
	})
}
