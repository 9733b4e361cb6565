package analytics

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

func fixed(t time.Time) Clock { return func() time.Time { return t } }

// loaded is a store with the test world in it.
type loaded struct {
	db    *store.DB
	w     *world
	codes codebook
	ids   map[string]map[string]int64
	gid   regionIDs
}

func load(t *testing.T, db *store.DB) *loaded {
	t.Helper()
	w := newWorld()
	w.load(t, db)
	cb, byCode := loadCodes(t, db)
	return &loaded{db: db, w: w, codes: cb, ids: byCode, gid: gids(byCode)}
}

func (l *loaded) services(t *testing.T, q refQuery) []ServiceStat {
	t.Helper()
	got, err := New(l.db, fixed(q.clock)).ServiceStats(context.Background(), q.where, q.g, q.w)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return got
}

// checkServices compares a question's answer with the reference.
func (l *loaded) checkServices(t *testing.T, q refQuery, pred func(fRecord) bool) []ServiceStat {
	t.Helper()
	got := l.services(t, q)
	diff(t, q.String(), renderServices(l.codes, got), l.w.refServices(q, pred))
	return got
}

func TestServiceStats(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		l := load(t, db)
		all := func(fRecord) bool { return true }
		now := clocks[0]
		t.Run("every dimension alone", func(t *testing.T) {
			for _, d := range serviceDims {
				l.checkServices(t, refQuery{name: d, g: Grouping{By: []string{d}}, clock: now}, all)
			}
			l.checkServices(t, refQuery{name: "total", clock: now}, all)
		})
		t.Run("region levels", func(t *testing.T) {
			for _, lv := range levels {
				l.checkServices(t, refQuery{name: "level " + lv, g: Grouping{By: []string{"REGION"}, RegionLevel: lv}, clock: now}, all)
			}
		})
		t.Run("period units", func(t *testing.T) {
			for _, u := range units {
				l.checkServices(t, refQuery{name: "unit " + u, g: Grouping{By: []string{"PERIOD"}, Period: u}, clock: now}, all)
			}
		})
		t.Run("dimensions combined", func(t *testing.T) {
			l.checkServices(t, refQuery{name: "all six", g: Grouping{By: serviceDims, RegionLevel: "DISTRICT", Period: "QUARTER"}, clock: now}, all)
			l.checkServices(t, refQuery{name: "period first", g: Grouping{By: []string{"PERIOD", "REGION", "CATEGORY"}, RegionLevel: "CITY", Period: "YEAR"}, clock: now}, all)
			l.checkServices(t, refQuery{name: "alliance, org", g: Grouping{By: []string{"ALLIANCE", "ORGANIZATION"}}, clock: now}, all)
		})
		t.Run("filters", func(t *testing.T) {
			for _, f := range l.w.recordFilters() {
				q := refQuery{name: f.name, where: f.where(l.gid), within: f.within, clock: now,
					g: Grouping{By: []string{"REGION", "PERIOD"}, Period: "DAY"}}
				l.checkServices(t, q, f.pred)
			}
		})
		t.Run("random questions", func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			fs := l.w.recordFilters()
			for i := 0; i < 150; i++ {
				q, f := randomQuery(r, fs, l.gid, serviceDims, l.w.recordInstants())
				l.checkServices(t, q, f.pred)
			}
		})
		t.Run("period edges", func(t *testing.T) { testPeriodEdges(t, l) })
		t.Run("window bounds", func(t *testing.T) { testWindowBounds(t, l) })
		t.Run("relative windows", func(t *testing.T) { testRelativeWindows(t, l) })
		t.Run("region zones", func(t *testing.T) { testRegionZones(t, l) })
		t.Run("region roll-up", func(t *testing.T) { testRegionRollUp(t, l) })
		t.Run("null keys", func(t *testing.T) { testNullKeys(t, l) })
		t.Run("empty", func(t *testing.T) { testEmpty(t, l) })
	})
}

