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
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/civicgraph/civicgraph/internal/store"
)

// Loaders are one request's sibling groups and fetched results.
type Loaders struct {
	db store.Querier

	mu     sync.Mutex
	groups map[string]*group // "Entity:rowid" -> the group it was first fetched in
	calls  map[string]*call  // fetch key -> its (possibly running) result
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
	return &Loaders{db: db, groups: map[string]*group{}, calls: map[string]*call{}}
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

func rowKey(entity string, id int64) string { return entity + ":" + strconv.FormatInt(id, 10) }

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
	for _, id := range g.ids {
		// The first group a row was fetched in stays its group: siblings
		// resolving the same level later must find the same group, or they
		// would each start a statement of their own.
		if _, ok := l.groups[rowKey(entity, id)]; !ok {
			l.groups[rowKey(entity, id)] = g
		}
	}
}

// groupOf returns the sibling group of a row (a group of its own when it was
// never registered).
func (l *Loaders) groupOf(entity string, row Keyed) *group {
	l.mu.Lock()
	defer l.mu.Unlock()
	if g, ok := l.groups[rowKey(entity, row.Key())]; ok {
		return g
	}
	g := &group{ids: []int64{row.Key()}, rows: []any{row}}
	l.groups[rowKey(entity, row.Key())] = g
	return g
}

// do runs fetch once per key for the request; concurrent callers of the same
// key wait for the first.
func (l *Loaders) do(key string, fetch func() (any, error)) (any, error) {
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

// fetchKey names a fetch: the field, its arguments and the sibling group.
func fetchKey(field string, args any, g *group) string {
	b, _ := json.Marshal(args)
	return fmt.Sprintf("%s|%s|%p", field, b, g)
}
