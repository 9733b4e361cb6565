package write

import (
	"fmt"
	"strings"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/query"
	"github.com/civicgraph/civicgraph/internal/store"
)

// Live rows refer only to live rows: what a query shows never links to
// what it hides. So a row is archived only once nothing live refers to it
// (archive the service records before their community), and restored only
// while everything it refers to is live. Imports and mutations refuse to
// make a live row refer to an archived one (package ingest).
//
// Each of those checks reads rows another transaction may be changing, so
// on PostgreSQL they take row locks that make the two sides of a race take
// turns, each seeing what the other committed:
//
//   - archiving locks the row FOR UPDATE before looking for live rows that
//     refer to it; a write that makes a row refer to it holds FOR KEY SHARE
//     on it (the foreign key check's lock) until it commits, so whichever
//     comes second sees the first: the archive finds the new reference, or
//     the write's foreign key check waits for the archive to commit;
//   - in that second case the write's own look-up (package ingest) read the
//     row as live before it was archived, so every write looks again, once
//     its rows are written, for references to archived rows (liveRefs);
//   - restoring locks the rows it refers to FOR KEY SHARE while it checks
//     that they are live, so that an archive of one of them waits for the
//     restore to commit, then sees the restored row.

// linkSample is how many referring codes a conflict names per link.
const linkSample = 3

// checkUnreferenced refuses to archive a row that live rows refer to.
func (t *txn) checkUnreferenced(typ string, id int64, code string) error {
	var found []string
	for _, l := range ingest.Links() {
		if l.To != typ {
			continue
		}
		// The conflict names the referring rows the principal may see;
		// those it may not are only counted.
		seen, args := "1", []any{id}
		if t.who != nil {
			if cond, cargs := query.Visible(t.who, store.Catalog[l.From], "o"); cond != "" {
				seen, args = "CASE WHEN "+cond+" THEN 1 ELSE 0 END", append(cargs, id)
			}
		}
		var q string
		if l.LinkTable != "" {
			q = fmt.Sprintf("SELECT o.code, %s FROM %s l JOIN %s o ON o.id = l.%s WHERE l.%s = ? AND o.archived_at IS NULL ORDER BY o.code",
				seen, l.LinkTable, l.FromTable, l.LinkOwner, l.LinkItem)
		} else {
			q = fmt.Sprintf("SELECT o.code, %s FROM %s o WHERE o.%s = ? AND o.archived_at IS NULL ORDER BY o.code", seen, l.FromTable, l.Column)
		}
		codes, n, hidden, err := t.sample(q, args)
		if err != nil {
			return err
		}
		if n > 0 {
			found = append(found, describe(n, l.From, l.Field, codes, hidden))
		}
	}
	if len(found) > 0 {
		return apperr.New(apperr.Conflict, "%s %q is still referred to by live rows: %s; archive those first",
			typ, code, strings.Join(found, "; "))
	}
	return nil
}

// checkReferencesLive refuses to restore a row that refers to archived rows.
func (t *txn) checkReferencesLive(typ string, id int64, code string) error {
	lock := ""
	if t.q.Dialect() == store.Postgres {
		lock = " FOR KEY SHARE OF r"
	}
	var found []string
	for _, l := range ingest.Links() {
		if l.From != typ {
			continue
		}
		// Every row referred to is read (and locked), live or not: a row
		// locked after waiting reads as it is once the other transaction
		// committed, which a filter on archived_at would not see.
		var q string
		if l.LinkTable != "" {
			q = fmt.Sprintf("SELECT r.code, CASE WHEN r.archived_at IS NULL THEN 0 ELSE 1 END FROM %s l JOIN %s r ON r.id = l.%s WHERE l.%s = ? ORDER BY r.code%s",
				l.LinkTable, l.ToTable, l.LinkItem, l.LinkOwner, lock)
		} else {
			q = fmt.Sprintf("SELECT r.code, CASE WHEN r.archived_at IS NULL THEN 0 ELSE 1 END FROM %s o JOIN %s r ON r.id = o.%s WHERE o.id = ? ORDER BY r.code%s",
				l.FromTable, l.ToTable, l.Column, lock)
		}
		codes, err := t.archivedOf(q, id)
		if err != nil {
			return err
		}
		if n := len(codes); n > 0 {
			found = append(found, describe(n, l.To, l.Field, codes[:min(n, linkSample)], 0))
		}
	}
	if len(found) > 0 {
		return apperr.New(apperr.Conflict, "%s %q refers to archived rows: %s; restore those first",
			typ, code, strings.Join(found, "; "))
	}
	return nil
}

