package analytics

import (
	"context"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// TestInvalidArguments checks that every bad combination of arguments is a
// BAD_USER_INPUT error, and that bad groupings and windows cost no SQL.
func TestInvalidArguments(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := New(db, fixed(clocks[0]))
		from, to := at(2024, 2, 1, 0, 0, 0, 0), at(2024, 1, 1, 0, 0, 0, 0)
		cases := []struct {
			name string
			g    Grouping
			w    Window
		}{
			{"duplicate dimension", Grouping{By: []string{"CATEGORY", "REGION", "CATEGORY"}}, Window{}},
			{"unknown dimension", Grouping{By: []string{"STATUS"}}, Window{}},
			{"regionLevel without REGION", Grouping{By: []string{"CATEGORY"}, RegionLevel: "CITY"}, Window{}},
			{"unknown regionLevel", Grouping{By: []string{"REGION"}, RegionLevel: "COUNTY"}, Window{}},
			{"period without PERIOD", Grouping{By: []string{"REGION"}, Period: "MONTH"}, Window{}},
			{"unknown period", Grouping{By: []string{"PERIOD"}, Period: "HOUR"}, Window{}},
			{"relative and from", Grouping{}, Window{Relative: "THIS_YEAR", From: &from}},
			{"relative and to", Grouping{}, Window{Relative: "LAST_MONTH", To: &to}},
			{"unknown relative", Grouping{}, Window{Relative: "NEXT_YEAR"}},
			{"from after to", Grouping{}, Window{From: &from, To: &to}},
		}
		for _, c := range cases {
			before := db.Statements()
			_, err := s.ServiceStats(ctx, nil, c.g, c.w)
			if apperr.CodeOf(err) != apperr.BadUserInput {
				t.Errorf("service stats, %s: %v, want BAD_USER_INPUT", c.name, err)
			}
			if n := db.Statements() - before; n != 0 {
				t.Errorf("service stats, %s: %d statements, want none", c.name, n)
			}
		}
		bad := func(name string, err error) {
			t.Helper()
			if apperr.CodeOf(err) != apperr.BadUserInput {
				t.Errorf("%s: %v, want BAD_USER_INPUT", name, err)
			}
		}
		_, err := s.ServiceStats(ctx, map[string]any{"withinRegion": "not-an-id"}, Grouping{}, Window{})
		bad("malformed withinRegion", err)
		_, err = s.ServiceStats(ctx, map[string]any{"withinRegion": store.GlobalID("Community", 1)}, Grouping{}, Window{})
		bad("withinRegion of a community", err)
		_, err = s.DemandStats(ctx, nil, Grouping{By: []string{"STATUS", "STATUS"}}, Window{})
		bad("demand: duplicate STATUS", err)
		_, err = s.DemandStats(ctx, nil, Grouping{By: []string{"STUDIO"}}, Window{})
		bad("demand: STUDIO", err)
		_, err = s.MentorshipStats(ctx, nil, Grouping{By: []string{"PERIOD"}}, Window{})
		bad("mentorship: PERIOD", err)
		_, err = s.MentorshipStats(ctx, nil, Grouping{By: []string{"STUDIO"}, Period: "YEAR"}, Window{})
		bad("mentorship: period without PERIOD", err)
		_, err = s.MentorshipStats(ctx, nil, Grouping{By: []string{"OUTCOME"}, RegionLevel: "CITY"}, Window{})
		bad("mentorship: regionLevel without REGION", err)
		_, err = s.MentorshipStats(ctx, nil, Grouping{}, Window{Relative: "THIS_YEAR", From: &from})
		bad("mentorship: relative and from", err)
		// An empty window (from = to) is fine, and empty.
		got, err := s.ServiceStats(ctx, nil, Grouping{}, Window{From: &to, To: &to})
		if err != nil || len(got) != 0 {
			t.Errorf("from = to: %v, %v; want no rows", got, err)
		}
	})
}

func TestGroupingDefaults(t *testing.T) {
	dims, level, unit, err := groupingOf(serviceFact(), Grouping{By: []string{"PERIOD", "REGION"}})
	if err != nil || len(dims) != 2 || dims[0].name != "PERIOD" || level != "" || unit != "MONTH" {
		t.Errorf("defaults: %v %q %q %v; want PERIOD, REGION by MONTH and own region", dims, level, unit, err)
	}
	if _, _, unit, _ := groupingOf(serviceFact(), Grouping{By: []string{"REGION"}}); unit != "" {
		t.Errorf("unit without PERIOD = %q", unit)
	}
}

