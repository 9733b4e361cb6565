package export_test

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// archiveFixtureRows archives, with plain SQL, a record (SR-2), a person
// (P-2, whom live rows still name), an event and a category that SR-1
// names, and the studio ST-02 with its mentorship and research topic.
func archiveFixtureRows(t *testing.T, db *store.DB) {
	t.Helper()
	at := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, stmt := range []string{
		"UPDATE service_records SET archived_at = ? WHERE code = 'SR-2'",
		"UPDATE people SET archived_at = ? WHERE code = 'P-2'",
		"UPDATE service_events SET archived_at = ? WHERE code = 'EV-1'",
		"UPDATE service_categories SET archived_at = ? WHERE code = 'HAIRCUT'",
		"UPDATE studios SET archived_at = ? WHERE code = 'ST-02'",
		"UPDATE mentorships SET archived_at = ? WHERE studio_id IN (SELECT id FROM studios WHERE code = 'ST-02')",
		"UPDATE research_topics SET archived_at = ? WHERE code = 'RT-2'",
	} {
		if _, err := db.Exec(ctx, stmt, at); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}

// An export writes the live data: no archived row, no reference to one
// (fields and set items read as none, as in GraphQL), over HTTP as the
// command writes it, and what it writes imports into an empty store.
func TestExportLeavesArchivedRowsOut(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		archiveFixtureRows(t, db)
		for typ, want := range map[string][]string{
			"ServiceRecord":   {"SR-1"},
			"Person":          {"P-1", "P-3"},
			"ServiceEvent":    {"EV-2", "EV-3"},
			"ServiceCategory": {"HEALTH_CHECK", "MEDICAL"},
			"Studio":          {"ST-01"},
			"Mentorship":      {"-"}, // ST-01's, with its derived code
			"ResearchTopic":   {"-"},
		} {
			if got := codes(t, e.ok(t, "admin", "/export/"+typ+".ndjson")); !slices.Equal(got, want) {
				t.Errorf("%s over HTTP: %v, want %v", typ, got, want)
			}
			if got := codes(t, exportCLI(t, db, typ)); !slices.Equal(got, want) {
				t.Errorf("%s by the command: %v, want %v", typ, got, want)
			}
		}
		// References to archived rows are left out.
		for typ, gone := range map[string][]string{
			"ServiceRecord": {`"event"`, `"category"`, `"recipient"`, `"P-2"`},
			"Studio":        {`"theoryExpert"`},
			"ResearchTopic": {`"P-2"`},
			"Membership":    {`"HAIRCUT"`},
		} {
			body := exportCLI(t, db, typ)
			for _, g := range gone {
				if strings.Contains(body, g) {
					t.Errorf("%s names an archived row (%s):\n%s", typ, g, body)
				}
			}
		}
		if body := exportCLI(t, db, "Membership"); !strings.Contains(body, `"commitments":["MEDICAL"]`) {
			t.Errorf("the membership's live commitments: %s", body)
		}
		// A where cannot reach an archived row either.
		if got := codes(t, e.ok(t, "admin", "/export/ServiceRecord.ndjson", "where", `{"event":{"kind":{"eq":"MARKET"}}}`)); len(got) != 0 {
			t.Errorf("records of an archived market: %v", got)
		}

		var all strings.Builder
		for _, typ := range ingest.Types() {
			r := e.get(t, "admin", "/export/"+typ+".ndjson")
			if r.status != http.StatusOK {
				t.Fatalf("%s: status %d: %s", typ, r.status, r.body)
			}
			if want := exportCLI(t, db, typ); r.body != want {
				t.Errorf("%s over HTTP:\n%s\nwant (civicgraph export):\n%s", typ, r.body, want)
			}
			all.WriteString(r.body)
		}
		other := storetest.Open(t, db.Dialect())
		if _, err := ingest.Import(ctx, other, strings.NewReader(all.String()), ingest.Options{}); err != nil {
			t.Fatalf("import the export of the live data: %v", err)
		}
		if got, want := exportCLI(t, other), exportCLI(t, db); got != want {
			t.Errorf("after the round trip:\n%s\nwant\n%s", got, want)
		}
		if n := storetest.QueryInt(t, other, "SELECT COUNT(*) FROM service_records WHERE archived_at IS NOT NULL"); n != 0 {
			t.Errorf("%d archived records in the imported store", n)
		}
	})
}

// A selection with IncludeArchived reads every row as stored, references
// to archived rows included: the audit trail's record of a row.
func TestSelectionWithArchivedRows(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		newEnv(t, db)
		archiveFixtureRows(t, db)
		read := func(sel ingest.Selection) string {
			t.Helper()
			var b bytes.Buffer
			err := ingest.ExportSelected(ctx, db, sel, func(r *ingest.Row) error {
				line, err := r.AppendLine(nil)
				b.Write(line)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return b.String()
		}
		live := read(ingest.Selection{Type: "ServiceRecord"})
		if got := codes(t, live); !slices.Equal(got, []string{"SR-1"}) || strings.Contains(live, `"EV-1"`) {
			t.Errorf("live records: %s", live)
		}
		all := read(ingest.Selection{Type: "ServiceRecord", IncludeArchived: true})
		if got := codes(t, all); !slices.Equal(got, []string{"SR-1", "SR-2"}) {
			t.Errorf("records, archived too: %v", got)
		}
		for _, ref := range []string{`"event":"EV-1"`, `"category":"HAIRCUT"`, `"recipient":"P-2"`} {
			if !strings.Contains(all, ref) {
				t.Errorf("records, archived too, lack %s: %s", ref, all)
			}
		}
		members := read(ingest.Selection{Type: "Membership", IncludeArchived: true, Where: "t.code = ?", Args: []any{"AL-1/ORG-3"}})
		if !strings.Contains(members, `"commitments":["HAIRCUT","MEDICAL"]`) {
			t.Errorf("a membership as stored: %s", members)
		}
		if got := read(ingest.Selection{Type: "ServiceRecord", Where: "t.code = ?", Args: []any{"SR-2"}}); got != "" {
			t.Errorf("an archived record, selected by code: %s", got)
		}
	})
}
