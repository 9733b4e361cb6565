package write

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/changes"
	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/store"
)

// MaxBatch is the most service records one recordServices call takes: a
// thousand rows is one upsert statement, and a partner's day of records in
// a few calls.
const MaxBatch = 1000

// maxKey bounds an idempotency key.
const maxKey = 200

// Batch is what a recordServices call wrote (or, replayed, what the first
// call with its key wrote): the records' codes and ids, in input order.
type Batch struct {
	Codes    []string
	IDs      []int64
	Replayed bool
}

// RecordServices writes a batch of service records (import-format fields,
// relations by code) in one transaction, keyed for retries. The key is the
// principal's own: a second call with the same key and the same input
// writes nothing and returns the first call's result (Replayed); the same
// key with another input is a CONFLICT. One bad item rejects the batch,
// with one problem per bad item (path input.<index>.<field>), and the key
// stays unused, so the corrected batch can be sent with it.
func (s *Service) RecordServices(ctx context.Context, items []map[string]any, key string) (*Batch, error) {
	switch {
	case len(items) == 0:
		return nil, apperr.Invalid("recordServices takes at least one record")
	case len(items) > MaxBatch:
		return nil, apperr.Invalid("recordServices takes at most %d records, not %d: split the batch", MaxBatch, len(items))
	case key == "" || len(key) > maxKey:
		return nil, &apperr.Problem{Path: []any{"idempotencyKey"}, Message: fmt.Sprintf("idempotencyKey must be 1 to %d bytes", maxKey)}
	}
	if err := checkArg("idempotencyKey", key); err != nil {
		return nil, err
	}
	if err := mayWrite(whoOf(ctx), "ServiceRecord"); err != nil {
		return nil, err
	}
	hash, err := payloadHash(items)
	if err != nil {
		return nil, apperr.Invalid("the input cannot be read: %v", err)
	}
	subject := systemSubject
	if p := whoOf(ctx); p != nil {
		subject = p.Subject
	}
	var out *Batch
	err = s.run(ctx, func(t *txn) error {
		// The audit trail names the key with the operation, so that the
		// entries of a batch can be found from what the partner sent.
		t.request = strings.TrimSpace(t.request + " idempotencyKey=" + key)
		claimed, err := t.claimKey(subject, key, hash)
		if err != nil {
			return err
		}
		if !claimed {
			out, err = t.replay(subject, key, hash)
			return err
		}
		out, err = t.recordServices(items)
		if err != nil {
			return err
		}
		return t.keepResult(subject, key, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// recordServices writes the items and audits each.
func (t *txn) recordServices(items []map[string]any) (*Batch, error) {
	lines := make([]map[string]any, len(items))
	for i, it := range items {
		lines[i] = maps.Clone(it)
		lines[i]["type"] = "ServiceRecord"
	}
	// Identify every item first, so that the rows as they were can be read
	// before anything is written.
	codes := make([]string, len(lines))
	valid := true
	for i, l := range lines {
		w, err := ingest.Identify(l)
		var le *ingest.LineErrors
		switch {
		case errors.As(err, &le):
			valid = false
		case err != nil:
			return nil, err
		}
		codes[i] = w.Code
	}
	if !valid {
		// Every bad item is reported, not only those Identify refuses: the
		// import's write checks the references of the others too (an
		// unknown community in item 3 beside a bad number in item 1). What
		// it writes of the good items is rolled back with the batch.
		_, err := t.writeInOrder(lines, codes, &changes.Pending{})
		if err == nil {
			err = fmt.Errorf("recordServices: the import took items it could not identify")
		}
		return nil, problems(err, true)
	}
	if err := t.lockCodes("ServiceRecord", codes); err != nil {
		return nil, err
	}
	beforeIDs, err := t.idsOf("ServiceRecord", codes)
	if err != nil {
		return nil, err
	}
	for i, id := range beforeIDs {
		if id != 0 {
			if err := t.mustSee("ServiceRecord", id, codes[i]); err != nil {
				return nil, err
			}
		}
	}
	before, err := t.snapshot("ServiceRecord", nonzero(beforeIDs)...)
	if err != nil {
		return nil, err
	}
	written, err := t.writeInOrder(lines, codes, &t.changed)
	if err != nil {
		return nil, problems(err, true)
	}
	b := &Batch{Codes: make([]string, len(written)), IDs: make([]int64, len(written))}
	for i, w := range written {
		b.Codes[i], b.IDs[i] = w.Code, w.ID
	}
	refs, err := t.liveRefs("ServiceRecord", b.IDs)
	if err != nil {
		return nil, err
	}
	if len(refs) > 0 {
		var ps apperr.Problems
		for i, id := range b.IDs {
			for _, r := range refs {
				if r.id == id {
					p := refProblem([]any{"input", i}, r)
					p.Message = "item " + strconv.Itoa(i) + ": " + p.Message
					ps = append(ps, p)
					break
				}
			}
		}
		return nil, ps
	}
	for i, w := range written {
		if err := t.mustSee("ServiceRecord", w.ID, b.Codes[i]); err != nil {
			return nil, err
		}
	}
	after, err := t.snapshot("ServiceRecord", b.IDs...)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	for i, id := range b.IDs {
		if seen[id] {
			continue // a code given twice: one row, one entry
		}
		seen[id] = true
		t.note(opRecord, "ServiceRecord", id, b.Codes[i], before[beforeIDs[i]], after[id])
	}
	return b, nil
}

// writeInOrder writes lines through the import in the order of their
// codes and returns what it wrote in the lines' own order (and bad lines
// by their own numbers). The import locks rows in the order it writes
// them: two batches sharing records in different orders would each hold a
// row the other waits for, which PostgreSQL ends as a deadlock. In code
// order they wait in line instead. A code given twice keeps its order, so
// the later item still wins.
func (t *txn) writeInOrder(lines []map[string]any, codes []string, changed *changes.Pending) ([]ingest.Written, error) {
	order := make([]int, len(lines))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(codes[a], codes[b]) })
	sorted := make([]map[string]any, len(lines))
	for k, i := range order {
		sorted[k] = lines[i]
	}
	written, err := ingest.Write(t.ctx, t.q, sorted, changed)
	var le *ingest.LineErrors
	if errors.As(err, &le) {
		for j, e := range le.Errors {
			if e.Line >= 1 && e.Line <= len(order) {
				le.Errors[j].Line = order[e.Line-1] + 1
			}
		}
		slices.SortStableFunc(le.Errors, func(a, b ingest.LineError) int { return a.Line - b.Line })
		return nil, le
	}
	if err != nil {
		return nil, err
	}
	out := make([]ingest.Written, len(lines))
	for k, i := range order {
		out[i] = written[k]
	}
	return out, nil
}

// claimKey records the key as taken by this transaction, or reports that
// it was taken before. On PostgreSQL a concurrent call with the same key
// waits here until the first commits (then finds it taken) or rolls back
// (then takes it).
func (t *txn) claimKey(subject, key, hash string) (bool, error) {
	res, err := t.q.Exec(t.ctx, `INSERT INTO idempotency_keys (subject, key, operation, payload_hash, result, created_at)
VALUES (?, ?, 'recordServices', ?, '', ?) ON CONFLICT (subject, key) DO NOTHING`, subject, key, hash, t.at)
	if err != nil {
		return false, fmt.Errorf("claim idempotency key: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim idempotency key: %w", err)
	}
	return n == 1, nil
}

// replay returns the first result of a key, if the payload is the same.
func (t *txn) replay(subject, key, hash string) (*Batch, error) {
	rows, err := t.q.Query(t.ctx, "SELECT payload_hash, result FROM idempotency_keys WHERE subject = ? AND key = ?", subject, key)
	if err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	var stored, result string
	found := rows.Next()
	if found {
		err = rows.Scan(&stored, &result)
	}
	rows.Close()
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	if !found {
		return nil, errors.New("read idempotency key: the key that conflicted is gone")
	}
	if stored != hash {
		return nil, apperr.New(apperr.Conflict, "idempotency key %q was used with a different input: use a new key for a new batch", key)
	}
	b := &Batch{Replayed: true}
	if err := json.Unmarshal([]byte(result), &b.Codes); err != nil {
		return nil, fmt.Errorf("read idempotency result: %w", err)
	}
	ids, err := t.idsOf("ServiceRecord", b.Codes)
	if err != nil {
		return nil, err
	}
	b.IDs = ids
	return b, nil
}

// keepResult stores the codes written under the key.
func (t *txn) keepResult(subject, key string, b *Batch) error {
	result, err := json.Marshal(b.Codes)
	if err != nil {
		return err
	}
	if err := t.exec("UPDATE idempotency_keys SET result = ? WHERE subject = ? AND key = ?", string(result), subject, key); err != nil {
		return fmt.Errorf("keep idempotency result: %w", err)
	}
	return nil
}

// payloadHash identifies an input: the SHA-256 of its JSON, keys sorted
// (encoding/json sorts map keys), so that the same records in the same
// order hash the same however the client spelled them.
func payloadHash(items []map[string]any) (string, error) {
	b, err := json.Marshal(items)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// idsOf reads the ids of codes of typ, in order (0 for a code with no row).
func (t *txn) idsOf(typ string, codes []string) ([]int64, error) {
	table := store.Catalog[typ].Table
	byCode := make(map[string]int64, len(codes))
	for start := 0; start < len(codes); start += 500 {
		chunk := codes[start:min(start+500, len(codes))]
		args := make([]any, len(chunk))
		for i, c := range chunk {
			args[i] = c
		}
		rows, err := t.q.Query(t.ctx, "SELECT id, code FROM "+table+" WHERE code IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ")+")", args...)
		if err != nil {
			return nil, fmt.Errorf("look up %s codes: %w", typ, err)
		}
		for rows.Next() {
			var (
				id   int64
				code string
			)
			if err := rows.Scan(&id, &code); err != nil {
				rows.Close()
				return nil, fmt.Errorf("look up %s codes: %w", typ, err)
			}
			byCode[code] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("look up %s codes: %w", typ, err)
		}
	}
	out := make([]int64, len(codes))
	for i, c := range codes {
		out[i] = byCode[c]
	}
	return out, nil
}

func nonzero(ids []int64) []int64 {
	var out []int64
	for _, id := range ids {
		if id != 0 {
			out = append(out, id)
		}
	}
	return out
}
