package changes

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
)

// Order is the entity types in dependency order: the order a transaction's
// changes are numbered in (and the import's write order).
var Order = []string{
	"Region", "ServiceCategory", "Community", "Organization", "Person", "Position",
	"GradeChange", "Alliance", "Membership", "Studio", "Mentorship", "ResearchTopic",
	"Case", "ServiceEvent", "Demand", "ServiceRecord",
}

// Notify is the PostgreSQL channel Commit notifies, with the last sequence
// as payload, when its transaction commits: live updates in every server
// process wake on it instead of waiting for their next poll.
const Notify = "civicgraph_changes"

// Pending is the rows a write transaction changed, by entity type. The zero
// value is ready to use; it is not safe for concurrent use.
type Pending struct {
	ids map[string][]int64
}

// Add notes rows of type typ (an entity type name, see Order) as changed.
// Noting a row twice is harmless: Commit numbers it once.
func (p *Pending) Add(typ string, ids ...int64) {
	if p.ids == nil {
		p.ids = map[string][]int64{}
	}
	p.ids[typ] = append(p.ids[typ], ids...)
}

// Len is how many rows are noted (counting repeats).
func (p *Pending) Len() int {
	n := 0
	for _, ids := range p.ids {
		n += len(ids)
	}
	return n
}

// Range is the sequences a Commit assigned, First through Last; empty
// (Last < First) when there was nothing to number.
type Range struct{ First, Last int64 }

// idChunk bounds the ids one statement numbers.
const idChunk = 5000

// Commit numbers the noted rows and appends them to the feed, inside the
// caller's write transaction, which it must end soon after: it raises the
// data version first (store.BumpDataVersion), whose row lock makes
// concurrent writers take their numbers one after another, in commit order.
// Every write transaction calls it exactly once, last, even when it noted
// nothing (it still raises the data version). at is the time the changes are
// stamped with.
func Commit(ctx context.Context, q store.Querier, p *Pending, at time.Time) (Range, error) {
	if err := store.BumpDataVersion(ctx, q); err != nil {
		return Range{}, err
	}
	if p.Len() == 0 {
		return Range{First: 1}, nil
	}
	last, err := Last(ctx, q)
	if err != nil {
		return Range{}, err
	}
	r := Range{First: last + 1, Last: last}
	at = at.UTC().Round(time.Microsecond)
	for _, typ := range Order {
		ids := p.ids[typ]
		if len(ids) == 0 {
			continue
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		moved, err := tombstoneSQL(q.Dialect(), typ)
		if err != nil {
			return Range{}, err
		}
		stmt, err := numberSQL(q.Dialect(), typ)
		if err != nil {
			return Range{}, err
		}
		for _, s := range []string{moved, stmt} {
			if err := appendChanges(ctx, q, s, typ, ids, at, &r, s == moved); err != nil {
				return Range{}, err
			}
		}
	}
	if q.Dialect() == store.Postgres && r.Last >= r.First {
		if _, err := q.Exec(ctx, "SELECT pg_notify(?, ?)", Notify, fmt.Sprint(r.Last)); err != nil {
			return Range{}, fmt.Errorf("notify changes: %w", err)
		}
	}
	return r, nil
}

// appendChanges runs one of the numbering statements over ids (sorted), a
// chunk at a time, numbering after r.Last and advancing it. A run of
// consecutive ids, as an import's new rows are, is selected as a range, up
// to rangeChunk a statement, instead of as a list of ids. For tombstones,
// a chunk whose id range has no change of the type at all is skipped: its
// rows have no previous change, as every row an import creates.
func appendChanges(ctx context.Context, q store.Querier, stmt, typ string, ids []int64, at time.Time, r *Range, tombstones bool) error {
	for len(ids) > 0 {
		n := consecutive(ids, rangeChunk)
		byRange := n >= minRange
		if !byRange {
			n = min(len(ids), idChunk)
		}
		if tombstones {
			seen, err := anyChange(ctx, q, typ, ids[0], ids[n-1])
			if err != nil {
				return fmt.Errorf("number %s changes: %w", typ, err)
			}
			if !seen {
				ids = ids[n:]
				continue
			}
		}
		args := []any{r.Last, typ, at}
		sel := "t.id BETWEEN ? AND ?"
		switch {
		case byRange:
			args = append(args, ids[0], ids[n-1])
		case q.Dialect() == store.Postgres:
			sel = "t.id IN " + idList(q.Dialect(), n)
			args = append(args, ids[:n])
		default:
			sel = "t.id IN " + idList(q.Dialect(), n)
			for _, id := range ids[:n] {
				args = append(args, id)
			}
		}
		res, err := q.Exec(ctx, strings.Replace(stmt, idsCond, sel, 1), args...)
		if err != nil {
			return fmt.Errorf("number %s changes: %w", typ, err)
		}
		added, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("number %s changes: %w", typ, err)
		}
		r.Last += added
		ids = ids[n:]
	}
	return nil
}

