package query

import (
	"fmt"
	"reflect"
	"sort"
	"time"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/store"
)

// filter writes what the statement's principal may see of e (Visible),
// that the rows are live (unless archived asks for archived rows too) AND
// the where input: the condition of every table a statement reads, the
// main one and those a relation filter reaches. (where alone recurses into
// and/or/not, where a visibility condition would be negated.)
func filter(b *builder, e *store.Entity, alias string, w map[string]any, archived bool) error {
	if err := checkSize(w); err != nil {
		return err
	}
	if cond, args := Visible(b.who, e, alias); cond != "" {
		b.frag("(", nil).frag(cond, args).write(") AND ")
	}
	if !archived && Archivable(e) {
		b.write(Live(alias), " AND ")
	}
	return where(b, e, alias, w)
}

// piiForbidden refuses to filter, order or aggregate on personal data
// without pii:read: the answer would reveal what masking hides.
func piiForbidden(e *store.Entity, field, doing string) error {
	return apperr.New(apperr.Forbidden, "%s %s.%s needs the pii:read permission (it is personal data)", doing, e.Name, field)
}

// where writes the SQL condition for a <Type>Where input on the table
// aliased alias. An empty input is true. Every field of the input is ANDed;
// and/or/not combine nested inputs; a relation field filters through the
// foreign key with a subquery on the target table; withinRegion is a range
// scan on the materialized region path.
func where(b *builder, e *store.Entity, alias string, w map[string]any) error {
	if len(w) == 0 {
		b.write("1=1")
		return nil
	}
	keys := make([]string, 0, len(w))
	for k, v := range w {
		// An explicit null on a to-one relation means "has none"; on
		// anything else null means "no condition".
		if _, isRel := e.Relations[k]; deref(v) != nil || isRel {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		b.write("1=1")
		return nil
	}
	sort.Strings(keys) // stable SQL text for the same input
	b.write("(")
	for i, k := range keys {
		if i > 0 {
			b.write(" AND ")
		}
		if err := whereField(b, e, alias, k, w[k]); err != nil {
			return err
		}
	}
	b.write(")")
	return nil
}

func whereField(b *builder, e *store.Entity, alias, key string, v any) error {
	v = deref(v)
	switch key {
	case "and", "or":
		list, ok := v.([]map[string]any)
		if !ok {
			return fmt.Errorf("where %s.%s: unexpected %T", e.Name, key, v)
		}
		if len(list) == 0 {
			// An empty AND is true, an empty OR is false, as in logic.
			b.write(map[string]string{"and": "1=1", "or": "1=0"}[key])
			return nil
		}
		b.write("(")
		for i, sub := range list {
			if i > 0 {
				b.write(map[string]string{"and": " AND ", "or": " OR "}[key])
			}
			if err := where(b, e, alias, sub); err != nil {
				return err
			}
		}
		b.write(")")
		return nil
	case "not":
		sub, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("where %s.not: unexpected %T", e.Name, v)
		}
		b.write("NOT ")
		b.negated++
		defer func() { b.negated-- }()
		return where(b, e, alias, sub)
	case "withinRegion":
		return withinRegion(b, e, alias, v)
	}
	if r, ok := e.Relations[key]; ok {
		if r.PII && !b.who.ReadsPII() {
			return piiForbidden(e, key, "filtering on")
		}
		target := store.Catalog[r.Target]
		if v == nil {
			// No link, or one to an archived row, which reads as none.
			b.unlinked(alias+"."+r.Column, target)
			return nil
		}
		sub, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("where %s.%s: unexpected %T", e.Name, key, v)
		}
		inner := b.alias()
		op := " IN (SELECT "
		if b.negated == 0 && pinsOneRow(target, sub) {
			// At most one row matches: compare with it, which lets the
			// planner use the foreign key's index (a prepared statement's
			// generic plan cannot see that an IN list has one element).
			// Only outside a NOT: with no row matching, "=" is NULL where
			// IN is false, and NOT NULL is not true.
			op = " = (SELECT "
		}
		b.write(alias, ".", r.Column, op, inner, ".id FROM ", target.Table, " ", inner, " WHERE ")
		if err := filter(b, target, inner, sub, false); err != nil {
			return err
		}
		b.write(")")
		return nil
	}
	if m, ok := e.Many[key]; ok {
		sub, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("where %s.%s: unexpected %T", e.Name, key, v)
		}
		target := store.Catalog[m.Target]
		inner := b.alias()
		b.write("EXISTS (SELECT 1 FROM ", target.Table, " ", inner, " WHERE ", inner, ".", m.Column, " = ", alias, ".id AND ")
		if err := filter(b, target, inner, sub, false); err != nil {
			return err
		}
		b.write(")")
		return nil
	}
	fld, ok := e.Fields[key]
	if !ok {
		return fmt.Errorf("where %s: no field %q in the catalog", e.Name, key)
	}
	if fld.PII && !b.who.ReadsPII() {
		return piiForbidden(e, key, "filtering on")
	}
	ops, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("where %s.%s: unexpected %T", e.Name, key, v)
	}
	return fieldFilter(b, e, alias, key, fld, ops)
}

