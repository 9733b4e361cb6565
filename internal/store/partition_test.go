package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/feed"
	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/query"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
	"github.com/civicgraph/civicgraph/internal/write"
)

var shanghai = time.FixedZone("CST", 8*3600)

// partitions lists the partitions of table, by name.
func partitions(t *testing.T, db *store.DB, table string) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = to_regclass(?) ORDER BY 1`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// EnsurePartitions creates the months asked for, of the three tables, once
// even when two processes (two pools, two caches) race for them; the
// migration made this month and the next ones. SQLite has nothing to do.
func TestEnsurePartitions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		from, to := time.Date(2018, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2019, 2, 15, 0, 0, 0, 0, time.UTC)
		if db.Dialect() == store.SQLite {
			if err := store.EnsurePartitions(ctx, db, from, to); err != nil {
				t.Fatal(err)
			}
			return
		}
		for _, table := range []string{"service_records", "changes", "audit_log"} {
			now := store.PartitionName(table, time.Now())
			next := store.PartitionName(table, time.Now().AddDate(0, 3, 0))
			if ps := partitions(t, db, table); !slices.Contains(ps, now) || !slices.Contains(ps, next) {
				t.Errorf("after migrating, %s has %v: want %s and %s", table, ps, now, next)
			}
		}
		other, err := store.Open(ctx, db.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, d := range []*store.DB{db, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = store.EnsurePartitions(ctx, d, from, to)
			}()
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("racing EnsurePartitions: %v, %v", errs[0], errs[1])
		}
		if err := store.EnsurePartitions(ctx, db, from, to); err != nil {
			t.Fatalf("again: %v", err)
		}
		for _, table := range []string{"service_records", "changes", "audit_log"} {
			var got []string
			for _, p := range partitions(t, db, table) {
				if strings.Contains(p, "_y2018") || strings.Contains(p, "_y2019") {
					got = append(got, p)
				}
			}
			want := []string{table + "_y2018m11", table + "_y2018m12", table + "_y2019m01", table + "_y2019m02"}
			if !slices.Equal(got, want) {
				t.Errorf("%s: partitions %v, want %v", table, got, want)
			}
		}
		// Bounds are UTC months.
		bound := storetest.QueryInt(t, db, `SELECT count(*) FROM pg_class
