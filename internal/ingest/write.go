package ingest

import (
	"bytes"
	"context"
	"fmt"

	"github.com/civicgraph/civicgraph/internal/changes"
	"github.com/civicgraph/civicgraph/internal/store"
)

// Written is one line Write wrote: its type, its code (given or derived)
// and the id of its row.
type Written struct {
	Type string
	Code string
	ID   int64
}

// Write is the import for mutations: it validates lines and writes them
// inside the caller's transaction q, with the rules of ImportLines (the same
// decoder, upserts by code, references to earlier lines or stored rows,
// roll-ups recounted before it returns), but the transaction stays the
// caller's: the rows it changed are noted in changed, for the caller to
// number with changes.Commit once it has written everything else. When any
// line is bad the result is a *LineErrors (lines numbered from 1 in the
// order given, with the field each reason is about), and the caller must
// roll back: rows of good lines may have been written.
func Write(ctx context.Context, q store.Querier, lines []map[string]any, changed *changes.Pending) ([]Written, error) {
	probs := newProblems(len(lines) + 1)
	report := &Report{ByType: map[string]int{}}
	w := newWriter(ctx, q, probs, report, newProgress(nil))
	w.changed = changed
	out := make([]Written, len(lines))
	var (
		d decoder
		o rawObject
	)
	for i, m := range lines {
		num := i + 1
		report.Lines++
		if err := fromMap(m, &o); err != nil {
			probs.add(num, nil, "", err.Error())
			continue
		}
		e, bad := typeOf(&o)
		if bad != nil {
			probs.addBad(num, bad)
			continue
		}
		rec, err := w.slot(e)
		if err != nil {
			return nil, err
		}
		if bad := d.decode(&o, e, num, rec); bad != nil {
			probs.addBad(num, bad)
			continue
		}
		out[i] = Written{Type: e.name, Code: rec.code}
		if err := w.commit(e); err != nil {
			return nil, err
		}
	}
	if err := w.finish(); err != nil {
		return nil, err
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	if err := w.refreshRollups(); err != nil {
		return nil, err
	}
	if err := readIDs(ctx, q, out); err != nil {
		return nil, err
	}
	return out, nil
}

// readIDs fills in the row ids of written lines, by code.
func readIDs(ctx context.Context, q store.Querier, out []Written) error {
	codesOf := map[string][]string{}
	for _, w := range out {
		codesOf[w.Type] = append(codesOf[w.Type], w.Code)
	}
	ids := map[[2]string]int64{}
	for typ, codes := range codesOf {
		e := byType[typ]
		err := eachChunk(codes, func(in string, args []any) error {
			rows, err := q.Query(ctx, "SELECT id, code FROM "+e.table+" WHERE code IN ("+in+")", args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var (
					id   int64
					code string
				)
				if err := rows.Scan(&id, &code); err != nil {
					return err
				}
				ids[[2]string{typ, code}] = id
			}
			return rows.Err()
		})
		if err != nil {
			return fmt.Errorf("read %s ids: %w", typ, err)
		}
	}
	for i := range out {
		out[i].ID = ids[[2]string{out[i].Type, out[i].Code}]
	}
	return nil
}

// Identify validates one line without writing it and says what it is: its
// type and its code, given or derived (a membership's "<alliance>/<org>").
// A bad line is a *LineErrors, as Write would report it.
func Identify(line map[string]any) (Written, error) {
	var (
		d   decoder
		o   rawObject
		rec record
	)
	probs := newProblems(1)
	if err := fromMap(line, &o); err != nil {
		probs.add(1, nil, "", err.Error())
		return Written{}, probs.err()
	}
	e, bad := typeOf(&o)
	if bad == nil {
		bad = d.decode(&o, e, 1, &rec)
	}
	if bad != nil {
		probs.addBad(1, bad)
		return Written{}, probs.err()
	}
	return Written{Type: e.name, Code: rec.code}, nil
}

// LinesOf reads rows of a type by id as import lines (JSON, without the
// trailing newline), whether archived or not: the audit trail's before and
// after. Ids with no row are absent from the result.
func LinesOf(ctx context.Context, q store.Querier, typ string, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	err := eachChunk(ids, func(in string, args []any) error {
		sel := Selection{Type: typ, Where: "t.id IN (" + in + ")", Args: args, IncludeArchived: true}
		return ExportSelected(ctx, q, sel, func(r *Row) error {
			b, err := r.AppendLine(nil)
			if err != nil {
				return err
			}
			out[r.ID] = string(bytes.TrimRight(b, "\n"))
			return nil
		})
	})
	return out, err
}

// Link is a reference from one entity type to another: a field holding a
// code of To, stored in Column of From's table, or, for a set, in a link
// table (LinkTable, with the owner's id in LinkOwner and To's in LinkItem).
type Link struct {
	From, Field, To                string
	FromTable, ToTable             string
	Column                         string
	LinkTable, LinkOwner, LinkItem string
}

// Links lists every reference of the import format, in dependency order of
// the referring type. (An organizer is its two columns, one per type.)
func Links() []Link {
	var out []Link
	for _, e := range entities {
		for _, f := range e.fields {
			if f.ref == "" || f.kind == kOrganizer {
				continue
			}
			l := Link{From: e.name, Field: f.name, To: f.ref, FromTable: e.table, ToTable: byType[f.ref].table, Column: f.column}
			if f.link != nil {
				l.LinkTable, l.LinkOwner, l.LinkItem = f.link.table, f.link.owner, f.link.item
			}
			out = append(out, l)
		}
	}
	return out
}
