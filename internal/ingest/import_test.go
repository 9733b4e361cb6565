package ingest

import (
	"maps"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

func TestImportAnyOrder(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		rep := mustImport(t, db, fixture)
		if rep.Lines != 37 {
			t.Errorf("Lines = %d, want 37", rep.Lines)
		}
		want := map[string]int{"Region": 5, "ServiceCategory": 3, "Community": 2, "Organization": 3, "Person": 3,
			"Position": 2, "GradeChange": 1, "Alliance": 2, "Membership": 2, "Studio": 2, "Mentorship": 2,
			"ResearchTopic": 2, "Case": 1, "ServiceEvent": 3, "Demand": 2, "ServiceRecord": 2}
		if !maps.Equal(rep.ByType, want) {
			t.Errorf("ByType = %v\nwant %v", rep.ByType, want)
		}
		if got := counts(t, db); !maps.Equal(got, fixtureRows) {
			t.Errorf("rows = %v\nwant %v", got, fixtureRows)
		}
		checkPaths(t, db)
		street := queryString(t, db, "SELECT path FROM regions WHERE code = '440305007'")
		if parts := strings.Split(strings.Trim(street, "/"), "/"); len(parts) != 4 {
			t.Errorf("street path %q: want 4 ids", street)
		}
		for q, want := range map[string]string{
			"SELECT region_path FROM service_records WHERE code = 'SR-1'":                                                  street,
			"SELECT region_path FROM people WHERE code = 'P-2'":                                                            "",
			"SELECT roles FROM people WHERE code = 'P-1'":                                                                  ",MENTOR,SECRETARY,",
			"SELECT code FROM memberships WHERE signed_on IS NOT NULL":                                                     "AL-1/ORG-3",
			"SELECT code FROM mentorships WHERE cohort_year = 2018":                                                        "ST-01/P-3/2018",
			"SELECT code FROM mentorships WHERE cohort_year IS NULL":                                                       "ST-02/P-2/",
			"SELECT code FROM positions WHERE organization_id IS NOT NULL":                                                 "P-1/ORG-1/书记/2015-01-01",
			"SELECT code FROM grade_changes":                                                                               "P-3/2021-07-01",
			"SELECT code FROM research_topics WHERE year = 2020":                                                           "ST-01/微改革",
			"SELECT code FROM cases":                                                                                       "ST-01/典型案例",
			"SELECT o.code FROM service_events e JOIN alliances o ON o.id = e.organizer_alliance_id WHERE e.code = 'EV-2'": "AL-1",
			"SELECT p.code FROM service_categories c JOIN service_categories p ON p.id = c.parent_id":                      "MEDICAL",
			"SELECT p.code FROM organizations c JOIN organizations p ON p.id = c.parent_id":                                "ORG-1",
		} {
			if got := queryString(t, db, q); got != want {
				t.Errorf("%s = %q, want %q", q, got, want)
			}
		}
	})
}

// update changes every kind of thing a re-import can change: values, sets,
// a region's parent (moving everything under it), a community's street.
const update = `{"type":"Region","code":"440306","name":"宝安区","level":"DISTRICT","parent":"440300"}
{"type":"Region","code":"440305008","name":"南头街道","level":"STREET","parent":"440306"}
{"type":"Community","code":"C1","name":"海珠社区（新）","kind":"URBAN","region":"440305008","population":22000}
{"type":"Person","code":"P-1","name":"张三","roles":["VOLUNTEER"]}
{"type":"Membership","alliance":"AL-1","organization":"ORG-3","commitments":["HEALTH_CHECK"]}
{"type":"ResearchTopic","studio":"ST-01","title":"微改革","members":["P-1"]}
{"type":"ServiceRecord","code":"SR-2","community":"C2","occurredAt":"2022-06-02T10:00:00Z","peopleServed":5}
{"type":"ServiceRecord","code":"SR-2","community":"C1","occurredAt":"2022-06-02T10:00:00Z","peopleServed":7}
`

func TestImportTwiceAndUpdate(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		mustImport(t, db, fixture)
		before := exportText(t, db)
		mustImport(t, db, fixture)
		if got := counts(t, db); !maps.Equal(got, fixtureRows) {
			t.Errorf("after a second import: rows = %v\nwant %v", got, fixtureRows)
		}
		if after := exportText(t, db); after != before {
			t.Errorf("a second import changed the data:\n%s\nwant\n%s", after, before)
		}
		ids := queryString(t, db, "SELECT path FROM regions WHERE code = '440305007'")

		rep := mustImport(t, db, update)
		if rep.ByType["ServiceRecord"] != 1 {
			t.Errorf("ByType[ServiceRecord] = %d, want 1 (a code twice in a batch is one row)", rep.ByType["ServiceRecord"])
		}
		want := maps.Clone(fixtureRows)
		want["regions"]++
		want["person_roles"]--
		want["membership_commitments"]--
		want["research_topic_members"]--
		if got := counts(t, db); !maps.Equal(got, want) {
			t.Errorf("after the update: rows = %v\nwant %v", got, want)
		}
		checkPaths(t, db)
		if got := queryString(t, db, "SELECT path FROM regions WHERE code = '440305007'"); got != ids {
			t.Errorf("a region that did not move changed path: %q, was %q", got, ids)
		}
		moved := queryString(t, db, "SELECT path FROM regions WHERE code = '440305008'")
		for q, want := range map[string]string{
			"SELECT name FROM communities WHERE code = 'C1'":                                                  "海珠社区（新）",
			"SELECT region_path FROM communities WHERE code = 'C1'":                                           moved,
			"SELECT region_path FROM service_records WHERE code = 'SR-1'":                                     moved, // not in the update: propagated
			"SELECT region_path FROM alliances WHERE code = 'AL-1'":                                           moved,
			"SELECT region_path FROM memberships WHERE code = 'AL-1/ORG-3'":                                   moved,
			"SELECT region_path FROM people WHERE code = 'P-3'":                                               moved, // C2's street moved
			"SELECT roles FROM people WHERE code = 'P-1'":                                                     ",VOLUNTEER,",
			"SELECT c.code FROM membership_commitments mc JOIN service_categories c ON c.id = mc.category_id": "HEALTH_CHECK",
			"SELECT p.code FROM research_topic_members m JOIN people p ON p.id = m.person_id":                 "P-1",
			"SELECT CAST(people_served AS TEXT) FROM service_records WHERE code = 'SR-2'":                     "7",
		} {
			if got := queryString(t, db, q); got != want {
				t.Errorf("%s = %q, want %q", q, got, want)
			}
		}
		if n := queryInt(t, db, "SELECT count(*) FROM people WHERE code = 'P-1' AND community_id IS NULL AND region_path = ''"); n != 1 {
			t.Errorf("P-1 left its community: want no community and an empty region path")
		}
	})
}
