package ingest

import (
	"context"
	"fmt"
	"hash/maphash"

	"github.com/civicgraph/civicgraph/internal/changes"
	"github.com/civicgraph/civicgraph/internal/store"
)

// The writer takes validated records one at a time and writes them in
// batches inside the import's transaction. A batch holds one run of lines of
// one type: when the type changes, what is pending is written. So a line
// sees exactly the rows of the lines before it (and of the store), whatever
// the batch size, which is what ImportLines promises; Import hands it the
// lines type by type in dependency order. A self-reference (a region's
// parent) that is not written yet is set once the whole type is written.
//
// Lines that fail are reported and not written, but the rest go on being
// written, so that one run finds every bad line, including those that only
// the store can tell (unknown references, cycles, conflicts). The caller
// rolls the transaction back when anything was reported.

// maxParams keeps an SQLite upsert, which binds every value of every row,
// under SQLite's default limit of 32,766 bound values. (PostgreSQL's upsert
// binds one array per column, whatever the number of rows.)
const maxParams = 30_000

// maxBatchRows is the most rows one upsert writes on SQLite; pgBatchRows
// on PostgreSQL, whose upsert binds one array per column, not every value:
// there a larger batch costs no more to send and saves per-statement work
// (planning, the round trip, the look-ups of its codes), a few percent of
// an import.
const (
	maxBatchRows = 1000
	pgBatchRows  = 5000
)

type writer struct {
	ctx    context.Context
	q      store.Querier
	dial   store.Dialect
	probs  *problems
	res    *resolver
	report *Report
	prog   *progress

	pending []*batch
	current *entity           // the type of the run being batched
	sqls    map[[2]int]string // (entity, rows) → upsert statement

	// Self-references: rows written without their parent, which was not
	// written yet, keyed by the child's code; and each code's last line, to
	// name the lines of a cycle.
	deferred  []map[string]deferredParent
	selfLines []map[uint64]int
	treeDirty []bool // a tree type had rows written: check it for cycles
	// pathsDirty says regions were written since region paths were last
	// computed; region-bound rows must not copy a path until they are.
	pathsDirty bool

	rollups rollupNotes // what roll-ups must recount at the end
	// changed is every row written, for the change feed (package changes).
	changed *changes.Pending

	// bulk says the writer may build the indexes of a table it fills from
	// empty after its rows (bulk.go): imports, not mutations. expect is how
	// many lines of each type will come, -1 when unknown; rebuild, per
	// type, what creates the indexes it dropped.
	bulk    bool
	expect  []int
	rebuild []func(context.Context) error

	// keyTable is whether service_record_codes exists (PostgreSQL): 0
	// not asked yet, 1 yes, -1 no (hasKeyTable).
	keyTable int

	fatal error // a database error: the import stops
	dedup map[string]int
	args  []any
}

// deferredParent is a tree row whose parent is set after its type is written.
type deferredParent struct {
	parent string
	line   int
}

// batch is the pending records of one type.
type batch struct {
	recs []record
	n    int
	max  int
}

func newWriter(ctx context.Context, q store.Querier, probs *problems, report *Report, prog *progress) *writer {
	n := len(entities)
	w := &writer{
		ctx: ctx, q: q, dial: q.Dialect(), probs: probs, res: newResolver(q), report: report, prog: prog,
		pending: make([]*batch, n), sqls: map[[2]int]string{},
		deferred: make([]map[string]deferredParent, n), selfLines: make([]map[uint64]int, n),
		treeDirty: make([]bool, n), dedup: map[string]int{}, changed: &changes.Pending{},
		expect: make([]int, n), rebuild: make([]func(context.Context) error, n),
	}
	for _, e := range entities {
		w.expect[e.index] = -1
		cols := len(e.columns())
		w.pending[e.index] = &batch{max: min(maxBatchRows, maxParams/cols)}
		if w.dial == store.Postgres {
			w.pending[e.index].max = pgBatchRows
		}
		if e.parent >= 0 {
			w.deferred[e.index] = map[string]deferredParent{}
			w.selfLines[e.index] = map[uint64]int{}
		}
	}
	return w
}

