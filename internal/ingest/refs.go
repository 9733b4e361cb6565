package ingest

import (
	"fmt"
	"strings"
)

// resolve turns the codes a batch refers to into ids, with one lookup per
// referenced type for what the caches lack. A record whose reference names
// nothing is skipped and reported, unless the code belongs to a line that
// already failed: then the earlier line is the one to fix.
func (w *writer) resolve(e *entity, recs []*record) error {
	want := make([][]string, len(entities))
	for j := range e.fields {
		f := &e.fields[j]
		if f.ref == "" {
			continue
		}
		t := byType[f.ref].index
		for _, r := range recs {
			if v := &r.vals[j]; v.set {
				if f.kind == kRefs {
					want[t] = append(want[t], v.list...)
				} else {
					want[t] = append(want[t], v.s)
				}
			}
		}
	}
	// In dependency order, so that the organizer codes no organization has
	// are added to the alliances to look up before those are looked up.
	for i, codes := range want {
		if len(codes) == 0 {
			continue
		}
		t := entities[i]
		if err := w.res.load(w.ctx, t, codes); err != nil {
			return err
		}
		if t.name == "Organization" {
			want[byType[organizerAlt].index] = append(want[byType[organizerAlt].index], w.organizerAlts(e, recs)...)
		}
	}
	for _, r := range recs {
		w.assign(e, r)
	}
	return nil
}

// organizerAlts lists the organizer codes of recs that are not organizations.
func (w *writer) organizerAlts(e *entity, recs []*record) []string {
	j, ok := e.byName["organizer"]
	if !ok {
		return nil
	}
	var out []string
	org := byType["Organization"]
	for _, r := range recs {
		if v := &r.vals[j]; v.set {
			if _, found := w.res.get(org, v.s); !found {
				out = append(out, v.s)
			}
		}
	}
	return out
}

// assign copies the resolved ids (and region paths) into one record.
func (w *writer) assign(e *entity, r *record) {
	deferred := false
	for j := range e.fields {
		f, v := &e.fields[j], &r.vals[j]
		if f.ref == "" || !v.set {
			continue
		}
		t := byType[f.ref]
		switch f.kind {
		case kRef:
			if tg, ok := w.res.get(t, v.s); ok {
				v.id, v.path = tg.id, tg.path
				if tg.archived {
					w.archivedRef(r, f.name, v.s, t)
				}
			} else if j == e.parent {
				deferred = true // written later in this import, perhaps
			} else {
				w.unresolved(r, f.name, f.name, v.s, t)
			}
		case kOrganizer:
			w.assignOrganizer(e, r, v.s)
		case kRefs:
			v.ids = v.ids[:0]
			for _, c := range v.list {
				if tg, ok := w.res.get(t, c); ok {
					v.ids = append(v.ids, tg.id)
					if tg.archived {
						w.archivedRef(r, f.name, c, t)
					}
				} else {
					w.unresolved(r, f.name, strings.TrimSuffix(f.name, "s"), c, t)
				}
			}
		}
	}
	if e.parent < 0 {
		return
	}
	if deferred && !r.skip {
		w.deferred[e.index][r.code] = deferredParent{parent: r.vals[e.parent].s, line: r.line}
	} else {
		delete(w.deferred[e.index], r.code)
	}
}

// assignOrganizer sets organizerOrganization or organizerAlliance from an
// organizer code: an organization's if one has it, else an alliance's.
func (w *writer) assignOrganizer(e *entity, r *record, code string) {
	org, alliance := byType["Organization"], byType[organizerAlt]
	if tg, ok := w.res.get(org, code); ok {
		r.vals[e.byName["organizerOrganization"]] = value{set: true, s: code, id: tg.id}
		if tg.archived {
			w.archivedRef(r, "organizer", code, org)
		}
		return
	}
	if tg, ok := w.res.get(alliance, code); ok {
		r.vals[e.byName["organizerAlliance"]] = value{set: true, s: code, id: tg.id}
		if tg.archived {
			w.archivedRef(r, "organizer", code, alliance)
		}
		return
	}
	w.unresolved(r, "organizer", "organizer", code, org, alliance)
}