func TestWindowResolve(t *testing.T) {
	zone := store.Shanghai
	for _, clock := range []time.Time{at(2024, 1, 15, 1, 0, 0, 0), at(2024, 1, 1, 0, 10, 0, 0), at(2024, 1, 31, 23, 59, 59, 999999)} {
		want := map[string][2]time.Time{
			"THIS_MONTH":     {at(2024, 1, 1, 0, 0, 0, 0), at(2024, 2, 1, 0, 0, 0, 0)},
			"LAST_MONTH":     {at(2023, 12, 1, 0, 0, 0, 0), at(2024, 1, 1, 0, 0, 0, 0)},
			"LAST_3_MONTHS":  {at(2023, 11, 1, 0, 0, 0, 0), at(2024, 2, 1, 0, 0, 0, 0)},
			"LAST_12_MONTHS": {at(2023, 2, 1, 0, 0, 0, 0), at(2024, 2, 1, 0, 0, 0, 0)},
			"THIS_YEAR":      {at(2024, 1, 1, 0, 0, 0, 0), at(2025, 1, 1, 0, 0, 0, 0)},
			"LAST_YEAR":      {at(2023, 1, 1, 0, 0, 0, 0), at(2024, 1, 1, 0, 0, 0, 0)},
		}
		for rel, w := range want {
			from, to := Window{Relative: rel}.resolve(clock, zone)
			if !from.Equal(w[0]) || !to.Equal(w[1]) {
				t.Errorf("%s at %s: [%s, %s), want [%s, %s)", rel, clock, from, to, w[0], w[1])
			}
			if _, off := from.Zone(); off != 8*3600 {
				t.Errorf("%s: bound not in the zone", rel)
			}
		}
	}
	// In mid-year, LAST_12_MONTHS crosses a year and THIS_YEAR starts in January.
	from, to := Window{Relative: "LAST_12_MONTHS"}.resolve(at(2022, 7, 1, 0, 0, 0, 0), zone)
	if !from.Equal(at(2021, 8, 1, 0, 0, 0, 0)) || !to.Equal(at(2022, 8, 1, 0, 0, 0, 0)) {
		t.Errorf("LAST_12_MONTHS from July 2022: [%s, %s)", from, to)
	}
	from, to = Window{Relative: "LAST_YEAR"}.resolve(at(2022, 7, 1, 0, 0, 0, 0), zone)
	if !from.Equal(at(2021, 1, 1, 0, 0, 0, 0)) || !to.Equal(at(2022, 1, 1, 0, 0, 0, 0)) {
		t.Errorf("LAST_YEAR from July 2022: [%s, %s)", from, to)
	}
	// Absolute bounds pass through, truncated to microseconds.
	f := time.Date(2022, 1, 1, 0, 0, 0, 1999, time.UTC)
	from, to = Window{From: &f}.resolve(time.Now(), zone)
	if to != nil || !from.Equal(time.Date(2022, 1, 1, 0, 0, 0, 1000, time.UTC)) {
		t.Errorf("absolute: %v %v", from, to)
	}
}