// slot returns the record the next line of e is decoded into, writing what
// is pending first when the line starts a run of another type.
func (w *writer) slot(e *entity) (*record, error) {
	if w.fatal != nil {
		return nil, w.fatal
	}
	if w.current != e {
		if err := w.flushAll(); err != nil {
			return nil, err
		}
		w.current = e
	}
	b := w.pending[e.index]
	if b.n == len(b.recs) {
		b.recs = append(b.recs, record{})
	}
	return &b.recs[b.n], nil
}

// flushAll writes every pending batch.
func (w *writer) flushAll() error {
	for _, e := range entities {
		if err := w.flush(e); err != nil {
			return err
		}
	}
	return nil
}

// commit accepts the line decoded into slot(e), writing the batch when full.
func (w *writer) commit(e *entity) error {
	if w.fatal != nil {
		return w.fatal
	}
	b := w.pending[e.index]
	if e.parent >= 0 {
		w.selfLines[e.index][maphash.String(w.probs.seed, b.recs[b.n].code)] = b.recs[b.n].line
	}
	b.n++
	w.prog.add(1)
	if b.n >= b.max {
		return w.flush(e)
	}
	return nil
}

// flush writes the pending batch of e.
func (w *writer) flush(e *entity) error {
	if w.fatal != nil {
		return w.fatal
	}
	b := w.pending[e.index]
	if b.n == 0 {
		return nil
	}
	if e.pathFrom != nil && w.pathsDirty {
		if err := w.updatePaths(false); err != nil {
			return w.stop(err)
		}
	}
	recs := w.dedupe(b.recs[:b.n])
	b.n = 0
	if err := w.writeBatch(e, recs); err != nil {
		return w.stop(err)
	}
	if e.parent >= 0 {
		w.treeDirty[e.index] = true
		if e.name == "Region" {
			w.pathsDirty = true
		}
	}
	return nil
}

// stop records a database error: nothing more is written.
func (w *writer) stop(err error) error {
	if w.fatal == nil {
		w.fatal = fmt.Errorf("import: %w", err)
	}
	return w.fatal
}

// dedupe keeps the last record of each code: a code given twice in one
// batch ends as if the lines had been imported one after the other.
func (w *writer) dedupe(recs []record) []*record {
	clear(w.dedup)
	for i := range recs {
		w.dedup[recs[i].code] = i
	}
	out := make([]*record, 0, len(w.dedup))
	for i := range recs {
		if w.dedup[recs[i].code] == i {
			out = append(out, &recs[i])
		}
	}
	return out
}

// writeBatch resolves, checks and upserts one batch of e.
func (w *writer) writeBatch(e *entity, recs []*record) error {
	if err := w.resolve(e, recs); err != nil {
		return err
	}
	if e.name == "Membership" {
		if err := w.checkPairs(e, recs); err != nil {
			return err
		}
	}
	rows := recs[:0:0]
	for _, r := range recs {
		if !r.skip {
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if err := w.deferIndexes(e); err != nil {
		return err
	}
	var old map[string]string
	if e.pathSource && e.pathFrom != nil {
		var err error
		if old, err = w.oldPaths(e, rows); err != nil {
			return err
		}
	}
	if feedsRollups(e) {
		if err := w.readBefore(e, rows); err != nil {
			return err
		}
	}
	if err := w.upsert(e, rows); err != nil {
		return err
	}
	if feedsRollups(e) {
		if err := w.noteChanged(e, rows); err != nil {
			return err
		}
	}
	if e.hasSets {
		if err := w.writeSets(e, rows); err != nil {
			return err
		}
	}
	if old != nil {
		return w.propagateMoves(e, rows, old)
	}
	return nil
}

// finish writes what is pending, builds the indexes it deferred and
// completes the trees: deferred parents, region paths, cycle checks.
func (w *writer) finish() error {
	if err := w.flushAll(); err != nil {
		return err
	}
	if err := w.buildIndexes(); err != nil {
		return w.stop(err)
	}
	for _, e := range entities {
		if e.parent >= 0 {
			if err := w.resolveDeferred(e, true); err != nil {
				return w.stop(err)
			}
		}
	}
	for _, e := range entities {
		if !w.treeDirty[e.index] {
			continue
		}
		var err error
		if e.name == "Region" {
			err = w.updatePaths(true)
		} else {
			err = w.checkCycles(e)
		}
		if err != nil {
			return w.stop(err)
		}
	}
	return nil
}
