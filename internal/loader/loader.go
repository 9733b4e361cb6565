// Package loader batches the reads of one GraphQL request without waiting on
// timers: rows fetched together by one statement form a sibling group, and
// when a resolver asks for a field of one row (its region, its alliances, its
// members), the field is fetched for the whole group in one statement and
// remembered for the others. So a nested query costs one statement per field
// and level, the same for 5 parents as for 50, and deterministically so: no
// batch window to miss under load (which is why this replaces time-windowed
// dataloaders such as dataloadgen). Loaders live for one request; nothing is
// cached across requests.
package loader

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"sync"
	"unsafe"

	"github.com/civicgraph/civicgraph/internal/query"
	"github.com/civicgraph/civicgraph/internal/store"
)

// Loaders are one request's sibling groups and fetched results.
type Loaders struct {
	db store.Querier

	mu     sync.Mutex
	groups map[string]map[int64]*group // entity -> row id -> the group it was first fetched in
	calls  map[callKey]*call           // a fetch -> its (possibly running) result
	args   map[argsIdentity]string     // connection arguments already encoded for a key
}

// argsIdentity is a connection's arguments by identity: the pointers,
// maps and slices they are made of. Siblings resolved by graph.Direct
// share one set of arguments, so their fetch keys need one encoding, not
// one per sibling; equal identities have equal values (nothing changes
// arguments once coerced), while equal values with different identities
// (gqlgen coerces arguments anew for each sibling) are each encoded and
// still give the same key. The identities are pointers the garbage
// collector sees, so what they point to stays alive, and its address is
// not reused, as long as the loaders are.
type argsIdentity struct {
	first, last       *int
	after, before     *string
	where, orderBy    unsafe.Pointer
	orderByLen        int
	includingArchived bool
}

// callKey names a fetch: the field, its arguments (canonical JSON, empty
// when it has none) and the sibling group it fetches for.
type callKey struct {
	field string
	args  string
	g     *group
}

// group is the rows of one entity type that one statement returned.
type group struct {
	ids  []int64
	rows []any
}

// call is one fetch, shared by every resolver that needs it.
type call struct {
	done chan struct{}
	val  any
	err  error
}

// New returns empty loaders reading from db.
func New(db store.Querier) *Loaders {
	return &Loaders{db: db, groups: map[string]map[int64]*group{}, calls: map[callKey]*call{}, args: map[argsIdentity]string{}}
}

type ctxKey struct{}

// With returns ctx carrying l.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// Middleware gives every request its own loaders.
func Middleware(db store.Querier, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(With(r.Context(), New(db))))
	})
}

// from returns the request's loaders.
func from(ctx context.Context) *Loaders {
	l, _ := ctx.Value(ctxKey{}).(*Loaders)
	if l == nil {
		panic("loader: no loaders in the context; wrap the handler with loader.Middleware")
	}
	return l
}

// DB returns the request's store.
func DB(ctx context.Context) store.Querier { return from(ctx).db }

// Keyed is a row that knows its id: every store entity.
type Keyed interface{ Key() int64 }

// Register records rows of entity, fetched together, as one sibling group.
func Register[R Keyed](ctx context.Context, entity string, rows []R) {
	if len(rows) == 0 {
		return
	}
	g := &group{ids: make([]int64, len(rows)), rows: make([]any, len(rows))}
	for i, r := range rows {
		g.ids[i], g.rows[i] = r.Key(), r
	}
	l := from(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	byID := l.entityGroups(entity, len(g.ids))
	for _, id := range g.ids {
		// The first group a row was fetched in stays its group: siblings
		// resolving the same level later must find the same group, or they
		// would each start a statement of their own.
		if _, ok := byID[id]; !ok {
			byID[id] = g
		}
	}
}

// entityGroups returns the groups of entity's rows by id (l.mu held). Rows
// are looked up by entity first and then by id, so that a nested answer's
// hundreds of lookups hash an integer, not a string each.
func (l *Loaders) entityGroups(entity string, size int) map[int64]*group {
	byID := l.groups[entity]
	if byID == nil {
		byID = make(map[int64]*group, size)
		l.groups[entity] = byID
	}
	return byID
}

// groupOf returns the sibling group of a row (a group of its own when it was
// never registered).
func (l *Loaders) groupOf(entity string, row Keyed) *group {
	l.mu.Lock()
	defer l.mu.Unlock()
	byID := l.entityGroups(entity, 1)
	if g, ok := byID[row.Key()]; ok {
		return g
	}
	g := &group{ids: []int64{row.Key()}, rows: []any{row}}
	byID[row.Key()] = g
	return g
}

// do runs fetch once per key for the request; concurrent callers of the same
// key wait for the first.
func (l *Loaders) do(key callKey, fetch func() (any, error)) (any, error) {
	l.mu.Lock()
	if c, ok := l.calls[key]; ok {
		l.mu.Unlock()
		<-c.done
		return c.val, c.err
	}
	c := &call{done: make(chan struct{})}
	l.calls[key] = c
	l.mu.Unlock()
	defer close(c.done)
	c.val, c.err = fetch()
	return c.val, c.err
}

// argsKey is fetchKey's encoding of connection arguments, remembered by
// their identity for the request.
func (l *Loaders) argsKey(a query.Args) string {
	id := argsIdentity{
		first: a.First, last: a.Last, after: a.After, before: a.Before,
		where: reflect.ValueOf(a.Where).UnsafePointer(), orderBy: reflect.ValueOf(a.OrderBy).UnsafePointer(),
		orderByLen: len(a.OrderBy), includingArchived: a.IncludeArchived,
	}
	l.mu.Lock()
	k, ok := l.args[id]
	l.mu.Unlock()
	if ok {
		return k
	}
	b, _ := json.Marshal(a)
	l.mu.Lock()
	l.args[id] = string(b)
	l.mu.Unlock()
	return string(b)
}

// fetchKey names a fetch: the field, its arguments and the sibling group.
// Arguments are compared as their JSON, so that siblings asking with equal
// values (each resolver call has its own copy) share the fetch; a field
// without arguments (nil) skips the encoding, which to-one fields, the
// most frequent by far, never need.
func fetchKey(field string, args any, g *group) callKey {
	if args == nil {
		return callKey{field: field, g: g}
	}
	b, _ := json.Marshal(args)
	return callKey{field: field, args: string(b), g: g}
}
