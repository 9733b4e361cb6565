package ingest

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
)

// Export writes the store back in the import format, so that export →
// import into an empty store reproduces it. Types come in dependency order;
// the rows of a type in code order, a page at a time (keyset paging on the
// unique code index), with every foreign id turned into a code by a join in
// the page's one query, so memory stays constant however large the tables.
// Ordering by code rather than id makes the text a function of the data
// alone: two stores holding the same data export the same bytes, whatever
// ids they gave the rows.
//
// An export writes the live data: archived rows are left out (they vanish
// from every read, see package query), and so are references to archived
// rows, fields and set items alike, which read as none, as they do in
// GraphQL. So what an export writes imports into an empty store.

// exportPage is how many rows one query reads.
const exportPage = 5000

// Export writes every live row of db (or only those of the given types, by
// type name) to w as NDJSON.
func Export(ctx context.Context, db *store.DB, w io.Writer, types []string) error {
	want := make([]bool, len(entities))
	for _, name := range types {
		e := byType[name]
		if e == nil {
			return fmt.Errorf("export: unknown type %q (want one of %s)", name, strings.Join(Types(), ", "))
		}
		want[e.index] = true
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	for _, e := range entities {
		if len(types) > 0 && !want[e.index] {
			continue
		}
		if err := exportType(ctx, db, bw, e); err != nil {
			return fmt.Errorf("export %s: %w", e.name, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// exportQuery is the page query of e: code, then one column per exported
// field (references as the referenced row's code), after the code bound;
// live rows only.
func exportQuery(e *entity, first bool) string {
	cols, joins := exportColumns(e, true)
	where := "WHERE " + liveRow + " AND t.code > ? "
	if first {
		where = "WHERE " + liveRow + " "
	}
	return fmt.Sprintf("SELECT %s FROM %s t %s %sORDER BY t.code LIMIT %d",
		strings.Join(cols, ", "), e.table, strings.Join(joins, " "), where, exportPage)
}

// liveRow keeps the live rows of an entity's table aliased t: every type
// of the import format can be archived.
const liveRow = "t.archived_at IS NULL"

// exportType writes every row of e, page by page.
func exportType(ctx context.Context, db *store.DB, w *bufio.Writer, e *entity) error {
	var (
		last string
		page = make([][]any, 0, exportPage)
		line []byte
		lb   lineBuf
	)
	for first := true; ; first = false {
		args := []any{}
		if !first {
			args = append(args, last)
		}
		rows, err := db.Query(ctx, exportQuery(e, first), args...)
		if err != nil {
			return err
		}
		page, err = readPage(rows, page[:0])
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		last = page[len(page)-1][0].(string)
		sets, err := readSets(ctx, db, e, page[0][0].(string), last)
		if err != nil {
			return err
		}
		for _, row := range page {
			line, err = appendLine(line[:0], e, row, sets, &lb)
			if err != nil {
				return err
			}
			if _, err := w.Write(line); err != nil {
				return err
			}
		}
		if len(page) < exportPage {
			return nil
		}
	}
}

// readPage scans rows into plain values (text as string).
func readPage(rows *sql.Rows, page [][]any) ([][]any, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			}
		}
		page = append(page, vals)
	}
	return page, rows.Err()
}

// readSets reads the set-valued fields (commitments, members) of the live
// rows with codes from..to, as owner code → field index → live item codes.
func readSets(ctx context.Context, db *store.DB, e *entity, from, to string) (map[string]map[int][]string, error) {
	var out map[string]map[int][]string
	for j, f := range e.fields {
		if f.kind != kRefs {
			continue
		}
		items := byType[f.ref].table
		q := fmt.Sprintf("SELECT o.code, i.code FROM %s l JOIN %s o ON o.id = l.%s JOIN %s i ON i.id = l.%s "+
			"WHERE o.code >= ? AND o.code <= ? AND o.archived_at IS NULL AND i.archived_at IS NULL ORDER BY o.code, i.code",
			f.link.table, e.table, f.link.owner, items, f.link.item)
		rows, err := db.Query(ctx, q, from, to)
		if err != nil {
			return nil, err
		}
		err = func() error {
			defer rows.Close()
			for rows.Next() {
				var owner, item string
				if err := rows.Scan(&owner, &item); err != nil {
					return err
				}
				if out == nil {
					out = map[string]map[int][]string{}
				}
				if out[owner] == nil {
					out[owner] = map[int][]string{}
				}
				out[owner][j] = append(out[owner][j], item)
			}
			return rows.Err()
		}()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// lineBuf is the scratch space of appendLine.
type lineBuf struct {
	fields []byte
	rec    record // the row's values, to derive its code
}

// appendLine appends one row as an import line. The code is left out when
// it is the one import derives, as a hand-written file would leave it out.
func appendLine(b []byte, e *entity, row []any, sets map[string]map[int][]string, lb *lineBuf) ([]byte, error) {
	code := row[0].(string)
	lb.rec.reset(e, 0)
	fb := lb.fields[:0]
	col := 1
	for j := range e.fields {
		f := &e.fields[j]
		if f.kind == kRefs {
			if items := sets[code][j]; len(items) > 0 {
				fb = appendList(appendKey(fb, f.name), items)
			}
			continue
		}
		if f.column == "" {
			continue // organizer: written as organizerOrganization or organizerAlliance
		}
		raw := row[col]
		col++
		if raw == nil {
			continue
		}
		var err error
		if fb, err = appendField(fb, f, raw, &lb.rec.vals[j]); err != nil {
			return nil, fmt.Errorf("%s %q field %s: %w", e.name, code, f.name, err)
		}
	}
	lb.fields = fb
	b = appendString(append(b, `{"type":`...), e.name)
	if e.derive == nil || e.deriveCode(&lb.rec) != code {
		b = appendString(append(b, `,"code":`...), code)
	}
	b = append(b, fb...)
	return append(b, "}\n"...), nil
}

// appendField appends one non-null column as `,"name":value`, noting the
// value in v for the derived code.
func appendField(b []byte, f *field, raw any, v *value) ([]byte, error) {
	v.set = true
	switch f.kind {
	case kInt:
		n, ok := raw.(int64)
		if !ok {
			return nil, fmt.Errorf("unexpected %T", raw)
		}
		v.n = n
		return fmt.Appendf(appendKey(b, f.name), "%d", n), nil
	case kBool:
		switch x := raw.(type) {
		case bool:
			v.b = x
		case int64:
			v.b = x != 0
		default:
			return nil, fmt.Errorf("unexpected %T", raw)
		}
		return fmt.Appendf(appendKey(b, f.name), "%t", v.b), nil
	case kDate:
		d, err := store.ToDate(raw)
		if err != nil {
			return nil, err
		}
		v.s = string(d)
	case kTime:
		t, err := store.ToTime(raw)
		if err != nil {
			return nil, err
		}
		v.s = t.In(store.Shanghai).Format(time.RFC3339Nano)
	case kRoles:
		s, _ := raw.(string)
		roles := store.SplitRoles(s)
		if len(roles) == 0 {
			return b, nil
		}
		return appendList(appendKey(b, f.name), roles), nil
	default:
		s, ok := raw.(string)
		if !ok {
			return nil, fmt.Errorf("unexpected %T", raw)
		}
		v.s = s
	}
	return appendString(appendKey(b, f.name), v.s), nil
}

func appendKey(b []byte, name string) []byte {
	b = append(b, ',')
	b = appendString(b, name)
	return append(b, ':')
}

func appendList(b []byte, items []string) []byte {
	b = append(b, '[')
	for i, s := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}
