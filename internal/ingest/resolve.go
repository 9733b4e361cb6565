package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/civicgraph/civicgraph/internal/store"
)

// Lines refer to each other by code; rows by id. The resolver turns codes
// into ids (and, for the types others copy a region path from, into that
// path too) a batch at a time: one query per referenced type per batch, for
// the codes its cache does not hold yet. A million service records that name
// the same thousand communities cost a thousand community lookups, not a
// million. Caches are bounded: past maxCached entries a type's cache starts
// over, so memory does not grow with the number of people a file names.

const maxCached = 200_000

// target is what a code resolves to.
type target struct {
	id       int64
	path     string // the region path rows copy from it ("" when not a path source)
	archived bool   // the row is archived: live rows may not refer to it
}

type resolver struct {
	q      store.Querier
	caches []map[string]target
	sql    map[[2]int]string // (entity, list size) → lookup query
	codes  []string          // scratch
	args   []any             // scratch
}

func newResolver(q store.Querier) *resolver {
	r := &resolver{q: q, caches: make([]map[string]target, len(entities)), sql: map[[2]int]string{}}
	for i := range r.caches {
		r.caches[i] = map[string]target{}
	}
	return r
}

// get returns the cached target of code.
func (r *resolver) get(e *entity, code string) (target, bool) {
	t, ok := r.caches[e.index][code]
	return t, ok
}

// put caches what code resolves to.
func (r *resolver) put(e *entity, code string, t target) {
	r.caches[e.index][code] = t
}

// forget drops the cache of e, whose rows' paths may have changed.
func (r *resolver) forget(e *entity) {
	clear(r.caches[e.index])
}

// load makes the cache of e hold every code of codes that exists in the
// store. Codes that do not exist are simply not cached.
func (r *resolver) load(ctx context.Context, e *entity, codes []string) error {
	cache := r.caches[e.index]
	if len(cache) > maxCached {
		clear(cache)
	}
	missing := r.codes[:0]
	for _, c := range codes {
		if _, ok := cache[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	missing = slices.Compact(missing)
	r.codes = missing
	for len(missing) > 0 {
		n := min(len(missing), lookupChunk)
		if err := r.query(ctx, e, missing[:n]); err != nil {
			return err
		}
		missing = missing[n:]
	}
	return nil
}

// lookupChunk is the most codes one lookup binds.
const lookupChunk = 1024

// query looks up one chunk of codes. The IN list is padded to a few fixed
// sizes (repeating a code) so that the statements repeat and stay prepared.
func (r *resolver) query(ctx context.Context, e *entity, codes []string) error {
	size := padded(len(codes))
	args := r.args[:0]
	for i := range size {
		args = append(args, codes[min(i, len(codes)-1)])
	}
	r.args = args
	key := [2]int{e.index, size}
	q, ok := r.sql[key]
	if !ok {
		q = fmt.Sprintf("SELECT %s FROM %s WHERE code IN (%s)", e.targetColumns(), e.table, placeholders(size))
		r.sql[key] = q
	}
	rows, err := r.q.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("look up %s codes: %w", e.name, err)
	}
	return scanTargets(rows, e, r.caches[e.index], nil)
}

// targetColumns are what a lookup (or an upsert's RETURNING) reads of a
// row: id, code, archived flag and, for a path source, its region path.
func (e *entity) targetColumns() string {
	cols := "id, code, CASE WHEN archived_at IS NULL THEN 0 ELSE 1 END"
	if e.pathSource {
		cols += ", " + e.pathColumn
	}
	return cols
}

// scanTargets reads targetColumns rows into cache (when it is not nil),
// calling seen with each row's id.
func scanTargets(rows *sql.Rows, e *entity, cache map[string]target, seen func(id int64)) error {
	defer rows.Close()
	for rows.Next() {
		var (
			t        target
			code     string
			archived int
			err      error
		)
		if e.pathSource {
			err = rows.Scan(&t.id, &code, &archived, &t.path)
		} else {
			err = rows.Scan(&t.id, &code, &archived)
		}
		if err != nil {
			return fmt.Errorf("read %s ids: %w", e.name, err)
		}
		t.archived = archived != 0
		if cache != nil {
			cache[code] = t
		}
		if seen != nil {
			seen(t.id)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s ids: %w", e.name, err)
	}
	return nil
}

// padded rounds n up to the next of a few list sizes.
func padded(n int) int {
	for _, s := range [...]int{1, 4, 16, 64, 256} {
		if n <= s {
			return s
		}
	}
	return lookupChunk
}

// placeholders is "?, ?, ..." n times.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
