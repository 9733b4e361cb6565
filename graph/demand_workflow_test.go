package graph_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// The demand workflow through the API: OPEN → ASSIGNED → IN_PROGRESS →
// RESOLVED → CLOSED, and REOPENED, every step recorded; every other step
// refused; the assigned unit's own steps; the statistics following.

// demandNext is the workflow as the issue states it, written out here
// independently of the code under test.
var demandNext = map[string][]string{
	"OPEN":        {"ASSIGNED"},
	"ASSIGNED":    {"ASSIGNED", "IN_PROGRESS"},
	"IN_PROGRESS": {"RESOLVED"},
	"RESOLVED":    {"CLOSED", "REOPENED"},
	"CLOSED":      {"REOPENED"},
	"REOPENED":    {"ASSIGNED", "IN_PROGRESS"},
}

var demandStatuses = []string{"OPEN", "ASSIGNED", "IN_PROGRESS", "RESOLVED", "CLOSED", "REOPENED"}

const demandSel = `code status assignedTo { code } respondedAt resolvedAt transitions { from to at actor organization { code } note }`

func TestDemandWorkflow(t *testing.T) {
	eachWriteBackend(t, fixture(4), func(t *testing.T, w *writeAPI) {
		// status is every demand's status as this test expects it: the
		// fixture's, then every step taken.
		status := map[string]string{}
		for _, l := range fixture(4) {
			if l["type"] == "Demand" {
				status[l["code"].(string)] = l["status"].(string)
			}
		}
		startedAt := time.Now().Add(-time.Second)
		step := func(who, mutation, code string) map[string]any {
			t.Helper()
			d := w.data(who, fmt.Sprintf(`mutation { m: %s { %s } }`, mutation, demandSel), nil)
			status[code] = str(get(d, "m", "status"))
			return d["m"].(map[string]any)
		}
		lastTransition := func(dm map[string]any) any {
			ts := get(dm, "transitions").([]any)
			return ts[len(ts)-1]
		}
		checkTransition := func(dm map[string]any, from, to, who, org, note string) time.Time {
			t.Helper()
			tr := lastTransition(dm)
			at, err := time.Parse(time.RFC3339Nano, str(get(tr, "at")))
			if err != nil || at.Before(startedAt) || at.After(time.Now().Add(time.Second)) {
				t.Fatalf("transition at %v (%v)", get(tr, "at"), err)
			}
			var gotOrg any = nil
			if org != "" {
				gotOrg = org
			}
			if str(get(tr, "from")) != from || get(tr, "to") != to || get(tr, "actor") != w.subjects[who] ||
				get(tr, "organization", "code") != gotOrg || get(tr, "note") != note {
				t.Fatalf("transition %v, want %s→%s by %s (%s) to %q noting %q", tr, from, to, who, w.subjects[who], org, note)
			}
			return at
		}

		// The whole path, the unit taking its own steps.
		d := step("admin", `assignDemand(code: "D-000-0", organization: "ORG-000-2", note: "请处理")`, "D-000-0")
		checkTransition(d, "OPEN", "ASSIGNED", "admin", "ORG-000-2", "请处理")
		if get(d, "assignedTo", "code") != "ORG-000-2" || get(d, "respondedAt") != nil || get(d, "resolvedAt") != nil {
			t.Fatalf("assigned: %v", d)
		}
		d = step("partner", `respondToDemand(code: "D-000-0", note: "已受理")`, "D-000-0")
		responded := checkTransition(d, "ASSIGNED", "IN_PROGRESS", "partner", "", "已受理")
		if !sameValue(get(d, "respondedAt"), responded.Format(time.RFC3339Nano)) {
			t.Fatalf("respondedAt %v, want the transition's time %v", get(d, "respondedAt"), responded)
		}
		d = step("partner", `resolveDemand(code: "D-000-0")`, "D-000-0")
		resolved := checkTransition(d, "IN_PROGRESS", "RESOLVED", "partner", "", "")
		if !sameValue(get(d, "resolvedAt"), resolved.Format(time.RFC3339Nano)) || !sameValue(get(d, "respondedAt"), responded.Format(time.RFC3339Nano)) {
			t.Fatalf("resolved: %v", d)
		}
		d = step("admin", `closeDemand(code: "D-000-0", note: "结案")`, "D-000-0")
		checkTransition(d, "RESOLVED", "CLOSED", "admin", "", "结案")
		d = step("admin", `reopenDemand(code: "D-000-0", note: "群众不满意")`, "D-000-0")
		checkTransition(d, "CLOSED", "REOPENED", "admin", "", "群众不满意")
		if get(d, "resolvedAt") != nil || !sameValue(get(d, "respondedAt"), responded.Format(time.RFC3339Nano)) {
			t.Fatalf("reopened: resolvedAt %v respondedAt %v", get(d, "resolvedAt"), get(d, "respondedAt"))
		}
		// Reassigned to another unit; the first response time stays.
		d = step("admin", `transitionDemand(code: "D-000-0", to: ASSIGNED, organization: "ORG-000-1")`, "D-000-0")
		checkTransition(d, "REOPENED", "ASSIGNED", "admin", "ORG-000-1", "")
		d = step("admin", `transitionDemand(code: "D-000-0", to: IN_PROGRESS)`, "D-000-0")
		if !sameValue(get(d, "respondedAt"), responded.Format(time.RFC3339Nano)) {
			t.Fatalf("a second response moved respondedAt: %v", get(d, "respondedAt"))
		}
		if n := len(get(d, "transitions").([]any)); n != 7 {
			t.Fatalf("%d transitions, want 7", n)
		}
		// Every step is in the audit trail and the feed.
		if n := w.count("SELECT COUNT(*) FROM audit_log WHERE operation = 'TRANSITION' AND code = 'D-000-0'"); n != 7 {
			t.Fatalf("%d audit entries for the steps", n)
		}
		if n := w.count("SELECT COUNT(*) FROM changes WHERE type = 'Demand' AND code = 'D-000-0'"); n != 1+7 {
			t.Fatalf("%d changes for the import and the steps, want 8", n)
		}

		// The unit is no longer ORG-000-2: its partner may not step it (nor
		// see it: C000 is not its alliance's community).
		w.fail("partner", "FORBIDDEN", `mutation { resolveDemand(code: "D-000-0") { code } }`, nil)

		// Every step from every status: a demand in each status, then each
		// target; those the workflow does not allow are CONFLICT and
		// change nothing, the others go through.
		for i, from := range demandStatuses {
			for j, to := range demandStatuses {
				code := fmt.Sprintf("D-WF-%d-%d", i, j)
				in := fmt.Sprintf(`{code: %q, community: "C001", title: "流程", raisedAt: "2024-01-01T08:00:00+08:00", status: %s, assignedTo: "ORG-001-2"}`, code, from)
				w.data("admin", `mutation { createDemand(input: `+in+`) { code } }`, nil)
				status[code] = from
				q := fmt.Sprintf(`mutation { m: transitionDemand(code: %q, to: %s, organization: "ORG-001-1") { status } }`, code, to)
				if slices.Contains(demandNext[from], to) {
					d := w.data("admin", q, nil)
					if get(d, "m", "status") != to {
						t.Fatalf("%s → %s: %v", from, to, d)
					}
					status[code] = to
					continue
				}
				before := w.state()
				errs := w.fail("admin", "CONFLICT", q, nil)
				if !strings.Contains(errs[0].Message, from) {
					t.Errorf("%s → %s: the conflict does not say the status: %s", from, to, errs[0].Message)
				}
				w.unchanged(from+" → "+to, before)
			}
		}
		// Assigning needs the unit, and a unit that exists.
		w.fail("admin", "BAD_USER_INPUT", `mutation { transitionDemand(code: "D-001-0", to: ASSIGNED) { code } }`, nil)
		errs := w.fail("admin", "BAD_USER_INPUT", `mutation { assignDemand(code: "D-001-0", organization: "NOPE") { code } }`, nil)
		if errs[0].pathString() != "assignDemand.organization" {
			t.Errorf("unknown unit: path %s", errs[0].pathString())
		}
		w.fail("admin", "NOT_FOUND", `mutation { closeDemand(code: "NOPE") { code } }`, nil)

		// The assigned unit: its own steps on its demands only.
		step("admin", `assignDemand(code: "D-002-0", organization: "ORG-000-2")`, "D-002-0")
		for _, m := range []string{`assignDemand(code: "D-002-0", organization: "ORG-000-2")`, `closeDemand(code: "D-002-0")`, `reopenDemand(code: "D-002-0")`,
			`transitionDemand(code: "D-002-0", to: ASSIGNED, organization: "ORG-000-2")`} {
			before := w.state()
			w.fail("partner", "FORBIDDEN", `mutation { `+m+` { code } }`, nil)
			w.unchanged("the partner's "+m, before)
		}
		step("partner", `transitionDemand(code: "D-002-0", to: IN_PROGRESS)`, "D-002-0")
		step("partner", `resolveDemand(code: "D-002-0")`, "D-002-0")
		w.fail("partner", "FORBIDDEN", `mutation { closeDemand(code: "D-002-0") { code } }`, nil)
		// D-003-1 is visible to the partner (its alliance's community) but
		// assigned to ORG-003-2; D-001-1 is not visible at all: FORBIDDEN
		// both (a write names rows by code, which exist either way).
		w.fail("partner", "FORBIDDEN", `mutation { reopenDemand(code: "D-003-1") { code } }`, nil)
		w.fail("partner", "FORBIDDEN", `mutation { respondToDemand(code: "D-003-0") { code } }`, nil)
		w.fail("partner", "FORBIDDEN", `mutation { reopenDemand(code: "D-001-1") { code } }`, nil)
		w.fail("partner1", "FORBIDDEN", `mutation { respondToDemand(code: "D-000-0") { code } }`, nil)
		// An analyst takes no step; an operator only inside its district.
		w.fail("analyst", "FORBIDDEN", `mutation { reopenDemand(code: "D-001-1") { code } }`, nil)
		w.fail("operator", "FORBIDDEN", `mutation { reopenDemand(code: "D-003-1") { code } }`, nil)
		step("operator", `reopenDemand(code: "D-001-1", note: "复查")`, "D-001-1")
		// An archived demand takes no step.
		w.data("admin", `mutation { archiveDemand(code: "D-WF-0-0") { code } }`, nil)
		w.fail("admin", "CONFLICT", `mutation { assignDemand(code: "D-WF-0-0", organization: "ORG-000-2") { code } }`, nil)
		delete(status, "D-WF-0-0")

		// demandStats and the summary count what this test expects.
		want := map[string]int{}
		open := 0
		for _, s := range status {
			want[s]++
			if s != "RESOLVED" && s != "CLOSED" {
				open++
			}
		}
		for _, who := range []string{"admin", "masked"} {
			d := w.data(who, `{ demandStats(groupBy: [STATUS]) { status demands open assigned inProgress resolved closed } regions(where: {parent: null}) { nodes { summary { openDemands } } } }`, nil)
			got := map[string]int{}
			for _, g := range get(d, "demandStats").([]any) {
				got[str(get(g, "status"))] = wnum(t, get(g, "demands"))
				byColumn := map[string]string{"OPEN": "open", "ASSIGNED": "assigned", "IN_PROGRESS": "inProgress", "RESOLVED": "resolved", "CLOSED": "closed"}
				if col, ok := byColumn[str(get(g, "status"))]; ok && wnum(t, get(g, col)) != wnum(t, get(g, "demands")) {
					t.Errorf("demandStats %v: %s differs from demands", g, col)
				}
			}
			if fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(want)) {
				t.Errorf("as %s: demandStats by status %v, want %v", who, sorted(got), sorted(want))
			}
			if n := wnum(t, get(d, "regions", "nodes", 0, "summary", "openDemands")); n != open {
				t.Errorf("as %s: summary.openDemands %d, want %d", who, n, open)
			}
		}
	})
}

