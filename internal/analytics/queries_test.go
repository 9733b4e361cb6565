package analytics

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
)

// Filters, groupings and windows the tests draw questions from. Each filter
// is a where input and the predicate that says the same thing about the Go
// world.

// regionIDs finds region global ids by code in a loaded store.
type regionIDs func(code string) string

func gids(byCode map[string]map[string]int64) regionIDs {
	return func(code string) string { return store.GlobalID("Region", byCode["regions"][code]) }
}

func eq(v any) map[string]any            { return map[string]any{"eq": v} }
func codeIs(v string) map[string]any     { return map[string]any{"code": eq(v)} }
func strPtr(s string) *string            { return &s }
func timePtr(t time.Time) *time.Time     { return &t }
func within(id string) map[string]any    { return map[string]any{"withinRegion": id} }
func withinPtr(id string) map[string]any { return map[string]any{"withinRegion": strPtr(id)} }
func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

type filter[T any] struct {
	name   string
	where  func(regionIDs) map[string]any
	within string
	pred   func(T) bool
}

func (w *world) eventKind(code string) string {
	for _, e := range w.events {
		if e.code == code {
			return e.kind
		}
	}
	return ""
}

func (w *world) recordFilters() []filter[fRecord] {
	in := func(anc string) func(fRecord) bool {
		return func(r fRecord) bool { return w.under(w.community(r.community).region, anc) }
	}
	return []filter[fRecord]{
		{"all", func(regionIDs) map[string]any { return nil }, "", func(fRecord) bool { return true }},
		{"within city 440300", func(id regionIDs) map[string]any { return within(id("440300")) }, "440300", in("440300")},
		{"within Urumqi district", func(id regionIDs) map[string]any { return within(id("650102")) }, "650102", in("650102")},
		{"within New York province", func(id regionIDs) map[string]any { return within(id("990000")) }, "990000", in("990000")},
		{"within 110100 by pointer", func(id regionIDs) map[string]any { return withinPtr(id("110100")) }, "110100", in("110100")},
		{"category HEALTH", func(regionIDs) map[string]any { return map[string]any{"category": codeIs("HEALTH")} }, "",
			func(r fRecord) bool { return r.category == "HEALTH" }},
		{"resolved", func(regionIDs) map[string]any { return map[string]any{"resolved": eq(true)} }, "",
			func(r fRecord) bool { return r.resolved }},
		{"market events", func(regionIDs) map[string]any {
			return map[string]any{"event": map[string]any{"kind": eq("MARKET")}}
		}, "", func(r fRecord) bool { return w.eventKind(r.event) == "MARKET" }},
		{"no alliance", func(regionIDs) map[string]any { return map[string]any{"alliance": nil} }, "",
			func(r fRecord) bool { return r.alliance == "" }},
		{"people >= 6", func(regionIDs) map[string]any { return map[string]any{"peopleServed": map[string]any{"gte": 6}} }, "",
			func(r fRecord) bool { return r.people >= 6 }},
		{"haircut or resolved", func(regionIDs) map[string]any {
			return map[string]any{"or": []map[string]any{{"category": codeIs("HAIRCUT")}, {"resolved": eq(true)}}}
		}, "", func(r fRecord) bool { return r.category == "HAIRCUT" || r.resolved }},
		{"district 440304, health or repair", func(id regionIDs) map[string]any {
			return merge(within(id("440304")), map[string]any{"category": map[string]any{"code": map[string]any{"in": []string{"HEALTH", "REPAIR"}}}})
		}, "440304", func(r fRecord) bool {
			return w.under(w.community(r.community).region, "440304") && (r.category == "HEALTH" || r.category == "REPAIR")
		}},
		{"edge community", func(regionIDs) map[string]any { return map[string]any{"community": codeIs("CEDGE")} }, "",
			func(r fRecord) bool { return r.community == "CEDGE" }},
	}
}

func (w *world) demandFilters() []filter[fDemand] {
	in := func(anc string) func(fDemand) bool {
		return func(d fDemand) bool { return w.under(w.community(d.community).region, anc) }
	}
	return []filter[fDemand]{
		{"all", func(regionIDs) map[string]any { return nil }, "", func(fDemand) bool { return true }},
		{"within city 440300", func(id regionIDs) map[string]any { return within(id("440300")) }, "440300", in("440300")},
		{"within Urumqi", func(id regionIDs) map[string]any { return within(id("650000")) }, "650000", in("650000")},
		{"within New York street", func(id regionIDs) map[string]any { return within(id("990101001")) }, "990101001", in("990101001")},
		{"open or assigned", func(regionIDs) map[string]any {
			return map[string]any{"status": map[string]any{"in": []string{"OPEN", "ASSIGNED"}}}
		}, "", func(d fDemand) bool { return d.status == "OPEN" || d.status == "ASSIGNED" }},
		{"category HEALTH", func(regionIDs) map[string]any { return map[string]any{"category": codeIs("HEALTH")} }, "",
			func(d fDemand) bool { return d.category == "HEALTH" }},
		{"no alliance", func(regionIDs) map[string]any { return map[string]any{"alliance": nil} }, "",
			func(d fDemand) bool { return d.alliance == "" }},
		{"assigned to ORG-01", func(regionIDs) map[string]any { return map[string]any{"assignedTo": codeIs("ORG-01")} }, "",
			func(d fDemand) bool { return d.assignee == "ORG-01" }},
	}
}

