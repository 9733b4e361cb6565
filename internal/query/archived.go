package query

import "github.com/civicgraph/civicgraph/internal/store"

// Archiving is the other predicate every statement carries besides
// Visible. A row whose archived_at is set was archived by a write: it stays
// in its table (the change feed and the audit trail name it, and it can be
// restored) but vanishes from every read unless a root connection asks for
// archived rows (Args.IncludeArchived). So each statement this package
// writes keeps only the live rows of the table it reads and of every table
// it reaches: relation filters, to-many filters, withinRegion's region,
// the pairing entity of a Through link, the mentorships of a lineage, and
// the memberships and alliances through which a partner sees what it sees.
// A link to an archived row reads as no link: the to-one field resolves to
// null and a relation filter "relation: null" selects the row.
//
// Visible stays the principal's scope and says nothing of the rows' own
// archived_at (only what grants a partner its scope must be live):
// analytics asks it whether a principal sees everything, and ByCodeAny and
// ByIDAny scope the write path's lookups of archived rows with it.

// archivable are the tables whose rows can be archived: every entity table
// (migration 0005 added archived_at to each), not the logs.
var archivable = map[string]bool{
	"regions": true, "service_categories": true, "communities": true, "organizations": true, "people": true,
	"positions": true, "grade_changes": true, "alliances": true, "memberships": true, "studios": true,
	"mentorships": true, "research_topics": true, "cases": true, "service_events": true, "demands": true,
	"service_records": true,
}

// Archivable reports whether the rows of e can be archived: whether its
// table has an archived_at column.
func Archivable(e *store.Entity) bool { return e != nil && archivable[e.Table] }

// Live is the condition that keeps the live (not archived) rows of a table
// aliased alias. Only for archivable tables (see Archivable).
func Live(alias string) string { return alias + ".archived_at IS NULL" }

// live writes " AND <alias is live>" when e's rows can be archived.
func (b *builder) live(e *store.Entity, alias string) {
	if Archivable(e) {
		b.write(" AND ", Live(alias))
	}
}

// readable writes what a statement may read of e through alias: what the
// principal may see of it, and only its live rows.
func (b *builder) readable(e *store.Entity, alias string) {
	b.visible(e, alias)
	b.live(e, alias)
}

// unlinked writes the condition that the foreign key col (alias.column)
// of a to-one relation to target links to nothing a read returns: no link,
// or a link to an archived row.
func (b *builder) unlinked(col string, target *store.Entity) {
	if !Archivable(target) {
		b.write(col, " IS NULL")
		return
	}
	inner := b.alias()
	b.write("(", col, " IS NULL OR ", col, " IN (SELECT ", inner, ".id FROM ", target.Table, " ", inner,
		" WHERE ", inner, ".archived_at IS NOT NULL))")
}
