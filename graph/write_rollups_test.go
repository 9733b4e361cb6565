package graph_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/rollup"
)

// Roll-ups change in the writing transaction: after creates, updates,
// moves, archives and restores of service records and demands (and a
// community's move, which carries its records), serviceStats and the
// regions' summaries — read from the roll-up tables for ADMIN — equal a
// count this test keeps itself from the fixture's lines and the writes it
// sends; and rollup.Verify agrees.

// modelRecord is a service record as the test expects it stored.
type modelRecord struct {
	community, month string
	people           int
	resolved         bool
	archived         bool
}

type rollupModel struct {
	records  map[string]*modelRecord
	district map[string]string // community -> district
	demands  map[string]string // demand -> status ("" once archived)
	demandAt map[string]string // demand -> community
}

var shanghai = time.FixedZone("CST", 8*3600)

func monthOf(t *testing.T, at string) string {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, at)
	if err != nil {
		t.Fatal(err)
	}
	return ts.In(shanghai).Format("2006-01")
}

func newRollupModel(t *testing.T, lines []line) *rollupModel {
	m := &rollupModel{records: map[string]*modelRecord{}, district: map[string]string{}, demands: map[string]string{}, demandAt: map[string]string{}}
	for _, l := range lines {
		switch l["type"] {
		case "Community":
			m.district[l["code"].(string)] = l["region"].(string)[:6]
		case "ServiceRecord":
			m.records[l["code"].(string)] = &modelRecord{community: l["community"].(string), month: monthOf(t, l["occurredAt"].(string)),
				people: l["peopleServed"].(int), resolved: l["resolved"].(bool)}
		case "Demand":
			m.demands[l["code"].(string)] = l["status"].(string)
			m.demandAt[l["code"].(string)] = l["community"].(string)
		}
	}
	return m
}

// byCommunity, byDistrict and byMonth are "key records people resolved".
func (m *rollupModel) groups(key func(r *modelRecord) string) []string {
	type agg struct{ n, people, resolved int }
	out := map[string]*agg{}
	for _, r := range m.records {
		if r.archived {
			continue
		}
		k := key(r)
		if out[k] == nil {
			out[k] = &agg{}
		}
		out[k].n++
		out[k].people += r.people
		if r.resolved {
			out[k].resolved++
		}
	}
	var s []string
	for k, a := range out {
		s = append(s, fmt.Sprintf("%s %d %d %d", k, a.n, a.people, a.resolved))
	}
	sort.Strings(s)
	return s
}

func (m *rollupModel) check(t *testing.T, w *writeAPI, when string) {
	t.Helper()
	d := w.data("admin", `{
  c: serviceStats(groupBy: [COMMUNITY]) { community { code } records peopleServed resolved }
  d: serviceStats(groupBy: [REGION], regionLevel: DISTRICT) { region { code } records peopleServed resolved }
  m: serviceStats(groupBy: [PERIOD], period: MONTH) { period { label } records peopleServed resolved }
  s: regions(where: {level: {eq: DISTRICT}}, orderBy: [{field: CODE}]) { nodes { code summary { peopleServed problemsSolved openDemands } } }
}`, nil)
	rows := func(field string, key func(g any) string) []string {
		var s []string
		for _, g := range get(d, field).([]any) {
			s = append(s, fmt.Sprintf("%s %v %v %v", key(g), get(g, "records"), get(g, "peopleServed"), get(g, "resolved")))
		}
		sort.Strings(s)
		return s
	}
	compare := func(what string, got, want []string) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s, %s:\n got %v\nwant %v", when, what, got, want)
		}
	}
	compare("by community", rows("c", func(g any) string { return str(get(g, "community", "code")) }), m.groups(func(r *modelRecord) string { return r.community }))
	compare("by district", rows("d", func(g any) string { return str(get(g, "region", "code")) }), m.groups(func(r *modelRecord) string { return m.district[r.community] }))
	compare("by month", rows("m", func(g any) string { return str(get(g, "period", "label")) }), m.groups(func(r *modelRecord) string { return r.month }))
	// Summaries: people served, problems solved (resolved records), open
	// demands (not RESOLVED or CLOSED), per district.
	var want []string
	for _, dc := range []string{"440304", "440305"} {
		people, solved, open := 0, 0, 0
		for _, r := range m.records {
			if !r.archived && m.district[r.community] == dc {
				people += r.people
				if r.resolved {
					solved++
				}
			}
		}
		for code, s := range m.demands {
			if s != "" && s != "RESOLVED" && s != "CLOSED" && m.district[m.demandAt[code]] == dc {
				open++
			}
		}
		want = append(want, fmt.Sprintf("%s %d %d %d", dc, people, solved, open))
	}
	var got []string
	for _, n := range get(d, "s", "nodes").([]any) {
		got = append(got, fmt.Sprintf("%v %v %v %v", get(n, "code"), get(n, "summary", "peopleServed"), get(n, "summary", "problemsSolved"), get(n, "summary", "openDemands")))
	}
	compare("district summaries", got, want)
	if diffs, err := rollup.Verify(context.Background(), w.db); err != nil || len(diffs) > 0 {
		t.Errorf("%s: rollup verify: %v %v", when, diffs, err)
	}
	if t.Failed() {
		t.FailNow()
	}
}