// pinsOneRow reports whether a where input on e can match at most one row:
// it asks for one id or one code (both unique in every table; other
// conditions beside them only narrow it further).
func pinsOneRow(e *store.Entity, w map[string]any) bool {
	for _, key := range []string{"id", "code"} {
		if _, ok := e.Fields[key]; !ok {
			continue
		}
		if ops, ok := deref(w[key]).(map[string]any); ok && deref(ops["eq"]) != nil {
			return true
		}
	}
	return false
}

// withinRegion keeps rows that hang from the region or anything under it: its
// path is a prefix of theirs. The path range [p, p' ) with p' = p minus its
// last '/' plus '0' (the next byte) is an index range scan on both stores.
func withinRegion(b *builder, e *store.Entity, alias string, v any) error {
	id, ok := v.(string)
	if !ok {
		return fmt.Errorf("where %s.withinRegion: unexpected %T", e.Name, v)
	}
	if e.PathColumn == "" {
		return fmt.Errorf("where %s.withinRegion: the type hangs from no region", e.Name)
	}
	rowID, err := decodeID(id, "Region", "withinRegion")
	if err != nil {
		return err
	}
	// A region the principal may not see, or an archived one, has no rows
	// under it: its path reads as NULL, which no comparison matches.
	col := alias + "." + e.PathColumn
	region := store.Catalog["Region"]
	b.write("(", col, " >= (SELECT wr.path FROM regions wr WHERE wr.id = ").arg(rowID)
	b.readable(region, "wr")
	b.write(") AND ", col, " < (SELECT substr(wr.path, 1, length(wr.path) - 1) || '0' FROM regions wr WHERE wr.id = ").arg(rowID)
	b.readable(region, "wr")
	b.write("))")
	return nil
}

// decodeID turns a global id of the wanted type into its row id.
func decodeID(id, wantType, field string) (int64, error) {
	typ, rowID, ok := store.ParseGlobalID(id)
	if !ok || typ != wantType {
		return 0, apperr.Invalid("%s: %q is not a %s id", field, id, wantType)
	}
	return rowID, nil
}

// fieldFilter writes a typed filter (StringFilter, IntFilter, ...) on one
// field: every operator given is ANDed.
func fieldFilter(b *builder, e *store.Entity, alias, key string, fld store.Field, filter map[string]any) error {
	col := alias + "." + fld.Column
	ops := make([]string, 0, len(filter))
	for op, v := range filter {
		if deref(v) != nil {
			ops = append(ops, op)
		}
	}
	if len(ops) == 0 {
		b.write("1=1")
		return nil
	}
	sort.Strings(ops)
	b.write("(")
	for i, op := range ops {
		if i > 0 {
			b.write(" AND ")
		}
		var err error
		v := deref(filter[op])
		if err := checkValue(key, fld, v); err != nil {
			return err
		}
		switch fld.Type {
		case store.ID:
			err = idOp(b, e, col, key, op, v)
		case store.RoleList:
			err = roleOp(b, alias, op, v)
		default:
			err = scalarOp(b, fld, col, op, v)
		}
		if err != nil {
			return err
		}
	}
	b.write(")")
	return nil
}

