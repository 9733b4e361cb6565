package ingest

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// fixture covers every type and every field, in an order that puts lines
// before the lines they refer to (service records first, streets before
// their city), with optional fields both given and left out, derived and
// explicit codes, sets, an organizer of each kind and text that needs
// escaping.
var fixture = mustRead("testdata/world.ndjson")

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
	return storetest.QueryInt(t, db, q, args...)
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

// mustRead reads a test data file; the tests cannot start without it.
func mustRead(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return string(b)
}
