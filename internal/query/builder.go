// Package query turns GraphQL connection arguments (where, orderBy, first,
// after, last, before) and aggregate requests into SQL for any entity of the
// store's catalog: one translator for all types, user values only ever bound
// as parameters, cursors that make paging stable.
package query

import (
	"context"
	"strconv"
	"strings"

	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/store"
)

// builder accumulates SQL text and its bound arguments. Values are always
// added with arg/args, which write a ? placeholder: nothing a client sends is
// ever spliced into the SQL text.
type builder struct {
	sql     strings.Builder
	args    []any
	dialect store.Dialect
	aliases int
	// negated counts the NOTs around what is being written.
	negated int
	// who is the principal the statement is for: its visibility is ANDed
	// into every table read, and it decides whether personal data may be
	// filtered, ordered or aggregated on. nil: an in-process caller.
	who *auth.Principal
}

// newBuilder starts a statement for the principal ctx carries.
func newBuilder(ctx context.Context, d store.Dialect) *builder {
	return &builder{dialect: d, who: auth.From(ctx)}
}

func (b *builder) write(parts ...string) *builder {
	for _, p := range parts {
		b.sql.WriteString(p)
	}
	return b
}

// arg writes a placeholder for v.
func (b *builder) arg(v any) *builder {
	b.sql.WriteByte('?')
	b.args = append(b.args, v)
	return b
}

// frag writes SQL with ? placeholders and their arguments.
func (b *builder) frag(sql string, args []any) *builder {
	b.sql.WriteString(sql)
	b.args = append(b.args, args...)
	return b
}

// list writes "(?, ?, ...)" for vs.
func (b *builder) list(vs []any) *builder {
	b.sql.WriteByte('(')
	for i, v := range vs {
		if i > 0 {
			b.sql.WriteString(", ")
		}
		b.arg(v)
	}
	b.sql.WriteByte(')')
	return b
}

// alias returns a fresh table alias for a subquery.
func (b *builder) alias() string {
	b.aliases++
	return "t" + strconv.Itoa(b.aliases)
}

func (b *builder) String() string { return b.sql.String() }

// selectColumns writes "a.c1, a.c2, ..." for the columns of a model.
func selectColumns(b *builder, alias string, cols []string) {
	for i, c := range cols {
		if i > 0 {
			b.write(", ")
		}
		b.write(alias, ".", c)
	}
}
