package export_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// bulkRows is how many service records the memory test exports: a
// million, as the issue asks, even under the race detector, where it takes
// about a minute. That is some 180 MB of output, so an export that held
// its rows would break maxHeapGrowth several times over.
const bulkRows = 1_000_000

// maxHeapGrowth bounds the live heap an export may add, however many rows.
const maxHeapGrowth = 50 << 20

// seedBulk adds bulkRows service records to the fixture in one statement,
// every 1000th with a recipient (so that the access log is written in
// chunks as the export goes).
func seedBulk(t *testing.T, db *store.DB) {
	t.Helper()
	start := time.Now()
	// The rows span 2022-01 to 2023-11 (a minute apart): on PostgreSQL,
	// partitioned by month, those months must exist first.
	if err := store.EnsurePartitions(ctx, db, time.Date(2021, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	// The secondary indexes would take most of the time, and an export
	// reads none of them (it reads in code order, the unique index).
	_, err := db.Exec(ctx, `DROP INDEX service_records_community_id, service_records_category_id,
		service_records_provider_id, service_records_provider_person_id, service_records_recipient_id,
		service_records_event_id, service_records_alliance_id, service_records_demand_id,
		service_records_region_path, service_records_occurred_at`)
	if err != nil {
		t.Fatalf("drop indexes: %v", err)
	}
	// Nor does the test need the rows to survive a crash: skip the WAL.
	if _, err := db.Exec(ctx, "ALTER TABLE service_records SET UNLOGGED"); err != nil {
		t.Fatalf("unlogged: %v", err)
	}
	// The rows refer to rows that exist; checking five foreign keys a row
	// would triple the time (the test server runs as a superuser).
	err = db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL session_replication_role = replica"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO service_records
		(code, community_id, category_id, occurred_at, people_served, resolved, provider_id, recipient_id, region_path)
		SELECT 'BULK-' || lpad(g::text, 7, '0'), c.id, k.id,
			timestamptz '2022-01-01 00:00:00+08' + g * interval '1 minute', g % 7, g % 2 = 0, o.id,
			CASE WHEN g % 1000 = 0 THEN p.id END, c.region_path
		FROM generate_series(1, ?) g, communities c, service_categories k, organizations o, people p
		WHERE c.code = 'C1' AND k.code = 'HAIRCUT' AND o.code = 'ORG-1' AND p.code = 'P-2'`, bulkRows)
		return err
	})
	if err != nil {
		t.Fatalf("seed %d records: %v", bulkRows, err)
	}
	t.Logf("seeded %d records in %s", bulkRows, time.Since(start).Round(time.Millisecond))
}

// lineCounter discards what it is given, counting lines and keeping the
// end.
type lineCounter struct {
	lines int
	tail  []byte
}

func (c *lineCounter) Write(p []byte) (int, error) {
	c.lines += bytes.Count(p, []byte{'\n'})
	if len(p) >= 1024 {
		c.tail = append(c.tail[:0], p[len(p)-1024:]...)
	} else {
		c.tail = append(c.tail, p...)
		if len(c.tail) > 4096 {
			c.tail = append(c.tail[:0], c.tail[len(c.tail)-1024:]...)
		}
	}
	return len(p), nil
}

// heapSampler records the largest live heap (after a forced collection)
// while it runs.
type heapSampler struct {
	stop chan struct{}
	done sync.WaitGroup
	peak uint64
}

func sampleHeap(every time.Duration) *heapSampler {
	s := &heapSampler{stop: make(chan struct{})}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-tick.C:
				s.peak = max(s.peak, liveHeap())
			}
		}
	}()
	return s
}

func (s *heapSampler) Stop() uint64 {
	close(s.stop)
	s.done.Wait()
	return s.peak
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// An export of a million rows streams: the server's live heap grows by
// less than maxHeapGrowth while it goes. PostgreSQL only: it seeds a
// million rows in seconds with generate_series.
func TestExportMemoryIsConstant(t *testing.T) {
	db := storetest.Open(t, store.Postgres)
	if _, err := ingest.Import(ctx, db, strings.NewReader(fixture), ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	seedBulk(t, db) // before the server sets its statement timeout
	e := serve(t, db)

	req, err := http.NewRequest(http.MethodGet, e.url+"/export/ServiceRecord.ndjson", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.keys["admin"])
	base := liveHeap()
	sampler := sampleHeap(100 * time.Millisecond)
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		sampler.Stop()
		t.Fatal(err)
	}
	var body lineCounter
	_, err = io.Copy(&body, res.Body)
	res.Body.Close()
	peak := sampler.Stop()
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("read the export: %v", err)
	}
	growth := int64(peak) - int64(base)
	t.Logf("exported %d lines in %s; live heap %s before, peak %s, growth %s",
		body.lines, elapsed.Round(time.Millisecond), mib(base), mib(peak), mib(uint64(max(growth, 0))))
	if res.StatusCode != http.StatusOK || body.lines != bulkRows+2 || bytes.Contains(body.tail, []byte(`"error"`)) {
		t.Fatalf("status %d, %d lines, ending %q; want 200 and %d lines", res.StatusCode, body.lines, body.tail, bulkRows+2)
	}
	if growth >= maxHeapGrowth {
		t.Errorf("the live heap grew by %s during the export; the bound is %s", mib(uint64(growth)), mib(maxHeapGrowth))
	}
	if log := accessLog(t, db); len(log) != bulkRows/1000+1 {
		t.Errorf("access log has %d rows, want %d (one per record with a recipient)", len(log), bulkRows/1000+1)
	}
}

func mib(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
