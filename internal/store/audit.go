package store

import (
	"time"

	"github.com/uptrace/bun"
)

// AuditEntry is one write by a principal (package write records them): who
// changed which row, when, by which operation, and the row before and after
// as import lines. The audit log is append-only.
type AuditEntry struct {
	bun.BaseModel `bun:"table:audit_log"`

	RowID     int64     `bun:"id,pk,autoincrement"`
	At        time.Time `bun:"at"`
	Subject   string    `bun:"subject"`
	Actor     string    `bun:"actor"`
	Role      string    `bun:"role"`
	Operation string    `bun:"operation"`
	Entity    string    `bun:"entity"`
	EntityID  int64     `bun:"entity_id"`
	Code      string    `bun:"code"`
	Before    string    `bun:"before"`
	After     string    `bun:"after"`
	Request   string    `bun:"request"`
}

// Key is the entry's row id.
func (e *AuditEntry) Key() int64 { return e.RowID }
