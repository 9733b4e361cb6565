package analytics

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

func (l *loaded) checkDemands(t *testing.T, q refQuery, pred func(fDemand) bool) []DemandStat {
	t.Helper()
	got, err := New(l.db, fixed(q.clock)).DemandStats(context.Background(), q.where, q.g, q.w)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	diff(t, q.String(), renderDemands(l.codes, got), l.w.refDemands(q, pred))
	return got
}

func TestDemandStats(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		l := load(t, db)
		all := func(fDemand) bool { return true }
		now := clocks[0]
		t.Run("every dimension alone", func(t *testing.T) {
			for _, d := range demandDims {
				l.checkDemands(t, refQuery{name: d, g: Grouping{By: []string{d}}, clock: now}, all)
			}
			got := l.checkDemands(t, refQuery{name: "total", clock: now}, all)
			if len(got) != 1 || got[0].Demands != len(l.w.demands) || got[0].MedianHoursToResponse == nil {
				t.Errorf("total: got %v", renderDemands(l.codes, got))
			}
		})
		t.Run("levels and units", func(t *testing.T) {
			for i, lv := range levels {
				g := Grouping{By: []string{"REGION", "PERIOD", "STATUS"}, RegionLevel: lv, Period: units[i%len(units)]}
				l.checkDemands(t, refQuery{name: "levels", g: g, clock: now}, all)
			}
		})
		t.Run("filters", func(t *testing.T) {
			for _, f := range l.w.demandFilters() {
				q := refQuery{name: f.name, where: f.where(l.gid), within: f.within, clock: now,
					g: Grouping{By: []string{"ALLIANCE", "PERIOD"}, Period: "QUARTER"}}
				l.checkDemands(t, q, f.pred)
			}
		})
		t.Run("random questions", func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, 4))
			fs := l.w.demandFilters()
			for i := 0; i < 120; i++ {
				q, f := randomQuery(r, fs, l.gid, demandDims, l.w.demandInstants())
				l.checkDemands(t, q, f.pred)
			}
		})
		t.Run("status counts", func(t *testing.T) {
			got := l.checkDemands(t, refQuery{name: "status", g: Grouping{By: []string{"STATUS"}}, clock: now}, all)
			want := []string{"ASSIGNED", "CLOSED", "IN_PROGRESS", "OPEN", "RESOLVED"} // by name
			if len(got) != len(want) {
				t.Fatalf("by status: %d rows, want %d", len(got), len(want))
			}
			for i, s := range got {
				if *s.Status != want[i] {
					t.Errorf("row %d: status %s, want %s", i, *s.Status, want[i])
				}
				counts := map[string]int{"OPEN": s.Open, "ASSIGNED": s.Assigned, "IN_PROGRESS": s.InProgress, "RESOLVED": s.ResolvedCount, "CLOSED": s.Closed}
				if counts[*s.Status] != s.Demands {
					t.Errorf("status %s: %d demands but counts %v", *s.Status, s.Demands, counts)
				}
			}
		})
		t.Run("no times", func(t *testing.T) {
			// A group whose demands have no responded_at has no percentiles.
			for _, s := range l.checkDemands(t, refQuery{name: "codes", g: Grouping{By: []string{"COMMUNITY", "STATUS", "PERIOD"}, Period: "DAY"}, clock: now}, all) {
				if (s.Responded == 0) != (s.MedianHoursToResponse == nil) || (s.ResolvedWithTime == 0) != (s.P90HoursToResolution == nil) {
					t.Errorf("percentiles present iff times present: %v", renderDemands(l.codes, []DemandStat{s}))
				}
			}
		})
	})
}

func TestPercentileCont(t *testing.T) {
	cases := []struct {
		in     []float64
		p      float64
		want   float64
		isNull bool
	}{
		{nil, 0.5, 0, true},
		{[]float64{7}, 0.9, 7, false},
		{[]float64{4, 1, 3, 2}, 0.5, 2.5, false},
		{[]float64{4, 1, 3, 2}, 0.9, 3.7, false},
		{[]float64{1, 2, 3}, 0.5, 2, false},
		{[]float64{-2, 10}, 0.9, 8.8, false},
	}
	for _, c := range cases {
		got := percentileCont(append([]float64(nil), c.in...), c.p)
		if c.isNull != (got == nil) || (got != nil && *got-c.want > 1e-12 || got != nil && c.want-*got > 1e-12) {
			t.Errorf("percentile %v of %v = %v, want %v", c.p, c.in, got, c.want)
		}
	}
}

// TestPercentileMatchesPostgres checks percentileCont against PostgreSQL's
// own percentile_cont, bit for bit.
func TestPercentileMatchesPostgres(t *testing.T) {
	db := storetest.Open(t, store.Postgres)
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 60; i++ {
		vals := make([]float64, 1+r.IntN(40))
		for j := range vals {
			vals[j] = float64(r.IntN(100000)) / 60
		}
		for _, p := range []float64{0.5, 0.9} {
			var want float64
			rows, err := db.Query(context.Background(), "SELECT percentile_cont(CAST(? AS float8)) WITHIN GROUP (ORDER BY x) FROM unnest(CAST(? AS float8[])) AS u(x)", p, vals)
			if err != nil {
				t.Fatal(err)
			}
			rows.Next()
			if err := rows.Scan(&want); err != nil {
				t.Fatal(err)
			}
			rows.Close()
			if got := percentileCont(append([]float64(nil), vals...), p); *got != want {
				t.Errorf("percentile %v of %v: %v, PostgreSQL says %v", p, vals, *got, want)
			}
		}
	}
}
