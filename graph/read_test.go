package graph_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
)

// fixtureOf returns the fixture lines of one type.
func fixtureOf(ls []line, typ string) []line {
	var out []line
	for _, l := range ls {
		if l["type"] == typ {
			out = append(out, l)
		}
	}
	return out
}

func TestLookupsByCodeAndNode(t *testing.T) {
	eachBackend(t, fixture(6), func(t *testing.T, a *api) {
		d := a.data(`{ community(code: "C001") { id code name kind population households region { code level parent { code } } }
			missing: community(code: "nope") { code } }`, nil)
		if got := get(d, "community", "region", "parent", "code"); got != "440304" {
			t.Fatalf("community region parent = %v", got)
		}
		if get(d, "missing") != nil {
			t.Fatalf("unknown code should be null, got %v", get(d, "missing"))
		}
		if get(d, "community", "population") != nil {
			t.Fatalf("C001 has no population, got %v", get(d, "community", "population"))
		}
		id := get(d, "community", "id").(string)
		n := a.data(`query($id: ID!, $ids: [ID!]!) { node(id: $id) { id ... on Community { code } }
			nodes(ids: $ids) { ... on Community { code } } }`, map[string]any{"id": id, "ids": []string{id, "bogus", id}})
		if get(n, "node", "code") != "C001" || get(n, "nodes", 1) != nil || get(n, "nodes", 2, "code") != "C001" {
			t.Fatalf("node/nodes = %v", n)
		}
		for _, q := range []string{`region(code: "440300") { code }`, `organization(code: "ORG-001-1") { code parent { code } }`,
			`alliance(code: "AL-001") { code leadCommunity { code } }`, `person(code: "P-001-2") { code roles organization { code } }`,
			`studio(code: "ST-0") { code leadMentor { code } theoryExpert { code } }`, `serviceCategory(code: "HEALTH") { code children { code } }`,
			`serviceEvent(code: "EV-001") { code organizer { ... on Alliance { code } } }`, `serviceRecord(code: "SR-001-1") { code recipient { code } demand { code } }`,
			`demand(code: "D-001-1") { code assignedTo { code } }`} {
			d := a.data("{ "+q+" }", nil)
			for _, v := range d {
				if v == nil {
					t.Fatalf("%s: null", q)
				}
			}
		}
		d = a.data(`{ serviceCategory(code: "HEALTH") { children { code } } person(code: "P-001-2") { roles positions { title from to } } }`, nil)
		if fmt.Sprint(get(d, "serviceCategory", "children")) != "[map[code:HEALTH_BP] map[code:HEALTH_RX]]" {
			t.Fatalf("children = %v", get(d, "serviceCategory", "children"))
		}
		if fmt.Sprint(get(d, "person", "roles")) != "[MENTOR PARTY_MEMBER SECRETARY]" {
			t.Fatalf("roles = %v", get(d, "person", "roles"))
		}
		if fmt.Sprint(get(d, "person", "positions")) != "[map[from:2016-05-01 title:党委书记 to:<nil>]]" {
			t.Fatalf("positions = %v", get(d, "person", "positions"))
		}
	})
}

func TestTimesAndDatesFormat(t *testing.T) {
	eachBackend(t, fixture(3), func(t *testing.T, a *api) {
		d := a.data(`{ serviceRecord(code: "SR-000-0") { occurredAt } alliance(code: "AL-001") { foundedOn } }`, nil)
		if got := get(d, "serviceRecord", "occurredAt"); got != "2022-12-31T23:30:00+08:00" {
			t.Fatalf("occurredAt = %v", got)
		}
		if got := get(d, "alliance", "foundedOn"); got != "2016-04-01" {
			t.Fatalf("foundedOn = %v", got)
		}
	})
}

// filterCase is a where input and the predicate over fixture lines it means.
type filterCase struct {
	name  string
	root  string
	typ   string
	where string
	want  func(l line) bool
}