// scalarOp writes one comparison of a scalar column.
func scalarOp(b *builder, fld store.Field, col, op string, v any) error {
	switch op {
	case "isNull":
		if v.(bool) {
			b.write(col, " IS NULL")
		} else {
			b.write(col, " IS NOT NULL")
		}
		return nil
	case "in", "notIn":
		vals, err := listOf(v)
		if err != nil {
			return err
		}
		if len(vals) == 0 {
			b.write(map[string]string{"in": "1=0", "notIn": "1=1"}[op])
			return nil
		}
		b.write(col, map[string]string{"in": " IN ", "notIn": " NOT IN "}[op]).list(vals)
		return nil
	case "contains":
		b.write(b.dialect.Contains(col)).args = append(b.args, v)
		return nil
	case "startsWith":
		b.write(b.dialect.StartsWith(col)).args = append(b.args, v, v)
		return nil
	}
	sqlOp, ok := comparisons[op]
	if !ok {
		return fmt.Errorf("filter operator %q is not supported", op)
	}
	b.write(col, sqlOp).arg(v)
	return nil
}

var comparisons = map[string]string{"eq": " = ", "neq": " <> ", "gt": " > ", "gte": " >= ", "lt": " < ", "lte": " <= "}

// deref turns the pointers gqlgen uses for nullable input values into
// plain values, and a null of any kind (nil pointer, map or list) into nil.
func deref(v any) any {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return nil
		}
		return rv.Elem().Interface()
	case reflect.Map, reflect.Slice:
		if rv.IsNil() {
			return nil
		}
	}
	return v
}

// listOf turns an "in" list of any scalar Go type into []any.
func listOf(v any) ([]any, error) {
	switch l := v.(type) {
	case []any:
		out := make([]any, len(l))
		for i, x := range l {
			out[i] = deref(x)
		}
		return out, nil
	case []string:
		return toAny(l), nil
	case []int:
		return toAny(l), nil
	case []float64:
		return toAny(l), nil
	case []time.Time:
		return toAny(l), nil
	case []*time.Time: // gqlgen's [Time!]
		return toAny(l), nil
	case []store.Date:
		return toAny(l), nil
	}
	return nil, fmt.Errorf("unexpected list %T", v)
}

func toAny[T any](l []T) []any {
	out := make([]any, len(l))
	for i, x := range l {
		out[i] = x
	}
	return out
}

// idOp filters on global ids, which must be of the entity's own type.
func idOp(b *builder, e *store.Entity, col, key, op string, v any) error {
	switch op {
	case "eq":
		id, err := decodeID(v.(string), e.Name, key)
		if err != nil {
			return err
		}
		b.write(col, " = ").arg(id)
	case "in":
		ids, err := listOf(v)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			b.write("1=0")
			return nil
		}
		rows := make([]any, len(ids))
		for i, id := range ids {
			s, _ := id.(string)
			if rows[i], err = decodeID(s, e.Name, key); err != nil {
				return err
			}
		}
		b.write(col, " IN ").list(rows)
	default:
		return fmt.Errorf("id filter operator %q is not supported", op)
	}
	return nil
}

// roleOp filters on a person's role set through person_roles.
func roleOp(b *builder, alias, op string, v any) error {
	exists := func(roles []any) {
		b.write("EXISTS (SELECT 1 FROM person_roles pr WHERE pr.person_id = ", alias, ".id AND pr.role IN ").list(roles).write(")")
	}
	switch op {
	case "has":
		exists([]any{v})
	case "hasAny", "hasAll":
		roles, err := listOf(v)
		if err != nil {
			return err
		}
		roles = distinct(roles)
		if len(roles) == 0 {
			b.write(map[string]string{"hasAny": "1=0", "hasAll": "1=1"}[op])
			return nil
		}
		if op == "hasAny" {
			exists(roles)
			return nil
		}
		b.write("(SELECT COUNT(*) FROM person_roles pr WHERE pr.person_id = ", alias, ".id AND pr.role IN ").list(roles)
		b.write(") = ").arg(len(roles))
	default:
		return fmt.Errorf("list filter operator %q is not supported", op)
	}
	return nil
}

func distinct(vs []any) []any {
	seen := map[any]bool{}
	out := vs[:0:0]
	for _, v := range vs {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
