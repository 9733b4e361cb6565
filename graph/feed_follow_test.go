package graph_test

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
	"github.com/civicgraph/civicgraph/internal/store"
)

// The change feed, proven: writers of every kind run at once for a few
// seconds while readers follow `changes` from the start, page by page,
// each resuming from the last page's endCursor. ADMIN's reader must see
// the sequences 1..N, each once, in order, never one below a sequence it
// already read; applying the feed (UPSERT keeps a row, ARCHIVE drops it)
// must leave a copy equal to the live rows of the tables, read with SQL.
// A region-scoped ANALYST following at the same time must see exactly the
// changes of the rows in its region.

const feedQuery = `query($after: String, $first: Int) {
  changes(after: $after, first: $first) {
    nodes { sequence type code operation at
      entity { id ... on ServiceRecord { code peopleServed } ... on Community { code population } ... on Demand { code status } } }
    pageInfo { hasNextPage endCursor }
  }
}`

// feedCopy is what a follower keeps: every row the feed says is live, with
// the fields the test compares, and every sequence it read.
type feedCopy struct {
	live   map[string]bool   // "Type code" -> present
	fields map[string]string // "Type code" -> the compared field, as last read
	seqs   []int
}

// follower reads the feed as who until stop is closed and a page started
// after that comes back empty.
type follower struct {
	w     *writeAPI
	who   string
	first int
	copy  feedCopy
	errs  []string
}

func (f *follower) run(stop <-chan struct{}) {
	f.copy = feedCopy{live: map[string]bool{}, fields: map[string]string{}}
	var after any
	maxSeen := 0
	for {
		stopped := false
		select {
		case <-stop:
			stopped = true
		default:
		}
		r, err := f.w.try(f.who, "", feedQuery, map[string]any{"after": after, "first": f.first})
		if err != nil || len(r.Errors) > 0 {
			f.errs = append(f.errs, fmt.Sprintf("read after %v: %v %+v", after, err, r.Errors))
			return
		}
		nodes := get(r.Data, "changes", "nodes").([]any)
		if len(nodes) == 0 {
			if stopped {
				return
			}
			time.Sleep(2 * time.Millisecond)
			continue
		}
		for _, n := range nodes {
			seq := wnum(f.w.t, get(n, "sequence"))
			if seq <= maxSeen {
				f.errs = append(f.errs, fmt.Sprintf("sequence %d after %d (resuming after %v)", seq, maxSeen, after))
			}
			maxSeen = max(maxSeen, seq)
			f.copy.seqs = append(f.copy.seqs, seq)
			key := str(get(n, "type")) + " " + str(get(n, "code"))
			switch get(n, "operation") {
			case "UPSERT":
				f.copy.live[key] = true
				if e := get(n, "entity"); e != nil {
					for _, k := range []string{"peopleServed", "population", "status"} {
						if v, ok := e.(map[string]any)[k]; ok {
							f.copy.fields[key] = str(v)
						}
					}
				}
			case "ARCHIVE":
				delete(f.copy.live, key)
				if get(n, "entity") != nil {
					f.errs = append(f.errs, fmt.Sprintf("tombstone %d carries an entity", seq))
				}
			default:
				f.errs = append(f.errs, fmt.Sprintf("change %d: operation %v", seq, get(n, "operation")))
			}
		}
		end := get(r.Data, "changes", "pageInfo", "endCursor")
		if end == nil || str(end) != str(get(nodes[len(nodes)-1], "sequence")) {
			f.errs = append(f.errs, fmt.Sprintf("endCursor %v after sequence %v", end, get(nodes[len(nodes)-1], "sequence")))
			return
		}
		after = end
	}
}

// feedWriter does random writes of every kind, on rows of its own and on
// rows every writer shares.
type feedWriter struct {
	w      *writeAPI
	who    string
	id     int
	rnd    *rand.Rand
	comms  []string // the communities it writes in
	live   []string // its live records
	gone   []string // its archived records
	demand []string // its demands, with their status
	status map[string]string
	home   map[string]string // its records' communities
	n      int
	errs   []string
	writes int
}

