package write

import (
	"context"
	"fmt"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/query"
	"github.com/civicgraph/civicgraph/internal/store"
)

// A write is allowed by role and type first (may this principal write this
// kind of row at all?), then row by row: the row must be one the principal
// can see before the write (when it existed) and after it, so that an
// operator cannot move a community out of its district, nor write into
// another, and a partner cannot record services it did not provide.

// mayWrite says whether who may write rows of typ at all.
func mayWrite(who *auth.Principal, typ string) error {
	switch {
	case who == nil || who.Unrestricted():
		return nil
	case !who.CanWrite():
		return apperr.New(apperr.Forbidden, "%s principals do not write", who.Role)
	case who.Role == auth.Partner && typ != "ServiceRecord":
		return apperr.New(apperr.Forbidden, "a partner writes service records and answers its demands, not %s rows", typ)
	case store.Catalog[typ].Global:
		return apperr.New(apperr.Forbidden, "%s rows are reference data: only ADMIN writes them", typ)
	}
	return nil
}

// sees says whether who may see (and so write) the row id of typ, archived
// or not. Partners also must have provided the service record.
func (t *txn) sees(typ string, id int64) (bool, error) {
	if t.who == nil || t.who.Unrestricted() {
		return true, nil
	}
	e := store.Catalog[typ]
	cond, args := query.Visible(t.who, e, "t")
	if cond == "" {
		cond = "1=1"
	}
	if t.who.Role == auth.Partner && typ == "ServiceRecord" {
		cond += " AND t.provider_id = ?"
		args = append(args, t.who.Scope.ID)
	}
	args = append([]any{id}, args...)
	rows, err := t.q.Query(t.ctx, "SELECT 1 FROM "+e.Table+" t WHERE t.id = ? AND "+cond, args...)
	if err != nil {
		return false, fmt.Errorf("check write scope: %w", err)
	}
	defer rows.Close()
	ok := rows.Next()
	return ok, rows.Err()
}

// mustSee refuses a write that reaches or leaves a row outside the
// principal's scope.
func (t *txn) mustSee(typ string, id int64, code string) error {
	ok, err := t.sees(typ, id)
	if err != nil {
		return err
	}
	if !ok {
		return t.outOfScope(typ, code)
	}
	return nil
}

// outOfScope is the error for a row that is not the principal's to write:
// FORBIDDEN, whether the row exists (outside the scope) or the write would
// put it there. A row outside the scope is not hidden from a writer as it
// is from a reader: its code is taken all the same, and creating it again
// would say so.
func (t *txn) outOfScope(typ, code string) error {
	if t.who.Role == auth.Partner && typ == "ServiceRecord" {
		return apperr.New(apperr.Forbidden, "%s %q: a partner writes only the service records it provided (provider %q)", typ, code, t.who.Scope.Code)
	}
	return apperr.New(apperr.Forbidden, "%s %q is outside your scope (%s)", typ, code, t.who.Scope)
}

// whoOf is the principal a write acts for (nil: an in-process caller).
func whoOf(ctx context.Context) *auth.Principal { return auth.From(ctx) }
