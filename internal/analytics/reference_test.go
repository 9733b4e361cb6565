package analytics

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
)

// This file computes the expected answers from the Go world, independently
// of the SQL: its own period arithmetic, window resolution, region roll-up,
// grouping, percentile and ordering. Answers are compared as rendered text
// with codes instead of ids, so that two stores (whose ids may differ) and
// the reference can be compared line by line.

// codebook maps row ids to codes per table, read back from a loaded store:
// its live rows (a figure keyed by an archived row renders as "?id").
type codebook map[string]map[int64]string

func loadCodes(t testing.TB, db *store.DB) (codebook, map[string]map[string]int64) {
	t.Helper()
	byID, byCode := codebook{}, map[string]map[string]int64{}
	for _, table := range []string{"regions", "communities", "service_categories", "organizations", "alliances", "studios"} {
		rows, err := db.Query(context.Background(), "SELECT id, code FROM "+table+" WHERE archived_at IS NULL")
		if err != nil {
			t.Fatal(err)
		}
		byID[table], byCode[table] = map[int64]string{}, map[string]int64{}
		for rows.Next() {
			var id int64
			var code string
			if err := rows.Scan(&id, &code); err != nil {
				t.Fatal(err)
			}
			byID[table][id], byCode[table][code] = code, id
		}
		rows.Close()
	}
	return byID, byCode
}

func (cb codebook) code(table string, id *int64) string {
	if id == nil {
		return "-"
	}
	c, ok := cb[table][*id]
	if !ok {
		return fmt.Sprintf("?%d", *id)
	}
	return c
}

func renderPeriod(p *Period) string {
	if p == nil {
		return "-"
	}
	return p.Label + "[" + p.Start.Format(time.RFC3339Nano) + "," + p.End.Format(time.RFC3339Nano) + ")"
}

func renderFloat(f *float64) string {
	if f == nil {
		return "-"
	}
	return fmt.Sprintf("%.9f", *f)
}

func renderStr(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}

func renderInt(n *int) string {
	if n == nil {
		return "-"
	}
	return fmt.Sprint(*n)
}

func renderServices(cb codebook, stats []ServiceStat) []string {
	out := []string{}
	for _, s := range stats {
		out = append(out, fmt.Sprintf("region=%s community=%s category=%s org=%s alliance=%s period=%s | records=%d people=%d resolved=%d rate=%.9f",
			cb.code("regions", s.RegionID), cb.code("communities", s.CommunityID), cb.code("service_categories", s.CategoryID),
			cb.code("organizations", s.OrganizationID), cb.code("alliances", s.AllianceID), renderPeriod(s.Period),
			s.Records, s.PeopleServed, s.Resolved, s.ResolutionRate))
	}
	return out
}

func renderDemands(cb codebook, stats []DemandStat) []string {
	out := []string{}
	for _, s := range stats {
		out = append(out, fmt.Sprintf("region=%s community=%s category=%s org=%s alliance=%s status=%s period=%s | demands=%d open=%d assigned=%d inprogress=%d resolved=%d closed=%d responded=%d withtime=%d resp=%s/%s res=%s/%s",
			cb.code("regions", s.RegionID), cb.code("communities", s.CommunityID), cb.code("service_categories", s.CategoryID),
			cb.code("organizations", s.OrganizationID), cb.code("alliances", s.AllianceID), renderStr(s.Status), renderPeriod(s.Period),
			s.Demands, s.Open, s.Assigned, s.InProgress, s.ResolvedCount, s.Closed, s.Responded, s.ResolvedWithTime,
			renderFloat(s.MedianHoursToResponse), renderFloat(s.P90HoursToResponse),
			renderFloat(s.MedianHoursToResolution), renderFloat(s.P90HoursToResolution)))
	}
	return out
}

func renderMentorships(cb codebook, stats []MentorshipStat) []string {
	out := []string{}
	for _, s := range stats {
		out = append(out, fmt.Sprintf("region=%s studio=%s outcome=%s outcomeYear=%s cohortYear=%s | mentorships=%d trainees=%d",
			cb.code("regions", s.RegionID), cb.code("studios", s.StudioID), renderStr(s.Outcome),
			renderInt(s.OutcomeYear), renderInt(s.CohortYear), s.Mentorships, s.Trainees))
	}
	return out
}