// unresolved skips a record whose reference named no row of the types ts.
func (w *writer) unresolved(r *record, field, what, code string, ts ...*entity) {
	r.skip = true
	for _, t := range ts {
		if w.probs.failedCode(t, code) {
			w.probs.fail(r.ent, r.code)
			return
		}
	}
	if r.reported {
		return
	}
	r.reported = true
	w.probs.addField(r.line, r.ent, r.code, field, unknownReason(what, code, ts...))
}

// archivedRef skips a record whose reference names an archived row: live
// rows refer only to live rows, so that what a query shows never links to
// what it hides. Restore the row first.
func (w *writer) archivedRef(r *record, field, code string, t *entity) {
	r.skip = true
	if r.reported {
		return
	}
	r.reported = true
	w.probs.addField(r.line, r.ent, r.code, field, fmt.Sprintf("field %q refers to %s %q, which is archived (restore it first)", field, t.name, code))
}

// unknownReason says that code names nothing: `unknown community "X"`, and
// when the field's name does not say which type it refers to, which type
// was searched: `unknown recipient "X" (no Person has that code)`.
func unknownReason(what, code string, ts ...*entity) string {
	if len(ts) == 1 && strings.EqualFold(what, ts[0].name) {
		return fmt.Sprintf("unknown %s %q", what, code)
	}
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.name
	}
	return fmt.Sprintf("unknown %s %q (no %s has that code)", what, code, strings.Join(names, " or "))
}

// checkPairs refuses a membership whose alliance and organization are
// already joined under another code (in the store or earlier in the batch):
// the pair is a natural key of its own.
func (w *writer) checkPairs(e *entity, recs []*record) error {
	ai, oi := e.byName["alliance"], e.byName["organization"]
	type pair struct{ a, o int64 }
	seen := map[pair]*record{}
	var alliances []int64
	for _, r := range recs {
		if r.skip {
			continue
		}
		p := pair{r.vals[ai].id, r.vals[oi].id}
		if first, ok := seen[p]; ok {
			w.conflict(r, first.code)
			continue
		}
		seen[p] = r
		alliances = append(alliances, p.a)
	}
	return eachChunk(alliances, func(q string, args []any) error {
		rows, err := w.q.Query(w.ctx, "SELECT code, alliance_id, organization_id FROM memberships WHERE alliance_id IN ("+q+")", args...)
		if err != nil {
			return fmt.Errorf("check memberships: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				code string
				p    pair
			)
			if err := rows.Scan(&code, &p.a, &p.o); err != nil {
				return fmt.Errorf("check memberships: %w", err)
			}
			if r, ok := seen[p]; ok && r.code != code && !r.skip {
				w.conflict(r, code)
			}
		}
		return rows.Err()
	})
}

func (w *writer) conflict(r *record, other string) {
	e := r.ent
	r.skip, r.reported = true, true
	w.probs.add(r.line, e, r.code, fmt.Sprintf("alliance %q and organization %q are already joined by membership %q",
		r.vals[e.byName["alliance"]].s, r.vals[e.byName["organization"]].s, other))
}

// oldPaths reads the region paths the rows of a batch have before it is
// written, to tell which of them moved.
func (w *writer) oldPaths(e *entity, rows []*record) (map[string]string, error) {
	codes := make([]string, len(rows))
	for i, r := range rows {
		codes[i] = r.code
	}
	old := make(map[string]string, len(rows))
	err := eachChunk(codes, func(q string, args []any) error {
		rs, err := w.q.Query(w.ctx, "SELECT code, region_path FROM "+e.table+" WHERE code IN ("+q+")", args...)
		if err != nil {
			return fmt.Errorf("read %s paths: %w", e.name, err)
		}
		defer rs.Close()
		for rs.Next() {
			var code, path string
			if err := rs.Scan(&code, &path); err != nil {
				return fmt.Errorf("read %s paths: %w", e.name, err)
			}
			old[code] = path
		}
		return rs.Err()
	})
	return old, err
}

// eachChunk calls fn with an IN list of placeholders and its arguments for
// each chunk of items, padded to fixed sizes (repeating the last item) so
// that the statements repeat and stay prepared.
func eachChunk[T any](items []T, fn func(in string, args []any) error) error {
	for len(items) > 0 {
		n := min(len(items), lookupChunk)
		size := padded(n)
		args := make([]any, size)
		for i := range args {
			args[i] = items[min(i, n-1)]
		}
		if err := fn(placeholders(size), args); err != nil {
			return err
		}
		items = items[n:]
	}
	return nil
}
