package write

import (
	"context"
	"fmt"
	"time"

	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/changes"
	"github.com/civicgraph/civicgraph/internal/rollup"
	"github.com/civicgraph/civicgraph/internal/store"
)

// Service writes to one store. The zero Now is the system clock.
type Service struct {
	DB  *store.DB
	Now func() time.Time
}

// txn is one write transaction in progress: the store, who writes, when,
// and what it has changed so far.
type txn struct {
	ctx     context.Context
	q       store.Querier
	who     *auth.Principal
	at      time.Time
	request string
	changed changes.Pending
	rollups rollup.Changes
	audit   []store.AuditEntry
}

type requestKey struct{}

// WithRequest returns ctx naming the request a write comes from (the
// GraphQL operation name), which the audit trail records.
func WithRequest(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, requestKey{}, name)
}

// run runs fn in one transaction and, when it succeeds, recounts roll-ups,
// writes the audit entries and numbers the changes before committing.
func (s *Service) run(ctx context.Context, fn func(t *txn) error) error {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	request, _ := ctx.Value(requestKey{}).(string)
	observer := observerOf(ctx)
	var written map[string]int
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		t := &txn{ctx: ctx, q: tx, who: auth.From(ctx), at: now().UTC().Round(time.Microsecond), request: request}
		// The change feed and the audit trail are partitioned by month
		// on PostgreSQL: t.at's must exist (free when it is known).
		for _, table := range []string{"changes", "audit_log"} {
			if err := store.EnsureMonths(ctx, tx, table, t.at); err != nil {
				return fmt.Errorf("write: %w", err)
			}
		}
		if err := fn(t); err != nil {
			return err
		}
		if err := rollup.Refresh(ctx, tx, &t.rollups); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		if observer != nil {
			written = t.written()
		}
		if err := t.writeAudit(); err != nil {
			return err
		}
		if _, err := changes.Commit(ctx, tx, &t.changed, t.at); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		return nil
	})
	if err == nil && observer != nil {
		report(observer, written)
	}
	return err
}

// exec runs a statement in the transaction.
func (t *txn) exec(query string, args ...any) error {
	_, err := t.q.Exec(t.ctx, query, args...)
	return err
}