// refPeriod is the local period of t: label and bounds by calendar
// arithmetic on the local date.
func refPeriod(t time.Time, unit string, zone *time.Location) *Period {
	l := t.In(zone)
	y, m, d := l.Date()
	mk := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, zone) }
	switch unit {
	case "DAY":
		return &Period{mk(y, m, d), mk(y, m, d+1), l.Format("2006-01-02")}
	case "WEEK":
		wy, wn := l.ISOWeek()
		back := (int(l.Weekday()) + 6) % 7
		return &Period{mk(y, m, d-back), mk(y, m, d-back+7), fmt.Sprintf("%04d-W%02d", wy, wn)}
	case "MONTH":
		return &Period{mk(y, m, 1), mk(y, m+1, 1), l.Format("2006-01")}
	case "QUARTER":
		q := (int(m)-1)/3 + 1
		return &Period{mk(y, time.Month(3*q-2), 1), mk(y, time.Month(3*q+1), 1), fmt.Sprintf("%04d-Q%d", y, q)}
	case "YEAR":
		return &Period{mk(y, 1, 1), mk(y+1, 1, 1), fmt.Sprintf("%04d", y)}
	}
	panic("unit " + unit)
}

// refWindow resolves a window as the reference understands it.
func refWindow(w Window, now time.Time, zone *time.Location) (from, to *time.Time) {
	if w.Relative == "" {
		return w.From, w.To
	}
	l := now.In(zone)
	month := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, zone)
	year := time.Date(l.Year(), 1, 1, 0, 0, 0, 0, zone)
	var f, e time.Time
	switch w.Relative {
	case "THIS_MONTH":
		f, e = month, month.AddDate(0, 1, 0)
	case "LAST_MONTH":
		f, e = month.AddDate(0, -1, 0), month
	case "LAST_3_MONTHS":
		f, e = month.AddDate(0, -2, 0), month.AddDate(0, 1, 0)
	case "LAST_12_MONTHS":
		f, e = month.AddDate(0, -11, 0), month.AddDate(0, 1, 0)
	case "THIS_YEAR":
		f, e = year, year.AddDate(1, 0, 0)
	case "LAST_YEAR":
		f, e = year.AddDate(-1, 0, 0), year
	}
	return &f, &e
}

func inWindow(t time.Time, from, to *time.Time) bool {
	return (from == nil || !t.Before(*from)) && (to == nil || t.Before(*to))
}

// refKey is one group key of the reference: a code, label or year, or null.
type refKey struct {
	null   bool
	s      string
	n      int
	period *Period
}

// refGroup accumulates one reference group.
type refGroup struct {
	keys       []refKey
	count      int
	sums       []int
	distinct   map[string]bool
	response   []float64
	resolution []float64
}

// refGroups groups items by keys (nil keys: the item has no group) in
// first-seen order, then sorts them by the contract's ordering.
type refGroups struct {
	by    []string
	order []string
	m     map[string]*refGroup
}

func newRefGroups(by []string) *refGroups { return &refGroups{by: by, m: map[string]*refGroup{}} }

func (g *refGroups) add(keys []refKey) *refGroup {
	var sb strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&sb, "%v|%s|%d;", k.null, k.s, k.n)
	}
	id := sb.String()
	grp, ok := g.m[id]
	if !ok {
		grp = &refGroup{keys: keys, distinct: map[string]bool{}}
		g.m[id] = grp
		g.order = append(g.order, id)
	}
	grp.count++
	return grp
}

func (g *refGroups) sorted() []*refGroup {
	out := make([]*refGroup, 0, len(g.order))
	for _, id := range g.order {
		out = append(out, g.m[id])
	}
	slices.SortFunc(out, func(a, b *refGroup) int {
		for i := range g.by {
			ka, kb := a.keys[i], b.keys[i]
			if ka.null != kb.null {
				if ka.null {
					return 1
				}
				return -1
			}
			if c := cmp.Compare(ka.s, kb.s); c != 0 {
				return c
			}
			if c := cmp.Compare(ka.n, kb.n); c != 0 {
				return c
			}
			if ka.period != nil {
				if c := ka.period.Start.Compare(kb.period.Start); c != 0 {
					return c
				}
			}
		}
		return 0
	})
	return out
}

// keyOf reads the rendered value of a dimension from the group's keys.
func (g *refGroups) field(grp *refGroup, dim string) string {
	for i, d := range g.by {
		if d == dim {
			k := grp.keys[i]
			switch {
			case k.null:
				return "-"
			case k.period != nil:
				return renderPeriod(k.period)
			case k.s != "":
				return k.s
			default:
				return fmt.Sprint(k.n)
			}
		}
	}
	return "-"
}

