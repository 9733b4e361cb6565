package graph_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
)

// Probes in the authorization matrix: filters through relations and
// withinRegion must not find, count or sum rows the principal may not see.

// authzProbe is a query whose filter reaches rows through relations: the
// answer must be the visible rows whose visible related rows match.
type authzProbe struct {
	root, typ, where string
	keep             func(l line) bool
}

func (a *authzAPI) checkProbes(t *testing.T, w *authzWorld, p authzPrincipal, v authzVis) {
	sees := func(typ, code string) bool { return code != "" && v.sees(typ, code) }
	var probes []authzProbe
	for _, org := range []string{"ORG-000-0", "ORG-001-0", "ORG-002-0", "ORG-002-2"} {
		probes = append(probes,
			authzProbe{"serviceRecords", "ServiceRecord", fmt.Sprintf(`{provider: {code: {eq: %q}}}`, org),
				func(l line) bool { return l["provider"] == org && sees("Organization", org) }},
			authzProbe{"memberships", "Membership", fmt.Sprintf(`{organization: {code: {eq: %q}}}`, org),
				func(l line) bool { return l["organization"] == org && sees("Organization", org) }},
			authzProbe{"demands", "Demand", fmt.Sprintf(`{assignedTo: {code: {eq: %q}}}`, org),
				func(l line) bool { return l["assignedTo"] == org && sees("Organization", org) }},
			authzProbe{"alliances", "Alliance", fmt.Sprintf(`{members: {organization: {code: {eq: %q}}}}`, org),
				func(l line) bool {
					m := authzStr(l["code"]) + "/" + org
					return w.line("Membership", m) != nil && sees("Membership", m) && sees("Organization", org)
				}},
			authzProbe{"communities", "Community", fmt.Sprintf(`{serviceRecords: {provider: {code: {eq: %q}}}}`, org),
				func(l line) bool {
					for _, r := range w.lines(v, "ServiceRecord") {
						if r["community"] == l["code"] && r["provider"] == org && sees("Organization", org) {
							return true
						}
					}
					return false
				}},
		)
	}
	// withinRegion of a region the principal may not see finds nothing.
	for _, region := range w.codes("Region") {
		id := a.ids["Region"][region]
		for _, r := range []struct{ root, typ string }{{"communities", "Community"}, {"serviceRecords", "ServiceRecord"}, {"people", "Person"}} {
			probes = append(probes, authzProbe{r.root, r.typ, fmt.Sprintf(`{withinRegion: %q}`, id),
				func(l line) bool {
					return sees("Region", region) && w.under(w.regionOf(r.typ, authzIdentity(l)), region)
				}})
		}
	}
	var communityIDs []string
	for _, c := range w.codes("Community") {
		communityIDs = append(communityIDs, fmt.Sprintf("%q", a.ids["Community"][c]))
	}
	probes = append(probes,
		authzProbe{"communities", "Community", `{id: {in: [` + strings.Join(communityIDs, ", ") + `]}}`, func(line) bool { return true }},
		authzProbe{"communities", "Community", `{people: {code: {eq: "P-003-0"}}}`,
			func(l line) bool { return l["code"] == "C003" && sees("Person", "P-003-0") }},
		authzProbe{"serviceRecords", "ServiceRecord", `{community: {code: {eq: "C002"}}}`,
			func(l line) bool { return l["community"] == "C002" && sees("Community", "C002") }},
		authzProbe{"demands", "Demand", `{alliance: {code: {eq: "AL-002"}}}`,
			func(l line) bool { return l["alliance"] == "AL-002" && sees("Alliance", "AL-002") }},
		authzProbe{"serviceRecords", "ServiceRecord", `{event: {kind: {eq: MARKET}}}`,
			func(l line) bool {
				e := authzStr(l["event"])
				return sees("ServiceEvent", e) && w.line("ServiceEvent", e)["kind"] == "MARKET"
			}},
		authzProbe{"organizations", "Organization", `{serviceRecords: {peopleServed: {gte: 0}}}`,
			func(l line) bool {
				for _, r := range w.lines(v, "ServiceRecord") {
					if r["provider"] == l["code"] {
						return true
					}
				}
				return false
			}},
		authzProbe{"serviceEvents", "ServiceEvent", `{serviceRecords: {resolved: {eq: true}}}`,
			func(l line) bool {
				for _, r := range w.lines(v, "ServiceRecord") {
					if r["event"] == l["code"] && r["resolved"] == true {
						return true
					}
				}
				return false
			}},
		authzProbe{"people", "Person", `{traineeships: {studio: {code: {eq: "ST-3"}}}}`,
			func(l line) bool {
				for _, m := range w.lines(v, "Mentorship") {
					if m["trainee"] == l["code"] && m["studio"] == "ST-3" && sees("Studio", "ST-3") {
						return true
					}
				}
				return false
			}},
		authzProbe{"people", "Person", `{mentorships: {trainee: {code: {eq: "P-004-2"}}}}`,
			func(l line) bool {
				return sees("Person", "P-004-2") && w.mentoredThrough(v, authzStr(l["code"]), "P-004-2")
			}},
		authzProbe{"mentorships", "Mentorship", `{trainee: {code: {eq: "P-003-2"}}}`,
			func(l line) bool { return l["trainee"] == "P-003-2" && sees("Person", "P-003-2") }},
		authzProbe{"alliances", "Alliance", `{leadCommunity: {organizations: {code: {eq: "ORG-LONE"}}}}`,
			func(l line) bool {
				return l["leadCommunity"] == "C004" && sees("Community", "C004") && sees("Organization", "ORG-LONE")
			}},
	)
	for _, pr := range probes {
		q := fmt.Sprintf(`{ %s(where: %s) { totalCount aggregate { count } nodes { code } } }`, pr.root, pr.where)
		d := a.data(t, p.name, "probe", q, nil)
		if d == nil {
			continue
		}
		var want []string
		for _, l := range w.lines(v, pr.typ) {
			if pr.keep(l) {
				want = append(want, authzIdentity(l))
			}
		}
		got := codes(get(d, pr.root))
		sort.Strings(got)
		c := get(d, pr.root)
		if !slices.Equal(got, want) || num(get(c, "totalCount")) != float64(len(want)) || num(get(c, "aggregate", "count")) != float64(len(want)) {
			where := pr.where
			for typ, byCode := range a.ids {
				for code, id := range byCode {
					where = strings.ReplaceAll(where, fmt.Sprintf("%q", id), fmt.Sprintf("<%s %s, visible: %v>", typ, code, v.sees(typ, code)))
				}
			}
			t.Errorf("%s(where: %s): totalCount %v, count %v, want %d\n%s", pr.root, where, get(c, "totalCount"), get(c, "aggregate", "count"), len(want), authzSetDiff(want, got))
		}
	}
	// Statistics through the same relation filters.
	for _, org := range []string{"ORG-001-0", "ORG-002-2"} {
		d := a.data(t, p.name, "stats probe", fmt.Sprintf(`{ serviceStats(groupBy: [CATEGORY], where: {provider: {code: {eq: %q}}}) { records peopleServed } }`, org), nil)
		if d == nil {
			continue
		}
		var got, want, gotPeople, wantPeople float64
		for _, r := range d["serviceStats"].([]any) {
			got += num(get(r, "records"))
			gotPeople += num(get(r, "peopleServed"))
		}
		for _, l := range w.lines(v, "ServiceRecord") {
			if l["provider"] == org && sees("Organization", org) {
				want++
				wantPeople += float64(l["peopleServed"].(int))
			}
		}
		if got != want || gotPeople != wantPeople {
			t.Errorf("serviceStats(where provider %s): %v records, %v served; want %v, %v", org, got, gotPeople, want, wantPeople)
		}
	}
}