// minRange is the fewest consecutive ids numbered as a range; rangeChunk
// the most.
const (
	minRange   = 64
	rangeChunk = 50_000
)

// consecutive is how many of the first ids (at most max) follow each other
// without a gap.
func consecutive(ids []int64, max int) int {
	n := 1
	for n < len(ids) && n < max && ids[n] == ids[0]+int64(n) {
		n++
	}
	return n
}

// idsCond is where the numbering statements select their rows' ids.
const idsCond = "t.id IN (?IDS)"

// anyChange says whether the feed has a change of a row of typ whose id is
// between lo and hi: one probe of the index the tombstones look up, where
// the tombstone statement probes it once per row.
func anyChange(ctx context.Context, q store.Querier, typ string, lo, hi int64) (bool, error) {
	rows, err := q.Query(ctx, "SELECT 1 FROM changes WHERE type = ? AND entity_id BETWEEN ? AND ? LIMIT 1", typ, lo, hi)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	seen := rows.Next()
	return seen, rows.Err()
}

// Last is the feed's last sequence, 0 when it is empty.
func Last(ctx context.Context, q store.Querier) (int64, error) {
	rows, err := q.Query(ctx, "SELECT COALESCE(MAX(sequence), 0) FROM changes")
	if err != nil {
		return 0, fmt.Errorf("read the last change: %w", err)
	}
	defer rows.Close()
	var last int64
	if rows.Next() {
		if err := rows.Scan(&last); err != nil {
			return 0, fmt.Errorf("read the last change: %w", err)
		}
	}
	return last, rows.Err()
}

// idList is the placeholder for n ids: one array on PostgreSQL, a list on
// SQLite.
func idList(d store.Dialect, n int) string {
	if d == store.Postgres {
		return "(SELECT unnest(CAST(? AS bigint[])))"
	}
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

// A row that moves to another region (a community given another street,
// or everything under a region that moved) must leave the feed of the
// region it left: a reader scoped there would otherwise keep it forever.
// So before a moved row's change, Commit appends a tombstone carrying the
// region path of the row's previous change — the path readers last saw it
// under. An unscoped reader sees the row dropped and, one sequence later,
// back; a reader of the old region only the drop; of the new one only the
// change.

// tombstoneSQL is the statement appending those tombstones for the rows
// of typ (among the ids) whose last change was an UPSERT under another
// region path than the row has now. Its arguments are (last sequence,
// type, at) and then those of the ids' condition, which appendChanges puts
// in place of idsCond; typ is one of Order, never a client's text.
func tombstoneSQL(d store.Dialect, typ string) (string, error) {
	path, table, err := currentPath(typ)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`INSERT INTO changes (sequence, type, entity_id, code, operation, at, region_path)
SELECT %s + ROW_NUMBER() OVER (ORDER BY t.id), ?, t.id, t.code, '%s', ?, p.region_path
FROM %s t JOIN changes p ON p.sequence = (SELECT MAX(p2.sequence) FROM changes p2 WHERE p2.type = '%s' AND p2.entity_id = t.id)
WHERE t.id IN (?IDS) AND p.operation = '%s' AND p.region_path <> %s`,
		d.Cast("?", "bigint"), store.ChangeArchive, table, typ, store.ChangeUpsert, path), nil
}

// currentPath is the SQL expression of the region path a row of typ
// (aliased t) hangs from now, and typ's table.
func currentPath(typ string) (string, string, error) {
	e, ok := store.Catalog[typ]
	if !ok || !slices.Contains(Order, typ) {
		return "", "", fmt.Errorf("changes: unknown entity type %q", typ)
	}
	path := "''"
	switch {
	case e.PathColumn != "":
		path = "t." + e.PathColumn
	case e.ScopeVia != "":
		r := e.Relations[e.ScopeVia]
		owner := store.Catalog[r.Target]
		path = fmt.Sprintf("COALESCE((SELECT o.%s FROM %s o WHERE o.id = t.%s), '')", owner.PathColumn, owner.Table, r.Column)
	}
	return path, e.Table, nil
}

// numberSQL is the statement appending changes for some rows of typ,
// numbered after the sequence given as its first argument, in id order.
// Its arguments are those of tombstoneSQL.
func numberSQL(d store.Dialect, typ string) (string, error) {
	path, table, err := currentPath(typ)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`INSERT INTO changes (sequence, type, entity_id, code, operation, at, region_path)
SELECT %s + ROW_NUMBER() OVER (ORDER BY t.id), ?, t.id, t.code,
       CASE WHEN t.archived_at IS NULL THEN '%s' ELSE '%s' END, ?, %s
FROM %s t WHERE t.id IN (?IDS)`, d.Cast("?", "bigint"), store.ChangeUpsert, store.ChangeArchive, path, table), nil
}
