package write_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/changes"
	"github.com/civicgraph/civicgraph/internal/feed"
	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/rollup"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
	"github.com/civicgraph/civicgraph/internal/write"
)

// Many writers in process, as fast as the store takes them, and one
// reader following the feed: the sequences it reads must be 1, 2, 3, ...
// with no gap and nothing appearing below what it has read, and the rows
// the feed says are live must be the live rows of the tables. Writes of
// every kind take part, those that recount roll-ups (and so also wait for
// the roll-up lock) and those that do not.

// world is a small store: two districts of two streets, a community per
// street, an organization per community, two categories.
func world() []map[string]any {
	ls := []map[string]any{
		{"type": "Region", "code": "R", "name": "市", "level": "CITY"},
		{"type": "ServiceCategory", "code": "CAT", "name": "类"},
	}
	for d := range 2 {
		dc := fmt.Sprintf("R%d", d)
		ls = append(ls, map[string]any{"type": "Region", "code": dc, "name": dc, "level": "DISTRICT", "parent": "R"})
		for s := range 2 {
			sc := fmt.Sprintf("%s%d", dc, s)
			cc := "C" + sc
			ls = append(ls,
				map[string]any{"type": "Region", "code": sc, "name": sc, "level": "STREET", "parent": dc},
				map[string]any{"type": "Community", "code": cc, "name": cc, "kind": "URBAN", "region": sc},
				map[string]any{"type": "Organization", "code": "O" + sc, "name": "O" + sc, "kind": "ENTERPRISE", "community": cc})
		}
	}
	return ls
}

var worldCommunities = []string{"CR00", "CR01", "CR10", "CR11"}

func TestConcurrentWritersFeedInCommitOrder(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := ingest.ImportLines(ctx, db, ingest.Slice(world()), ingest.Options{}); err != nil {
			t.Fatal(err)
		}
		svc := &write.Service{DB: db}
		writers, run := 6, 1500*time.Millisecond
		if db.Dialect() == store.SQLite {
			writers, run = 3, 700*time.Millisecond
		}
		stop := make(chan struct{})
		time.AfterFunc(run, func() { close(stop) })
		var wg sync.WaitGroup
		errs := make([]error, writers)
		counts := make([]int, writers)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				counts[i], errs[i] = writeRandomly(ctx, svc, i, stop)
			}()
		}
		// The reader.
		var (
			readErr error
			seqs    []int64
			live    = map[string]bool{}
			done    = make(chan struct{})
		)
		go func() {
			defer close(done)
			var after int64
			for {
				stopped := false
				select {
				case <-stop:
					stopped = true
				default:
				}
				page, _, err := feed.Read(ctx, db, nil, feed.Filter{After: after, Limit: 17})
				if err != nil {
					readErr = err
					return
				}
				if len(page) == 0 {
					if stopped {
						wg.Wait() // the last writes may still be committing
						if page, _, err = feed.Read(ctx, db, nil, feed.Filter{After: after, Limit: 1}); err != nil || len(page) == 0 {
							readErr = err
							return
						}
						continue
					}
					time.Sleep(time.Millisecond)
					continue
				}
				for _, c := range page {
					if c.Sequence != after+1 {
						readErr = fmt.Errorf("after %d came %d", after, c.Sequence)
						return
					}
					after = c.Sequence
					seqs = append(seqs, c.Sequence)
					key := fmt.Sprintf("%s %d", c.Type, c.EntityID)
					if c.Operation == store.ChangeArchive {
						delete(live, key)
					} else {
						live[key] = true
					}
				}
			}
		}()
		wg.Wait()
		<-done
		total := 0
		for i, err := range errs {
			if err != nil {
				t.Fatalf("writer %d: %v", i, err)
			}
			total += counts[i]
		}
		if readErr != nil {
			t.Fatalf("reader: %v", readErr)
		}
		t.Logf("%d writes, %d changes", total, len(seqs))
		last := storetest.QueryInt(t, db, "SELECT MAX(sequence) FROM changes")
		if len(seqs) != last {
			t.Fatalf("read %d changes of %d", len(seqs), last)
		}
		// The copy is the tables.
		want := map[string]bool{}
		for _, typ := range changes.Order {
			rows, err := db.Query(ctx, "SELECT id FROM "+store.Catalog[typ].Table+" WHERE archived_at IS NULL")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var id int64
				_ = rows.Scan(&id)
				want[fmt.Sprintf("%s %d", typ, id)] = true
			}
			rows.Close()
		}
		var diffs []string
		for k := range want {
			if !live[k] {
				diffs = append(diffs, "missing "+k)
			}
		}
		for k := range live {
			if !want[k] {
				diffs = append(diffs, "left over "+k)
			}
		}
		slices.Sort(diffs)
		if len(diffs) > 0 {
			t.Fatalf("the copy differs from the tables: %s", strings.Join(diffs, "; "))
		}
		// And the roll-ups, recounted in every write, are the base tables'.
		if d, err := rollup.Verify(ctx, db); err != nil || len(d) > 0 {
			t.Fatalf("roll-ups after the writes: %v %v", d, err)
		}
	})
}