WHERE relname = 'service_records_y2019m01' AND pg_get_expr(relpartbound, oid) =
	format('FOR VALUES FROM (%L) TO (%L)', timestamptz '2019-01-01 00:00:00+00', timestamptz '2019-02-01 00:00:00+00')`)
		if bound != 1 {
			t.Errorf("service_records_y2019m01 does not hold the UTC month of January 2019")
		}
	})
}

// capture is a Querier that notes the statements it sends and their
// arguments, to EXPLAIN exactly what the API runs.
type capture struct {
	*store.DB
	sql  []string
	args [][]any
}

func (c *capture) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	c.sql, c.args = append(c.sql, q), append(c.args, args)
	return c.DB.Query(ctx, q, args...)
}

// explain runs prefix+query (an EXPLAIN ... FORMAT JSON) and returns the
// plan as text and decoded.
func explain(t *testing.T, db *store.DB, prefix, query string, args []any) (string, any) {
	t.Helper()
	rows, err := db.Query(context.Background(), prefix+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan string
	for rows.Next() {
		if err := rows.Scan(&plan); err != nil {
			t.Fatal(err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal([]byte(plan), &v); err != nil {
		t.Fatal(err)
	}
	return plan, v
}

// relations lists the "Relation Name"s of an EXPLAIN (FORMAT JSON) plan.
func relations(v any, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if k == "Relation Name" {
				out[e.(string)] = true
			}
			relations(e, out)
		}
	case []any:
		for _, e := range x {
			relations(e, out)
		}
	}
}

// monthLines are a community and a record on the 15th of each month from
// first for n months.
func monthLines(first time.Time, n int) []map[string]any {
	ls := []map[string]any{
		{"type": "Region", "code": "R", "name": "市", "level": "CITY"},
		{"type": "Community", "code": "C", "name": "社区", "kind": "URBAN", "region": "R"},
	}
	for i := range n {
		at := first.AddDate(0, i, 14)
		ls = append(ls, map[string]any{"type": "ServiceRecord", "code": fmt.Sprintf("SR-%02d", i), "community": "C",
			"occurredAt": at.Format(time.RFC3339), "peopleServed": i + 1})
	}
	return ls
}

// PostgreSQL only, by nature: SQLite has no partitions to prune. The
// statement that serviceRecords(where: {occurredAt: ...}) sends, for a month
// of local time (Asia/Shanghai), reads only the partitions that month
// overlaps: two UTC months (its first eight hours are the last of the UTC
// month before), of the twelve that hold records.
func TestTimeFilterPrunesPartitions(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.Postgres)
	first := time.Date(2022, 1, 1, 0, 0, 0, 0, shanghai)
	if _, err := ingest.ImportLines(ctx, db, ingest.Slice(monthLines(first, 12)), ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	if ps := partitions(t, db, "service_records"); !slices.Contains(ps, "service_records_y2022m01") || !slices.Contains(ps, "service_records_y2022m12") {
		t.Fatalf("the import did not create its months: %v", ps)
	}
	c := &capture{DB: db}
	where := map[string]any{"occurredAt": map[string]any{
		"gte": "2022-03-01T00:00:00+08:00", "lt": "2022-04-01T00:00:00+08:00"}}
	page, err := query.Find[store.ServiceRecord](ctx, c, store.Catalog["ServiceRecord"], query.Args{Where: where})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Nodes) != 1 || page.Nodes[0].Code != "SR-02" {
		t.Fatalf("March's records: %+v", page.Nodes)
	}
	if len(c.sql) != 1 {
		t.Fatalf("%d statements, want 1: %q", len(c.sql), c.sql)
	}
	t.Logf("the statement: %s %v", c.sql[0], c.args[0])
	plan, v := explain(t, db, "EXPLAIN (FORMAT JSON) ", c.sql[0], c.args[0])
	read := map[string]bool{}
	relations(v, read)
	var got []string
	for r := range read {
		if strings.HasPrefix(r, "service_records") {
			got = append(got, r)
		}
	}
	slices.Sort(got)
	if want := []string{"service_records_y2022m02", "service_records_y2022m03"}; !slices.Equal(got, want) {
		t.Errorf("the query reads %v, want %v; plan:\n%s", got, want, plan)
	}
}

// snapshot is what the API and the tables answer, to compare a store
// before and after migration 0007.
type snapshot struct {
	tables  map[string]string // every row of each table, as text, in key order
	maxIDs  map[string]int    // the largest id of each table
	records []string          // a time-filtered, ordered serviceRecords page
	feed    []string          // the change feed, read in pages of 7
	audit   []string          // the audit log through the API's query
}

func takeSnapshot(t *testing.T, db *store.DB) snapshot {
	t.Helper()
	ctx := context.Background()
	s := snapshot{tables: map[string]string{}, maxIDs: map[string]int{}}
	for table, key := range map[string]string{"service_records": "id", "changes": "sequence", "audit_log": "id"} {
		rows, err := db.Query(ctx, "SELECT "+key+", * FROM "+table+" ORDER BY "+key)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		var b strings.Builder
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if tm, ok := v.(time.Time); ok {
					v = tm.UTC().Format(time.RFC3339Nano)
				}
				fmt.Fprintf(&b, "%s=%v ", cols[i], v)
			}
			b.WriteString("\n")
		}
		rows.Close()
		s.tables[table] = b.String()
		s.maxIDs[table] = storetest.QueryInt(t, db, "SELECT COALESCE(MAX("+key+"), 0) FROM "+table)
	}
	first := 50
	where := map[string]any{"occurredAt": map[string]any{"gte": "2021-01-01T00:00:00+08:00"}}
	order := []map[string]any{{"field": "OCCURRED_AT", "direction": "DESC"}}
	page, err := query.Find[store.ServiceRecord](ctx, db, store.Catalog["ServiceRecord"], query.Args{First: &first, Where: where, OrderBy: order})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range page.Nodes {
		s.records = append(s.records, fmt.Sprintf("%d %s %s %d", r.RowID, r.Code, r.OccurredAt.UTC().Format(time.RFC3339), r.PeopleServed))
	}
	for after := int64(0); ; {
		cs, more, err := feed.Read(ctx, db, nil, feed.Filter{After: after, Limit: 7})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			s.feed = append(s.feed, fmt.Sprintf("%d %s %d %s %s", c.Sequence, c.Type, c.EntityID, c.Code, c.Operation))
			after = c.Sequence
		}
		if !more {
			break
		}
	}
	ap, err := query.Find[store.AuditEntry](ctx, db, store.Catalog["AuditEntry"], query.Args{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range ap.Nodes {
		s.audit = append(s.audit, fmt.Sprintf("%d %s %s %s %s", a.RowID, a.Operation, a.Entity, a.Code, a.At.UTC().Format(time.RFC3339Nano)))
	}
	return s
}

// A store at version 6 with rows in the three tables (the article's
// scenario, imported, then a mutation) is migrated to 7 in place: every row
// is kept, the API answers the same, the change feed and the audit log page
// the same, and ids go on from where they were. SQLite's 0007 changes
// nothing, and must not either.
func TestMigrationPartitionsInPlace(t *testing.T) {
	for _, d := range storetest.Backends {
		t.Run(d.String(), func(t *testing.T) {
			ctx := context.Background()
			u := "sqlite:" + t.TempDir() + "/test.db"
			if d == store.Postgres {
				u = storetest.NewPostgresDatabase(t)
			}
			db, err := store.Open(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx, 6); err != nil {
				t.Fatal(err)
			}
			// Three years of records, a month apart, by the import; then
			// mutations, which the audit log records one by one.
			if _, err := ingest.ImportLines(ctx, db, ingest.Slice(monthLines(time.Date(2020, 1, 1, 0, 0, 0, 0, shanghai), 36)), ingest.Options{}); err != nil {
				t.Fatal(err)
			}
			svc := &write.Service{DB: db}
			for i, at := range []string{"2021-06-01T10:00:00+08:00", "2022-12-31T23:30:00+08:00", "2023-01-01T00:30:00+08:00"} {
				if _, err := svc.Upsert(ctx, "ServiceRecord", map[string]any{"code": fmt.Sprintf("SR-M%d", i), "community": "C",
					"occurredAt": at, "peopleServed": i}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := svc.Upsert(ctx, "ServiceRecord", map[string]any{"code": "SR-05", "community": "C",
				"occurredAt": "2021-07-01T10:00:00+08:00", "peopleServed": 5}); err != nil {
				t.Fatal(err)
			}
			before := takeSnapshot(t, db)
			if before.maxIDs["service_records"] == 0 || before.maxIDs["changes"] == 0 || before.maxIDs["audit_log"] == 0 || len(before.records) == 0 {
				t.Fatalf("the fixture is missing rows: %v, %d records", before.maxIDs, len(before.records))
			}
			applied, err := db.Migrate(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(applied) != 1 || applied[0] != "0007_partitions" {
				t.Fatalf("applied %v", applied)
			}
			after := takeSnapshot(t, db)
			for table := range before.tables {
				if before.tables[table] != after.tables[table] {
					t.Errorf("%s changed:\n%s\nvs\n%s", table, before.tables[table], after.tables[table])
				}
			}
			for name, pair := range map[string][2][]string{"records": {before.records, after.records}, "feed": {before.feed, after.feed}, "audit": {before.audit, after.audit}} {
				if !slices.Equal(pair[0], pair[1]) {
					t.Errorf("%s: before\n%q\nafter\n%q", name, pair[0], pair[1])
				}
			}
			if d == store.Postgres {
				if n := storetest.QueryInt(t, db, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'service_records'::regclass"); n < 2 {
					t.Errorf("service_records has %d partitions", n)
				}
				if n, m := storetest.QueryInt(t, db, "SELECT count(*) FROM service_record_codes"), storetest.QueryInt(t, db, "SELECT count(*) FROM service_records"); n != m {
					t.Errorf("%d codes for %d records", n, m)
				}
			}
			// Ids and sequences go on.
			id, err := svc.Upsert(ctx, "ServiceRecord", map[string]any{"code": "SR-AFTER", "community": "C",
				"occurredAt": "2015-02-01T10:00:00+08:00"})
			if err != nil {
				t.Fatal(err)
			}
			if id <= int64(before.maxIDs["service_records"]) {
				t.Errorf("new record id %d, not after %d", id, before.maxIDs["service_records"])
			}
			for table, key := range map[string]string{"changes": "sequence", "audit_log": "id"} {
				if n := storetest.QueryInt(t, db, "SELECT MAX("+key+") FROM "+table); n <= before.maxIDs[table] {
					t.Errorf("%s: largest %s %d, not after %d", table, key, n, before.maxIDs[table])
				}
			}
		})
	}
}

// executed lists the "Relation Name"s of an EXPLAIN (ANALYZE, FORMAT JSON)
// plan that ran at least once: run-time pruning leaves the others at zero
// loops ("never executed").
func executed(v any, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		if r, ok := x["Relation Name"].(string); ok {
			if loops, _ := x["Actual Loops"].(float64); loops > 0 {
				out[r] = true
			}
		}
		for _, e := range x {
			executed(e, out)
		}
	case []any:
		for _, e := range x {
			executed(e, out)
		}
	}
}

// PostgreSQL only, by nature. A lookup by ids (node, nodes, the write path)
// reads only the months between its records' first and last, found through
// service_record_codes (store.Months), not every month's id index.
func TestLookupByIDsVisitsTheirMonths(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.Postgres)
	first := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := ingest.ImportLines(ctx, db, ingest.Slice(monthLines(first, 12)), ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	rows, err := db.Query(ctx, "SELECT id FROM service_records WHERE code IN ('SR-04', 'SR-05') ORDER BY code")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	c := &capture{DB: db}
	found, err := query.ByIDs[store.ServiceRecord](ctx, c, store.Catalog["ServiceRecord"], ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 || found[ids[0]] == nil || found[ids[0]].Code != "SR-04" || found[ids[1]].Code != "SR-05" {
		t.Fatalf("ByIDs(%v) = %+v", ids, found)
	}
	if len(c.sql) != 1 {
		t.Fatalf("%d statements, want 1: %q", len(c.sql), c.sql)
	}
	plan, v := explain(t, db, "EXPLAIN (ANALYZE, FORMAT JSON) ", c.sql[0], c.args[0])
	ran := map[string]bool{}
	executed(v, ran)
	var got []string
	for r := range ran {
		if strings.HasPrefix(r, "service_records_") {
			got = append(got, r)
		}
	}
	slices.Sort(got)
	if want := []string{"service_records_y2022m05", "service_records_y2022m06"}; !slices.Equal(got, want) {
		t.Errorf("the lookup reads %v, want %v; plan:\n%s", got, want, plan)
	}
}
