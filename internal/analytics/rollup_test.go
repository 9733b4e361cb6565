package analytics

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/rollup"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// The roll-ups must give the base tables' answers exactly. These tests ask
// questions a roll-up can answer, check that one is chosen, and compare its
// answer with the one BaseTablesOnly reads from the base tables.

// rollupWheres are where inputs that some roll-up can decide.
func rollupWheres(id regionIDs) []map[string]any {
	event := func(kind any) map[string]any { return map[string]any{"event": map[string]any{"kind": kind}} }
	return []map[string]any{
		nil,
		within(id("440300")),
		withinPtr(id("440304001")),
		within(id("650102")), // Urumqi: another zone
		within(id("990000")), // New York: daylight saving time
		{"category": codeIs("HEALTH")},
		{"category": map[string]any{"code": map[string]any{"in": []string{"HEALTH", "REPAIR"}}}},
		{"category": map[string]any{"parent": codeIs("HEALTH")}},
		{"category": nil},
		{"community": codeIs("CEDGE")},
		{"community": map[string]any{"kind": eq("VILLAGE")}},
		{"provider": codeIs("ORG-01")},
		{"provider": nil},
		{"alliance": nil},
		{"alliance": codeIs("AL-1")},
		event(eq("MARKET")),
		event(map[string]any{"in": []string{"MARKET", "HOME_VISIT"}}),
		event(map[string]any{"neq": "MARKET"}),
		{"event": nil},
		{"event": map[string]any{}},
		{"or": []map[string]any{{"category": codeIs("HAIRCUT")}, event(eq("MARKET"))}},
		{"and": []map[string]any{within(id("440304")), {"category": codeIs("HEALTH")}}},
		{"not": map[string]any{"community": codeIs("CEDGE")}},
		{"not": map[string]any{"event": nil}},
		{"not": event(eq("MARKET"))}, // the base tables: a record without event counts differently
		{"not": map[string]any{"or": []map[string]any{event(eq("HOME_VISIT")), {"category": codeIs("HAIRCUT")}}}},
		{"not": map[string]any{"or": []map[string]any{{"alliance": codeIs("AL-1")}, {"alliance": nil}}}},
		merge(within(id("440000")), map[string]any{"or": []map[string]any{{"provider": nil}, {"provider": codeIs("ORG-02")}}}),
		merge(within(id("440300")), event(eq("MARKET"))),
	}
}

// alignedWindow draws a window whose bounds fall on Shanghai months or
// days, or a relative one.
func alignedWindow(r *rand.Rand) Window {
	bound := func() *time.Time {
		d := at(2019+r.IntN(6), time.Month(1+r.IntN(12)), 1, 0, 0, 0, 0)
		if r.IntN(3) == 0 {
			d = d.AddDate(0, 0, r.IntN(28))
		}
		return &d
	}
	switch r.IntN(6) {
	case 0:
		return Window{}
	case 1:
		return Window{From: bound()}
	case 2:
		return Window{To: bound()}
	case 3:
		f, t := bound(), bound()
		if f.After(*t) {
			f, t = t, f
		}
		return Window{From: f, To: t}
	}
	return Window{Relative: relatives[r.IntN(len(relatives))]}
}

// rollupGrouping draws a grouping of at most three service dimensions.
func rollupGrouping(r *rand.Rand) Grouping {
	g := randomGrouping(r, serviceDims)
	if len(g.By) > 3 {
		g.By = g.By[:3]
		g.RegionLevel, g.Period = "", ""
	}
	return g
}

// chosen is the roll-up a question is read from, "" for the base tables.
func chosen(t *testing.T, s *Stats, where map[string]any, g Grouping, w Window) string {
	t.Helper()
	f := serviceFact()
	p, err := s.plan(context.Background(), f, where, g, w)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	if r, ok := s.reader(f, p).(*rollupReader); ok {
		return r.t.Name
	}
	return ""
}