// sample runs a query listing (code, visible) and returns the first few
// visible codes, how many rows there are, and how many of them are hidden.
func (t *txn) sample(q string, args []any) ([]string, int, int, error) {
	rows, err := t.q.Query(t.ctx, q, args...)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("check references: %w", err)
	}
	defer rows.Close()
	var (
		codes     []string
		n, hidden int
	)
	for rows.Next() {
		var (
			c       string
			visible int
		)
		if err := rows.Scan(&c, &visible); err != nil {
			return nil, 0, 0, fmt.Errorf("check references: %w", err)
		}
		n++
		switch {
		case visible == 0:
			hidden++
		case len(codes) < linkSample:
			codes = append(codes, c)
		}
	}
	return codes, n, hidden, rows.Err()
}

// archivedOf runs a query listing (code, archived) and returns the codes
// of the archived rows.
func (t *txn) archivedOf(q string, id int64) ([]string, error) {
	rows, err := t.q.Query(t.ctx, q, id)
	if err != nil {
		return nil, fmt.Errorf("check references: %w", err)
	}
	defer rows.Close()
	var codes []string
	for rows.Next() {
		var (
			c        string
			archived int
		)
		if err := rows.Scan(&c, &archived); err != nil {
			return nil, fmt.Errorf("check references: %w", err)
		}
		if archived != 0 {
			codes = append(codes, c)
		}
	}
	return codes, rows.Err()
}

// archivedRef is a written row's reference to an archived row.
type archivedRef struct {
	id       int64 // the written row
	field    string
	to, code string // the archived row's type and code
}

// liveRefs finds the references of the live rows ids of typ to archived
// rows, once they are written (see the top of this file).
func (t *txn) liveRefs(typ string, ids []int64) ([]archivedRef, error) {
	var out []archivedRef
	for _, l := range ingest.Links() {
		if l.From != typ {
			continue
		}
		for start := 0; start < len(ids); start += idChunk {
			chunk := ids[start:min(start+idChunk, len(ids))]
			in := strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ")
			args := make([]any, len(chunk))
			for i, id := range chunk {
				args[i] = id
			}
			var q string
			if l.LinkTable != "" {
				q = fmt.Sprintf("SELECT o.id, r.code FROM %s l JOIN %s o ON o.id = l.%s JOIN %s r ON r.id = l.%s WHERE o.id IN (%s) AND o.archived_at IS NULL AND r.archived_at IS NOT NULL",
					l.LinkTable, l.FromTable, l.LinkOwner, l.ToTable, l.LinkItem, in)
			} else {
				q = fmt.Sprintf("SELECT o.id, r.code FROM %s o JOIN %s r ON r.id = o.%s WHERE o.id IN (%s) AND o.archived_at IS NULL AND r.archived_at IS NOT NULL",
					l.FromTable, l.ToTable, l.Column, in)
			}
			rows, err := t.q.Query(t.ctx, q, args...)
			if err != nil {
				return nil, fmt.Errorf("check references: %w", err)
			}
			for rows.Next() {
				r := archivedRef{field: l.Field, to: l.To}
				if err := rows.Scan(&r.id, &r.code); err != nil {
					rows.Close()
					return nil, fmt.Errorf("check references: %w", err)
				}
				out = append(out, r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, fmt.Errorf("check references: %w", err)
			}
		}
	}
	return out, nil
}

// idChunk bounds the ids one statement lists.
const idChunk = 500

// refProblem is the input error for a reference to an archived row, as
// the import words it.
func refProblem(path []any, r archivedRef) *apperr.Problem {
	return &apperr.Problem{Path: append(path, r.field),
		Message: fmt.Sprintf("field %q refers to %s %q, which is archived (restore it first)", r.field, r.to, r.code)}
}

// describe says "2 ServiceRecord (community): SR-1, SR-2", or "5
// ServiceRecord (community): SR-1, SR-2, SR-3, ... (2 outside your
// scope)".
func describe(n int, typ, field string, codes []string, hidden int) string {
	s := fmt.Sprintf("%d %s (%s)", n, typ, field)
	if len(codes) > 0 {
		s += ": " + strings.Join(codes, ", ")
	}
	if n-hidden > len(codes) {
		s += ", ..."
	}
	if hidden > 0 {
		s += fmt.Sprintf(" (%d outside your scope)", hidden)
	}
	return s
}
