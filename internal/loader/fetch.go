package loader

import (
	"context"
	"slices"

	"github.com/civicgraph/civicgraph/internal/query"
	"github.com/civicgraph/civicgraph/internal/store"
)

// row is the constraint of a model pointer type: *T that knows its id.
type row[T any] interface {
	*T
	Keyed
}

// Ref loads a to-one field (Community.region) of obj, an entity row: the
// targets of every row in obj's sibling group come in one statement. fk
// reads a row's foreign key; nil means the field is null.
func Ref[P Keyed, T any, PT row[T]](ctx context.Context, field, entity string, obj P, target string, fk func(P) *int64) (*T, error) {
	id := fk(obj)
	if id == nil {
		return nil, nil
	}
	l := from(ctx)
	g := l.groupOf(entity, obj)
	v, err := l.do(fetchKey(field, nil, g), func() (any, error) {
		var ids []int64
		for _, r := range g.rows {
			if sib, ok := r.(P); ok {
				if fid := fk(sib); fid != nil {
					ids = append(ids, *fid)
				}
			}
		}
		return byIDs[T, PT](ctx, l, target, append(ids, *id))
	})
	if err != nil {
		return nil, err
	}
	return v.(map[int64]*T)[*id], nil
}

// ByIDs loads rows by id in one statement (node, nodes, ancestors), keyed by
// id, and registers them as one sibling group.
func ByIDs[T any, PT row[T]](ctx context.Context, entity string, ids []int64) (map[int64]*T, error) {
	return byIDs[T, PT](ctx, from(ctx), entity, ids)
}

func byIDs[T any, PT row[T]](ctx context.Context, l *Loaders, entity string, ids []int64) (map[int64]*T, error) {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return map[int64]*T{}, nil
	}
	found, err := query.ByIDs[T](ctx, l.db, store.Catalog[entity], ids)
	if err != nil {
		return nil, err
	}
	rows := make([]PT, 0, len(found))
	for _, id := range ids {
		if r, ok := found[id]; ok {
			rows = append(rows, PT(r))
		}
	}
	Register(ctx, entity, rows)
	return found, nil
}

// Page loads obj's page of a nested connection (Community.alliances): the
// pages of every row in obj's sibling group come in one statement, and their
// rows become one sibling group for the next level.
func Page[T any, PT row[T]](ctx context.Context, field, entity string, obj Keyed, target string, link query.Link, a query.Args) (*query.Page[T], error) {
	l := from(ctx)
	g := l.groupOf(entity, obj)
	v, err := l.do(callKey{field: field, args: l.argsKey(a), g: g}, func() (any, error) {
		pages, err := query.FindNested[T](ctx, l.db, store.Catalog[target], link, g.ids, a)
		if err != nil {
			return nil, err
		}
		var rows []PT
		for _, id := range g.ids {
			for _, n := range pages[id].Nodes {
				rows = append(rows, PT(n))
			}
		}
		Register(ctx, target, rows)
		return pages, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(map[int64]*query.Page[T])[obj.Key()], nil
}

// Totals loads obj's count and aggregates of a nested connection, for the
// whole sibling group in one grouped statement.
func Totals(ctx context.Context, field, entity string, obj Keyed, target string, link query.Link, where map[string]any, ms []query.Measure) (*query.Totals, error) {
	l := from(ctx)
	g := l.groupOf(entity, obj)
	v, err := l.do(fetchKey("totals:"+field, []any{where, ms}, g), func() (any, error) {
		return query.AggregateNested(ctx, l.db, store.Catalog[target], link, g.ids, where, ms)
	})
	if err != nil {
		return nil, err
	}
	return v.(map[int64]*query.Totals)[obj.Key()], nil
}

// List loads obj's rows of a plain list field (Person.positions,
// Membership.commitments) in a fixed order, for the whole sibling group in
// one statement.
func List[T any, PT row[T]](ctx context.Context, field, entity string, obj Keyed, target string, link query.Link, order query.ListOrder) ([]*T, error) {
	l := from(ctx)
	g := l.groupOf(entity, obj)
	v, err := l.do(fetchKey(field, nil, g), func() (any, error) {
		lists, err := query.ListBy[T](ctx, l.db, store.Catalog[target], link, g.ids, order)
		if err != nil {
			return nil, err
		}
		var rows []PT
		for _, id := range g.ids {
			for _, n := range lists[id] {
				rows = append(rows, PT(n))
			}
		}
		Register(ctx, target, rows)
		return lists, nil
	})
	if err != nil {
		return nil, err
	}
	out := v.(map[int64][]*T)[obj.Key()]
	if out == nil {
		out = []*T{}
	}
	return out, nil
}

// LineageLink is one step of a mentor lineage with its rows loaded.
type LineageLink struct {
	Depth      int
	Mentor     *store.Person
	Trainee    *store.Person
	Mentorship *store.Mentorship
}

// Lineage loads obj's mentor lineage to the given depth (0: all), for the
// whole sibling group: one recursive statement, then the people and
// mentorships it names in one statement each.
func Lineage(ctx context.Context, obj *store.Person, depth int) ([]LineageLink, error) {
	l := from(ctx)
	g := l.groupOf("Person", obj)
	v, err := l.do(fetchKey("Person.mentorLineage", depth, g), func() (any, error) {
		walks, err := query.Lineage(ctx, l.db, g.ids, depth)
		if err != nil {
			return nil, err
		}
		var people, ships []int64
		for _, links := range walks {
			for _, k := range links {
				people = append(people, k.MentorID, k.TraineeID)
				ships = append(ships, k.MentorshipID)
			}
		}
		ps, err := byIDs[store.Person](ctx, l, "Person", people)
		if err != nil {
			return nil, err
		}
		ms, err := byIDs[store.Mentorship](ctx, l, "Mentorship", ships)
		if err != nil {
			return nil, err
		}
		out := map[int64][]LineageLink{}
		for root, links := range walks {
			for _, k := range links {
				out[root] = append(out[root], LineageLink{Depth: k.Depth, Mentor: ps[k.MentorID], Trainee: ps[k.TraineeID], Mentorship: ms[k.MentorshipID]})
			}
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(map[int64][]LineageLink)[obj.RowID], nil
}

// Group loads a computed field of obj (Region.summary) for the whole sibling
// group at once: fetch gets the ids of every row in obj's group and returns
// the value of each.
func Group[V any](ctx context.Context, field, entity string, obj Keyed, args any, fetch func(ids []int64) (map[int64]V, error)) (V, error) {
	l := from(ctx)
	g := l.groupOf(entity, obj)
	v, err := l.do(fetchKey(field, args, g), func() (any, error) { return fetch(g.ids) })
	if err != nil {
		var zero V
		return zero, err
	}
	return v.(map[int64]V)[obj.Key()], nil
}
