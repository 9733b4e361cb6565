package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// DemandTransition is one step of a demand's workflow: its status before
// and after, when, by whom, and the unit it was assigned to.
type DemandTransition struct {
	bun.BaseModel `bun:"table:demand_transitions"`

	RowID          int64     `bun:"id,pk,autoincrement"`
	DemandID       int64     `bun:"demand_id"`
	FromStatus     string    `bun:"from_status"`
	ToStatus       string    `bun:"to_status"`
	At             time.Time `bun:"at"`
	Subject        string    `bun:"subject"`
	Actor          string    `bun:"actor"`
	OrganizationID *int64    `bun:"organization_id"`
	Note           string    `bun:"note"`
}

// Key is the transition's row id.
func (t *DemandTransition) Key() int64 { return t.RowID }

// DemandTransitionsOf reads a demand's transitions, oldest first.
func DemandTransitionsOf(ctx context.Context, q Querier, demandID int64) ([]*DemandTransition, error) {
	rows, err := q.Query(ctx, "SELECT "+strings.Join(Columns[DemandTransition](), ", ")+
		" FROM demand_transitions WHERE demand_id = ? ORDER BY id", demandID)
	if err != nil {
		return nil, fmt.Errorf("read demand transitions: %w", err)
	}
	out, _, err := ScanRows[DemandTransition](rows)
	if err != nil {
		return nil, fmt.Errorf("read demand transitions: %w", err)
	}
	if out == nil {
		out = []*DemandTransition{}
	}
	return out, nil
}