func TestRollupDifferential(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		l := load(t, db)
		ctx := context.Background()
		r := rand.New(rand.NewPCG(17, 19))
		wheres := rollupWheres(l.gid)
		used := map[string]int{}
		answered := 0 // questions a roll-up answered
		for i := 0; answered < 500 && i < 3000; i++ {
			where, g, w := wheres[r.IntN(len(wheres))], rollupGrouping(r), alignedWindow(r)
			clock := clocks[r.IntN(len(clocks))]
			s := New(db, fixed(clock))
			name := fmt.Sprintf("where=%v by=%v level=%q period=%q from=%v to=%v rel=%q clock=%s",
				where, g.By, g.RegionLevel, g.Period, w.From, w.To, w.Relative, clock.Format(time.RFC3339))
			table := chosen(t, s, where, g, w)
			used[table]++
			if table != "" {
				answered++
			}
			got, err := s.ServiceStats(ctx, where, g, w)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want, err := s.BaseTablesOnly().ServiceStats(ctx, where, g, w)
			if err != nil {
				t.Fatalf("%s (base tables): %v", name, err)
			}
			diff(t, name+" from "+table, exactServices(l.codes, got), exactServices(l.codes, want))
		}
		for _, tb := range rollup.ServiceTables {
			if used[tb.Name] < 3 {
				t.Errorf("%s answered %d questions; want at least 3 (choices: %v)", tb.Name, used[tb.Name], used)
			}
		}
		if answered < 500 {
			t.Errorf("roll-ups answered %d questions, want 500: %v", answered, used)
		}
	})
}

// TestRollupChoice pins which source answers which question.
func TestRollupChoice(t *testing.T) {
	l := load(t, storetest.Open(t, store.SQLite))
	s := New(l.db, fixed(clocks[0]))
	mid := at(2023, 5, 17, 0, 0, 0, 0)
	hour := at(2023, 5, 17, 9, 0, 0, 0)
	month := at(2023, 5, 1, 0, 0, 0, 0)
	old := time.Date(900, 1, 1, 0, 0, 0, 0, store.Shanghai)
	market := map[string]any{"event": map[string]any{"kind": eq("MARKET")}}
	for _, c := range []struct {
		name  string
		where map[string]any
		g     Grouping
		w     Window
		want  string
	}{
		{"the dashboard", nil, Grouping{By: []string{"REGION", "PERIOD", "CATEGORY"}, RegionLevel: "DISTRICT", Period: "MONTH"},
			Window{Relative: "LAST_12_MONTHS"}, rollup.RegionMonth.Name},
		{"all-time totals by district", nil, Grouping{By: []string{"REGION"}, RegionLevel: "DISTRICT"}, Window{}, rollup.RegionTotal.Name},
		{"a district's quarters", within(l.gid("440304")), Grouping{By: []string{"PERIOD"}, Period: "QUARTER"},
			Window{From: &month}, rollup.RegionMonth.Name},
		{"alliances by year", nil, Grouping{By: []string{"ALLIANCE", "PERIOD"}, Period: "YEAR"}, Window{}, rollup.AllianceMonth.Name},
		{"providers", nil, Grouping{By: []string{"ORGANIZATION"}}, Window{Relative: "THIS_YEAR"}, rollup.ProviderMonth.Name},
		{"communities and alliances", nil, Grouping{By: []string{"COMMUNITY", "ALLIANCE"}}, Window{}, rollup.ProviderMonth.Name},
		{"an alliance's providers", map[string]any{"alliance": codeIs("AL-1")}, Grouping{By: []string{"ORGANIZATION"}}, Window{},
			rollup.ProviderMonth.Name},
		{"communities", nil, Grouping{By: []string{"COMMUNITY", "CATEGORY"}}, Window{}, rollup.CommunityMonth.Name},
		{"markets", market, Grouping{By: []string{"REGION"}}, Window{}, rollup.CommunityMonth.Name},
		{"not without event", map[string]any{"not": map[string]any{"event": nil}}, Grouping{}, Window{}, rollup.CommunityMonth.Name},
		{"days", nil, Grouping{By: []string{"PERIOD"}, Period: "DAY"}, Window{}, rollup.CommunityDay.Name},
		{"weeks of communities", nil, Grouping{By: []string{"COMMUNITY", "PERIOD"}, Period: "WEEK"}, Window{}, rollup.CommunityDay.Name},
		{"from mid-month", nil, Grouping{By: []string{"REGION"}}, Window{From: &mid}, rollup.CommunityDay.Name},
		{"Urumqi without periods", within(l.gid("650102")), Grouping{By: []string{"CATEGORY"}}, Window{}, rollup.RegionMonth.Name},
		// The base tables:
		{"from 09:00", nil, Grouping{By: []string{"REGION"}}, Window{From: &hour}, ""},
		{"categories by day", nil, Grouping{By: []string{"CATEGORY", "PERIOD"}, Period: "DAY"}, Window{}, ""},
		{"resolved", map[string]any{"resolved": eq(true)}, Grouping{}, Window{}, ""},
		{"occurred at", map[string]any{"occurredAt": map[string]any{"gte": month}}, Grouping{}, Window{}, ""},
		{"recipient null", map[string]any{"recipient": nil}, Grouping{}, Window{}, ""},
		{"not a market", map[string]any{"not": market}, Grouping{}, Window{}, ""},
		{"event title", map[string]any{"event": map[string]any{"title": eq("x")}}, Grouping{}, Window{}, ""},
		{"Urumqi months", within(l.gid("650102")), Grouping{By: []string{"PERIOD"}}, Window{}, ""},
		{"New York this year", within(l.gid("990000")), Grouping{}, Window{Relative: "THIS_YEAR"}, ""},
		{"categories and providers", nil, Grouping{By: []string{"CATEGORY", "ORGANIZATION"}}, Window{}, ""},
		{"the year 900", nil, Grouping{}, Window{From: &old}, ""},
	} {
		if got := chosen(t, s, c.where, c.g, c.w); got != c.want {
			t.Errorf("%s: read from %q, want %q", c.name, got, c.want)
		}
		if got := chosen(t, s.BaseTablesOnly(), c.where, c.g, c.w); got != "" {
			t.Errorf("%s: BaseTablesOnly read from %q", c.name, got)
		}
	}
}

