package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/civicgraph/civicgraph/internal/store"
)

// A selected export is the part of one type that a condition selects, in
// a given order, read from one statement's cursor and written in the same
// lines as Export, so that what it writes imports back. The HTTP export
// streams it: the caller brings the condition (what the principal may see
// and asked for) and masks personal values on each Row before writing it.
// Unlike Export it does not page by code: an arbitrary order cannot be
// paged by code, and one cursor holds no more than one row in memory.
// Set-valued fields (commitments, members) come with the row as a JSON
// array from a correlated subquery, ordered as Export orders them.
//
// Like Export, a selection reads the live data: archived rows are left
// out, and references to archived rows (fields and set items) read as
// none. IncludeArchived reads every row as stored, references and all:
// the audit trail's record of a row, whatever its state.

// Selection names the rows ExportSelected reads.
type Selection struct {
	Type string // an entity type name (see Types)
	// Where is an SQL condition on the type's table aliased "t" with ?
	// placeholders for Args; "" selects every row.
	Where string
	Args  []any
	// OrderBy is an SQL order on "t" (without ORDER BY); "" is code order,
	// Export's order.
	OrderBy string
	// Limit is the most rows read; 0 is no limit.
	Limit int
	// IncludeArchived reads archived rows too (the audit trail's before and
	// after); otherwise only live rows are read.
	IncludeArchived bool
}

// Row is one selected row, valid until the callback it was given to
// returns.
type Row struct {
	ID int64 // the row's id, as global ids and the access log name it

	e    *entity
	vals []any // code, one value per column field, then each set, then id
	pos  []int // field index → position in vals; 0 when not there
	sets map[string]map[int][]string
	lb   lineBuf
}

// Code is the row's code.
func (r *Row) Code() string { return r.vals[0].(string) }

// Value is the stored value of a field as read (text as string, a
// reference as the referenced code, nil for null).
func (r *Row) Value(field string) any {
	if p := r.position(field); p > 0 {
		return r.vals[p]
	}
	return nil
}

// SetValue replaces a column field's value before the row is written
// (masking); nil leaves the field out of the line.
func (r *Row) SetValue(field string, v any) {
	if p := r.position(field); p > 0 {
		r.vals[p] = v
	}
}

func (r *Row) position(field string) int {
	j, ok := r.e.byName[field]
	if !ok {
		return 0
	}
	return r.pos[j]
}

// AppendLine appends the row's import line, as Export writes it.
func (r *Row) AppendLine(b []byte) ([]byte, error) {
	return appendLine(b, r.e, r.vals, r.sets, &r.lb)
}

// HasType reports whether name is an entity type of the import format.
func HasType(name string) bool { return byType[name] != nil }

// Fields lists the keys a line of the type may carry after "type" and
// "code", in the order Export writes them; nil for an unknown type.
func Fields(typeName string) []string {
	e := byType[typeName]
	if e == nil {
		return nil
	}
	var out []string
	for _, f := range e.fields {
		if f.column != "" || f.kind == kRefs {
			out = append(out, f.name)
		}
	}
	return out
}

// EnumValues lists the values an enum field of a type's lines may take
// (the roles for a role set); nil when the field is not an enum.
func EnumValues(typeName, field string) []string {
	e := byType[typeName]
	if e == nil {
		return nil
	}
	if j, ok := e.byName[field]; ok && (e.fields[j].kind == kEnum || e.fields[j].kind == kRoles) {
		return e.fields[j].enum
	}
	return nil
}

