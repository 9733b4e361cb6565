package rollup

import (
	"context"
	"fmt"
	"strings"

	"github.com/civicgraph/civicgraph/internal/store"
)

// Recounting community months reads their base rows through the index on
// (community_id, occurred_at): a few hundred rows a key, each on a page of
// its own, since records are stored in the order they arrive. Three
// roll-ups are counted from those rows; rather than read them three times,
// a refresh copies them once into a temporary table, with the kind of
// their event, and counts every roll-up from the copy.

// touchedRecords is the temporary copy, with the columns of serviceRecords
// under the same alias (the event's kind is a column of its own). It holds
// the live records only, with the kinds of live events.
var touchedRecords = &source{
	table: "rollup_touched_records", alias: "sr", instant: "sr.occurred_at",
	cols: map[string]string{
		"region_path": "sr.region_path", "community_id": "sr.community_id", "category_id": "sr.category_id",
		"provider_id": "sr.provider_id", "alliance_id": "sr.alliance_id", "event_kind": "sr.event_kind",
	},
	measures: serviceRecords.measures,
}

// stage copies the base rows of the scope's keys into touchedRecords and
// returns the scope that counts from it.
func stage(ctx context.Context, q store.Querier, sc *scope) (*scope, error) {
	s := serviceRecords
	cols := []string{"sr.region_path", "sr.community_id", "sr.category_id", "sr.provider_id", "sr.alliance_id",
		"ev.kind AS event_kind", "sr.occurred_at", "sr.people_served", "sr.resolved"}
	stmt := "CREATE TEMP TABLE " + touchedRecords.table + " AS " + sc.with + "SELECT " + strings.Join(cols, ", ") +
		" FROM k JOIN " + s.table + " " + s.alias + " ON " + scopeJoin(q.Dialect(), s, sc) + " " + s.join("event_kind", true) +
		" WHERE " + s.live
	if _, err := q.Exec(ctx, stmt, sc.args...); err != nil {
		return nil, fmt.Errorf("copy the touched service records: %w", err)
	}
	staged := *sc
	staged.staged = true
	return &staged, nil
}
