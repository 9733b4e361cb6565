package analytics

import (
	"context"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// served sums the world's service figures and open demands under a region.
func (w *world) served(region string) (people, solved, open int) {
	for _, r := range w.records {
		if w.under(w.community(r.community).region, region) {
			people += r.people
			if r.resolved {
				solved++
			}
		}
	}
	for _, d := range w.demands {
		if w.under(w.community(d.community).region, region) && d.status != "RESOLVED" && d.status != "CLOSED" {
			open++
		}
	}
	return people, solved, open
}

func TestSummary(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		l := load(t, db)
		ctx := context.Background()
		s := New(db, fixed(at(2024, 5, 10, 12, 0, 0, 0)))
		// Hand-counted from the world (see fixture_test.go); the service
		// and demand figures are summed from it.
		want := map[string]Summary{
			"440300":    {Communities: 7, Villages: 3, Alliances: 4, MemberOrganizations: 4, PartyMembersServing: 7, Studios: 2, Trainees: 6, ElectedFromStudios: 2},
			"650000":    {Communities: 1, Villages: 1, Alliances: 1, MemberOrganizations: 1, PartyMembersServing: 1, Studios: 1, Trainees: 1, ElectedFromStudios: 1},
			"440305001": {Communities: 2, Alliances: 0, PartyMembersServing: 2, Studios: 1, Trainees: 3, ElectedFromStudios: 1},
			"110100":    {Communities: 1, PartyMembersServing: 1},
			"440402002": {},
		}
		var ids []int64
		for code, sum := range want {
			sum.PeopleServed, sum.ProblemsSolved, sum.OpenDemands = l.w.served(code)
			want[code] = sum
			ids = append(ids, l.ids["regions"][code])
		}
		before := db.Statements()
		all, err := s.Summaries(ctx, append(ids, 999999))
		if err != nil {
			t.Fatal(err)
		}
		many := db.Statements() - before
		for code, w := range want {
			got := all[l.ids["regions"][code]]
			if got == nil || *got != w {
				t.Errorf("summary of %s:\n got  %+v\n want %+v", code, got, w)
			}
		}
		if _, ok := all[999999]; ok || len(all) != len(want) {
			t.Errorf("summaries: %d regions, want %d without the unknown one", len(all), len(want))
		}
		before = db.Statements()
		one, err := s.Summary(ctx, l.ids["regions"]["440300"])
		if err != nil || *one != want["440300"] {
			t.Errorf("summary 440300: %+v, %v", one, err)
		}
		if single := db.Statements() - before; single != many || many > 9 {
			t.Errorf("statements: %d for five regions, %d for one; want the same, at most 9", many, single)
		}
		if _, err := s.Summary(ctx, 999999); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("unknown region: %v, want NOT_FOUND", err)
		}
		// A membership that ends today is over; one that ends tomorrow is not.
		dayBefore := New(db, fixed(at(2024, 5, 9, 12, 0, 0, 0)))
		if got, err := dayBefore.Summary(ctx, l.ids["regions"]["440300"]); err != nil || got.MemberOrganizations != 5 {
			t.Errorf("member organizations on 2024-05-09: %+v, %v; want 5", got, err)
		}
	})
}

func TestCoverage(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		l := load(t, db)
		ctx := context.Background()
		s := New(db, fixed(at(2024, 5, 10, 12, 0, 0, 0)))
		id := func(code string) int64 { return l.ids["regions"][code] }
		urumqi, _ := time.LoadLocation("Asia/Urumqi")
		check := func(name string, got *Coverage, err error, n, alliance, secretary, market int, from, to time.Time) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			share := func(k int) float64 {
				if n == 0 {
					return 0
				}
				return float64(k) / float64(n)
			}
			want := Coverage{Communities: n, WithAlliance: alliance, WithGraduateSecretary: secretary, WithMarket: market,
				AllianceShare: share(alliance), GraduateSecretaryShare: share(secretary), MarketShare: share(market)}
			g := *got
			g.MarketFrom, g.MarketTo = time.Time{}, time.Time{}
			if g != want || !got.MarketFrom.Equal(from) || !got.MarketTo.Equal(to) {
				t.Errorf("%s:\n got  %+v\n want %+v [%s, %s)", name, *got, want, from, to)
			}
		}
		q1 := []time.Time{at(2024, 1, 1, 0, 0, 0, 0), at(2024, 4, 1, 0, 0, 0, 0)}
		c, err := s.Coverage(ctx, id("440300"), nil) // the clock: 2024-05-10, so 2024-Q1
		check("440300 by the clock", c, err, 7, 3, 3, 2, q1[0], q1[1])
		asOf := at(2024, 4, 1, 0, 0, 0, 0) // the first instant of Q2: the last quarter is Q1
		c, err = s.Coverage(ctx, id("440300"), &asOf)
		check("440300 as of 2024-04-01", c, err, 7, 3, 3, 2, q1[0], q1[1])
		asOf = at(2024, 3, 31, 23, 59, 59, 0) // still Q1: the last quarter is 2023-Q4
		c, err = s.Coverage(ctx, id("440300"), &asOf)
		check("440300 as of 2024-03-31", c, err, 7, 3, 3, 1, at(2023, 10, 1, 0, 0, 0, 0), q1[0])
		c, err = s.Coverage(ctx, id("650000"), nil) // Urumqi's Q1: EV-5 at 21:30 local on 2024-03-31
		check("650000", c, err, 1, 1, 1, 1, time.Date(2024, 1, 1, 0, 0, 0, 0, urumqi), time.Date(2024, 4, 1, 0, 0, 0, 0, urumqi))
		c, err = s.Coverage(ctx, id("440402002"), nil)
		check("a street without communities", c, err, 0, 0, 0, 0, q1[0], q1[1])
		c, err = s.Coverage(ctx, id("440402"), nil) // C07's market is in Q2
		check("440402", c, err, 1, 0, 0, 0, q1[0], q1[1])

		all, err := s.Coverages(ctx, []int64{id("440300"), id("650000"), id("440402002"), 999999}, nil)
		if err != nil || len(all) != 3 {
			t.Fatalf("coverages: %d, %v; want 3 regions", len(all), err)
		}
		check("440300 in a batch", all[id("440300")], nil, 7, 3, 3, 2, q1[0], q1[1])
		if _, err := s.Coverage(ctx, 999999, nil); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("unknown region: %v, want NOT_FOUND", err)
		}
	})
}