// writeRandomly writes until stop: records in batches, changes and
// archives and restores of them, demands along their workflow, and
// communities and people (which recount no roll-up).
func writeRandomly(ctx context.Context, svc *write.Service, id int, stop <-chan struct{}) (int, error) {
	rnd := rand.New(rand.NewPCG(uint64(id), 11))
	var live, gone, demands []string
	status := map[string]string{}
	next := map[string]string{"OPEN": "ASSIGNED", "ASSIGNED": "IN_PROGRESS", "IN_PROGRESS": "RESOLVED", "RESOLVED": "CLOSED", "CLOSED": "REOPENED", "REOPENED": "ASSIGNED"}
	for n := 0; ; n++ {
		select {
		case <-stop:
			return n, nil
		default:
		}
		comm := worldCommunities[rnd.IntN(len(worldCommunities))]
		var err error
		switch k := rnd.IntN(100); {
		case k < 30:
			var items []map[string]any
			for i := range 1 + rnd.IntN(4) {
				items = append(items, map[string]any{"code": fmt.Sprintf("SR%d-%d-%d", id, n, i), "community": comm,
					"occurredAt": fmt.Sprintf("2023-%02d-10T10:00:00+08:00", 1+rnd.IntN(12)), "peopleServed": rnd.IntN(5)})
			}
			if _, err = svc.RecordServices(ctx, items, fmt.Sprintf("k%d-%d", id, n)); err == nil {
				for _, it := range items {
					live = append(live, it["code"].(string))
				}
			}
		case k < 40 && len(live) > 0:
			_, err = svc.Update(ctx, "ServiceRecord", live[rnd.IntN(len(live))], map[string]any{"peopleServed": rnd.IntN(30)})
		case k < 48 && len(live) > 0:
			i := rnd.IntN(len(live))
			if _, err = svc.Archive(ctx, "ServiceRecord", live[i]); err == nil {
				gone = append(gone, live[i])
				live = slices.Delete(live, i, i+1)
			}
		case k < 54 && len(gone) > 0:
			i := rnd.IntN(len(gone))
			if _, err = svc.Restore(ctx, "ServiceRecord", gone[i]); err == nil {
				live = append(live, gone[i])
				gone = slices.Delete(gone, i, i+1)
			}
		case k < 72:
			_, err = svc.Update(ctx, "Community", comm, map[string]any{"population": rnd.IntN(1000)})
		case k < 82:
			_, err = svc.Upsert(ctx, "Person", map[string]any{"code": fmt.Sprintf("P%d-%d", id, rnd.IntN(20)), "name": "人", "community": comm})
		default:
			if len(demands) == 0 || rnd.IntN(4) == 0 {
				c := fmt.Sprintf("D%d-%d", id, n)
				if _, err = svc.Create(ctx, "Demand", map[string]any{"code": c, "community": comm, "title": "需求",
					"raisedAt": "2023-05-05T10:00:00+08:00", "status": "OPEN"}); err == nil {
					demands = append(demands, c)
					status[c] = "OPEN"
				}
				break
			}
			c := demands[rnd.IntN(len(demands))]
			to := next[status[c]]
			if _, err = svc.TransitionDemand(ctx, write.Transition{Code: c, To: to, Organization: "O" + comm[1:]}); err == nil {
				status[c] = to
			}
		}
		if err != nil {
			return n, err
		}
	}
}
