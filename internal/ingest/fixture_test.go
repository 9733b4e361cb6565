package ingest

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/store"
)

// fixture covers every type and every field, in an order that puts lines
// before the lines they refer to (service records first, streets before
// their city), with optional fields both given and left out, derived and
// explicit codes, sets, an organizer of each kind and text that needs
// escaping.
const fixture = `{"type":"ServiceRecord","code":"SR-1","community":"C1","category":"HAIRCUT","occurredAt":"2022-06-01T10:00:00+08:00","peopleServed":3,"resolved":true,"provider":"ORG-1","providerPerson":"P-1","recipient":"P-2","event":"EV-1","alliance":"AL-1","demand":"D-1"}
{"type":"ServiceRecord","code":"SR-2","community":"C2","occurredAt":"2022-06-02T10:00:00.123456Z"}
{"type":"Region","code":"440305007","name":"粤海街道","level":"STREET","parent":"440305"}
{"type":"Region","code":"440305008","name":"南头街道","level":"STREET","parent":"440305"}
{"type":"Region","code":"440305","name":"南山区","level":"DISTRICT","parent":"440300"}
{"type":"Region","code":"440300","name":"深圳市","level":"CITY","parent":"440000","timeZone":"Asia/Shanghai"}
{"type":"Region","code":"440000","name":"广东省","level":"PROVINCE"}
{"type":"ServiceCategory","code":"HEALTH_CHECK","name":"健康检查","parent":"MEDICAL"}
{"type":"ServiceCategory","code":"MEDICAL","name":"健康服务"}
{"type":"ServiceCategory","code":"HAIRCUT","name":"理发"}
{"type":"Community","code":"C1","name":"海珠社区","kind":"URBAN","region":"440305007","population":21000,"households":7300}
{"type":"Community","code":"C2","name":"\"南头\"村\n\t\\","kind":"VILLAGE","region":"440305008"}

{"type":"Organization","code":"ORG-2","name":"支部","kind":"PARTY_BRANCH","community":"C2","parent":"ORG-1"}
{"type":"Organization","code":"ORG-1","name":"党委","kind":"PARTY_COMMITTEE","region":"440305","community":"C1"}
{"type":"Organization","code":"ORG-3","name":"企业","kind":"ENTERPRISE"}
{"type":"Person","code":"P-1","name":"张三","gender":"F","birthYear":1975,"phone":"13800000000","community":"C1","organization":"ORG-1","partyMember":true,"roles":["SECRETARY","MENTOR","SECRETARY"]}
{"type":"Person","code":"P-2","name":"李四"}
{"type":"Person","code":"P-3","name":"王五","gender":"M","community":"C2","partyMember":false,"roles":["TRAINEE"]}
{"type":"Position","person":"P-1","organization":"ORG-1","title":"书记","from":"2015-01-01","to":"2020-12-31"}
{"type":"Position","code":"POS-X","person":"P-3","title":"网格员"}
{"type":"GradeChange","person":"P-3","tier":2,"step":1,"effectiveOn":"2021-07-01"}
{"type":"Alliance","code":"AL-1","name":"联盟","leadCommunity":"C1","foundedOn":"2021-04-01"}
{"type":"Alliance","code":"AL-2","name":"无社区联盟"}
{"type":"Membership","alliance":"AL-1","organization":"ORG-3","signedOn":"2021-04-01","leftOn":"2023-01-01","commitments":["MEDICAL","HAIRCUT"]}
{"type":"Membership","code":"M-2","alliance":"AL-2","organization":"ORG-1"}
{"type":"Studio","code":"ST-01","name":"工作室","region":"440305007","leadMentor":"P-1","theoryExpert":"P-2","foundedOn":"2017-03-01"}
{"type":"Studio","code":"ST-02","name":"空工作室"}
{"type":"Mentorship","studio":"ST-01","mentor":"P-1","trainee":"P-3","cohortYear":2018,"startedOn":"2018-03-01","endedOn":"2019-03-01","outcome":"ELECTED_SECRETARY","outcomeYear":2021}
{"type":"Mentorship","studio":"ST-02","trainee":"P-2"}
{"type":"ResearchTopic","studio":"ST-01","lead":"P-1","members":["P-3","P-2"],"title":"微改革","year":2020}
{"type":"ResearchTopic","code":"RT-2","studio":"ST-02","title":"无成员"}
{"type":"Case","studio":"ST-01","lead":"P-3","members":["P-1"],"title":"典型案例","year":2021}
{"type":"ServiceEvent","code":"EV-1","kind":"MARKET","title":"服务集市","community":"C1","organizer":"ORG-1","startsAt":"2022-06-01T09:00:00+08:00","endsAt":"2022-06-01T12:00:00+08:00"}
{"type":"ServiceEvent","code":"EV-2","kind":"MEETING","title":"调度会","organizer":"AL-1"}
{"type":"ServiceEvent","code":"EV-3","kind":"OTHER","title":"both","organizerOrganization":"ORG-2","organizerAlliance":"AL-2"}
{"type":"Demand","code":"D-1","community":"C1","alliance":"AL-1","category":"HEALTH_CHECK","title":"需求","raisedAt":"2022-05-03T09:00:00+08:00","status":"RESOLVED","assignedTo":"ORG-3","respondedAt":"2022-05-03T15:00:00+08:00","resolvedAt":"2022-05-07T10:00:00+08:00"}
{"type":"Demand","code":"D-2","community":"C2","title":"open","raisedAt":"2022-05-04T09:00:00+08:00","status":"OPEN"}
`