var demandPath = map[string]string{"OPEN": "ASSIGNED", "ASSIGNED": "IN_PROGRESS", "IN_PROGRESS": "RESOLVED", "RESOLVED": "CLOSED", "CLOSED": "REOPENED", "REOPENED": "ASSIGNED"}

func (fw *feedWriter) do(q string, vars map[string]any) map[string]any {
	r, err := fw.w.try(fw.who, "", q, vars)
	if err != nil || len(r.Errors) > 0 {
		fw.errs = append(fw.errs, fmt.Sprintf("%s %v: %v %+v", q, vars, err, r.Errors))
		return nil
	}
	fw.writes++
	return r.Data
}

func (fw *feedWriter) run(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		if len(fw.errs) > 0 {
			return
		}
		fw.n++
		comm := fw.comms[fw.rnd.IntN(len(fw.comms))]
		switch k := fw.rnd.IntN(100); {
		case k < 35: // a batch of new records, sometimes with old ones, sometimes retried
			var items []any
			for i := range 1 + fw.rnd.IntN(8) {
				items = append(items, map[string]any{"code": fmt.Sprintf("SR-W%d-%d-%d", fw.id, fw.n, i), "community": fw.comms[fw.rnd.IntN(len(fw.comms))],
					"occurredAt": fmt.Sprintf("2023-%02d-15T10:00:00+08:00", 1+fw.rnd.IntN(12)), "peopleServed": fw.rnd.IntN(9)})
			}
			if len(fw.live) > 0 && fw.rnd.IntN(3) == 0 {
				// One of its records again, in its community: rows stay in
				// their region, so that the scoped reader's expectation
				// (the rows in the region now) holds at every sequence.
				c := fw.live[fw.rnd.IntN(len(fw.live))]
				items = append(items, map[string]any{"code": c, "community": fw.home[c],
					"occurredAt": "2023-06-15T10:00:00+08:00", "peopleServed": 20 + fw.rnd.IntN(9)})
			}
			key := fmt.Sprintf("w%d-%d", fw.id, fw.n)
			d := fw.do(recordMutation, map[string]any{"in": items, "key": key})
			if d == nil {
				return
			}
			for _, it := range items {
				c := it.(map[string]any)["code"].(string)
				if !slices.Contains(fw.live, c) {
					fw.live = append(fw.live, c)
					fw.home[c] = it.(map[string]any)["community"].(string)
				}
			}
			if fw.rnd.IntN(4) == 0 {
				d := fw.do(recordMutation, map[string]any{"in": items, "key": key})
				if d != nil && get(d, "recordServices", "replayed") != true {
					fw.errs = append(fw.errs, "a retry was not replayed")
				}
			}
		case k < 50 && len(fw.live) > 0: // change one of its records
			c := fw.live[fw.rnd.IntN(len(fw.live))]
			fw.do(`mutation($c: String!, $n: Int!) { updateServiceRecord(code: $c, input: {peopleServed: $n}) { code } }`,
				map[string]any{"c": c, "n": fw.rnd.IntN(50)})
		case k < 60 && len(fw.live) > 0: // archive one
			i := fw.rnd.IntN(len(fw.live))
			c := fw.live[i]
			if fw.do(`mutation($c: String!) { archiveServiceRecord(code: $c) { code } }`, map[string]any{"c": c}) != nil {
				fw.live = slices.Delete(fw.live, i, i+1)
				fw.gone = append(fw.gone, c)
			}
		case k < 68 && len(fw.gone) > 0: // restore one, or upsert it archived
			i := fw.rnd.IntN(len(fw.gone))
			c := fw.gone[i]
			if fw.rnd.IntN(3) == 0 {
				fw.do(`mutation($c: String!, $m: String!) { upsertServiceRecord(input: {code: $c, community: $m, occurredAt: "2023-02-02T10:00:00+08:00", peopleServed: 3}) { code } }`,
					map[string]any{"c": c, "m": fw.home[c]})
				break
			}
			if fw.do(`mutation($c: String!) { restoreServiceRecord(code: $c) { code } }`, map[string]any{"c": c}) != nil {
				fw.gone = slices.Delete(fw.gone, i, i+1)
				fw.live = append(fw.live, c)
			}
		case k < 76: // a row every writer shares
			fw.do(`mutation($c: String!, $n: Int!) { updateCommunity(code: $c, input: {population: $n}) { code } }`,
				map[string]any{"c": comm, "n": fw.rnd.IntN(10000)})
		default: // the demand workflow
			if len(fw.demand) == 0 || fw.rnd.IntN(5) == 0 {
				c := fmt.Sprintf("D-W%d-%d", fw.id, fw.n)
				if fw.do(`mutation($c: String!, $m: String!) { createDemand(input: {code: $c, community: $m, title: "需求", raisedAt: "2023-03-03T10:00:00+08:00", status: OPEN}) { code } }`,
					map[string]any{"c": c, "m": comm}) != nil {
					fw.demand = append(fw.demand, c)
					fw.status[c] = "OPEN"
				}
				break
			}
			c := fw.demand[fw.rnd.IntN(len(fw.demand))]
			to := demandPath[fw.status[c]]
			d := fw.do(`mutation($c: String!, $to: DemandStatus!, $o: String) { transitionDemand(code: $c, to: $to, organization: $o) { status } }`,
				map[string]any{"c": c, "to": to, "o": "ORG-000-2"})
			if d != nil {
				fw.status[c] = to
			}
		}
	}
}

