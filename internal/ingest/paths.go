package ingest

import "fmt"

// regions.path is the chain of ids from the root down to the region
// ("/1/7/42/"), and every region-bound row copies the path of the region it
// hangs from into region_path, so that "anything under this district" is a
// prefix range scan. Paths are ids, so they are only known once the rows are
// written: after each round of region writes, the paths are recomputed in Go
// from id and parent_id, the rows whose path changed are updated, and the
// region_path of every row that held an old path is rewritten to the new
// one. Because a region_path is always exactly the path of one region, one
// equality rewrite per changed region (batched) moves everything under it,
// however deep.

// updatePaths recomputes region paths after regions were written. When
// final, cycles are reported; otherwise they are only left alone.
func (w *writer) updatePaths(final bool) error {
	region := byType["Region"]
	if err := w.resolveDeferred(region, final); err != nil {
		return err
	}
	t, err := w.loadTree(region)
	if err != nil {
		return err
	}
	paths := make([]string, len(t.ids))
	var setPath, rename []any
	cycles := t.walk(func(i int) {
		parent := ""
		if p := t.parent[i]; p >= 0 {
			parent = paths[p]
		}
		paths[i] = pathOf(parent, t.ids[i])
		if old := t.paths[i]; old != paths[i] {
			setPath = append(setPath, t.ids[i], paths[i])
			w.changed.Add(region.name, t.ids[i])
			if old != "" { // "" is a region written in this import: nothing copied it yet
				rename = append(rename, old, paths[i])
				w.notePathMove(old, paths[i])
			}
		}
	})
	if final {
		if err := w.reportCycles(region, t, cycles); err != nil {
			return err
		}
	}
	if len(setPath) > 0 {
		err := w.withValues("v(id, path)", "(CAST(? AS bigint), CAST(? AS text))", setPath,
			"UPDATE regions SET path = v.path FROM v WHERE regions.id = v.id")
		if err != nil {
			return fmt.Errorf("update region paths: %w", err)
		}
	}
	if len(rename) > 0 {
		for _, e := range entities {
			if e.pathFrom == nil {
				continue
			}
			stmt := fmt.Sprintf("UPDATE %[1]s SET region_path = m.now FROM m WHERE %[1]s.region_path = m.was", e.table)
			if err := w.withValuesNoting("m(was, now)", "(CAST(? AS text), CAST(? AS text))", rename, stmt); err != nil {
				return fmt.Errorf("move %s to new region paths: %w", e.name, err)
			}
		}
	}
	w.forgetPaths(nil)
	w.pathsDirty = false
	return nil
}
