package graph

import (
	"context"
	"reflect"
	"strings"

	"github.com/civicgraph/civicgraph/graph/model"
	"github.com/civicgraph/civicgraph/internal/loader"
	"github.com/civicgraph/civicgraph/internal/query"
	"github.com/civicgraph/civicgraph/internal/store"
)

// The helpers here keep every resolver to one line: a root connection reads
// its page directly; nested connections, lists and to-one fields go through
// the request's loaders so that all siblings share one statement. Field names
// are "Parent.field"; the target entity is the Go type's name.

// args bundles a connection field's arguments.
func args(first *int, after *string, last *int, before *string, where map[string]any, orderBy []map[string]any) query.Args {
	return query.Args{First: first, After: after, Last: last, Before: before, Where: where, OrderBy: orderBy}
}

// connection is the shape of every <Type>Connection Go type.
type connection[T any] interface {
	~struct{ *model.Connection[T] }
}

// row is a model pointer type that knows its id.
type row[T any] interface {
	*T
	loader.Keyed
}

// entityOf is the catalog name of a model type: its Go type name.
func entityOf[T any]() string { return reflect.TypeFor[T]().Name() }

// parentOf is the entity of the parent in a "Parent.field" name.
func parentOf(field string) string { p, _, _ := strings.Cut(field, "."); return p }

// root reads one page of a root connection.
func root[C connection[T], T any, PT row[T]](ctx context.Context, db *store.DB, a query.Args) (*C, error) {
	e := store.Catalog[entityOf[T]()]
	page, err := query.Find[T](ctx, db, e, a)
	if err != nil {
		return nil, err
	}
	register[T, PT](ctx, page.Nodes)
	c := C{model.NewConnection(page, func(ctx context.Context, ms []query.Measure) (*query.Totals, error) {
		return query.Aggregate(ctx, db, e, a.Where, ms)
	})}
	return &c, nil
}

// byCode reads one row by its code (null when there is none).
func byCode[T any, PT row[T]](ctx context.Context, db *store.DB, code string) (*T, error) {
	r, err := query.ByCode[T](ctx, db, store.Catalog[entityOf[T]()], code)
	if r != nil {
		register[T, PT](ctx, []*T{r})
	}
	return r, err
}

func register[T any, PT row[T]](ctx context.Context, nodes []*T) {
	rows := make([]PT, len(nodes))
	for i, n := range nodes {
		rows[i] = PT(n)
	}
	loader.Register(ctx, entityOf[T](), rows)
}

// nested reads obj's page of a nested connection named field.
func nested[C connection[T], T any, PT row[T]](ctx context.Context, field string, obj loader.Keyed, link query.Link, a query.Args) (*C, error) {
	target := entityOf[T]()
	page, err := loader.Page[T, PT](ctx, field, parentOf(field), obj, target, link, a)
	if err != nil {
		return nil, err
	}
	c := C{model.NewConnection(page, func(ctx context.Context, ms []query.Measure) (*query.Totals, error) {
		return loader.Totals(ctx, field, parentOf(field), obj, target, link, a.Where, ms)
	})}
	return &c, nil
}

// ref reads obj's to-one field, following the foreign key fk returns.
func ref[T any, PT row[T], P loader.Keyed](ctx context.Context, field string, obj P, fk func(P) *int64) (*T, error) {
	return loader.Ref[P, T, PT](ctx, field, parentOf(field), obj, entityOf[T](), fk)
}

// list reads obj's rows of a plain list field in the given order.
func list[T any, PT row[T]](ctx context.Context, field string, obj loader.Keyed, link query.Link, order ...string) ([]*T, error) {
	return loader.List[T, PT](ctx, field, parentOf(field), obj, entityOf[T](), link, order)
}

// fk links children to parents through a foreign key column of the child.
func fk(column string) query.Link { return query.Link{FK: column} }

// subtree links a region to every row under it.
var subtree = query.Link{Subtree: true}

// through links parents to children through a pairing table.
func through(table, parentCol, childCol string) query.Link {
	return query.Link{Through: table, ThroughParent: parentCol, ThroughChild: childCol}
}
