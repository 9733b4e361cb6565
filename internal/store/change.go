package store

import (
	"time"

	"github.com/uptrace/bun"
)

// Change is one entry of the change feed: a row of an entity type that a
// write transaction created, changed (UPSERT) or archived (ARCHIVE), numbered
// by a sequence that increases by one per change in commit order (package
// changes assigns it and reads the feed).
type Change struct {
	bun.BaseModel `bun:"table:changes"`

	Sequence   int64     `bun:"sequence,pk"`
	Type       string    `bun:"type"` // the entity type name: ServiceRecord
	EntityID   int64     `bun:"entity_id"`
	Code       string    `bun:"code"`
	Operation  string    `bun:"operation"`
	At         time.Time `bun:"at"`
	RegionPath string    `bun:"region_path"`
}

// The operations of a change.
const (
	ChangeUpsert  = "UPSERT"
	ChangeArchive = "ARCHIVE"
)