func code(s string) refKey {
	if s == "" {
		return refKey{null: true}
	}
	return refKey{s: s}
}

// regionKey is the REGION key of a row hanging from region reg ("" for
// none), ok false when the row has no region at the level: without a level
// a row with no region has a NULL key, with one it has no group.
func (w *world) regionKey(reg, level string) (refKey, bool) {
	if reg == "" {
		return refKey{null: true}, level == ""
	}
	if level != "" {
		reg = w.ancestorAt(reg, level)
		if reg == "" {
			return refKey{}, false
		}
	}
	return refKey{s: reg}, true
}

// refQuery is one stats question with the predicate that mirrors its where.
type refQuery struct {
	name   string
	where  map[string]any
	within string // region code of the top-level withinRegion, for the zone
	g      Grouping
	w      Window
	clock  time.Time
}

func (w *world) zoneOf(q refQuery) *time.Location {
	if q.within == "" {
		return store.Shanghai
	}
	return w.zone(q.within)
}

func unitOf(g Grouping) string {
	if g.Period == "" {
		return "MONTH"
	}
	return g.Period
}

// refServices answers a service question from the world.
func (w *world) refServices(q refQuery, pred func(fRecord) bool) []string {
	zone := w.zoneOf(q)
	from, to := refWindow(q.w, q.clock, zone)
	groups := newRefGroups(q.g.By)
	for _, r := range w.records {
		if !pred(r) || !inWindow(r.at, from, to) {
			continue
		}
		keys, ok := []refKey{}, true
		for _, d := range q.g.By {
			var k refKey
			switch d {
			case "REGION":
				k, ok = w.regionKey(w.community(r.community).region, q.g.RegionLevel)
			case "COMMUNITY":
				k = code(r.community)
			case "CATEGORY":
				k = code(r.category)
			case "ORGANIZATION":
				k = code(r.provider)
			case "ALLIANCE":
				k = code(r.alliance)
			case "PERIOD":
				p := refPeriod(r.at, unitOf(q.g), zone)
				k = refKey{s: p.Label, period: p}
			}
			if !ok {
				break
			}
			keys = append(keys, k)
		}
		if !ok {
			continue
		}
		grp := groups.add(keys)
		if grp.sums == nil {
			grp.sums = make([]int, 2)
		}
		grp.sums[0] += r.people
		if r.resolved {
			grp.sums[1]++
		}
	}
	out := []string{}
	for _, grp := range groups.sorted() {
		f := func(d string) string { return groups.field(grp, d) }
		out = append(out, fmt.Sprintf("region=%s community=%s category=%s org=%s alliance=%s period=%s | records=%d people=%d resolved=%d rate=%.9f",
			f("REGION"), f("COMMUNITY"), f("CATEGORY"), f("ORGANIZATION"), f("ALLIANCE"), f("PERIOD"),
			grp.count, grp.sums[0], grp.sums[1], float64(grp.sums[1])/float64(grp.count)))
	}
	return out
}

// refPercentile is percentile_cont by its definition.
func refPercentile(vals []float64, p float64) *float64 {
	if len(vals) == 0 {
		return nil
	}
	v := slices.Clone(vals)
	slices.Sort(v)
	rn := p * float64(len(v)-1)
	lo, hi := int(math.Floor(rn)), int(math.Ceil(rn))
	r := v[lo] + (v[hi]-v[lo])*(rn-float64(lo))
	return &r
}