func TestPeriodOf(t *testing.T) {
	z := store.Shanghai
	cases := []struct {
		unit, label string
		start, end  time.Time
	}{
		{"DAY", "2022-12-31", at(2022, 12, 31, 0, 0, 0, 0), at(2023, 1, 1, 0, 0, 0, 0)},
		{"WEEK", "2020-W53", at(2020, 12, 28, 0, 0, 0, 0), at(2021, 1, 4, 0, 0, 0, 0)},
		{"WEEK", "2021-W01", at(2021, 1, 4, 0, 0, 0, 0), at(2021, 1, 11, 0, 0, 0, 0)},
		{"WEEK", "2022-W52", at(2022, 12, 26, 0, 0, 0, 0), at(2023, 1, 2, 0, 0, 0, 0)},
		{"WEEK", "2026-W01", at(2025, 12, 29, 0, 0, 0, 0), at(2026, 1, 5, 0, 0, 0, 0)},
		{"MONTH", "2022-12", at(2022, 12, 1, 0, 0, 0, 0), at(2023, 1, 1, 0, 0, 0, 0)},
		{"QUARTER", "2022-Q4", at(2022, 10, 1, 0, 0, 0, 0), at(2023, 1, 1, 0, 0, 0, 0)},
		{"QUARTER", "2022-Q1", at(2022, 1, 1, 0, 0, 0, 0), at(2022, 4, 1, 0, 0, 0, 0)},
		{"YEAR", "2022", at(2022, 1, 1, 0, 0, 0, 0), at(2023, 1, 1, 0, 0, 0, 0)},
	}
	for _, c := range cases {
		p, err := periodOf(c.unit, c.label, z)
		if err != nil || !p.Start.Equal(c.start) || !p.End.Equal(c.end) || p.Label != c.label {
			t.Errorf("%s %s: %+v %v, want [%s, %s)", c.unit, c.label, p, err, c.start, c.end)
		}
	}
	// Every day from 2019 to 2026 round-trips through its label in every unit.
	for d := at(2019, 1, 1, 12, 0, 0, 0); d.Year() < 2027; d = d.AddDate(0, 0, 1) {
		for _, u := range units[1:] {
			want := refPeriod(d, u, z)
			p, err := periodOf(u, want.Label, z)
			if err != nil || !p.Start.Equal(want.Start) || !p.End.Equal(want.End) {
				t.Fatalf("%s of %s: %+v %v, want %+v", u, d, p, err, want)
			}
		}
	}
	// In a zone with daylight saving time the bounds are local midnights.
	ny, _ := time.LoadLocation("America/New_York")
	p, _ := periodOf("DAY", "2021-03-14", ny)
	if p.End.Sub(p.Start) != 23*time.Hour {
		t.Errorf("New York's 2021-03-14 lasts %s, want 23h", p.End.Sub(p.Start))
	}
	if _, err := periodOf("WEEK", "garbage", z); err == nil {
		t.Error("a bad label parses")
	}
}

func TestOffsetChanges(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	got := offsetChanges(ny, time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC))
	want := []offsetChange{
		{time.Date(2021, 3, 14, 7, 0, 0, 0, time.UTC), -4 * 3600},
		{time.Date(2021, 11, 7, 6, 0, 0, 0, time.UTC), -5 * 3600},
	}
	if len(got) != len(want) {
		t.Fatalf("New York 2021: %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].at.Equal(want[i].at) || got[i].offset != want[i].offset {
			t.Errorf("change %d: %v, want %v", i, got[i], want[i])
		}
	}
	if got := offsetChanges(store.Shanghai, time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), openEnd); len(got) != 12 {
		t.Errorf("Shanghai since 1970: %d changes, want the 12 of 1986–1991", len(got))
	}
	// An open window covers the zone's whole history: the end of local mean
	// time in 1901 and the summer times of 1919, 1940–1949 and 1986–1991.
	if got := offsetChanges(store.Shanghai, openStart, openEnd); len(got) != 29 ||
		!got[0].at.Equal(time.Date(1900, 12, 31, 15, 54, 17, 0, time.UTC)) || got[0].offset != 8*3600 {
		t.Errorf("Shanghai over an open window: %d changes, first %v; want 29 from 1900-12-31T15:54:17Z", len(got), got[0])
	}
	if got := offsetChanges(store.Shanghai, at(1992, 1, 1, 0, 0, 0, 0), openEnd); len(got) != 0 {
		t.Errorf("Shanghai since 1992: %v, want none", got)
	}
}

func TestLastQuarter(t *testing.T) {
	for _, c := range []struct{ at, from, to time.Time }{
		{at(2024, 5, 10, 0, 0, 0, 0), at(2024, 1, 1, 0, 0, 0, 0), at(2024, 4, 1, 0, 0, 0, 0)},
		{at(2024, 1, 1, 0, 0, 0, 0), at(2023, 10, 1, 0, 0, 0, 0), at(2024, 1, 1, 0, 0, 0, 0)},
		{at(2023, 12, 31, 23, 59, 59, 0), at(2023, 7, 1, 0, 0, 0, 0), at(2023, 10, 1, 0, 0, 0, 0)},
		{time.Date(2023, 12, 31, 16, 30, 0, 0, time.UTC), at(2023, 10, 1, 0, 0, 0, 0), at(2024, 1, 1, 0, 0, 0, 0)},
	} {
		from, to := lastQuarter(c.at, store.Shanghai)
		if !from.Equal(c.from) || !to.Equal(c.to) {
			t.Errorf("last quarter before %s: [%s, %s), want [%s, %s)", c.at, from, to, c.from, c.to)
		}
	}
}
