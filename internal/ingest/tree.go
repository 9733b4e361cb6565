package ingest

import (
	"database/sql"
	"fmt"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"
)

// Regions, service categories and organizations are trees: a line names its
// parent by code, and the parent may come later in the file, or be the row
// of another line of the same batch. Such a row is written without its
// parent first and given it once every line of its type is written
// (resolveDeferred). Afterwards the whole tree is walked to find cycles,
// which a file can make on its own (A under B, B under A) or with rows
// already in the store; and for regions the walk also computes the
// materialized paths every region-bound row copies.

// resolveDeferred sets the parents of rows written without them. When final
// is false, parents that are still unknown stay deferred; when true, they are
// reported as unknown.
func (w *writer) resolveDeferred(e *entity, final bool) error {
	defs := w.deferred[e.index]
	if len(defs) == 0 {
		return nil
	}
	parents := make([]string, 0, len(defs))
	for _, d := range defs {
		parents = append(parents, d.parent)
	}
	if err := w.res.load(w.ctx, e, parents); err != nil {
		return err
	}
	var pairs []any
	for child, d := range defs {
		if t, ok := w.res.get(e, d.parent); ok {
			pairs = append(pairs, child, t.id)
			delete(defs, child)
			continue
		}
		if !final {
			continue
		}
		delete(defs, child)
		if w.probs.failedCode(e, d.parent) {
			w.probs.fail(e, child)
		} else {
			w.probs.addField(d.line, e, child, "parent", unknownReason("parent", d.parent, e))
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	stmt := fmt.Sprintf("UPDATE %[1]s SET parent_id = v.parent FROM v WHERE %[1]s.code = v.code", e.table)
	if err := w.withValues("v(code, parent)", "(CAST(? AS text), CAST(? AS bigint))", pairs, stmt); err != nil {
		return fmt.Errorf("set %s parents: %w", e.name, err)
	}
	return nil
}

// tree is the parent links of one table, loaded whole: regions and
// categories are small, and organizations are two ids a row.
type tree struct {
	ids    []int64
	parent []int    // index of the parent, -1 for a root
	paths  []string // regions: the stored path
}

// loadTree reads the parent links of e's table.
func (w *writer) loadTree(e *entity) (*tree, error) {
	cols := "id, parent_id"
	if e.name == "Region" {
		cols += ", path"
	}
	rows, err := w.q.Query(w.ctx, "SELECT "+cols+" FROM "+e.table+" ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("read the %s tree: %w", e.name, err)
	}
	defer rows.Close()
	t := &tree{}
	var parentIDs []int64
	for rows.Next() {
		var (
			id     int64
			parent sql.NullInt64
			path   string
		)
		dst := []any{&id, &parent}
		if e.name == "Region" {
			dst = append(dst, &path)
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, fmt.Errorf("read the %s tree: %w", e.name, err)
		}
		t.ids = append(t.ids, id)
		parentIDs = append(parentIDs, parent.Int64) // 0 when NULL: ids start at 1
		t.paths = append(t.paths, path)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the %s tree: %w", e.name, err)
	}
	t.parent = make([]int, len(t.ids))
	for i, p := range parentIDs {
		t.parent[i] = -1
		if p != 0 {
			if k, ok := slices.BinarySearch(t.ids, p); ok {
				t.parent[i] = k
			}
		}
	}
	return t, nil
}

// walk calls visit for every node whose ancestors form no cycle, parents
// before children, and returns the cycles it found, each as the indices of
// its nodes from a child up to its parent's parent and so on.
func (t *tree) walk(visit func(i int)) [][]int {
	const (
		fresh = iota
		open
		done
		broken // in a cycle or under one
	)
	state := make([]uint8, len(t.ids))
	var cycles [][]int
	var chain []int
	for i := range t.ids {
		chain = chain[:0]
		for j := i; j >= 0 && state[j] == fresh; j = t.parent[j] {
			state[j] = open
			chain = append(chain, j)
			if p := t.parent[j]; p >= 0 && state[p] == open {
				at := slices.Index(chain, p)
				cycles = append(cycles, slices.Clone(chain[at:]))
				for _, k := range chain[at:] {
					state[k] = broken
				}
				break
			}
		}
		for c := len(chain) - 1; c >= 0; c-- {
			x := chain[c]
			if state[x] == broken {
				continue
			}
			if p := t.parent[x]; p >= 0 && state[p] == broken {
				state[x] = broken
				continue
			}
			state[x] = done
			visit(x)
		}
	}
	return cycles
}

// checkCycles walks the tree of e after an import wrote to it.
func (w *writer) checkCycles(e *entity) error {
	t, err := w.loadTree(e)
	if err != nil {
		return err
	}
	return w.reportCycles(e, t, t.walk(func(int) {}))
}

// reportCycles names, on each line of the import that defined a member of
// a cycle, the cycle, written from its smallest code: "A → B → A".
func (w *writer) reportCycles(e *entity, t *tree, cycles [][]int) error {
	if len(cycles) == 0 {
		return nil
	}
	var ids []int64
	for _, c := range cycles {
		for _, i := range c {
			ids = append(ids, t.ids[i])
		}
	}
	codes := map[int64]string{}
	err := eachChunk(ids, func(in string, args []any) error {
		rows, err := w.q.Query(w.ctx, "SELECT id, code FROM "+e.table+" WHERE id IN ("+in+")", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id   int64
				code string
			)
			if err := rows.Scan(&id, &code); err != nil {
				return err
			}
			codes[id] = code
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("name the %s cycle: %w", e.name, err)
	}
	for _, c := range cycles {
		names := make([]string, len(c))
		for k, i := range c {
			names[k] = codes[t.ids[i]]
		}
		start := slices.Index(names, slices.Min(names))
		names = append(names[start:], names[:start]...)
		reason := "its parents make a cycle: " + strings.Join(append(names, names[0]), " → ")
		for _, code := range names {
			if line, ok := w.selfLines[e.index][maphash.String(w.probs.seed, code)]; ok {
				w.probs.addField(line, e, code, "parent", reason)
			}
		}
	}
	return nil
}

// pathOf is the path of a region under a parent path: "/1/7/" + "42/".
func pathOf(parent string, id int64) string {
	if parent == "" {
		parent = "/"
	}
	return parent + strconv.FormatInt(id, 10) + "/"
}