func TestWriteRollupsFollow(t *testing.T) {
	eachWriteBackend(t, fixture(4), func(t *testing.T, w *writeAPI) {
		m := newRollupModel(t, fixture(4))
		m.check(t, w, "after the import")

		// A new record, in a month of its own.
		w.data("admin", `mutation { createServiceRecord(input: {code: "SR-R1", community: "C000", occurredAt: "2021-03-31T23:30:00+08:00", peopleServed: 5, resolved: true}) { code } }`, nil)
		m.records["SR-R1"] = &modelRecord{community: "C000", month: "2021-03", people: 5, resolved: true}
		m.check(t, w, "after a create")

		// Moved to another district and to the next month (UTC midnight
		// is the same local month's 08:00: the local month is what counts).
		w.data("admin", `mutation { updateServiceRecord(code: "SR-R1", input: {community: "C002", occurredAt: "2021-03-31T16:30:00Z", peopleServed: 7}) { code } }`, nil)
		m.records["SR-R1"] = &modelRecord{community: "C002", month: "2021-04", people: 7, resolved: true}
		m.check(t, w, "after an update")

		// A batch: new records and a fixture record rewritten.
		w.data("admin", `mutation { recordServices(idempotencyKey: "roll", input: [
  {code: "SR-R2", community: "C001", occurredAt: "2021-05-01T00:10:00+08:00", peopleServed: 2},
  {code: "SR-000-0", community: "C003", occurredAt: "2021-05-02T10:00:00+08:00", peopleServed: 4, resolved: true}]) { count } }`, nil)
		m.records["SR-R2"] = &modelRecord{community: "C001", month: "2021-05", people: 2}
		m.records["SR-000-0"] = &modelRecord{community: "C003", month: "2021-05", people: 4, resolved: true}
		m.check(t, w, "after a batch")

		// Archived: gone from every figure; upserted while archived: still
		// gone; restored: back, as the upsert left it.
		w.data("admin", `mutation { archiveServiceRecord(code: "SR-R1") { code } }`, nil)
		m.records["SR-R1"].archived = true
		m.check(t, w, "after an archive")
		w.data("admin", `mutation { upsertServiceRecord(input: {code: "SR-R1", community: "C003", occurredAt: "2021-06-15T10:00:00+08:00", peopleServed: 8}) { code } }`, nil)
		m.records["SR-R1"] = &modelRecord{community: "C003", month: "2021-06", people: 8, archived: true}
		m.check(t, w, "after an upsert of an archived record")
		w.data("admin", `mutation { restoreServiceRecord(code: "SR-R1") { code } }`, nil)
		m.records["SR-R1"].archived = false
		m.check(t, w, "after a restore")

		// A community moves to the other district, with its records.
		w.data("admin", `mutation { updateCommunity(code: "C001", input: {region: "440305001"}) { code } }`, nil)
		m.district["C001"] = "440305"
		m.check(t, w, "after a community's move")

		// Demands: archived, restored, stepped along.
		w.data("admin", `mutation { archiveDemand(code: "D-000-0") { code } }`, nil)
		m.demands["D-000-0"] = ""
		m.check(t, w, "after a demand's archive")
		w.data("admin", `mutation { restoreDemand(code: "D-000-0") { code } }`, nil)
		m.demands["D-000-0"] = "OPEN"
		w.data("admin", `mutation { reopenDemand(code: "D-003-1") { code } }`, nil)
		m.demands["D-003-1"] = "REOPENED"
		w.data("admin", `mutation { updateDemand(code: "D-000-1", input: {community: "C002", status: REOPENED}) { code } }`, nil)
		m.demandAt["D-000-1"], m.demands["D-000-1"] = "C002", "REOPENED"
		m.check(t, w, "after demands' steps and moves")
	})
}