// liveRows reads the live rows of every type, with the compared field.
func liveRows(t *testing.T, db *store.DB) (map[string]bool, map[string]string) {
	t.Helper()
	live, fields := map[string]bool{}, map[string]string{}
	for _, typ := range changes.Order {
		col := map[string]string{"ServiceRecord": "people_served", "Community": "population", "Demand": "status"}[typ]
		sel := "code, ''"
		if col != "" {
			sel = "code, COALESCE(CAST(" + col + " AS TEXT), '<nil>')"
		}
		rows, err := db.Query(context.Background(), "SELECT "+sel+" FROM "+store.Catalog[typ].Table+" WHERE archived_at IS NULL")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var code, v string
			if err := rows.Scan(&code, &v); err != nil {
				t.Fatal(err)
			}
			key := enumName(typ) + " " + code
			live[key] = true
			if col != "" {
				fields[key] = v
			}
		}
		rows.Close()
	}
	return live, fields
}

// regionRows are the (type, id) pairs of the rows under a region, as the
// scope rules say (a position and a grade change follow their person, a
// research topic and a case their studio, service categories are
// everyone's), written out here in SQL of the test's own.
func regionRows(t *testing.T, db *store.DB, region string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	var path string
	rows, err := db.Query(context.Background(), "SELECT path FROM regions WHERE code = ?", region)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		_ = rows.Scan(&path)
	}
	rows.Close()
	like := path + "%"
	queries := map[string]string{
		"Region":          "SELECT id FROM regions WHERE path LIKE ?",
		"ServiceCategory": "SELECT id FROM service_categories WHERE ? <> ''",
		"Position":        "SELECT id FROM positions WHERE person_id IN (SELECT id FROM people WHERE region_path LIKE ?)",
		"GradeChange":     "SELECT id FROM grade_changes WHERE person_id IN (SELECT id FROM people WHERE region_path LIKE ?)",
		"ResearchTopic":   "SELECT id FROM research_topics WHERE studio_id IN (SELECT id FROM studios WHERE region_path LIKE ?)",
		"Case":            "SELECT id FROM cases WHERE studio_id IN (SELECT id FROM studios WHERE region_path LIKE ?)",
	}
	for _, typ := range changes.Order {
		q, ok := queries[typ]
		if !ok {
			q = "SELECT id FROM " + store.Catalog[typ].Table + " WHERE region_path LIKE ?"
		}
		rows, err := db.Query(context.Background(), q, like)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for rows.Next() {
			var id int64
			_ = rows.Scan(&id)
			out[fmt.Sprintf("%s %d", typ, id)] = true
		}
		rows.Close()
	}
	return out
}

