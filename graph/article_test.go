package graph_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/seed"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// articleFigure is one figure of shared/seed/figures.md: a query over the
// demo scenario and what its answer must be.
type articleFigure struct {
	name  string
	query string
	check func(t *testing.T, d map[string]any)
}

func atLeast(t *testing.T, what string, v any, lo float64) {
	t.Helper()
	if num(v) < lo {
		t.Errorf("%s = %v, want at least %v", what, v, lo)
	}
}

func exactly(t *testing.T, what string, v any, want float64) {
	t.Helper()
	if num(v) != want {
		t.Errorf("%s = %v, want %v", what, v, want)
	}
}

var articleFigures = []articleFigure{
	{"studios per Nanshan street and in Shenzhen", `{ region(code: "440305") { children { nodes { name studios { totalCount } } } } shenzhen: region(code: "440300") { studios { totalCount } } }`,
		func(t *testing.T, d map[string]any) {
			streets := get(d, "region", "children", "nodes").([]any)
			if len(streets) != 8 {
				t.Errorf("Nanshan has %d streets, want 8", len(streets))
			}
			for _, s := range streets {
				if n := num(get(s, "studios", "totalCount")); n < 2 || n > 3 {
					t.Errorf("%v runs %v studios, want 2 or 3", get(s, "name"), n)
				}
			}
			atLeast(t, "Shenzhen studios", get(d, "shenzhen", "studios", "totalCount"), 90)
		}},
	{"each studio has a lead mentor and a theory expert", `{ region(code: "440305") { studios { totalCount withMentor: nodes { leadMentor { roles } theoryExpert { roles } } } } }`,
		func(t *testing.T, d map[string]any) {
			for _, s := range get(d, "region", "studios", "withMentor").([]any) {
				if !strings.Contains(strings.Join(toStrings(get(s, "leadMentor", "roles")), ","), "SECRETARY") || !strings.Contains(strings.Join(toStrings(get(s, "theoryExpert", "roles")), ","), "EXPERT") {
					t.Errorf("studio without a secretary mentor and an expert: %v", s)
				}
			}
		}},
	{"陈慧斌", `{ people(where: {name: {eq: "陈慧斌"}}) { nodes { positions { title from organization { community { code } } } traineeships { nodes { cohortYear } } mentorLineage(depth: 1) { trainee { code } } } } }`,
		func(t *testing.T, d map[string]any) {
			p := get(d, "people", "nodes", 0)
			if get(p, "positions", 0, "from") != "2016-05-01" || get(p, "positions", 0, "organization", "community", "code") != "440305007003" {
				t.Errorf("陈慧斌's post = %v", get(p, "positions"))
			}
			if get(p, "traineeships", "nodes", 0) == nil || len(get(p, "mentorLineage").([]any)) == 0 {
				t.Errorf("陈慧斌 should be a trainee and a mentor: %v", p)
			}
		}},
	{"30 deputy secretaries at the camp", `{ serviceEvents(where: {kind: {eq: CAMP}}) { nodes { serviceRecords { totalCount } } } }`,
		func(t *testing.T, d map[string]any) {
			exactly(t, "camp trainees", get(d, "serviceEvents", "nodes", 0, "serviceRecords", "totalCount"), 30)
		}},
	{"326 reserve cadres", `{ people(where: {traineeships: {studio: {region: {parent: {code: {eq: "440305"}}}}}}) { totalCount } }`,
		func(t *testing.T, d map[string]any) {
			exactly(t, "Nanshan trainees", get(d, "people", "totalCount"), 326)
		}},
	{"11 secretaries and 63 deputies in 2021", `{ region(code: "440305") { s: mentorships(where: {outcome: {eq: ELECTED_SECRETARY}, outcomeYear: {eq: 2021}}) { totalCount } d: mentorships(where: {outcome: {eq: ELECTED_DEPUTY_SECRETARY}, outcomeYear: {eq: 2021}}) { totalCount } } }`,
		func(t *testing.T, d map[string]any) {
			exactly(t, "elected secretaries", get(d, "region", "s", "totalCount"), 11)
			exactly(t, "elected deputies", get(d, "region", "d", "totalCount"), 63)
		}},
	{"17 branches in 海珠社区", `{ community(code: "440305007003") { organizations(where: {kind: {eq: PARTY_BRANCH}}) { totalCount } } }`,
		func(t *testing.T, d map[string]any) {
			exactly(t, "branches", get(d, "community", "organizations", "totalCount"), 17)
		}},
	{"19,000 graded workers", `{ region(code: "440300") { w: people(where: {roles: {hasAny: [COMMUNITY_WORKER, GRID_WORKER]}}) { totalCount } ungraded: people(where: {roles: {hasAny: [COMMUNITY_WORKER, GRID_WORKER]}, not: {gradeHistory: {}}}) { totalCount } } }`,
		func(t *testing.T, d map[string]any) {
			atLeast(t, "workers", get(d, "region", "w", "totalCount"), 19000)
			exactly(t, "workers without a grade history", get(d, "region", "ungraded", "totalCount"), 0)
		}},
	{"31 members of 郭尔罗斯社区's alliance", `{ community(code: "220721100001") { alliances { nodes { members { totalCount } cppcc: members(where: {organization: {name: {contains: "政协"}}}) { totalCount } } } } }`,
		func(t *testing.T, d map[string]any) {
			exactly(t, "members", get(d, "community", "alliances", "nodes", 0, "members", "totalCount"), 31)
			exactly(t, "CPPCC member", get(d, "community", "alliances", "nodes", 0, "cppcc", "totalCount"), 1)
		}},
	{"郭尔罗斯社区's services and needs", `{ community(code: "220721100001") { serviceRecords { totalCount } demands(where: {assignedTo: {}, respondedAt: {isNull: false}}) { totalCount } meetings: serviceEvents(where: {kind: {eq: MEETING}}) { totalCount } } }`,
		func(t *testing.T, d map[string]any) {
			atLeast(t, "records", get(d, "community", "serviceRecords", "totalCount"), 12)
			atLeast(t, "answered demands", get(d, "community", "demands", "totalCount"), 1)
			atLeast(t, "meetings", get(d, "community", "meetings", "totalCount"), 1)
		}},
	{"22 alliances and 810+ member units in Songyuan", `{ region(code: "220700") { alliances { totalCount } organizations(where: {memberships: {}}) { totalCount } } }`,
		func(t *testing.T, d map[string]any) {
			exactly(t, "alliances", get(d, "region", "alliances", "totalCount"), 22)
			atLeast(t, "member organizations", get(d, "region", "organizations", "totalCount"), 810)
		}},
	{"63,000 party members serving in Songyuan", `{ region(code: "220700") { people(where: {partyMember: {eq: true}, roles: {has: VOLUNTEER}}) { totalCount } } }`,
		func(t *testing.T, d map[string]any) {
			atLeast(t, "volunteers", get(d, "region", "people", "totalCount"), 63000)
		}},
	{"17 villages of 城南乡 with markets", `{ region(code: "330624201") { communities(where: {kind: {eq: VILLAGE}, serviceEvents: {kind: {eq: MARKET}}}) { totalCount } } }`,
		func(t *testing.T, d map[string]any) {
			exactly(t, "villages", get(d, "region", "communities", "totalCount"), 17)
		}},
	{"8+ top-level categories", `{ serviceCategories(where: {parent: null}) { totalCount } }`,
		func(t *testing.T, d map[string]any) {
			atLeast(t, "categories", get(d, "serviceCategories", "totalCount"), 8)
		}},
	{"Xinchang's markets", `{ region(code: "330624") { s: serviceRecords(where: {event: {kind: {eq: MARKET}}}) { aggregate { sum { peopleServed } } } r: serviceRecords(where: {event: {kind: {eq: MARKET}}, resolved: {eq: true}}) { totalCount } } }`,
		func(t *testing.T, d map[string]any) {
			if n := num(get(d, "region", "s", "aggregate", "sum", "peopleServed")); n < 18000 || n >= 19000 {
				t.Errorf("people served = %v", n)
			}
			if n := num(get(d, "region", "r", "totalCount")); n < 450 || n >= 500 {
				t.Errorf("problems solved = %v", n)
			}
		}},
	{"the same figures as grouped stats", `{ mentorshipStats(where: {studio: {region: {parent: {code: {eq: "440305"}}}}, outcomeYear: {eq: 2021}}, groupBy: [OUTCOME]) { outcome trainees }
		serviceStats(where: {community: {region: {parent: {code: {eq: "330624"}}}}, event: {kind: {eq: MARKET}}}, groupBy: [REGION], regionLevel: DISTRICT) { region { code } peopleServed resolved }
		region(code: "440305") { summary { studios trainees } } }`,
		func(t *testing.T, d map[string]any) {
			byOutcome := map[string]any{}
			for _, r := range get(d, "mentorshipStats").([]any) {
				byOutcome[get(r, "outcome").(string)] = get(r, "trainees")
			}
			exactly(t, "elected secretaries (stats)", byOutcome["ELECTED_SECRETARY"], 11)
			exactly(t, "elected deputies (stats)", byOutcome["ELECTED_DEPUTY_SECRETARY"], 63)
			x := get(d, "serviceStats", 0)
			if get(x, "region", "code") != "330624" || num(get(x, "peopleServed")) < 18000 || num(get(x, "resolved")) < 450 {
				t.Errorf("Xinchang market stats = %v", get(d, "serviceStats"))
			}
			exactly(t, "Nanshan trainees (summary)", get(d, "region", "summary", "trainees"), 326)
		}},
	{"里家廊村's records", `{ community(code: "330624201210") { name serviceRecords(where: {recipient: {name: {in: ["朱伯忠", "陈孝军"]}}}) { nodes { occurredAt providerPerson { name } recipient { name birthYear } } } } }`,
		func(t *testing.T, d map[string]any) {
			var who []string
			for _, r := range get(d, "community", "serviceRecords", "nodes").([]any) {
				who = append(who, toStrings(get(r, "recipient", "name"))...)
				if get(r, "recipient", "name") == "朱伯忠" && get(r, "providerPerson", "name") != "吕剑涛" {
					t.Errorf("朱伯忠's doctor = %v", get(r, "providerPerson"))
				}
				if get(r, "recipient", "name") == "陈孝军" {
					year, _ := strings.CutSuffix(get(r, "occurredAt").(string)[:4], "")
					if num(get(r, "recipient", "birthYear")) != float64(atoi(year)-51) {
						t.Errorf("陈孝军 is not 51 at the market: %v", r)
					}
				}
			}
			if !strings.Contains(strings.Join(who, ","), "朱伯忠") || !strings.Contains(strings.Join(who, ","), "陈孝军") {
				t.Errorf("records of 里家廊村 = %v", get(d, "community"))
			}
		}},
}

func toStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, toStrings(e)...)
		}
		return out
	}
	return nil
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// TestArticleFigures loads the demo scenario into both stores and checks
// every figure of shared/seed/figures.md with one GraphQL request each, and
// that every example query in the README runs without errors.
func TestArticleFigures(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	examples := regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(examples) < 10 {
		t.Fatalf("the README has %d graphql examples, want one per figure", len(examples))
	}
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		if _, err := ingest.ImportLines(context.Background(), db, func(emit func(map[string]any) error) error { return seed.Article(emit) }, ingest.Options{}); err != nil {
			t.Fatal(err)
		}
		a := newAPI(t, db, nil)
		for _, f := range articleFigures {
			t.Run(f.name, func(t *testing.T) {
				d := a.data(f.query, nil)
				if f.check != nil {
					f.check(t, d)
				}
			})
		}
		for _, ex := range examples {
			a.data(ex[1], nil)
		}
	})
}
