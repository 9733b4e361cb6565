package auth

import (
	"context"
	"fmt"

	"github.com/civicgraph/civicgraph/internal/store"
)

// ResolveScope looks up the row a scope is anchored to: a region's id and
// materialized path, or an organization's id. found is false when the code
// names no row; the scope then keeps ID 0 and Path "", which confines its
// principal to nothing rather than failing the request (the anchor may
// have been renamed or not imported yet). A scope of kind none is returned
// as it is.
func ResolveScope(ctx context.Context, q store.Querier, s Scope) (resolved Scope, found bool, err error) {
	s.ID, s.Path = 0, ""
	var query string
	switch s.Kind {
	case ScopeNone:
		return s, true, nil
	case ScopeRegion:
		query = "SELECT id, path FROM regions WHERE code = ?"
	case ScopeOrganization:
		query = "SELECT id, '' FROM organizations WHERE code = ?"
	default:
		return s, false, fmt.Errorf("resolve scope: unknown kind %q", s.Kind)
	}
	rows, err := q.Query(ctx, query, s.Code)
	if err != nil {
		return s, false, fmt.Errorf("resolve scope %s: %w", s, err)
	}
	defer rows.Close()
	if rows.Next() {
		if err := rows.Scan(&s.ID, &s.Path); err != nil {
			return s, false, fmt.Errorf("resolve scope %s: %w", s, err)
		}
		found = true
	}
	if err := rows.Err(); err != nil {
		return s, false, fmt.Errorf("resolve scope %s: %w", s, err)
	}
	return s, found, nil
}

// scopeResolver resolves scopes through a short-lived cache: tokens carry
// their scope as text on every request, and anchors change rarely.
type scopeResolver struct {
	q     store.Querier
	cache *ttlCache[Scope, Scope]
}

func (r *scopeResolver) resolve(ctx context.Context, s Scope) (Scope, error) {
	if s.Kind == ScopeNone {
		return s, nil
	}
	key := Scope{Kind: s.Kind, Code: s.Code}
	if got, ok := r.cache.get(key); ok {
		return got, nil
	}
	got, _, err := ResolveScope(ctx, r.q, key)
	if err != nil {
		return Scope{}, err
	}
	r.cache.put(key, got)
	return got, nil
}