// testPeriodEdges checks, record by record, the period each calendar edge
// falls in, in every unit.
func testPeriodEdges(t *testing.T, l *loaded) {
	want := []struct {
		at                              time.Time
		day, week, month, quarter, year string
	}{
		{edgeTimes[0], "2022-12-31", "2022-W52", "2022-12", "2022-Q4", "2022"},
		{edgeTimes[1], "2023-01-01", "2022-W52", "2023-01", "2023-Q1", "2023"},
		{edgeTimes[2], "2020-12-31", "2020-W53", "2020-12", "2020-Q4", "2020"},
		{edgeTimes[3], "2021-01-01", "2020-W53", "2021-01", "2021-Q1", "2021"},
		{edgeTimes[4], "2021-01-03", "2020-W53", "2021-01", "2021-Q1", "2021"},
		{edgeTimes[5], "2021-01-04", "2021-W01", "2021-01", "2021-Q1", "2021"},
		{edgeTimes[6], "2022-03-31", "2022-W13", "2022-03", "2022-Q1", "2022"},
		{edgeTimes[7], "2022-04-01", "2022-W13", "2022-04", "2022-Q2", "2022"},
		{edgeTimes[8], "2023-12-31", "2023-W52", "2023-12", "2023-Q4", "2023"},
		{edgeTimes[9], "2024-01-01", "2024-W01", "2024-01", "2024-Q1", "2024"},
		{edgeTimes[16], "1988-07-02", "1988-W26", "1988-07", "1988-Q3", "1988"}, // UTC+9 that summer
	}
	for _, c := range want {
		for unit, label := range map[string]string{"DAY": c.day, "WEEK": c.week, "MONTH": c.month, "QUARTER": c.quarter, "YEAR": c.year} {
			where := map[string]any{"community": codeIs("CEDGE"), "occurredAt": eq(c.at)}
			got := l.services(t, refQuery{where: where, g: Grouping{By: []string{"PERIOD"}, Period: unit}, clock: clocks[0]})
			if len(got) != 1 || got[0].Period == nil || got[0].Period.Label != label || got[0].Records != 1 {
				t.Errorf("%s by %s: got %v, want one record in %s", c.at.Format(time.RFC3339Nano), unit, renderServices(l.codes, got), label)
				continue
			}
			p := got[0].Period
			if !(c.at.Before(p.End) && !c.at.Before(p.Start)) {
				t.Errorf("%s by %s: %s does not hold the record", c.at.Format(time.RFC3339Nano), unit, renderPeriod(p))
			}
		}
	}
	// Bounds are local midnights in the zone.
	where := map[string]any{"community": codeIs("CEDGE"), "occurredAt": eq(edgeTimes[2])}
	got := l.services(t, refQuery{where: where, g: Grouping{By: []string{"PERIOD"}, Period: "WEEK"}, clock: clocks[0]})
	if len(got) != 1 || !got[0].Period.Start.Equal(at(2020, 12, 28, 0, 0, 0, 0)) || !got[0].Period.End.Equal(at(2021, 1, 4, 0, 0, 0, 0)) {
		t.Errorf("2020-W53: got %v, want [2020-12-28, 2021-01-04) +08:00", renderServices(l.codes, got))
	}
	if name, off := got[0].Period.Start.Zone(); off != 8*3600 {
		t.Errorf("period start in zone %s %d, want Asia/Shanghai", name, off)
	}
}

// testWindowBounds checks [from, to): a record exactly at from is in, one
// exactly at to is out.
func testWindowBounds(t *testing.T, l *loaded) {
	where := map[string]any{"community": codeIs("CEDGE")}
	got := l.services(t, refQuery{where: where, w: Window{From: timePtr(edgeTimes[5]), To: timePtr(edgeTimes[7])}, clock: clocks[0]})
	if len(got) != 1 || got[0].Records != 2 {
		t.Errorf("[2021-01-04, 2022-04-01): got %v, want the 2 records at 2021-01-04 and 2022-03-31", renderServices(l.codes, got))
	}
	// A from in another offset is the same instant.
	from := edgeTimes[5].UTC()
	got = l.services(t, refQuery{where: where, w: Window{From: &from, To: timePtr(edgeTimes[5].Add(time.Microsecond))}, clock: clocks[0]})
	if len(got) != 1 || got[0].Records != 1 {
		t.Errorf("one-microsecond window at a record: got %v, want 1 record", renderServices(l.codes, got))
	}
	got = l.services(t, refQuery{where: where, w: Window{From: timePtr(edgeTimes[5]), To: timePtr(edgeTimes[5])}, clock: clocks[0]})
	if len(got) != 0 {
		t.Errorf("empty window: got %v, want nothing", renderServices(l.codes, got))
	}
}

// testRelativeWindows counts the CEDGE records each relative period holds,
// from a clock in mid-January 2024 and one ten minutes into 2024 (still
// 2023 in UTC): both are January 2024 in Shanghai.
func testRelativeWindows(t *testing.T, l *loaded) {
	want := map[string]int{
		"THIS_MONTH": 2, "LAST_MONTH": 1, "LAST_3_MONTHS": 4, "LAST_12_MONTHS": 6, "THIS_YEAR": 3, "LAST_YEAR": 6,
	}
	where := map[string]any{"community": codeIs("CEDGE")}
	for _, clock := range []time.Time{at(2024, 1, 15, 1, 0, 0, 0), at(2024, 1, 1, 0, 10, 0, 0)} {
		for rel, n := range want {
			got := l.services(t, refQuery{where: where, w: Window{Relative: rel}, clock: clock})
			total := 0
			for _, s := range got {
				total += s.Records
			}
			if total != n {
				t.Errorf("%s at %s: %d records, want %d", rel, clock.Format(time.RFC3339), total, n)
			}
		}
	}
}