// refDemands answers a demand question from the world.
func (w *world) refDemands(q refQuery, pred func(fDemand) bool) []string {
	zone := w.zoneOf(q)
	from, to := refWindow(q.w, q.clock, zone)
	groups := newRefGroups(q.g.By)
	statuses := []string{"OPEN", "ASSIGNED", "IN_PROGRESS", "RESOLVED", "CLOSED"}
	for _, d := range w.demands {
		if !pred(d) || !inWindow(d.raised, from, to) {
			continue
		}
		keys, ok := []refKey{}, true
		for _, dim := range q.g.By {
			var k refKey
			switch dim {
			case "REGION":
				k, ok = w.regionKey(w.community(d.community).region, q.g.RegionLevel)
			case "COMMUNITY":
				k = code(d.community)
			case "CATEGORY":
				k = code(d.category)
			case "ORGANIZATION":
				k = code(d.assignee)
			case "ALLIANCE":
				k = code(d.alliance)
			case "STATUS":
				k = code(d.status)
			case "PERIOD":
				p := refPeriod(d.raised, unitOf(q.g), zone)
				k = refKey{s: p.Label, period: p}
			}
			if !ok {
				break
			}
			keys = append(keys, k)
		}
		if !ok {
			continue
		}
		grp := groups.add(keys)
		if grp.sums == nil {
			grp.sums = make([]int, 7)
		}
		grp.sums[slices.Index(statuses, d.status)]++
		if d.responded != nil {
			grp.sums[5]++
			grp.response = append(grp.response, float64(d.responded.Sub(d.raised))/float64(time.Hour))
		}
		if d.resolved != nil {
			grp.sums[6]++
			grp.resolution = append(grp.resolution, float64(d.resolved.Sub(d.raised))/float64(time.Hour))
		}
	}
	out := []string{}
	for _, grp := range groups.sorted() {
		f := func(d string) string { return groups.field(grp, d) }
		s := grp.sums
		out = append(out, fmt.Sprintf("region=%s community=%s category=%s org=%s alliance=%s status=%s period=%s | demands=%d open=%d assigned=%d inprogress=%d resolved=%d closed=%d responded=%d withtime=%d resp=%s/%s res=%s/%s",
			f("REGION"), f("COMMUNITY"), f("CATEGORY"), f("ORGANIZATION"), f("ALLIANCE"), f("STATUS"), f("PERIOD"),
			grp.count, s[0], s[1], s[2], s[3], s[4], s[5], s[6],
			renderFloat(refPercentile(grp.response, 0.5)), renderFloat(refPercentile(grp.response, 0.9)),
			renderFloat(refPercentile(grp.resolution, 0.5)), renderFloat(refPercentile(grp.resolution, 0.9))))
	}
	return out
}

// refMentorships answers a mentorship question from the world.
func (w *world) refMentorships(q refQuery, pred func(fMentorship) bool) []string {
	zone := w.zoneOf(q)
	from, to := refWindow(q.w, q.clock, zone)
	groups := newRefGroups(q.g.By)
	for _, m := range w.mentorships {
		if !pred(m) {
			continue
		}
		if from != nil || to != nil {
			if m.started == "" {
				continue
			}
			if from != nil && m.started < from.In(zone).Format(time.DateOnly) {
				continue
			}
			if to != nil && m.started >= to.In(zone).Format(time.DateOnly) {
				continue
			}
		}
		studioRegion := ""
		for _, s := range w.studios {
			if s.code == m.studio {
				studioRegion = s.region
			}
		}
		keys, ok := []refKey{}, true
		for _, dim := range q.g.By {
			var k refKey
			switch dim {
			case "REGION":
				k, ok = w.regionKey(studioRegion, q.g.RegionLevel)
			case "STUDIO":
				k = code(m.studio)
			case "OUTCOME":
				k = code(m.outcome)
			case "OUTCOME_YEAR":
				k = refKey{null: m.outcomeYear == 0, n: m.outcomeYear}
			case "COHORT_YEAR":
				k = refKey{null: m.cohortYear == 0, n: m.cohortYear}
			}
			if !ok {
				break
			}
			keys = append(keys, k)
		}
		if !ok {
			continue
		}
		groups.add(keys).distinct[m.trainee] = true
	}
	out := []string{}
	for _, grp := range groups.sorted() {
		f := func(d string) string { return groups.field(grp, d) }
		out = append(out, fmt.Sprintf("region=%s studio=%s outcome=%s outcomeYear=%s cohortYear=%s | mentorships=%d trainees=%d",
			f("REGION"), f("STUDIO"), f("OUTCOME"), f("OUTCOME_YEAR"), f("COHORT_YEAR"), grp.count, len(grp.distinct)))
	}
	return out
}

// diff reports the first lines where got and want differ.
func diff(t *testing.T, name string, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	var sb strings.Builder
	n := max(len(got), len(want))
	shown := 0
	for i := 0; i < n && shown < 8; i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			fmt.Fprintf(&sb, "\n  row %d\n    got  %s\n    want %s", i, g, w)
			shown++
		}
	}
	t.Errorf("%s: %d rows, want %d:%s", name, len(got), len(want), sb.String())
}
