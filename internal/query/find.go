package query

import (
	"context"
	"fmt"
	"github.com/civicgraph/civicgraph/internal/auth"
	"slices"

	"github.com/civicgraph/civicgraph/internal/store"
)

// Page is one page of a connection: its rows in order, each row's cursor,
// and whether there are rows beyond it.
type Page[T any] struct {
	Nodes           []*T
	HasNextPage     bool
	HasPreviousPage bool

	// Cursors are encoded only when asked for: most clients never select
	// edges or pageInfo, and a nested answer has a cursor for every row.
	order ordering
	keys  [][]any // per node, its values of the client's order
}

// Cursor is the cursor of the i-th node.
func (p *Page[T]) Cursor(i int) string { return p.order.encodeCursor(p.keys[i]) }

// Cursors are the cursors of every node, in order.
func (p *Page[T]) Cursors() []string {
	out := make([]string, len(p.keys))
	for i := range p.keys {
		out[i] = p.Cursor(i)
	}
	return out
}

// plan is a connection query prepared from its arguments.
type plan struct {
	order   ordering // the order rows are read in (reversed for last/before)
	client  ordering // the order the client asked for
	forward bool
	limit   int
	after   []any // rows strictly after these values (in read order)
	before  []any // rows strictly before these values (in read order)
	last    *int  // first and last together: keep the last n of the first page
}

func newPlan(who *auth.Principal, e *store.Entity, a Args) (*plan, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	o, err := orderOf(who, e, a.OrderBy)
	if err != nil {
		return nil, err
	}
	p := &plan{client: o, order: o}
	p.forward, p.limit = a.forward()
	if a.First != nil && a.Last != nil {
		p.last = a.Last
	}
	var after, before []any
	if a.After != nil {
		if after, err = o.decodeCursor(*a.After, "after"); err != nil {
			return nil, err
		}
	}
	if a.Before != nil {
		if before, err = o.decodeCursor(*a.Before, "before"); err != nil {
			return nil, err
		}
	}
	if p.forward {
		p.after, p.before = after, before
	} else {
		p.order = o.reversed()
		p.after, p.before = before, after
	}
	return p, nil
}

// writeConditions writes the where filter (with the archived rows of e
// when archived) and the cursor bounds.
func (p *plan) writeConditions(b *builder, e *store.Entity, w map[string]any, archived bool) error {
	b.write(" AND ")
	if err := filter(b, e, "t", w, archived); err != nil {
		return err
	}
	if p.after != nil {
		b.write(" AND ")
		p.order.writeAfter(b, "t", p.after)
	}
	if p.before != nil {
		b.write(" AND ")
		p.order.reversed().writeAfter(b, "t", p.before)
	}
	return nil
}

// Find reads one page of a root connection: live rows, and archived ones
// too with a.IncludeArchived.
func Find[T any](ctx context.Context, q store.Querier, e *store.Entity, a Args) (*Page[T], error) {
	p, err := newPlan(auth.From(ctx), e, a)
	if err != nil {
		return nil, err
	}
	b := newBuilder(ctx, q.Dialect())
	b.write("SELECT ")
	selectColumns(b, "t", store.Columns[T]())
	p.order.writeKeys(b, "t")
	b.write(" FROM ", e.Table, " t WHERE 1=1")
	if err := p.writeConditions(b, e, a.Where, a.IncludeArchived); err != nil {
		return nil, err
	}
	b.write(" ORDER BY ")
	p.order.writeOrderBy(b, "t")
	b.write(fmt.Sprintf(" LIMIT %d", p.limit+1))
	rows, err := q.Query(ctx, b.String(), b.args...)
	if err != nil {
		return nil, fmt.Errorf("find %s: %w", e.Name, err)
	}
	nodes, extras, err := store.ScanRows[T](rows)
	if err != nil {
		return nil, fmt.Errorf("find %s: %w", e.Name, err)
	}
	return makePage(p, nodes, extras, a), nil
}

// FindNested reads the page of a nested connection for every parent at once,
// in one statement: a window function numbers each parent's rows. It lists
// live rows only, whatever a.IncludeArchived says.
func FindNested[T any](ctx context.Context, q store.Querier, e *store.Entity, l Link, parents []int64, a Args) (map[int64]*Page[T], error) {
	p, err := newPlan(auth.From(ctx), e, a)
	if err != nil {
		return nil, err
	}
	b := newBuilder(ctx, q.Dialect())
	inner := newBuilder(ctx, q.Dialect())
	parentExpr := l.writeFrom(inner, e, parents)
	if err := p.writeConditions(inner, e, a.Where, false); err != nil {
		return nil, err
	}
	b.write("SELECT * FROM (SELECT ")
	selectColumns(b, "t", store.Columns[T]())
	p.order.writeKeys(b, "t")
	b.write(", ", parentExpr, " AS __parent, ROW_NUMBER() OVER (PARTITION BY ", parentExpr, " ORDER BY ")
	p.order.writeOrderBy(b, "t")
	b.write(") AS __rn")
	b.write(inner.String())
	b.args = append(b.args, inner.args...)
	b.write(fmt.Sprintf(") x WHERE __rn <= %d ORDER BY __parent, __rn", p.limit+1))
	rows, err := q.Query(ctx, b.String(), b.args...)
	if err != nil {
		return nil, fmt.Errorf("find nested %s: %w", e.Name, err)
	}
	nodes, extras, err := store.ScanRows[T](rows)
	if err != nil {
		return nil, fmt.Errorf("find nested %s: %w", e.Name, err)
	}
	byParent := map[int64][]int{}
	nk := len(p.order)
	for i, ex := range extras {
		parent := toInt64(ex[nk])
		byParent[parent] = append(byParent[parent], i)
	}
	out := make(map[int64]*Page[T], len(parents))
	for _, parent := range parents {
		idx := byParent[parent]
		ns := make([]*T, len(idx))
		xs := make([][]any, len(idx))
		for j, i := range idx {
			ns[j], xs[j] = nodes[i], extras[i][:nk]
		}
		out[parent] = makePage(p, ns, xs, a)
	}
	return out, nil
}

// makePage turns the rows read (up to limit+1, in read order) into the
// page the client asked for, in the client's order.
func makePage[T any](p *plan, nodes []*T, extras [][]any, a Args) *Page[T] {
	more := len(nodes) > p.limit
	if more {
		nodes, extras = nodes[:p.limit], extras[:p.limit]
	}
	if !p.forward {
		slices.Reverse(nodes)
		slices.Reverse(extras)
	}
	if p.last != nil && len(nodes) > *p.last {
		// first and last together: the last n of the first page.
		cut := len(nodes) - *p.last
		nodes, extras = nodes[cut:], extras[cut:]
		more = true
	}
	pg := &Page[T]{Nodes: nodes, order: p.client, keys: make([][]any, len(nodes))}
	for i, ex := range extras {
		pg.keys[i] = ex[:len(p.client)]
	}
	if p.forward {
		pg.HasNextPage = more && p.last == nil
		pg.HasPreviousPage = a.After != nil || (p.last != nil && more)
	} else {
		pg.HasPreviousPage = more
		pg.HasNextPage = a.Before != nil
	}
	return pg
}

func toInt64(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int:
		return int64(n)
	case float64:
		return int64(n)
	}
	return 0
}
