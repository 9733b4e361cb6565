package query

import (
	"github.com/civicgraph/civicgraph/internal/store"
)

// Link says how the rows of a nested connection hang off their parents, so
// that one statement can fetch the pages of many parents at once.
type Link struct {
	// FK: the child's column holding the parent's id (Community.alliances:
	// alliances.lead_community_id).
	FK string
	// Subtree: the parent is a region and the children are every row whose
	// region path lies under it (Region.communities).
	Subtree bool
	// Through: a table pairing parents with children, with the parent and
	// child columns (Person.mentees: mentorships mentor_id → trainee_id).
	Through, ThroughParent, ThroughChild string
}

// entityOfTable is the catalog entity stored in table, nil for a plain
// pairing table (case_members, membership_commitments, ...).
func entityOfTable(table string) *store.Entity {
	for _, e := range store.Catalog {
		if e.Table == table {
			return e
		}
	}
	return nil
}

// writeFrom writes the FROM clause of a nested query over the child table
// aliased "t", and returns the SQL expression of each row's parent id.
func (l Link) writeFrom(b *builder, e *store.Entity, parents []int64) (parentExpr string) {
	ids := make([]any, len(parents))
	for i, p := range parents {
		ids[i] = p
	}
	switch {
	case l.Subtree:
		b.write(" FROM regions pr JOIN ", e.Table, " t ON t.", e.PathColumn, " >= pr.path AND t.", e.PathColumn,
			" < substr(pr.path, 1, length(pr.path) - 1) || '0' WHERE pr.id IN ").list(ids)
		return "pr.id"
	case l.Through != "":
		b.write(" FROM ", e.Table, " t JOIN (SELECT DISTINCT th.", l.ThroughParent, " AS p, th.", l.ThroughChild, " AS c FROM ", l.Through,
			" th WHERE th.", l.ThroughParent, " IN ").list(ids)
		// A pairing that is itself an entity (a mentorship) links only when
		// the principal may see it and it is live.
		if through := entityOfTable(l.Through); through != nil {
			b.readable(through, "th")
		}
		b.write(") lk ON t.id = lk.c WHERE 1=1")
		return "lk.p"
	default:
		b.write(" FROM ", e.Table, " t WHERE t.", l.FK, " IN ").list(ids)
		return "t." + l.FK
	}
}
