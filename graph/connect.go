package graph

import (
	"context"
	"fmt"
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

// rootArgs bundles a root connection's arguments: those of args, and
// includeArchived, which keeps the archived rows of the connection's own
// type (null and false: live rows only).
func rootArgs(first *int, after *string, last *int, before *string, where map[string]any, orderBy []map[string]any, includeArchived *bool) query.Args {
	a := args(first, after, last, before, where, orderBy)
	a.IncludeArchived = includeArchived != nil && *includeArchived
	return a
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
		return query.AggregateRoot(ctx, db, e, a, ms)
	})}
	return &c, nil
}

// byCode reads one row by its code (null when there is none, or it is
// archived).
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

// ref reads obj's to-one field, following the foreign key fk returns. A
// link to an archived row reads as null, except from an archived row (one
// a root connection lists with includeArchived): that one shows the rows
// it links to, archived or not, as it was when archived. Its required
// links must resolve (a mentorship's studio, a membership's alliance),
// and the write path archives a row only after the rows that refer to it.
func ref[T any, PT row[T], P loader.Keyed](ctx context.Context, field string, obj P, fk func(P) *int64) (*T, error) {
	r, err := loader.Ref[P, T, PT](ctx, field, parentOf(field), obj, entityOf[T](), fk)
	if err != nil || r != nil || fk(obj) == nil || !archivedRow(obj) {
		return r, err
	}
	return archivedRef[T, PT](ctx, field, obj, *fk(obj))
}

// archivedRow says whether a model row is archived (its ArchivedAt is set).
func archivedRow(obj any) bool {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return false
	}
	f := v.Elem().FieldByName("ArchivedAt")
	return f.IsValid() && f.Kind() == reflect.Pointer && !f.IsNil()
}

// archivedRef reads the row an archived row's to-one field links to,
// archived or not (and still only one the principal may see), for obj's
// whole sibling group at once: the group's archived rows' foreign keys
// (the relation's column in the catalog), then their targets.
func archivedRef[T any, PT row[T]](ctx context.Context, field string, obj loader.Keyed, id int64) (*T, error) {
	target, db := store.Catalog[entityOf[T]()], loader.DB(ctx)
	parent := store.Catalog[parentOf(field)]
	var rel store.Relation
	if parent != nil {
		rel = parent.Relations[strings.TrimPrefix(field, parentOf(field)+".")]
	}
	if rel.Column == "" || !query.Archivable(parent) {
		return query.ByIDAny[T](ctx, db, target, id)
	}
	links, err := loader.Group(ctx, field+":archived", parent.Name, obj, nil, func(ids []int64) (map[int64]*T, error) {
		keys, err := archivedKeys(ctx, db, parent, rel.Column, ids)
		if err != nil {
			return nil, err
		}
		targets := make([]int64, 0, len(keys))
		for _, k := range keys {
			targets = append(targets, k)
		}
		found, err := query.ByIDsAny[T](ctx, db, target, targets)
		if err != nil {
			return nil, err
		}
		rows := make([]*T, 0, len(found))
		out := make(map[int64]*T, len(keys))
		for row, k := range keys {
			if t, ok := found[k]; ok {
				out[row] = t
				rows = append(rows, t)
			}
		}
		register[T, PT](ctx, rows)
		return out, nil
	})
	return links, err
}

// archivedKeys reads the foreign key column of the archived rows among ids
// of e's table: row id → linked id.
func archivedKeys(ctx context.Context, db store.Querier, e *store.Entity, column string, ids []int64) (map[int64]int64, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	in := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	rows, err := db.Query(ctx, "SELECT t.id, t."+column+" FROM "+e.Table+" t WHERE t.id IN ("+in+") AND t.archived_at IS NOT NULL AND t."+
		column+" IS NOT NULL", args...)
	if err != nil {
		return nil, fmt.Errorf("load %s links of archived rows: %w", e.Name, err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var row, link int64
		if err := rows.Scan(&row, &link); err != nil {
			return nil, fmt.Errorf("load %s links of archived rows: %w", e.Name, err)
		}
		out[row] = link
	}
	return out, rows.Err()
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
