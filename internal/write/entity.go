package write

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/store"
)

// Create writes a new row of typ from input (the import format's fields,
// relations by code) and returns its id. A code that exists, live or
// archived, is a CONFLICT.
func (s *Service) Create(ctx context.Context, typ string, input map[string]any) (int64, error) {
	return s.put(ctx, opCreate, typ, "", input)
}

// Upsert writes input as an import line does: a new row, or every field of
// the row with that code replaced (an absent field becomes null). An
// archived row stays archived.
func (s *Service) Upsert(ctx context.Context, typ string, input map[string]any) (int64, error) {
	return s.put(ctx, opUpsert, typ, "", input)
}

// Update changes the fields patch gives of the live row with this code: an
// absent field keeps its value, a null one is cleared. NOT_FOUND when there
// is no such row; CONFLICT when it is archived.
func (s *Service) Update(ctx context.Context, typ, code string, patch map[string]any) (int64, error) {
	return s.put(ctx, opUpdate, typ, code, patch)
}

// put is create, upsert and update: one line through the import.
func (s *Service) put(ctx context.Context, op, typ, code string, input map[string]any) (int64, error) {
	if err := mayWrite(whoOf(ctx), typ); err != nil {
		return 0, err
	}
	if op == opUpdate {
		if err := checkArg("code", code); err != nil {
			return 0, err
		}
	}
	var id int64
	err := s.run(ctx, func(t *txn) error {
		line := maps.Clone(input)
		line["type"] = typ
		var (
			cur     current
			before  string
			err     error
			present bool
		)
		if op == opUpdate {
			cur, present, err = t.find(typ, code)
			if err != nil {
				return err
			}
			if !present {
				return apperr.New(apperr.NotFound, "no %s has code %q", typ, code)
			}
			if !cur.visible {
				return t.outOfScope(typ, code)
			}
			if cur.archived, err = t.lockRow(typ, cur.id, forRewrite); err != nil {
				return err
			}
			if cur.archived {
				return apperr.New(apperr.Conflict, "%s %q is archived: restore it before changing it", typ, code)
			}
			if line, before, err = t.merge(typ, cur.id, code, input); err != nil {
				return err
			}
		} else {
			w, err := ingest.Identify(line)
			if err != nil {
				return problems(err, false)
			}
			code = w.Code
			if err := t.lockCodes(typ, []string{code}); err != nil {
				return err
			}
			if cur, present, err = t.find(typ, code); err != nil {
				return err
			}
			if present && op == opCreate {
				state := "exists"
				if cur.archived {
					state = "exists, archived (restore it, or upsert it)"
				}
				return apperr.New(apperr.Conflict, "%s %q %s", typ, code, state)
			}
			if present {
				if !cur.visible {
					return t.outOfScope(typ, code)
				}
				if _, err := t.lockRow(typ, cur.id, forRewrite); err != nil {
					return err
				}
				lines, err := t.snapshot(typ, cur.id)
				if err != nil {
					return err
				}
				before = lines[cur.id]
			}
		}
		var from, to string
		if typ == "Demand" {
			if from, to, err = t.statusStep(code, before, line, input); err != nil {
				return err
			}
		}
		written, err := ingest.Write(t.ctx, t.q, []map[string]any{line}, &t.changed)
		if err != nil {
			return problems(err, false)
		}
		id = written[0].ID
		if to != "" {
			if err := t.recordStep(id, from, to, ""); err != nil {
				return err
			}
		}
		refs, err := t.liveRefs(typ, []int64{id})
		if err != nil {
			return err
		}
		if len(refs) > 0 {
			return refProblem([]any{"input"}, refs[0])
		}
		if err := t.mustSee(typ, id, code); err != nil {
			return err
		}
		after, err := t.snapshot(typ, id)
		if err != nil {
			return err
		}
		t.note(op, typ, id, code, before, after[id])
		return nil
	})
	return id, err
}

// merge is the line an update writes: the stored row as an import line
// with the patch laid over it (null removes a field), and the stored line.
// The line names the row's code outright: an export line leaves out a code
// the import would derive (a position's person/organization/title/from),
// and a patch of one of those fields must change that row, not derive the
// code of another.
func (t *txn) merge(typ string, id int64, code string, patch map[string]any) (map[string]any, string, error) {
	lines, err := t.snapshot(typ, id)
	if err != nil {
		return nil, "", err
	}
	before := lines[id]
	line := map[string]any{}
	d := json.NewDecoder(bytes.NewReader([]byte(before)))
	d.UseNumber()
	if err := d.Decode(&line); err != nil {
		return nil, "", fmt.Errorf("read %s %d as a line: %w", typ, id, err)
	}
	for k, v := range patch {
		if k == "type" || k == "code" {
			continue
		}
		if v == nil {
			delete(line, k)
		} else {
			line[k] = v
		}
	}
	line["code"] = code
	return line, before, nil
}

// Row locks (PostgreSQL; SQLite runs one writer at a time).
const (
	// forRewrite is taken by an update or upsert of a stored row: an
	// update reads the row, lays its patch over it and writes the whole
	// line back, so two updates of one row must take turns, or the second
	// would write back the first's fields as they were before it. Other
	// writes may still refer to the row.
	forRewrite = " FOR NO KEY UPDATE"
	// forArchive is taken by an archive: it also waits for writes that
	// are making rows refer to this one (see links.go).
	forArchive = " FOR UPDATE"
)