func sorted(m map[string]int) []string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(out)
	return out
}

// A status changed by updateDemand or upsertDemand follows the workflow
// too: an invalid step is a CONFLICT, a valid one is recorded and stamped
// as the workflow's own mutations do. A new demand starts where it is put.
func TestDemandStatusThroughUpdates(t *testing.T) {
	eachWriteBackend(t, fixture(4), func(t *testing.T, w *writeAPI) {
		before := w.state()
		w.fail("admin", "CONFLICT", `mutation { updateDemand(code: "D-000-0", input: {status: CLOSED}) { code } }`, nil)
		w.fail("admin", "CONFLICT", `mutation { upsertDemand(input: {code: "D-000-0", community: "C000", title: "x", raisedAt: "2023-01-01T00:00:00Z", status: RESOLVED}) { code } }`, nil)
		errs := w.fail("admin", "BAD_USER_INPUT", `mutation { updateDemand(code: "D-000-0", input: {status: ASSIGNED}) { code } }`, nil)
		if errs[0].pathString() != "updateDemand.input.assignedTo" {
			t.Errorf("assigned to no unit: path %s", errs[0].pathString())
		}
		w.unchanged("refused status changes", before)

		d := w.data("admin", `mutation { m: updateDemand(code: "D-000-0", input: {status: ASSIGNED, assignedTo: "ORG-000-1", title: "改"}) { `+demandSel+` } }`, nil)
		tr := get(d, "m", "transitions", 0)
		if get(d, "m", "status") != "ASSIGNED" || get(tr, "from") != "OPEN" || get(tr, "to") != "ASSIGNED" ||
			get(tr, "actor") != w.subjects["admin"] || get(tr, "organization", "code") != "ORG-000-1" {
			t.Fatalf("update to ASSIGNED: %v", d)
		}
		d = w.data("admin", `mutation { m: updateDemand(code: "D-000-0", input: {status: IN_PROGRESS}) { `+demandSel+` } }`, nil)
		if get(d, "m", "respondedAt") == nil || len(get(d, "m", "transitions").([]any)) != 2 {
			t.Fatalf("update to IN_PROGRESS: %v", d)
		}
		// An update that gives the time itself keeps it.
		d = w.data("admin", `mutation { m: updateDemand(code: "D-000-0", input: {status: RESOLVED, resolvedAt: "2024-02-02T10:00:00+08:00"}) { `+demandSel+` } }`, nil)
		if !sameValue(get(d, "m", "resolvedAt"), "2024-02-02T10:00:00+08:00") {
			t.Fatalf("update to RESOLVED with its time: %v", d)
		}
		d = w.data("admin", `mutation { m: upsertDemand(input: {code: "D-000-0", community: "C000", title: "x", raisedAt: "2023-01-01T00:00:00Z", status: REOPENED, assignedTo: "ORG-000-1"}) { `+demandSel+` } }`, nil)
		if get(d, "m", "status") != "REOPENED" || get(d, "m", "resolvedAt") != nil || len(get(d, "m", "transitions").([]any)) != 4 {
			t.Fatalf("upsert to REOPENED: %v", d)
		}
		// The same status again is no step.
		w.data("admin", `mutation { updateDemand(code: "D-000-0", input: {status: REOPENED, title: "再改"}) { code } }`, nil)
		if n := w.count("SELECT COUNT(*) FROM demand_transitions"); n != 4 {
			t.Fatalf("%d transitions, want 4", n)
		}
		// A new demand starts in any status.
		w.data("admin", `mutation { createDemand(input: {code: "D-NEW-C", community: "C000", title: "x", raisedAt: "2023-01-01T00:00:00Z", status: CLOSED}) { code } }`, nil)
	})
}