func TestWhereFilters(t *testing.T) {
	fx := fixture(12)
	streetOf := map[string]string{}
	for _, c := range fixtureOf(fx, "Community") {
		streetOf[c["code"].(string)] = c["region"].(string)
	}
	districtOf := func(c string) string { return streetOf[c][:6] }
	intOf := func(l line, k string) (int, bool) { v, ok := l[k].(int); return v, ok }
	cases := []filterCase{
		{"int gte", "communities", "Community", `{population: {gte: 1200}}`, func(l line) bool { v, ok := intOf(l, "population"); return ok && v >= 1200 }},
		{"int isNull", "communities", "Community", `{population: {isNull: true}}`, func(l line) bool { _, ok := l["population"]; return !ok }},
		{"int in", "communities", "Community", `{households: {in: [100, 103, 999]}}`, func(l line) bool { v, _ := intOf(l, "households"); return v == 100 || v == 103 }},
		{"enum eq", "communities", "Community", `{kind: {eq: VILLAGE}}`, func(l line) bool { return l["kind"] == "VILLAGE" }},
		{"enum notIn", "communities", "Community", `{kind: {notIn: [VILLAGE]}}`, func(l line) bool { return l["kind"] != "VILLAGE" }},
		{"string startsWith", "communities", "Community", `{code: {startsWith: "C00"}}`, func(l line) bool { return strings.HasPrefix(l["code"].(string), "C00") }},
		{"string contains literal %", "communities", "Community", `{name: {contains: "%"}}`, func(l line) bool { return false }},
		{"string neq", "communities", "Community", `{code: {neq: "C003"}}`, func(l line) bool { return l["code"] != "C003" }},
		{"relation", "communities", "Community", `{region: {code: {eq: "440305001"}}}`, func(l line) bool { return l["region"] == "440305001" }},
		{"withinRegion district", "communities", "Community", `{withinRegion: "$D440305"}`, func(l line) bool { return districtOf(l["code"].(string)) == "440305" }},
		{"and/or/not", "communities", "Community", `{or: [{kind: {eq: VILLAGE}}, {and: [{households: {lt: 104}}, {not: {code: {eq: "C001"}}}]}]}`,
			func(l line) bool {
				v, _ := intOf(l, "households")
				return l["kind"] == "VILLAGE" || (v < 104 && l["code"] != "C001")
			}},
		{"empty or is false", "communities", "Community", `{or: []}`, func(l line) bool { return false }},
		{"roles has", "people", "Person", `{roles: {has: MENTOR}}`, func(l line) bool { return slices.Contains(l["roles"].([]string), "MENTOR") }},
		{"roles hasAll", "people", "Person", `{roles: {hasAll: [PARTY_MEMBER, VOLUNTEER]}}`, func(l line) bool {
			r := l["roles"].([]string)
			return slices.Contains(r, "PARTY_MEMBER") && slices.Contains(r, "VOLUNTEER")
		}},
		{"roles hasAny", "people", "Person", `{roles: {hasAny: [RESIDENT, COMMUNITY_WORKER]}}`, func(l line) bool {
			r := l["roles"].([]string)
			return slices.Contains(r, "RESIDENT") || slices.Contains(r, "COMMUNITY_WORKER")
		}},
		{"boolean", "people", "Person", `{partyMember: {eq: false}}`, func(l line) bool { return l["partyMember"] == false }},
		{"time range half-open", "serviceRecords", "ServiceRecord", `{occurredAt: {gte: "2023-01-01T00:00:00+08:00", lt: "2023-01-05T00:00:00+08:00"}}`, func(l line) bool {
			s := l["occurredAt"].(string)
			return s >= "2023-01-01T00:00:00+08:00" && s < "2023-01-05T00:00:00+08:00"
		}},
		{"time in other offset", "serviceRecords", "ServiceRecord", `{occurredAt: {lt: "2022-12-31T16:00:00Z"}}`, func(l line) bool { return l["occurredAt"].(string) < "2023-01-01T00:00:00+08:00" }},
		{"nested relations", "serviceRecords", "ServiceRecord", `{community: {region: {code: {eq: "440304002"}}}, resolved: {eq: true}}`, func(l line) bool {
			return streetOf[l["community"].(string)] == "440304002" && l["resolved"] == true
		}},
		{"withinRegion records", "serviceRecords", "ServiceRecord", `{withinRegion: "$D440304", peopleServed: {gt: 5}}`, func(l line) bool {
			v, _ := intOf(l, "peopleServed")
			return districtOf(l["community"].(string)) == "440304" && v > 5
		}},
		{"date filter", "alliances", "Alliance", `{foundedOn: {gte: "2019-01-01"}}`, func(l line) bool { s, ok := l["foundedOn"].(string); return ok && s >= "2019-01-01" }},
		{"enum isNull", "mentorships", "Mentorship", `{outcome: {isNull: true}}`, func(l line) bool { _, ok := l["outcome"]; return !ok }},
	}
	eachBackend(t, fx, func(t *testing.T, a *api) {
		regionIDs := map[string]string{}
		for _, code := range []string{"440304", "440305"} {
			regionIDs["$D"+code] = get(a.data(`query($c: String!) { region(code: $c) { id } }`, map[string]any{"c": code}), "region", "id").(string)
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				where := c.where
				for k, v := range regionIDs {
					where = strings.ReplaceAll(where, k, v)
				}
				d := a.data(fmt.Sprintf(`{ %s(where: %s, orderBy: [{field: CODE}]) { totalCount nodes { code } } }`, c.root, where), nil)
				got := codes(d[c.root])
				var want []string
				for i, l := range fixtureOf(fx, c.typ) {
					if c.want(l) {
						want = append(want, codeOf(l, i))
					}
				}
				sort.Strings(want)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("where %s:\n got %v\nwant %v", where, got, want)
				}
				if n, _ := get(d, c.root, "totalCount").(json.Number).Int64(); int(n) != len(want) {
					t.Fatalf("totalCount = %d, want %d", n, len(want))
				}
			})
		}
	})
}

