package graph_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// Statistics in the authorization matrix: grouped stats and Region.summary
// and Region.coverage over what each principal sees.

// authzDim is one grouping key of a stats query: where the result row holds
// it, and what the model says it is for a fact line (typ "" for a plain
// value; code "" for a null key).
type authzDim struct {
	path  []any
	model func(w *authzWorld, l line) (typ, code string)
}

// authzMeasure is one figure of a stats group.
type authzMeasure struct {
	field string
	model func(ls []line) float64
}

type authzStatQuery struct {
	query, field, fact string
	dims               []authzDim
	measures           []authzMeasure
	keep               func(l line) bool // the facts the query's window keeps (nil: all)
}

func authzDimEntity(path string, typ string, field string) authzDim {
	return authzDim{path: []any{path, "code"}, model: func(_ *authzWorld, l line) (string, string) { return typ, authzStr(l[field]) }}
}

func authzDimRegion(fact, level string) authzDim {
	return authzDim{path: []any{"region", "code"}, model: func(w *authzWorld, l line) (string, string) {
		return "Region", w.regionAt(w.regionOf(fact, authzIdentity(l)), level)
	}}
}

func authzDimValue(field string, value func(l line) string) authzDim {
	return authzDim{path: []any{field}, model: func(_ *authzWorld, l line) (string, string) { return "", value(l) }}
}

func authzCountOf(field string, keep func(l line) bool) authzMeasure {
	return authzMeasure{field, func(ls []line) float64 {
		n := 0
		for _, l := range ls {
			if keep == nil || keep(l) {
				n++
			}
		}
		return float64(n)
	}}
}

func authzSumOf(field, of string) authzMeasure {
	return authzMeasure{field, func(ls []line) float64 {
		s := 0
		for _, l := range ls {
			s += l[of].(int)
		}
		return float64(s)
	}}
}

func authzDistinct(field, of string) authzMeasure {
	return authzMeasure{field, func(ls []line) float64 {
		seen := map[string]bool{}
		for _, l := range ls {
			seen[authzStr(l[of])] = true
		}
		return float64(len(seen))
	}}
}

// hoursMedian is the median of the hours from raisedAt to a time field,
// over the lines that have one (-1: none).
func authzMedian(field, to string) authzMeasure {
	return authzMeasure{field, func(ls []line) float64 {
		var hs []float64
		for _, l := range ls {
			if authzStr(l[to]) == "" {
				continue
			}
			a, _ := time.Parse(time.RFC3339, authzStr(l["raisedAt"]))
			b, _ := time.Parse(time.RFC3339, authzStr(l[to]))
			hs = append(hs, b.Sub(a).Hours())
		}
		if len(hs) == 0 {
			return -1
		}
		sort.Float64s(hs)
		if len(hs)%2 == 1 {
			return hs[len(hs)/2]
		}
		return (hs[len(hs)/2-1] + hs[len(hs)/2]) / 2
	}}
}