// fixtureRows is what the fixture writes, per table.
var fixtureRows = map[string]int{
	"regions": 5, "service_categories": 3, "communities": 2, "organizations": 3, "people": 3,
	"person_roles": 3, "positions": 2, "grade_changes": 1, "alliances": 2, "memberships": 2,
	"membership_commitments": 2, "studios": 2, "mentorships": 2, "research_topics": 2,
	"research_topic_members": 2, "cases": 1, "case_members": 1, "service_events": 3,
	"demands": 2, "service_records": 2,
}

// allTables lists every table an import writes.
var allTables = []string{
	"regions", "service_categories", "communities", "organizations", "people", "person_roles",
	"positions", "grade_changes", "alliances", "memberships", "membership_commitments", "studios",
	"mentorships", "research_topics", "research_topic_members", "cases", "case_members",
	"service_events", "demands", "service_records",
}

var ctx = context.Background()

// counts returns the row count of every table.
func counts(t testing.TB, db *store.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range allTables {
		out[table] = queryInt(t, db, "SELECT count(*) FROM "+table)
	}
	return out
}

func queryInt(t testing.TB, db *store.DB, q string, args ...any) int {
	t.Helper()
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var n int
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return n
}

func queryString(t testing.TB, db *store.DB, q string, args ...any) string {
	t.Helper()
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var s string
	if rows.Next() {
		if err := rows.Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return s
}

// mustImport imports text and fails the test on any error.
func mustImport(t testing.TB, db *store.DB, text string) *Report {
	t.Helper()
	rep, err := Import(ctx, db, strings.NewReader(text), Options{})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return rep
}

// exportText exports db (or some types) to a string.
func exportText(t testing.TB, db *store.DB, types ...string) string {
	t.Helper()
	var b bytes.Buffer
	if err := Export(ctx, db, &b, types); err != nil {
		t.Fatalf("export: %v", err)
	}
	return b.String()
}

// pathChecks are queries counting rows whose materialized region path is
// not what the tree says it is; each must return 0.
var pathChecks = map[string]string{
	"regions": `SELECT count(*) FROM regions r LEFT JOIN regions p ON p.id = r.parent_id
		WHERE r.path <> COALESCE(p.path, '/') || CAST(r.id AS TEXT) || '/'`,
	"communities": `SELECT count(*) FROM communities c JOIN regions r ON r.id = c.region_id WHERE c.region_path <> r.path`,
	"organizations": `SELECT count(*) FROM organizations o LEFT JOIN regions r ON r.id = o.region_id
		LEFT JOIN communities c ON c.id = o.community_id
		WHERE o.region_path <> COALESCE(r.path, c.region_path, '')`,
	"people": `SELECT count(*) FROM people p LEFT JOIN communities c ON c.id = p.community_id
		WHERE p.region_path <> COALESCE(c.region_path, '')`,
	"alliances": `SELECT count(*) FROM alliances a LEFT JOIN communities c ON c.id = a.lead_community_id
		WHERE a.region_path <> COALESCE(c.region_path, '')`,
	"memberships": `SELECT count(*) FROM memberships m JOIN alliances a ON a.id = m.alliance_id WHERE m.region_path <> a.region_path`,
	"studios":     `SELECT count(*) FROM studios s LEFT JOIN regions r ON r.id = s.region_id WHERE s.region_path <> COALESCE(r.path, '')`,
	"mentorships": `SELECT count(*) FROM mentorships m JOIN studios s ON s.id = m.studio_id WHERE m.region_path <> s.region_path`,
	"service_events": `SELECT count(*) FROM service_events e LEFT JOIN communities c ON c.id = e.community_id
		WHERE e.region_path <> COALESCE(c.region_path, '')`,
	"demands":         `SELECT count(*) FROM demands d JOIN communities c ON c.id = d.community_id WHERE d.region_path <> c.region_path`,
	"service_records": `SELECT count(*) FROM service_records s JOIN communities c ON c.id = s.community_id WHERE s.region_path <> c.region_path`,
	// SQLite (3.44 and later) knows string_agg too.
	"person_roles": `SELECT count(*) FROM people p WHERE p.roles <> COALESCE((SELECT ',' || string_agg(r.role, ',' ORDER BY r.role) || ',' FROM person_roles r WHERE r.person_id = p.id), '')`,
}

// checkPaths fails the test for every table with a row whose region path
// (or role list) disagrees with what it is derived from.
func checkPaths(t testing.TB, db *store.DB) {
	t.Helper()
	for table, q := range pathChecks {
		if n := queryInt(t, db, q); n != 0 {
			t.Errorf("%s: %d rows with a wrong derived path", table, n)
		}
	}
	if n := queryInt(t, db, "SELECT count(*) FROM regions WHERE path = ''"); n != 0 {
		t.Errorf("%d regions without a path", n)
	}
}