// codeOf is a fixture line's code, derived as the importer derives it when
// the line has none.
func codeOf(l line, _ int) string {
	if c, ok := l["code"].(string); ok {
		return c
	}
	switch l["type"] {
	case "Mentorship":
		return fmt.Sprintf("%s/%s/%d", l["studio"], l["trainee"], l["cohortYear"])
	case "Membership":
		return fmt.Sprintf("%s/%s", l["alliance"], l["organization"])
	}
	return ""
}

func TestRelationNullAndToManyFilters(t *testing.T) {
	eachBackend(t, fixture(6), func(t *testing.T, a *api) {
		d := a.data(`{ top: serviceCategories(where: {parent: null}) { totalCount }
			branches: organizations(where: {parent: {code: {startsWith: "ORG-00"}}}) { totalCount }
			noParent: organizations(where: {parent: null}) { totalCount }
			withMarket: communities(where: {serviceEvents: {kind: {eq: MARKET}}}) { nodes { code } }
			members: organizations(where: {memberships: {}}) { totalCount }
			mentors: people(where: {mentorships: {outcome: {eq: ELECTED_SECRETARY}}}) { nodes { code } } }`, nil)
		if num(get(d, "top", "totalCount")) != 4 || num(get(d, "branches", "totalCount")) != 6 || num(get(d, "noParent", "totalCount")) != 12 {
			t.Fatalf("relation null filters = %v", d)
		}
		if fmt.Sprint(codes(d["withMarket"])) != "[C000 C003]" {
			t.Fatalf("to-many filter = %v", codes(d["withMarket"]))
		}
		// Memberships: AL-i takes ORG-i-0, ORG-i-1 and ORG-(i+1)-2: 18 distinct.
		if num(get(d, "members", "totalCount")) != 18 {
			t.Fatalf("distinct member organizations = %v", get(d, "members"))
		}
		// Mentorships i = 0 and 4 are ELECTED_SECRETARY, mentored by P-000-2 and P-002-2.
		if fmt.Sprint(codes(d["mentors"])) != "[P-000-2 P-002-2]" {
			t.Fatalf("mentors of elected secretaries = %v", codes(d["mentors"]))
		}
	})
}