func authzStatQueries() []authzStatQuery {
	sr, dm, ms := "ServiceRecord", "Demand", "Mentorship"
	served := []authzMeasure{authzCountOf("records", nil), authzSumOf("peopleServed", "peopleServed"), authzCountOf("resolved", func(l line) bool { return l["resolved"] == true })}
	demands := []authzMeasure{authzCountOf("demands", nil), authzCountOf("open", func(l line) bool { return l["status"] == "OPEN" }), authzCountOf("resolved", func(l line) bool { return l["status"] == "RESOLVED" })}
	trainees := []authzMeasure{authzCountOf("mentorships", nil), authzDistinct("trainees", "trainee")}
	year := authzDimValue("period", func(l line) string { return authzStr(l["occurredAt"])[:4] })
	year.path = []any{"period", "label"}
	optional := func(field string) func(l line) string {
		return func(l line) string {
			if v, ok := l[field]; ok {
				return fmt.Sprint(v)
			}
			return ""
		}
	}
	return []authzStatQuery{
		{`serviceStats(groupBy: [REGION], regionLevel: DISTRICT) { region { code } records peopleServed resolved }`, "serviceStats", sr, []authzDim{authzDimRegion(sr, "DISTRICT")}, served, nil},
		{`serviceStats(groupBy: [REGION], regionLevel: CITY) { region { code } records peopleServed resolved }`, "serviceStats", sr, []authzDim{authzDimRegion(sr, "CITY")}, served, nil},
		{`serviceStats(groupBy: [REGION, CATEGORY], regionLevel: STREET) { region { code } category { code } records peopleServed resolved }`, "serviceStats", sr,
			[]authzDim{authzDimRegion(sr, "STREET"), authzDimEntity("category", "ServiceCategory", "category")}, served, nil},
		{`serviceStats(groupBy: [COMMUNITY]) { community { code } records peopleServed resolved }`, "serviceStats", sr, []authzDim{authzDimEntity("community", "Community", "community")}, served, nil},
		{`serviceStats(groupBy: [ORGANIZATION, ALLIANCE]) { organization { code } alliance { code } records peopleServed resolved }`, "serviceStats", sr,
			[]authzDim{authzDimEntity("organization", "Organization", "provider"), authzDimEntity("alliance", "Alliance", "alliance")}, served, nil},
		{`serviceStats(groupBy: [PERIOD], period: YEAR) { period { label } records peopleServed resolved }`, "serviceStats", sr, []authzDim{year}, served, nil},
		{`serviceStats(groupBy: [CATEGORY], from: "2023-01-01T00:00:00+08:00", to: "2023-01-05T00:00:00+08:00") { category { code } records peopleServed resolved }`, "serviceStats", sr,
			[]authzDim{authzDimEntity("category", "ServiceCategory", "category")}, served, func(l line) bool {
				at, _ := time.Parse(time.RFC3339, authzStr(l["occurredAt"]))
				return !at.Before(time.Date(2023, 1, 1, 0, 0, 0, 0, authzNow.Location())) && at.Before(time.Date(2023, 1, 5, 0, 0, 0, 0, authzNow.Location()))
			}},
		{`demandStats(groupBy: [STATUS]) { status demands open resolved medianHoursToResponse medianHoursToResolution }`, "demandStats", dm,
			[]authzDim{authzDimValue("status", optional("status"))},
			append(slices.Clone(demands), authzMedian("medianHoursToResponse", "respondedAt"), authzMedian("medianHoursToResolution", "resolvedAt")), nil},
		{`demandStats(groupBy: [REGION, CATEGORY], regionLevel: STREET) { region { code } category { code } demands open resolved }`, "demandStats", dm,
			[]authzDim{authzDimRegion(dm, "STREET"), authzDimEntity("category", "ServiceCategory", "category")}, demands, nil},
		{`demandStats(groupBy: [ORGANIZATION]) { organization { code } demands open resolved }`, "demandStats", dm, []authzDim{authzDimEntity("organization", "Organization", "assignedTo")}, demands, nil},
		{`demandStats(groupBy: [ALLIANCE, COMMUNITY]) { alliance { code } community { code } demands open resolved }`, "demandStats", dm,
			[]authzDim{authzDimEntity("alliance", "Alliance", "alliance"), authzDimEntity("community", "Community", "community")}, demands, nil},
		{`mentorshipStats(groupBy: [STUDIO]) { studio { code } mentorships trainees }`, "mentorshipStats", ms, []authzDim{authzDimEntity("studio", "Studio", "studio")}, trainees, nil},
		{`mentorshipStats(groupBy: [OUTCOME, OUTCOME_YEAR]) { outcome outcomeYear mentorships trainees }`, "mentorshipStats", ms,
			[]authzDim{authzDimValue("outcome", optional("outcome")), authzDimValue("outcomeYear", optional("outcomeYear"))}, trainees, nil},
		{`mentorshipStats(groupBy: [REGION], regionLevel: DISTRICT) { region { code } mentorships trainees }`, "mentorshipStats", ms, []authzDim{authzDimRegion(ms, "DISTRICT")}, trainees, nil},
	}
}