// The dashboard question reads the roll-up, in one statement: a roll-up
// row changed behind its back changes the answer, and the base tables'
// answer does not.
func TestDashboardReadsRollup(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		l := load(t, db)
		ctx := context.Background()
		s := New(db, fixed(clocks[0]))
		g := Grouping{By: []string{"REGION", "PERIOD", "CATEGORY"}, RegionLevel: "DISTRICT", Period: "MONTH"}
		w := Window{Relative: "LAST_12_MONTHS"}
		before := db.Statements()
		got, err := s.ServiceStats(ctx, nil, g, w)
		if err != nil {
			t.Fatal(err)
		}
		if n := db.Statements() - before; n != 1 {
			t.Errorf("the dashboard took %d statements, want 1", n)
		}
		want, err := s.BaseTablesOnly().ServiceStats(ctx, nil, g, w)
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "dashboard", exactServices(l.codes, got), exactServices(l.codes, want))
		if len(got) == 0 {
			t.Fatal("the dashboard is empty")
		}
		if _, err := db.Exec(ctx, "UPDATE "+rollup.RegionMonth.Name+" SET records = records + 1000"); err != nil {
			t.Fatal(err)
		}
		tampered, err := s.ServiceStats(ctx, nil, g, w)
		if err != nil {
			t.Fatal(err)
		}
		base, err := s.BaseTablesOnly().ServiceStats(ctx, nil, g, w)
		if err != nil {
			t.Fatal(err)
		}
		if tampered[0].Records < 1000 || !slices.Equal(exactServices(l.codes, base), exactServices(l.codes, want)) {
			t.Errorf("after changing the roll-up: %d records in the first group (want ≥ 1000), base tables changed: %v",
				tampered[0].Records, !slices.Equal(exactServices(l.codes, base), exactServices(l.codes, want)))
		}
	})
}

// Region summaries from the roll-ups equal those from the base tables.
func TestSummariesFromRollups(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		l := load(t, db)
		var ids []int64
		for _, id := range l.ids["regions"] {
			ids = append(ids, id)
		}
		s := New(db, fixed(clocks[0]))
		got, err := s.Summaries(context.Background(), ids)
		if err != nil {
			t.Fatal(err)
		}
		want, err := s.BaseTablesOnly().Summaries(context.Background(), ids)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if *got[id] != *want[id] {
				t.Errorf("region %s: %+v from roll-ups, %+v from base tables", l.codes["regions"][id], *got[id], *want[id])
			}
		}
	})
}
