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
//
// A large import names most rows of the smaller tables (every community,
// most people): once it has asked for wholeAfter codes of a type batch by
// batch, the resolver reads that type's whole table in one statement
// instead, if it fits well in the cache. Codes that are still missing are
// looked up as before, so the answers are the same.

const maxCached = 200_000

// wholeAfter is how many codes of a type are looked up batch by batch
// before the whole table is read.
const wholeAfter = 4096

// target is what a code resolves to.
type target struct {
	id       int64
	path     string // the region path rows copy from it ("" when not a path source)
	archived bool   // the row is archived: live rows may not refer to it
}

type resolver struct {
	q      store.Querier
	caches []map[string]target
	asked  []int             // codes looked up, per type
	whole  []bool            // the whole table was read (or found too large), per type
	sql    map[[2]int]string // (entity, list size) → lookup query
	codes  []string          // scratch
	args   []any             // scratch
}

func newResolver(q store.Querier) *resolver {
	n := len(entities)
	r := &resolver{q: q, caches: make([]map[string]target, n), asked: make([]int, n), whole: make([]bool, n), sql: map[[2]int]string{}}
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
	r.asked[e.index], r.whole[e.index] = 0, false
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
	if r.asked[e.index] += len(missing); r.asked[e.index] >= wholeAfter && !r.whole[e.index] {
		r.whole[e.index] = true
		if err := r.readWhole(ctx, e); err != nil {
			return err
		}
		still := missing[:0]
		for _, c := range missing {
			if _, ok := cache[c]; !ok {
				still = append(still, c)
			}
		}
		missing = still
	}
	for len(missing) > 0 {
		n := min(len(missing), lookupChunk)
		if err := r.query(ctx, e, missing[:n]); err != nil {
			return err
		}
		missing = missing[n:]
	}
	return nil
}

// readWhole caches every row of e, in place of what the cache held, when
// there are at most half maxCached.
func (r *resolver) readWhole(ctx context.Context, e *entity) error {
	rows, err := r.q.Query(ctx, "SELECT COUNT(*) FROM "+e.table)
	if err != nil {
		return fmt.Errorf("count %s: %w", e.name, err)
	}
	var n int
	for rows.Next() {
		err = rows.Scan(&n)
	}
	rows.Close()
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return fmt.Errorf("count %s: %w", e.name, err)
	}
	if n > maxCached/2 {
		return nil
	}
	clear(r.caches[e.index])
	rows, err = r.q.Query(ctx, "SELECT "+e.targetColumns()+" FROM "+e.table)
	if err != nil {
		return fmt.Errorf("look up %s codes: %w", e.name, err)
	}
	return scanTargets(rows, e, r.caches[e.index], 0, nil)
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
	return scanTargets(rows, e, r.caches[e.index], 0, nil)
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
// calling seen (when it is not nil) with each row's id, code and the
// values of the extra columns that follow targetColumns.
func scanTargets(rows *sql.Rows, e *entity, cache map[string]target, extra int, seen func(id int64, code string, extra []any) error) error {
	defer rows.Close()
	var (
		t        target
		code     string
		archived int
	)
	dest := []any{&t.id, &code, &archived}
	if e.pathSource {
		dest = append(dest, &t.path)
	}
	vals := make([]any, extra)
	for i := range vals {
		dest = append(dest, &vals[i])
	}
	for rows.Next() {
		t = target{}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("read %s ids: %w", e.name, err)
		}
		t.archived = archived != 0
		if cache != nil {
			cache[code] = t
		}
		if seen != nil {
			if err := seen(t.id, code, vals); err != nil {
				return err
			}
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
