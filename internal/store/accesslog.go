package store

import (
	"time"

	"github.com/uptrace/bun"
)

// AccessLogEntry is one unmasked read of personal data (package
// accesslog writes them): who read which fields of which row, when.
type AccessLogEntry struct {
	bun.BaseModel `bun:"table:access_log"`

	RowID     int64     `bun:"id,pk,autoincrement"`
	At        time.Time `bun:"at"`
	Subject   string    `bun:"subject"`
	Operation string    `bun:"operation"`
	Entity    string    `bun:"entity"`
	EntityID  int64     `bun:"entity_id"`
	Fields    string    `bun:"fields"` // comma-separated field names
}

// Key is the entry's row id.
func (e *AccessLogEntry) Key() int64 { return e.RowID }