// ExportSelected reads the rows sel selects with one statement and calls fn
// with each, in order. The Row is reused: fn must not keep it.
func ExportSelected(ctx context.Context, q store.Querier, sel Selection, fn func(*Row) error) error {
	e := byType[sel.Type]
	if e == nil {
		return fmt.Errorf("export: unknown type %q (want one of %s)", sel.Type, strings.Join(Types(), ", "))
	}
	rows, err := q.Query(ctx, selectedQuery(e, q.Dialect(), sel), sel.Args...)
	if err != nil {
		return fmt.Errorf("export %s: %w", e.name, err)
	}
	defer rows.Close()
	r := newRow(e)
	ptrs := make([]any, len(r.vals))
	for i := range r.vals {
		ptrs[i] = &r.vals[i] // Scan sets every one, NULL as nil
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("export %s: %w", e.name, err)
		}
		if err := r.load(); err != nil {
			return fmt.Errorf("export %s: %w", e.name, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export %s: %w", e.name, err)
	}
	return nil
}

func newRow(e *entity) *Row {
	r := &Row{e: e, pos: make([]int, len(e.fields))}
	n := 1
	for j, f := range e.fields {
		if f.column != "" {
			r.pos[j] = n
			n++
		}
	}
	for j, f := range e.fields {
		if f.kind == kRefs {
			r.pos[j] = n
			n++
		}
	}
	r.vals = make([]any, n+1) // + id
	return r
}

// load turns the scanned values into what appendLine takes: text as
// string, sets decoded from their JSON arrays.
func (r *Row) load() error {
	for i, v := range r.vals {
		if b, ok := v.([]byte); ok {
			r.vals[i] = string(b)
		}
	}
	id, ok := r.vals[len(r.vals)-1].(int64)
	if !ok {
		return fmt.Errorf("unexpected id %T", r.vals[len(r.vals)-1])
	}
	r.ID = id
	code, ok := r.vals[0].(string)
	if !ok {
		return fmt.Errorf("unexpected code %T", r.vals[0])
	}
	clear(r.sets)
	for j, f := range r.e.fields {
		if f.kind != kRefs {
			continue
		}
		text, _ := r.vals[r.pos[j]].(string)
		if text == "" {
			continue // PostgreSQL's json_agg of no rows is NULL
		}
		var items []string
		if err := json.Unmarshal([]byte(text), &items); err != nil {
			return fmt.Errorf("field %s: %w", f.name, err)
		}
		if len(items) == 0 {
			continue
		}
		if r.sets == nil {
			r.sets = map[string]map[int][]string{}
		}
		if r.sets[code] == nil {
			r.sets[code] = map[int][]string{}
		}
		r.sets[code][j] = items
	}
	return nil
}

// exportColumns is the select list of e's lines: code, then one column per
// column field (a reference as the referenced row's code, through a join;
// with live, only a live row's code).
func exportColumns(e *entity, live bool) (cols, joins []string) {
	cols = append(cols, "t.code")
	for j, f := range e.fields {
		switch {
		case f.kind == kRef:
			alias := fmt.Sprintf("j%d", j)
			cols = append(cols, alias+".code")
			join := fmt.Sprintf("LEFT JOIN %s %s ON %s.id = t.%s", byType[f.ref].table, alias, alias, f.column)
			if live {
				join += " AND " + alias + ".archived_at IS NULL"
			}
			joins = append(joins, join)
		case f.column != "":
			cols = append(cols, "t."+f.column)
		}
	}
	return cols, joins
}

// selectedQuery is the statement of a selection: exportColumns, each set
// as a JSON array of codes in code order, and the id; live rows and items
// unless sel.IncludeArchived.
func selectedQuery(e *entity, d store.Dialect, sel Selection) string {
	live := !sel.IncludeArchived
	cols, joins := exportColumns(e, live)
	for _, f := range e.fields {
		if f.kind != kRefs {
			continue
		}
		agg := "json_group_array(i.code ORDER BY i.code)"
		if d == store.Postgres {
			agg = "json_agg(i.code ORDER BY i.code)::text"
		}
		item := ""
		if live {
			item = " AND i.archived_at IS NULL"
		}
		cols = append(cols, fmt.Sprintf("(SELECT %s FROM %s l JOIN %s i ON i.id = l.%s%s WHERE l.%s = t.id)",
			agg, f.link.table, byType[f.ref].table, f.link.item, item, f.link.owner))
	}
	cols = append(cols, "t.id")
	var b strings.Builder
	fmt.Fprintf(&b, "SELECT %s FROM %s t", strings.Join(cols, ", "), e.table)
	for _, j := range joins {
		b.WriteString(" " + j)
	}
	var where []string
	if live {
		where = append(where, liveRow)
	}
	if sel.Where != "" {
		where = append(where, "("+sel.Where+")")
	}
	if len(where) > 0 {
		b.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	order := sel.OrderBy
	if order == "" {
		order = "t.code"
	}
	b.WriteString(" ORDER BY " + order)
	if sel.Limit > 0 {
		fmt.Fprintf(&b, " LIMIT %d", sel.Limit)
	}
	return b.String()
}