// testRegionZones checks that withinRegion picks the zone of the region or
// its nearest ancestor with one.
func testRegionZones(t *testing.T, l *loaded) {
	urumqi, _ := time.LoadLocation("Asia/Urumqi")
	var rec *fRecord
	for i, r := range l.w.records {
		if r.community == "C08" && r.at.In(cst).Day() != r.at.In(urumqi).Day() {
			rec = &l.w.records[i]
			break
		}
	}
	if rec == nil {
		t.Fatal("the world has no C08 record across midnight between Shanghai and Urumqi")
	}
	day := Grouping{By: []string{"PERIOD"}, Period: "DAY"}
	one := map[string]any{"occurredAt": eq(rec.at)}
	got := l.services(t, refQuery{where: merge(one, within(l.gid("650102"))), g: day, clock: clocks[0]})
	if len(got) != 1 || got[0].Period.Label != rec.at.In(urumqi).Format(time.DateOnly) {
		t.Errorf("within Urumqi: got %v, want the Urumqi date %s", renderServices(l.codes, got), rec.at.In(urumqi).Format(time.DateOnly))
	}
	got = l.services(t, refQuery{where: merge(one, map[string]any{"community": codeIs("C08")}), g: day, clock: clocks[0]})
	if len(got) != 1 || got[0].Period.Label != rec.at.In(cst).Format(time.DateOnly) {
		t.Errorf("no region: got %v, want the Shanghai date", renderServices(l.codes, got))
	}
	// New York: 04:30Z is 00:30 EDT on 2021-11-07 but 23:30 EST on 2021-03-13.
	for instant, label := range map[time.Time]string{nyTimes[3]: "2021-11-07", nyTimes[2]: "2021-03-13"} {
		got = l.services(t, refQuery{where: merge(map[string]any{"occurredAt": eq(instant)}, within(l.gid("990101"))), g: day, clock: clocks[0]})
		if len(got) != 1 || got[0].Period.Label != label {
			t.Errorf("New York %s: got %v, want %s", instant.Format(time.RFC3339), renderServices(l.codes, got), label)
		}
	}
}

// testRegionRollUp checks the roll-up of communities that have no region at
// a level: C06 hangs straight from district 440305, C09 has no province.
func testRegionRollUp(t *testing.T, l *loaded) {
	count := func(pred func(fRecord) bool) int {
		n := 0
		for _, r := range l.w.records {
			if pred(r) {
				n++
			}
		}
		return n
	}
	total := count(func(fRecord) bool { return true })
	c06 := count(func(r fRecord) bool { return r.community == "C06" })
	c09 := count(func(r fRecord) bool { return r.community == "C09" })
	sum := func(g Grouping) (int, map[string]int) {
		n, by := 0, map[string]int{}
		for _, s := range l.services(t, refQuery{g: g, clock: clocks[0]}) {
			n += s.Records
			by[l.codes.code("regions", s.RegionID)] = s.Records
		}
		return n, by
	}
	if n, _ := sum(Grouping{By: []string{"REGION"}, RegionLevel: "STREET"}); n != total-c06 {
		t.Errorf("STREET: %d records, want %d (all but C06's)", n, total-c06)
	}
	if n, _ := sum(Grouping{By: []string{"REGION"}, RegionLevel: "PROVINCE"}); n != total-c09 {
		t.Errorf("PROVINCE: %d records, want %d (all but C09's)", n, total-c09)
	}
	if n, by := sum(Grouping{By: []string{"REGION"}}); n != total || by["440305"] != c06 {
		t.Errorf("own region: %d records, %d in 440305; want %d and %d", n, by["440305"], total, c06)
	}
	c05 := count(func(r fRecord) bool { return r.community == "C05" || r.community == "CEDGE" })
	if _, by := sum(Grouping{By: []string{"REGION"}, RegionLevel: "DISTRICT"}); by["440305"] != c05+c06 {
		t.Errorf("DISTRICT 440305: %d records, want %d", by["440305"], c05+c06)
	}
}

// testNullKeys checks that rows without an alliance form their own group,
// last.
func testNullKeys(t *testing.T, l *loaded) {
	got := l.services(t, refQuery{g: Grouping{By: []string{"ALLIANCE"}}, clock: clocks[0]})
	none := 0
	for _, r := range l.w.records {
		if r.alliance == "" {
			none++
		}
	}
	if len(got) == 0 || got[len(got)-1].AllianceID != nil || got[len(got)-1].Records != none {
		t.Fatalf("by alliance: got %v, want a last row without alliance holding %d records", renderServices(l.codes, got), none)
	}
	for _, s := range got[:len(got)-1] {
		if s.AllianceID == nil || s.RegionID != nil || s.Period != nil {
			t.Errorf("by alliance: row %v has the wrong keys", renderServices(l.codes, []ServiceStat{s}))
		}
	}
}

// testEmpty checks that nothing selected gives no rows, even for the total.
func testEmpty(t *testing.T, l *loaded) {
	where := map[string]any{"community": codeIs("NO-SUCH")}
	for _, by := range [][]string{nil, {"REGION"}, {"PERIOD", "CATEGORY"}} {
		got := l.services(t, refQuery{where: where, g: Grouping{By: by}, clock: clocks[0]})
		if got == nil || len(got) != 0 {
			t.Errorf("by %v over nothing: got %#v, want an empty list", by, got)
		}
	}
	got := l.services(t, refQuery{w: Window{From: timePtr(at(2030, 1, 1, 0, 0, 0, 0))}, clock: clocks[0]})
	if len(got) != 0 {
		t.Errorf("window after all records: got %v", renderServices(l.codes, got))
	}
}
