package write_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
	"github.com/civicgraph/civicgraph/internal/write"
)

// Live rows refer only to live rows, even when the write that would break
// it races the one that checks it: archiving a community while a record is
// written into it, restoring a record while its community is archived.
// One of each pair may fail (CONFLICT or BAD_USER_INPUT), never both
// succeed.

func TestArchiveRacesReferences(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := ingest.ImportLines(ctx, db, ingest.Slice(world()), ingest.Options{}); err != nil {
			t.Fatal(err)
		}
		svc := &write.Service{DB: db}
		rounds := 15
		if db.Dialect() == store.SQLite {
			rounds = 5
		}
		both := func(a, b func() error) (error, error) {
			var wg sync.WaitGroup
			var ea, eb error
			wg.Add(2)
			go func() { defer wg.Done(); ea = a() }()
			go func() { defer wg.Done(); eb = b() }()
			wg.Wait()
			return ea, eb
		}
		outcome := func(err error) string {
			if err == nil {
				return "ok"
			}
			return string(apperr.CodeOf(err))
		}
		expected := func(err error) bool {
			c := apperr.CodeOf(err)
			return err == nil || c == apperr.Conflict || c == apperr.BadUserInput
		}
		outcomes := map[string]int{}
		for i := range rounds {
			// Archive a community while a record is written into it.
			comm := fmt.Sprintf("CX%d", i)
			if _, err := svc.Create(ctx, "Community", map[string]any{"code": comm, "name": comm, "kind": "URBAN", "region": "R00"}); err != nil {
				t.Fatal(err)
			}
			ea, eb := both(
				func() error { _, err := svc.Archive(ctx, "Community", comm); return err },
				func() error {
					_, err := svc.RecordServices(ctx, []map[string]any{{"code": "SRX" + comm, "community": comm, "occurredAt": "2023-01-01T10:00:00+08:00"}}, "k"+comm)
					return err
				})
			if !expected(ea) || !expected(eb) {
				t.Fatalf("round %d: archive %v, record %v", i, ea, eb)
			}
			outcomes[fmt.Sprintf("archive %s, record %s", outcome(ea), outcome(eb))]++

			// Archive a community while an archived record of it is
			// restored.
			comm = fmt.Sprintf("CY%d", i)
			if _, err := svc.Create(ctx, "Community", map[string]any{"code": comm, "name": comm, "kind": "URBAN", "region": "R01"}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Create(ctx, "ServiceRecord", map[string]any{"code": "SRY" + comm, "community": comm, "occurredAt": "2023-01-01T10:00:00+08:00"}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Archive(ctx, "ServiceRecord", "SRY"+comm); err != nil {
				t.Fatal(err)
			}
			ea, eb = both(
				func() error { _, err := svc.Archive(ctx, "Community", comm); return err },
				func() error { _, err := svc.Restore(ctx, "ServiceRecord", "SRY"+comm); return err })
			if !expected(ea) || !expected(eb) {
				t.Fatalf("round %d: archive %v, restore %v", i, ea, eb)
			}
			outcomes[fmt.Sprintf("archive %s, restore %s", outcome(ea), outcome(eb))]++
		}
		t.Logf("outcomes: %v", outcomes)
		if n := storetest.QueryInt(t, db, `SELECT COUNT(*) FROM service_records r JOIN communities c ON c.id = r.community_id
WHERE r.archived_at IS NULL AND c.archived_at IS NOT NULL`); n != 0 {
			t.Fatalf("%d live records in archived communities", n)
		}
	})
}

// Two batches writing the same records in opposite orders, at once: both
// succeed (one after the other), neither dies in a deadlock.
func TestOverlappingBatches(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := ingest.ImportLines(ctx, db, ingest.Slice(world()), ingest.Options{}); err != nil {
			t.Fatal(err)
		}
		svc := &write.Service{DB: db}
		rounds := 10
		if db.Dialect() == store.SQLite {
			rounds = 3
		}
		for round := range rounds {
			var items []map[string]any
			for i := range 30 {
				items = append(items, map[string]any{"code": fmt.Sprintf("SRO-%d", i), "community": worldCommunities[i%4],
					"occurredAt": "2023-01-01T10:00:00+08:00", "peopleServed": round})
			}
			reversed := make([]map[string]any, len(items))
			for i, it := range items {
				reversed[len(items)-1-i] = it
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for j, batch := range [][]map[string]any{items, reversed} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[j] = svc.RecordServices(ctx, batch, fmt.Sprintf("o%d-%d", round, j))
				}()
			}
			wg.Wait()
			if errs[0] != nil || errs[1] != nil {
				t.Fatalf("round %d: %v; %v", round, errs[0], errs[1])
			}
		}
	})
}

// Two updates of one row at once, each of its own field: both land (an
// update rewrites the whole row, so they must not interleave).
func TestConcurrentUpdatesOfOneRow(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := ingest.ImportLines(ctx, db, ingest.Slice(world()), ingest.Options{}); err != nil {
			t.Fatal(err)
		}
		svc := &write.Service{DB: db}
		rounds := 12
		if db.Dialect() == store.SQLite {
			rounds = 3
		}
		for round := 1; round <= rounds; round++ {
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for j, field := range []string{"population", "households"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[j] = svc.Update(ctx, "Community", "CR00", map[string]any{field: round})
				}()
			}
			wg.Wait()
			if errs[0] != nil || errs[1] != nil {
				t.Fatalf("round %d: %v; %v", round, errs[0], errs[1])
			}
			p := storetest.QueryInt(t, db, "SELECT population FROM communities WHERE code = 'CR00'")
			h := storetest.QueryInt(t, db, "SELECT households FROM communities WHERE code = 'CR00'")
			if p != round || h != round {
				t.Fatalf("round %d: population %d, households %d: an update was lost", round, p, h)
			}
		}
	})
}

// Creates of one new code at once: one creates it, every other is told it
// exists.
func TestConcurrentCreatesOfOneCode(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := ingest.ImportLines(ctx, db, ingest.Slice(world()), ingest.Options{}); err != nil {
			t.Fatal(err)
		}
		svc := &write.Service{DB: db}
		for round := range 5 {
			const callers = 6
			var wg sync.WaitGroup
			errs := make([]error, callers)
			for i := range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = svc.Create(ctx, "ServiceRecord", map[string]any{"code": fmt.Sprintf("SRC-%d", round),
						"community": worldCommunities[i%4], "occurredAt": "2023-01-01T10:00:00+08:00", "peopleServed": i})
				}()
			}
			wg.Wait()
			created := 0
			for _, err := range errs {
				switch {
				case err == nil:
					created++
				case apperr.CodeOf(err) != apperr.Conflict:
					t.Fatalf("round %d: %v", round, err)
				}
			}
			if created != 1 {
				t.Fatalf("round %d: %d creates succeeded, want 1", round, created)
			}
			if n := storetest.QueryInt(t, db, "SELECT COUNT(*) FROM audit_log WHERE code = ? AND operation = 'CREATE'", fmt.Sprintf("SRC-%d", round)); n != 1 {
				t.Fatalf("round %d: %d CREATE entries", round, n)
			}
		}
	})
}
