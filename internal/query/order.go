package query

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/civicgraph/civicgraph/internal/auth"
	"strings"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/store"
)

// orderKey is one column of a connection's order.
type orderKey struct {
	column string // column of the entity's table
	desc   bool
}

// ordering is a connection's full order: the client's keys, then the id, so
// that no two rows tie and paging is stable.
type ordering []orderKey

// orderOf translates orderBy ([{field: PEOPLE_SERVED, direction: DESC}, ...]).
func orderOf(who *auth.Principal, e *store.Entity, orderBy []map[string]any) (ordering, error) {
	var o ordering
	hasID := false
	for _, item := range orderBy {
		field, _ := item["field"].(string)
		name := camel(field)
		fld, ok := e.Fields[name]
		if !ok || fld.Type == store.RoleList {
			return nil, fmt.Errorf("order %s: no orderable field %q in the catalog", e.Name, field)
		}
		if fld.PII && !who.ReadsPII() {
			return nil, piiForbidden(e, name, "ordering by")
		}
		dir, _ := item["direction"].(string)
		o = append(o, orderKey{column: fld.Column, desc: dir == "DESC"})
		hasID = hasID || fld.Column == "id"
		if hasID {
			break // the id is unique: later keys can never matter
		}
	}
	if !hasID {
		o = append(o, orderKey{column: "id"})
	}
	return o, nil
}

// camel turns an order field enum value (PEOPLE_SERVED) into the GraphQL
// field name it stands for (peopleServed).
func camel(s string) string {
	parts := strings.Split(strings.ToLower(s), "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// reversed is the same order read from the other end (for last/before).
func (o ordering) reversed() ordering {
	r := make(ordering, len(o))
	for i, k := range o {
		r[i] = orderKey{column: k.column, desc: !k.desc}
	}
	return r
}

// writeOrderBy writes the ORDER BY list. NULL sorts as if it were larger than
// every value (last going up, first going down), on both stores alike.
func (o ordering) writeOrderBy(b *builder, alias string) {
	for i, k := range o {
		if i > 0 {
			b.write(", ")
		}
		if k.desc {
			b.write(alias, ".", k.column, " DESC NULLS FIRST")
		} else {
			b.write(alias, ".", k.column, " ASC NULLS LAST")
		}
	}
}

// writeKeys writes the order columns as extra select columns __k0, __k1, ...
// whose values make up each row's cursor.
func (o ordering) writeKeys(b *builder, alias string) {
	for i, k := range o {
		b.write(", ", alias, ".", k.column, fmt.Sprintf(" AS __k%d", i))
	}
}

// writeAfter writes the condition "row comes strictly after the cursor
// values" in this order, with NULL as the largest value.
func (o ordering) writeAfter(b *builder, alias string, vals []any) {
	b.write("(")
	for i := range o {
		if i > 0 {
			b.write(" OR ")
		}
		b.write("(")
		for j := 0; j < i; j++ {
			col := alias + "." + o[j].column
			if vals[j] == nil {
				b.write(col, " IS NULL AND ")
			} else {
				b.write(col, " = ").arg(vals[j]).write(" AND ")
			}
		}
		o.writeBeyond(b, alias+"."+o[i].column, o[i].desc, vals[i])
		b.write(")")
	}
	b.write(")")
}

// writeBeyond writes "col comes strictly after v" for one key.
func (o ordering) writeBeyond(b *builder, col string, desc bool, v any) {
	switch {
	case v == nil && !desc:
		b.write("1=0") // nothing is larger than NULL
	case v == nil && desc:
		b.write(col, " IS NOT NULL")
	case !desc:
		b.write("(", col, " > ").arg(v).write(" OR ", col, " IS NULL)")
	default:
		b.write(col, " < ").arg(v)
	}
}

// A cursor holds a row's order values and a fingerprint of the order it was
// made under, so that a cursor from another order is refused, not misread.
type cursor struct {
	Order string `json:"o"`
	Vals  []any  `json:"v"`
}

func (o ordering) fingerprint() string {
	var s strings.Builder
	for _, k := range o {
		s.WriteString(k.column)
		if k.desc {
			s.WriteString("-")
		}
		s.WriteString(",")
	}
	sum := sha256.Sum256([]byte(s.String()))
	return base64.RawURLEncoding.EncodeToString(sum[:6])
}

func (o ordering) encodeCursor(vals []any) string {
	raw, _ := json.Marshal(cursor{Order: o.fingerprint(), Vals: vals})
	return base64.RawURLEncoding.EncodeToString(raw)
}

// decodeCursor reads a cursor made by encodeCursor under the same order.
func (o ordering) decodeCursor(s, arg string) ([]any, error) {
	bad := apperr.Invalid("%s: %q is not a cursor of this connection and order", arg, s)
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var c cursor
	if err := dec.Decode(&c); err != nil || c.Order != o.fingerprint() || len(c.Vals) != len(o) {
		return nil, bad
	}
	for i, v := range c.Vals {
		if n, ok := v.(json.Number); ok {
			if iv, err := n.Int64(); err == nil {
				c.Vals[i] = iv
			} else if fv, err := n.Float64(); err == nil {
				c.Vals[i] = fv
			} else {
				return nil, bad
			}
		}
		checked, ok := cursorValue(o[i].column, c.Vals[i])
		if !ok {
			return nil, bad
		}
		c.Vals[i] = checked
	}
	return c.Vals, nil
}
