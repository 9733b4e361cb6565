package graph_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// statRow is what a test expects of one serviceStats group.
type statRow struct{ records, people, resolved int }

// expectedServiceStats groups the fixture's records in Go by key.
func expectedServiceStats(fx []line, key func(l line) string, keep func(l line) bool) map[string]statRow {
	out := map[string]statRow{}
	for _, l := range fixtureOf(fx, "ServiceRecord") {
		if keep != nil && !keep(l) {
			continue
		}
		k := key(l)
		r := out[k]
		r.records++
		r.people += l["peopleServed"].(int)
		if l["resolved"] == true {
			r.resolved++
		}
		out[k] = r
	}
	return out
}

func localTime(l line) time.Time {
	t, _ := time.Parse(time.RFC3339, l["occurredAt"].(string))
	return t.In(store.Shanghai)
}

func gotServiceStats(t *testing.T, rows []any, key func(row any) string) map[string]statRow {
	t.Helper()
	out := map[string]statRow{}
	var order []string
	for _, r := range rows {
		k := key(r)
		order = append(order, k)
		out[k] = statRow{int(num(get(r, "records"))), int(num(get(r, "peopleServed"))), int(num(get(r, "resolved")))}
	}
	if !sort.StringsAreSorted(order) {
		t.Errorf("groups are not ordered by their keys: %v", order)
	}
	return out
}

func TestServiceStatsGroupings(t *testing.T) {
	fx := fixture(12)
	streetOf := map[string]string{}
	for _, c := range fixtureOf(fx, "Community") {
		streetOf[c["code"].(string)] = c["region"].(string)
	}
	clock := func() time.Time { return time.Date(2023, 2, 15, 9, 0, 0, 0, store.Shanghai) }
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		a := newAPIAt(t, db, fx, clock)

		d := a.data(`{ serviceStats(groupBy: [PERIOD], period: MONTH) { period { label start end } records peopleServed resolved resolutionRate } }`, nil)
		got := gotServiceStats(t, d["serviceStats"].([]any), func(r any) string { return get(r, "period", "label").(string) })
		want := expectedServiceStats(fx, func(l line) string { return localTime(l).Format("2006-01") }, nil)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("by month:\n got %v\nwant %v", got, want)
		}
		first := d["serviceStats"].([]any)[0]
		if get(first, "period", "label") != "2022-12" || get(first, "period", "start") != "2022-12-01T00:00:00+08:00" || get(first, "period", "end") != "2023-01-01T00:00:00+08:00" {
			t.Fatalf("the 23:30 New Year's Eve record belongs to December 2022: %v", first)
		}

		d = a.data(`{ serviceStats(groupBy: [REGION, CATEGORY], regionLevel: DISTRICT) { region { code } category { code } records peopleServed resolved } }`, nil)
		got = gotServiceStats(t, d["serviceStats"].([]any), func(r any) string {
			return fmt.Sprint(get(r, "region", "code"), "/", get(r, "category", "code"))
		})
		want = expectedServiceStats(fx, func(l line) string { return streetOf[l["community"].(string)][:6] + "/" + l["category"].(string) }, nil)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("by district and category:\n got %v\nwant %v", got, want)
		}

		// LAST_3_MONTHS at 2023-02-15: December 2022 to February 2023.
		d = a.data(`{ serviceStats(groupBy: [], relative: LAST_3_MONTHS, where: {resolved: {eq: true}}) { records peopleServed resolved } }`, nil)
		lo, hi := time.Date(2022, 12, 1, 0, 0, 0, 0, store.Shanghai), time.Date(2023, 3, 1, 0, 0, 0, 0, store.Shanghai)
		want = expectedServiceStats(fx, func(line) string { return "" }, func(l line) bool {
			lt := localTime(l)
			return !lt.Before(lo) && lt.Before(hi) && l["resolved"] == true
		})
		if n := num(get(d, "serviceStats", 0, "records")); int(n) != want[""].records {
			t.Fatalf("LAST_3_MONTHS resolved records = %v, want %d", d, want[""].records)
		}

		code, _ := a.errorCode(`{ serviceStats(groupBy: [CATEGORY], period: MONTH) { records } }`, nil)
		if code != "BAD_USER_INPUT" {
			t.Fatalf("period without PERIOD: %s", code)
		}
		code, _ = a.errorCode(`{ serviceStats(groupBy: [PERIOD], relative: THIS_YEAR, from: "2022-01-01T00:00:00+08:00") { records } }`, nil)
		if code != "BAD_USER_INPUT" {
			t.Fatalf("relative with from: %s", code)
		}
	})
}

func TestRegionSummaryAndCoverageBatch(t *testing.T) {
	fx := fixture(12)
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db, fx)
		q := `{ region(code: "440300") { summary { communities villages alliances peopleServed problemsSolved openDemands }
			children { nodes { code summary { communities } } } } }`
		d := a.data(q, nil)
		s := get(d, "region", "summary")
		villages, people, solved := 0, 0, 0
		for _, c := range fixtureOf(fx, "Community") {
			if c["kind"] == "VILLAGE" {
				villages++
			}
		}
		for _, r := range fixtureOf(fx, "ServiceRecord") {
			people += r["peopleServed"].(int)
			if r["resolved"] == true {
				solved++
			}
		}
		exactly(t, "communities", get(s, "communities"), 12)
		exactly(t, "villages", get(s, "villages"), float64(villages))
		exactly(t, "alliances", get(s, "alliances"), 12)
		exactly(t, "people served", get(s, "peopleServed"), float64(people))
		exactly(t, "problems solved", get(s, "problemsSolved"), float64(solved))
		exactly(t, "open demands", get(s, "openDemands"), 12)
		total := 0.0
		for _, c := range get(d, "region", "children", "nodes").([]any) {
			total += num(get(c, "summary", "communities"))
		}
		if total != 12 {
			t.Fatalf("communities of the districts = %v, want 12", total)
		}

		// Summaries of many regions cost the same statements as of one.
		before := db.Statements()
		a.data(`{ regions(where: {level: {eq: STREET}}) { nodes { summary { communities } coverage(asOf: "2023-03-01T00:00:00+08:00") { marketShare } } } }`, nil)
		many := db.Statements() - before
		before = db.Statements()
		a.data(`{ regions(first: 1, where: {level: {eq: STREET}}) { nodes { summary { communities } coverage(asOf: "2023-03-01T00:00:00+08:00") { marketShare } } } }`, nil)
		if one := db.Statements() - before; one != many {
			t.Fatalf("statements for one street %d, for all streets %d", one, many)
		}
	})
}