func (w *world) mentorshipFilters() []filter[fMentorship] {
	in := func(anc string) func(fMentorship) bool {
		return func(m fMentorship) bool {
			for _, s := range w.studios {
				if s.code == m.studio {
					return s.region != "" && w.under(s.region, anc)
				}
			}
			return false
		}
	}
	return []filter[fMentorship]{
		{"all", func(regionIDs) map[string]any { return nil }, "", func(fMentorship) bool { return true }},
		{"within city 440300", func(id regionIDs) map[string]any { return within(id("440300")) }, "440300", in("440300")},
		{"within Urumqi", func(id regionIDs) map[string]any { return within(id("650000")) }, "650000", in("650000")},
		{"elected secretary", func(regionIDs) map[string]any { return map[string]any{"outcome": eq("ELECTED_SECRETARY")} }, "",
			func(m fMentorship) bool { return m.outcome == "ELECTED_SECRETARY" }},
		{"studio ST-1", func(regionIDs) map[string]any { return map[string]any{"studio": codeIs("ST-1")} }, "",
			func(m fMentorship) bool { return m.studio == "ST-1" }},
		{"cohort >= 2020", func(regionIDs) map[string]any { return map[string]any{"cohortYear": map[string]any{"gte": 2020}} }, "",
			func(m fMentorship) bool { return m.cohortYear >= 2020 }},
	}
}

var (
	serviceDims    = []string{"REGION", "COMMUNITY", "CATEGORY", "ORGANIZATION", "ALLIANCE", "PERIOD"}
	demandDims     = []string{"REGION", "COMMUNITY", "CATEGORY", "ORGANIZATION", "ALLIANCE", "STATUS", "PERIOD"}
	mentorshipDims = []string{"REGION", "STUDIO", "OUTCOME", "OUTCOME_YEAR", "COHORT_YEAR"}
	levels         = []string{"", "PROVINCE", "CITY", "DISTRICT", "STREET"}
	units          = []string{"", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR"}
	relatives      = []string{"THIS_MONTH", "LAST_MONTH", "LAST_3_MONTHS", "LAST_12_MONTHS", "THIS_YEAR", "LAST_YEAR"}
	clocks         = []time.Time{
		at(2024, 1, 15, 1, 0, 0, 0),
		at(2024, 1, 1, 0, 10, 0, 0), // still 2023-12-31 in UTC
		at(2023, 3, 31, 23, 59, 0, 0),
		time.Date(2021, 11, 7, 4, 30, 0, 0, time.UTC), // 00:30 in New York on its DST change day
		at(2022, 7, 1, 0, 0, 0, 0),
	}
)

// randomGrouping draws a grouping over dims.
func randomGrouping(r *rand.Rand, dims []string) Grouping {
	n := r.IntN(4)
	if r.IntN(10) == 0 {
		n = len(dims)
	}
	by := slices.Clone(dims)
	r.Shuffle(len(by), func(i, j int) { by[i], by[j] = by[j], by[i] })
	g := Grouping{By: by[:n]}
	if slices.Contains(g.By, "REGION") {
		g.RegionLevel = levels[r.IntN(len(levels))]
	}
	if slices.Contains(g.By, "PERIOD") {
		g.Period = units[r.IntN(len(units))]
	}
	return g
}

// randomWindow draws a window; bounds are often the exact instants of rows
// so that [from, to) is tested at both ends.
func randomWindow(r *rand.Rand, instants []time.Time) Window {
	bound := func() *time.Time {
		if r.IntN(2) == 0 {
			return timePtr(instants[r.IntN(len(instants))])
		}
		return timePtr(at(2019+r.IntN(6), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), 0, 0, 0))
	}
	switch r.IntN(6) {
	case 0, 1:
		return Window{}
	case 2:
		return Window{From: bound()}
	case 3:
		return Window{To: bound()}
	case 4:
		f, t := bound(), bound()
		if f.After(*t) {
			f, t = t, f
		}
		return Window{From: f, To: t}
	}
	return Window{Relative: relatives[r.IntN(len(relatives))]}
}

func (q refQuery) String() string {
	f := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%s by=%v level=%q period=%q from=%s to=%s rel=%q clock=%s", q.name, q.g.By, q.g.RegionLevel,
		q.g.Period, f(q.w.From), f(q.w.To), q.w.Relative, q.clock.Format(time.RFC3339))
}

func (w *world) recordInstants() []time.Time {
	out := make([]time.Time, len(w.records))
	for i, r := range w.records {
		out[i] = r.at
	}
	return out
}

func (w *world) demandInstants() []time.Time {
	out := make([]time.Time, len(w.demands))
	for i, d := range w.demands {
		out[i] = d.raised
	}
	return out
}

// mentorshipInstants are local midnights and middays of start dates.
func (w *world) mentorshipInstants() []time.Time {
	var out []time.Time
	for _, m := range w.mentorships {
		if m.started == "" {
			continue
		}
		d, _ := time.ParseInLocation(time.DateOnly, m.started, cst)
		out = append(out, d, d.Add(12*time.Hour))
	}
	return out
}

// randomQuery draws a question over a filter list.
func randomQuery[T any](r *rand.Rand, fs []filter[T], ids regionIDs, dims []string, instants []time.Time) (refQuery, filter[T]) {
	f := fs[r.IntN(len(fs))]
	q := refQuery{name: f.name, where: f.where(ids), within: f.within, g: randomGrouping(r, dims),
		w: randomWindow(r, instants), clock: clocks[r.IntN(len(clocks))]}
	return q, f
}
