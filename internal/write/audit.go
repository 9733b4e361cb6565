package write

import (
	"fmt"
	"strings"

	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/store"
)

// The audit trail keeps, for every row a principal's write changed, who
// wrote it, when, by which operation, and the row before and after as
// import lines, so that "who changed this, and from what" has an answer.
// It is written in the write's own transaction: no write without its
// entry, no entry without its write.

// The operations the audit trail names.
const (
	opCreate     = "CREATE"
	opUpdate     = "UPDATE"
	opUpsert     = "UPSERT"
	opArchive    = "ARCHIVE"
	opRestore    = "RESTORE"
	opTransition = "TRANSITION"
	opRecord     = "RECORD_SERVICES"
)

// systemSubject names in-process writers that carry no principal (tests,
// commands).
const systemSubject = "system"

// snapshot is rows of one type as import lines, by id.
func (t *txn) snapshot(typ string, ids ...int64) (map[int64]string, error) {
	lines, err := ingest.LinesOf(t.ctx, t.q, typ, ids)
	if err != nil {
		return nil, fmt.Errorf("read %s for the audit trail: %w", typ, err)
	}
	return lines, nil
}

// note queues an audit entry, written when the transaction's work is done.
func (t *txn) note(op, typ string, id int64, code, before, after string) {
	e := store.AuditEntry{At: t.at, Subject: systemSubject, Operation: op, Entity: typ, EntityID: id,
		Code: code, Before: before, After: after, Request: t.request}
	if t.who != nil {
		e.Subject, e.Actor, e.Role = t.who.Subject, t.who.Name, string(t.who.Role)
	}
	t.audit = append(t.audit, e)
}

// auditChunk is how many entries one insert writes.
const auditChunk = 200

// writeAudit inserts the queued entries.
func (t *txn) writeAudit() error {
	const cols = 11
	for len(t.audit) > 0 {
		n := min(len(t.audit), auditChunk)
		args := make([]any, 0, n*cols)
		for _, e := range t.audit[:n] {
			args = append(args, e.At, e.Subject, e.Actor, e.Role, e.Operation, e.Entity, e.EntityID, e.Code, e.Before, e.After, e.Request)
		}
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
		q := "INSERT INTO audit_log (at, subject, actor, role, operation, entity, entity_id, code, before, after, request) VALUES " +
			strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
		if err := t.exec(q, args...); err != nil {
			return fmt.Errorf("write the audit trail: %w", err)
		}
		t.audit = t.audit[n:]
	}
	return nil
}