func TestFeedFollowedUnderConcurrentWrites(t *testing.T) {
	eachWriteBackend(t, fixture(4), func(t *testing.T, w *writeAPI) {
		writers, run := 4, 3*time.Second
		if w.db.Dialect() == store.SQLite {
			writers, run = 2, 2*time.Second
		}
		stopWriters, stopReaders := make(chan struct{}), make(chan struct{})
		admin := &follower{w: w, who: "admin", first: 37}
		analyst := &follower{w: w, who: "analyst", first: 11}
		var readers, ws sync.WaitGroup
		for _, f := range []*follower{admin, analyst} {
			readers.Add(1)
			go func() { defer readers.Done(); f.run(stopReaders) }()
		}
		fws := make([]*feedWriter, writers)
		for i := range fws {
			fw := &feedWriter{w: w, who: "admin", id: i, rnd: rand.New(rand.NewPCG(uint64(i), 7)), comms: []string{"C000", "C001", "C002", "C003"}, status: map[string]string{}, home: map[string]string{}}
			if i == 0 {
				fw.who, fw.comms = "operator", []string{"C000", "C001"}
			}
			fws[i] = fw
			ws.Add(1)
			go func() { defer ws.Done(); fw.run(stopWriters) }()
		}
		time.AfterFunc(run, func() { close(stopWriters) })
		ws.Wait()
		close(stopReaders)
		readers.Wait()

		total := 0
		for _, fw := range fws {
			if len(fw.errs) > 0 {
				t.Fatalf("writer %d: %s", fw.id, strings.Join(fw.errs, "\n"))
			}
			total += fw.writes
		}
		for _, f := range []*follower{admin, analyst} {
			if len(f.errs) > 0 {
				t.Fatalf("%s's reader: %s", f.who, strings.Join(f.errs, "\n"))
			}
		}
		t.Logf("%d writes, %d changes", total, len(admin.copy.seqs))
		if total < 10 {
			t.Fatalf("only %d writes", total)
		}

		// ADMIN read 1..N, each once, in order, N the feed's last.
		last := w.count("SELECT MAX(sequence) FROM changes")
		for i, s := range admin.copy.seqs {
			if s != i+1 {
				t.Fatalf("the %dth change read is %d", i+1, s)
			}
		}
		if len(admin.copy.seqs) != last {
			t.Fatalf("read %d changes, the feed has %d", len(admin.copy.seqs), last)
		}
		// The copy is the tables.
		live, fields := liveRows(t, w.db)
		var diffs []string
		for k := range live {
			if !admin.copy.live[k] {
				diffs = append(diffs, "missing "+k)
			} else if fields[k] != "" && admin.copy.fields[k] != fields[k] {
				diffs = append(diffs, fmt.Sprintf("%s: copy %q, table %q", k, admin.copy.fields[k], fields[k]))
			}
		}
		for k := range admin.copy.live {
			if !live[k] {
				diffs = append(diffs, "left over "+k)
			}
		}
		slices.Sort(diffs)
		if len(diffs) > 0 {
			t.Fatalf("the copy differs from the tables (%d): %s", len(diffs), strings.Join(diffs[:min(len(diffs), 20)], "; "))
		}

		// The analyst read exactly the changes of the rows in 440304.
		inRegion := regionRows(t, w.db, "440304")
		var want []int
		rows, err := w.db.Query(context.Background(), "SELECT sequence, type, entity_id FROM changes ORDER BY sequence")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var (
				seq int
				typ string
				id  int64
			)
			if err := rows.Scan(&seq, &typ, &id); err != nil {
				t.Fatal(err)
			}
			if inRegion[fmt.Sprintf("%s %d", typ, id)] {
				want = append(want, seq)
			}
		}
		rows.Close()
		if !slices.Equal(analyst.copy.seqs, want) {
			t.Fatalf("the analyst read %d changes, want %d (first difference at %d)", len(analyst.copy.seqs), len(want), firstDiff(analyst.copy.seqs, want))
		}
	})
}

// enumName spells a type name as the EntityType enum does:
// ServiceRecord → SERVICE_RECORD.
func enumName(typ string) string {
	var b strings.Builder
	for i, r := range typ {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}

func firstDiff(a, b []int) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
