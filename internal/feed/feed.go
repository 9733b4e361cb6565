// Package feed reads the change feed (package changes writes it) for a
// principal: the changes to the rows it may see, in sequence order, after a
// given sequence, optionally of some types and within a region. The
// GraphQL `changes` connection and the live updates both read through it.
package feed

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/changes"
	"github.com/civicgraph/civicgraph/internal/query"
	"github.com/civicgraph/civicgraph/internal/store"
)

// Filter selects changes.
type Filter struct {
	After int64    // only changes with a greater sequence
	Types []string // entity type names; nil or empty: every type
	// WithinPath keeps changes to rows under this region path ("/1/7/"),
	// the region's own included; "" keeps all. Rows without a region
	// (service categories) are left out when it is set.
	WithinPath string
	Limit      int // the most changes read; at least 1
}

// MaxPage is the most changes one page holds.
const MaxPage = 1000

// Read returns the changes f selects that who may see, in sequence order,
// and whether more follow.
//
// What a principal's feed holds must not change once read, or a follower
// resuming after the last sequence it saw would miss what appeared below
// it. So a region scope (ANALYST, OPERATOR) keeps the changes made while
// the row was in its subtree, by the region path each change recorded as
// it was numbered (its own, or its owner's for a position, grade change,
// research topic or case) — the rule that withinRegion applies too. A row
// moved into the region brings the changes from then on, not its history
// from elsewhere. A partner's scope is not a subtree but the rows it may
// see now (package query), archived or not: it sees the tombstones of the
// rows it saw. Reference data (service categories) is everyone's.
func Read(ctx context.Context, q store.Querier, who *auth.Principal, f Filter) ([]*store.Change, bool, error) {
	types := f.Types
	if len(types) == 0 {
		types = changes.Order
	}
	var (
		b    strings.Builder
		args []any
	)
	b.WriteString("SELECT c.sequence, c.type, c.entity_id, c.code, c.operation, c.at, c.region_path FROM changes c WHERE c.sequence > ?")
	args = append(args, f.After)
	if f.WithinPath != "" {
		lo, hi := query.PathRange(f.WithinPath)
		b.WriteString(" AND c.region_path >= ? AND c.region_path < ?")
		args = append(args, lo, hi)
	}
	b.WriteString(" AND (")
	for i, typ := range types {
		e, ok := store.Catalog[typ]
		if !ok || !slices.Contains(changes.Order, typ) {
			return nil, false, apperr.Invalid("unknown entity type %q", typ)
		}
		if i > 0 {
			b.WriteString(" OR ")
		}
		b.WriteString("(c.type = ?")
		args = append(args, typ)
		if cond, cargs := visible(who, e); cond != "" {
			b.WriteString(" AND " + cond)
			args = append(args, cargs...)
		}
		b.WriteString(")")
	}
	limit := min(max(f.Limit, 1), MaxPage)
	b.WriteString(") ORDER BY c.sequence LIMIT " + strconv.Itoa(limit+1))
	rows, err := q.Query(ctx, b.String(), args...)
	if err != nil {
		return nil, false, fmt.Errorf("read changes: %w", err)
	}
	defer rows.Close()
	out, _, err := store.ScanRows[store.Change](rows)
	if err != nil {
		return nil, false, fmt.Errorf("read changes: %w", err)
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}

// visible is the condition on a change c of e's rows that keeps those who
// may see (see Read); "" when it sees them all.
func visible(who *auth.Principal, e *store.Entity) (string, []any) {
	if who.Unrestricted() || e.Global {
		return "", nil
	}
	if who.Scope.Kind == auth.ScopeRegion {
		if who.Scope.ID == 0 || len(who.Scope.Path) < 2 {
			return "1=0", nil // a region that no longer exists: nothing
		}
		lo, hi := query.PathRange(who.Scope.Path)
		return "c.region_path >= ? AND c.region_path < ?", []any{lo, hi}
	}
	cond, args := query.Visible(who, e, "t")
	if cond == "" {
		return "", nil
	}
	return fmt.Sprintf("EXISTS (SELECT 1 FROM %s t WHERE t.id = c.entity_id AND %s)", e.Table, cond), args
}
