package rollup_test

import (
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/rollup"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// Archived records and demands count in no roll-up, and an archived event
// files its (live) records under no event kind: archiving and restoring,
// recounted key by key as a write recounts them, keep the roll-ups exact,
// and what they hold is what the live rows add up to.
func TestArchivingKeepsRollupsExact(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ls := world(8, 400, 40)
		importLines(t, db, ls)
		records, demands := codesOf(ls, "ServiceRecord", 5, 2), codesOf(ls, "Demand", 4, 1)
		live := func() (records, people, demands, markets int) {
			return count(t, db, "SELECT COUNT(*) FROM service_records WHERE archived_at IS NULL"),
				count(t, db, "SELECT COALESCE(SUM(people_served), 0) FROM service_records WHERE archived_at IS NULL"),
				count(t, db, "SELECT COUNT(*) FROM demands WHERE archived_at IS NULL"),
				count(t, db, "SELECT COUNT(*) FROM service_records sr JOIN service_events ev ON ev.id = sr.event_id"+
					" WHERE sr.archived_at IS NULL AND ev.archived_at IS NULL AND ev.kind = 'MARKET'")
		}
		held := func() (records, people, demands, markets int) {
			return count(t, db, "SELECT COALESCE(SUM(records), 0) FROM "+rollup.RegionTotal.Name),
				count(t, db, "SELECT COALESCE(SUM(people_served), 0) FROM "+rollup.RegionTotal.Name),
				count(t, db, "SELECT COALESCE(SUM(demands), 0) FROM "+rollup.DemandStatus.Name),
				count(t, db, "SELECT COALESCE(SUM(records), 0) FROM "+rollup.CommunityMonth.Name+" WHERE event_kind = 'MARKET'")
		}
		same := func(when string) {
			t.Helper()
			requireExact(t, db, when)
			r, p, d, m := live()
			hr, hp, hd, hm := held()
			if r != hr || p != hp || d != hd || m != hm {
				t.Errorf("%s: the roll-ups hold %d records, %d people, %d demands, %d market records; the live rows are %d, %d, %d, %d",
					when, hr, hp, hd, hm, r, p, d, m)
			}
		}
		all, _, allDemands, markets := live()
		if markets == 0 {
			t.Fatal("the world has no records of a market")
		}

		archive(t, db, "service_records", records, true)
		archive(t, db, "demands", demands, true)
		same("after archiving records and demands")
		if r, _, d, _ := held(); r != all-len(records) || d != allDemands-len(demands) {
			t.Errorf("after archiving %d records and %d demands, the roll-ups hold %d and %d of %d and %d",
				len(records), len(demands), r, d, all, allDemands)
		}

		// EV1 is the only market: archived, its live records count under
		// no event kind.
		archive(t, db, "service_events", []string{"EV1"}, true)
		same("after archiving the market")
		if _, _, _, m := held(); m != 0 {
			t.Errorf("%d records of the archived market still filed under MARKET", m)
		}
		if r, _, _, _ := held(); r != all-len(records) {
			t.Errorf("after archiving the market the roll-ups hold %d records, want %d: its records still count", r, all-len(records))
		}

		// A rebuild counts the same.
		if err := db.InTx(ctx, func(tx *store.Tx) error { return rollup.Rebuild(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		same("after a rebuild")

		archive(t, db, "service_events", []string{"EV1"}, false)
		archive(t, db, "service_records", records, false)
		archive(t, db, "demands", demands, false)
		same("after restoring everything")
		if r, _, d, m := held(); r != all || d != allDemands || m != markets {
			t.Errorf("restored: the roll-ups hold %d records, %d demands, %d market records; want %d, %d, %d", r, d, m, all, allDemands, markets)
		}
	})
}

// Archiving without recounting leaves the roll-ups counting rows that are
// gone: Verify, which counts live rows as Rebuild does, names those keys,
// and Rebuild repairs them.
func TestVerifyCountsLiveRows(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ls := world(9, 200, 20)
		importLines(t, db, ls)
		requireExact(t, db, "after the import")
		for _, stmt := range []string{
			"UPDATE service_records SET archived_at = ? WHERE code = 'SR-0010'",
			"UPDATE demands SET archived_at = ? WHERE code = 'D-003'",
		} {
			if _, err := db.Exec(ctx, stmt, time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)); err != nil {
				t.Fatal(err)
			}
		}
		diffs, err := rollup.Verify(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		tables := map[string]bool{}
		for _, d := range diffs {
			if d.RollUp == nil || (d.Base != nil && d.RollUp[0] != d.Base[0]+1) {
				t.Errorf("unexpected difference: %s", d)
			}
			tables[d.Table] = true
		}
		for _, tb := range rollup.Tables {
			if !tables[tb.Name] {
				t.Errorf("Verify found no difference in %s after archiving a record and a demand behind its back", tb.Name)
			}
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return rollup.Rebuild(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		requireExact(t, db, "after the rebuild")
	})
}
