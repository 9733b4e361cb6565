package query

import (
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/store"
)

// Access control is a predicate, not a filter after the fact: every
// statement this package writes for a principal ANDs Visible into its
// WHERE, on the table it reads and on every table a relation filter
// reaches, so what a principal may not see is not returned, not counted,
// not summed and cannot be probed through a filter.
//
// Region scopes (ANALYST, OPERATOR) keep the rows whose region path lies in
// the scope's subtree; types without a path follow their owner (ScopeVia).
// A PARTNER scope (one organization) keeps its own record, the alliances it
// belongs to, its memberships of them, the communities that lead those alliances,
// their service records and demands (and the records it provided and the
// demands assigned to it), and the service categories; nothing else.
//
// Visible is the scope, not whether rows are archived (archived.go): a row
// is visible whether archived or not. Where the scope follows other rows,
// it follows only live ones when they grant something (a partner's
// memberships and their alliances); a type without a path follows its
// owner's place (ScopeVia), archived or not, as the owner's place it is.

// Visible returns the condition on alias that keeps the rows of e that p
// may see, with its arguments; "" when p sees every row.
func Visible(p *auth.Principal, e *store.Entity, alias string) (string, []any) {
	if p.Unrestricted() || e.Global {
		return "", nil
	}
	switch p.Scope.Kind {
	case auth.ScopeNone:
		if p.Role == auth.Partner {
			return "1=0", nil // a partner without its organization sees nothing
		}
		return "", nil // a whole-tree analyst or operator
	case auth.ScopeRegion:
		return regionVisible(p.Scope, e, alias)
	case auth.ScopeOrganization:
		return partnerVisible(p.Scope.ID, e, alias)
	}
	return "1=0", nil
}

// visible writes " AND <what the principal may see of e>", or nothing when
// it sees every row.
func (b *builder) visible(e *store.Entity, alias string) {
	if cond, args := Visible(b.who, e, alias); cond != "" {
		b.write(" AND ").frag(cond, args)
	}
}

// regionVisible keeps the rows under the scope's region.
func regionVisible(s auth.Scope, e *store.Entity, alias string) (string, []any) {
	if s.ID == 0 || len(s.Path) < 2 {
		return "1=0", nil
	}
	if e.PathColumn != "" {
		lo, hi := PathRange(s.Path)
		col := alias + "." + e.PathColumn
		return "(" + col + " >= ? AND " + col + " < ?)", []any{lo, hi}
	}
	if r, ok := e.Relations[e.ScopeVia]; ok {
		target := store.Catalog[r.Target]
		cond, args := regionVisible(s, target, "v")
		return alias + "." + r.Column + " IN (SELECT v.id FROM " + target.Table + " v WHERE " + cond + ")", args
	}
	return "1=0", nil
}

// PathRange is the half-open range of region paths in the subtree of the
// region whose path is path: [path, path with its last '/' turned into '0')
// — '0' is the byte after '/', so the range holds exactly the paths that
// start with path. Both stores compare these bytewise (COLLATE "C").
func PathRange(path string) (lo, hi string) {
	return path, path[:len(path)-1] + "0"
}

// The partner's alliances and the communities that lead them. Only live
// memberships of live alliances grant anything: an archived membership (or
// alliance) no longer makes the organization a partner of the alliance.
const (
	partnerAlliances   = "SELECT pm.alliance_id FROM memberships pm WHERE pm.organization_id = ? AND pm.archived_at IS NULL"
	partnerCommunities = "SELECT pa.lead_community_id FROM alliances pa JOIN memberships pm ON pm.alliance_id = pa.id" +
		" WHERE pm.organization_id = ? AND pm.archived_at IS NULL AND pa.archived_at IS NULL"
)

// partnerVisible keeps what one organization's key may see.
func partnerVisible(org int64, e *store.Entity, alias string) (string, []any) {
	if org == 0 {
		return "1=0", nil
	}
	switch e.Name {
	case "Organization":
		return alias + ".id = ?", []any{org}
	case "Alliance":
		return alias + ".id IN (" + partnerAlliances + ")", []any{org}
	case "Membership":
		// Its memberships of the alliances it belongs to: an archived
		// membership is not one (its alliance, which it no longer sees,
		// could not be shown with it).
		return "(" + alias + ".organization_id = ? AND " + alias + ".alliance_id IN (" + partnerAlliances + "))", []any{org, org}
	case "Community":
		return alias + ".id IN (" + partnerCommunities + ")", []any{org}
	case "ServiceRecord":
		return "(" + alias + ".community_id IN (" + partnerCommunities + ") OR " + alias + ".provider_id = ?)", []any{org, org}
	case "Demand":
		return "(" + alias + ".community_id IN (" + partnerCommunities + ") OR " + alias + ".assigned_to_id = ?)", []any{org, org}
	}
	return "1=0", nil
}