// checkStats compares every grouped statistic with the model's groups of
// the visible facts: keys naming a row the principal may not see are null.
func (a *authzAPI) checkStats(t *testing.T, w *authzWorld, p authzPrincipal, v authzVis) {
	for _, sq := range authzStatQueries() {
		d := a.data(t, p.name, sq.field, "{ "+sq.query+" }", nil)
		if d == nil {
			continue
		}
		render := func(keys []string, figs []float64) string {
			var fs []string
			for i, f := range figs {
				if f == -1 {
					fs = append(fs, sq.measures[i].field+"=null")
				} else {
					fs = append(fs, fmt.Sprintf("%s=%.4g", sq.measures[i].field, f))
				}
			}
			return strings.Join(keys, "/") + ": " + strings.Join(fs, " ")
		}
		var got []string
		for _, row := range d[sq.field].([]any) {
			var keys []string
			for _, dim := range sq.dims {
				keys = append(keys, fmt.Sprint(authzNormalize(get(row, dim.path...))))
			}
			var figs []float64
			for _, m := range sq.measures {
				if f := get(row, m.field); f == nil {
					figs = append(figs, -1)
				} else {
					figs = append(figs, num(f))
				}
			}
			got = append(got, render(keys, figs))
		}
		groups := map[string][]line{}
		shown := map[string][]string{}
		for _, l := range w.lines(v, sq.fact) {
			if sq.keep != nil && !sq.keep(l) {
				continue
			}
			var id, keys []string
			for _, dim := range sq.dims {
				typ, code := dim.model(w, l)
				id = append(id, code)
				switch {
				case code == "" || (typ != "" && !v.sees(typ, code)):
					keys = append(keys, "<nil>")
				default:
					keys = append(keys, fmt.Sprint(authzNormalize(code)))
				}
			}
			k := strings.Join(id, "\x00")
			groups[k] = append(groups[k], l)
			shown[k] = keys
		}
		var want []string
		for k, ls := range groups {
			var figs []float64
			for _, m := range sq.measures {
				figs = append(figs, m.model(ls))
			}
			want = append(want, render(shown[k], figs))
		}
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n   got %v\n  want %v", sq.query, got, want)
		}
	}
}

// authzAsOf is the moment Region.coverage counts its last quarter back from.
const authzAsOf = "2023-04-15T12:00:00+08:00"

// checkRegionFigures compares Region.summary and Region.coverage of every
// region the principal sees with the model's figures over what it sees.
func (a *authzAPI) checkRegionFigures(t *testing.T, w *authzWorld, p authzPrincipal, v authzVis) {
	q := `{ regions { nodes { code
		summary { communities villages alliances memberOrganizations partyMembersServing studios trainees electedFromStudios peopleServed problemsSolved openDemands }
		coverage(asOf: "` + authzAsOf + `") { communities withAlliance withGraduateSecretary withMarket allianceShare graduateSecretaryShare marketShare marketFrom marketTo } } } }`
	d := a.data(t, p.name, "Region.summary/coverage", q, nil)
	if d == nil {
		return
	}
	from := time.Date(2023, 1, 1, 0, 0, 0, 0, authzNow.Location())
	to := time.Date(2023, 4, 1, 0, 0, 0, 0, authzNow.Location())
	today := authzNow.Format(time.DateOnly)
	for _, n := range get(d, "regions", "nodes").([]any) {
		code := authzStr(get(n, "code"))
		s := w.summary(v, code, today)
		want := map[string]float64{
			"communities": float64(s.Communities), "villages": float64(s.Villages), "alliances": float64(s.Alliances),
			"memberOrganizations": float64(s.MemberOrganizations), "partyMembersServing": float64(s.PartyMembersServing),
			"studios": float64(s.Studios), "trainees": float64(s.Trainees), "electedFromStudios": float64(s.ElectedFromStudios),
			"peopleServed": float64(s.PeopleServed), "problemsSolved": float64(s.ProblemsSolved), "openDemands": float64(s.OpenDemands),
		}
		for f, wv := range want {
			if g := num(get(n, "summary", f)); g != wv {
				t.Errorf("region %s summary.%s = %v, want %v", code, f, g, wv)
			}
		}
		c := w.coverage(v, code, from, to)
		share := func(k int) float64 {
			if c.Communities == 0 {
				return 0
			}
			return float64(k) / float64(c.Communities)
		}
		wantC := map[string]float64{
			"communities": float64(c.Communities), "withAlliance": float64(c.WithAlliance),
			"withGraduateSecretary": float64(c.WithGraduateSecretary), "withMarket": float64(c.WithMarket),
			"allianceShare": share(c.WithAlliance), "graduateSecretaryShare": share(c.WithGraduateSecretary), "marketShare": share(c.WithMarket),
		}
		for f, wv := range wantC {
			if g := num(get(n, "coverage", f)); !authzSame(wv, g) {
				t.Errorf("region %s coverage.%s = %v, want %v", code, f, g, wv)
			}
		}
		if authzNormalize(get(n, "coverage", "marketFrom")) != authzNormalize(from.Format(time.RFC3339)) ||
			authzNormalize(get(n, "coverage", "marketTo")) != authzNormalize(to.Format(time.RFC3339)) {
			t.Errorf("region %s coverage quarter = [%v, %v), want [%v, %v)", code, get(n, "coverage", "marketFrom"), get(n, "coverage", "marketTo"), from, to)
		}
	}
}