// lockRow locks a stored row and says whether it is archived, as the last
// transaction to commit left it.
func (t *txn) lockRow(typ string, id int64, mode string) (archived bool, err error) {
	if t.q.Dialect() != store.Postgres {
		mode = ""
	}
	rows, err := t.q.Query(t.ctx, "SELECT CASE WHEN archived_at IS NULL THEN 0 ELSE 1 END FROM "+store.Catalog[typ].Table+" WHERE id = ?"+mode, id)
	if err != nil {
		return false, fmt.Errorf("lock %s %d: %w", typ, id, err)
	}
	defer rows.Close()
	var a int
	if rows.Next() {
		err = rows.Scan(&a)
	}
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return false, fmt.Errorf("lock %s %d: %w", typ, id, err)
	}
	return a != 0, nil
}

// codeLocks is the first key of the advisory locks on codes ("code").
const codeLocks = 0x636f6465

// lockCodes takes, on PostgreSQL, a transaction lock on each code of typ a
// create, upsert or batch is about to write, before it asks whether the
// row exists. Without it two writers of one new code would both find none:
// two creates would both succeed (the second overwriting the first instead
// of a CONFLICT), and a batch would check the scope of, and audit, a row
// as new that another had just written. The locks are taken in one order
// (by hash) so that batches sharing codes wait in line.
func (t *txn) lockCodes(typ string, codes []string) error {
	if t.q.Dialect() != store.Postgres || len(codes) == 0 {
		return nil
	}
	keys := make([]string, len(codes))
	for i, c := range codes {
		keys[i] = typ + " " + c
	}
	err := t.exec(`SELECT pg_advisory_xact_lock(?, h) FROM
  (SELECT DISTINCT hashtext(k) AS h FROM unnest(CAST(? AS text[])) AS k ORDER BY h OFFSET 0) AS x`, codeLocks, keys)
	if err != nil {
		return fmt.Errorf("lock %s codes: %w", typ, err)
	}
	return nil
}

// current is what a write needs to know of a stored row first.
type current struct {
	id       int64
	archived bool
	visible  bool
}

// find looks up the row of typ with code, archived or not, and whether the
// principal sees it.
func (t *txn) find(typ, code string) (current, bool, error) {
	e := store.Catalog[typ]
	rows, err := t.q.Query(t.ctx, "SELECT id, CASE WHEN archived_at IS NULL THEN 0 ELSE 1 END FROM "+e.Table+" WHERE code = ?", code)
	if err != nil {
		return current{}, false, fmt.Errorf("look up %s %q: %w", typ, code, err)
	}
	var (
		c        current
		archived int
	)
	found := rows.Next()
	if found {
		err = rows.Scan(&c.id, &archived)
	}
	rows.Close()
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return current{}, false, fmt.Errorf("look up %s %q: %w", typ, code, err)
	}
	if !found {
		return current{}, false, nil
	}
	c.archived = archived != 0
	c.visible, err = t.sees(typ, c.id)
	return c, true, err
}

// Archive archives the row of typ with code: it vanishes from queries and
// statistics and the change feed carries a tombstone. CONFLICT while live
// rows refer to it; archiving an archived row changes nothing.
func (s *Service) Archive(ctx context.Context, typ, code string) (int64, error) {
	return s.setArchived(ctx, typ, code, true)
}

// Restore brings an archived row back. CONFLICT while a row it refers to is
// archived; restoring a live row changes nothing.
func (s *Service) Restore(ctx context.Context, typ, code string) (int64, error) {
	return s.setArchived(ctx, typ, code, false)
}

func (s *Service) setArchived(ctx context.Context, typ, code string, archive bool) (int64, error) {
	if err := mayWrite(whoOf(ctx), typ); err != nil {
		return 0, err
	}
	if err := checkArg("code", code); err != nil {
		return 0, err
	}
	var id int64
	err := s.run(ctx, func(t *txn) error {
		cur, present, err := t.find(typ, code)
		if err != nil {
			return err
		}
		if !present {
			return apperr.New(apperr.NotFound, "no %s has code %q", typ, code)
		}
		if !cur.visible {
			return t.outOfScope(typ, code)
		}
		id = cur.id
		mode := forRewrite
		if archive {
			mode = forArchive
		}
		if cur.archived, err = t.lockRow(typ, id, mode); err != nil {
			return err
		}
		if cur.archived == archive {
			return nil
		}
		if archive {
			err = t.checkUnreferenced(typ, id, code)
		} else {
			err = t.checkReferencesLive(typ, id, code)
		}
		if err != nil {
			return err
		}
		before, err := t.snapshot(typ, id)
		if err != nil {
			return err
		}
		op, value := opRestore, any(nil)
		if archive {
			op, value = opArchive, t.at
			if err := t.noteRollups(typ, id); err != nil { // as the row counted
				return err
			}
		}
		if err := t.exec("UPDATE "+store.Catalog[typ].Table+" SET archived_at = ? WHERE id = ?", value, id); err != nil {
			return fmt.Errorf("%s %s %q: %w", op, typ, code, err)
		}
		if !archive {
			if err := t.noteRollups(typ, id); err != nil { // as it counts again
				return err
			}
		}
		after, err := t.snapshot(typ, id)
		if err != nil {
			return err
		}
		t.changed.Add(typ, id)
		t.note(op, typ, id, code, before[id], after[id])
		return nil
	})
	return id, err
}

// noteRollups notes the roll-up keys a service record or demand counts in.
func (t *txn) noteRollups(typ string, id int64) error {
	switch typ {
	case "ServiceRecord":
		return t.rollups.ServiceRecordsWhere(t.ctx, t.q, "sr.id = ?", id)
	case "Demand":
		return t.rollups.DemandsWhere(t.ctx, t.q, "d.id = ?", id)
	case "ServiceEvent":
		return t.rollups.ServiceRecordsWhere(t.ctx, t.q, "sr.event_id = ?", id)
	}
	return nil
}
