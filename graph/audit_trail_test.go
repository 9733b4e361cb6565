package graph_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// The audit trail through the API: every write's actor, operation, row and
// before/after as import lines; the auditLog connection's paging, where
// and orderBy; ADMIN only; personal data masked for an ADMIN without
// pii:read.

const auditSel = `id at subject actor role operation entity row code before after request`

// jsonLine decodes an audit before/after ("" is nil).
func jsonLine(t *testing.T, s any) map[string]any {
	t.Helper()
	if s == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(str(s)), &m); err != nil {
		t.Fatalf("audit line %q: %v", s, err)
	}
	return m
}

// sameLine compares a decoded line with the expected one, numbers as
// numbers.
func sameLine(got, want map[string]any) bool {
	norm := func(m map[string]any) string {
		b, _ := json.Marshal(m)
		var out map[string]any
		_ = json.Unmarshal(b, &out)
		return fmt.Sprint(out)
	}
	return (got == nil) == (want == nil) && norm(got) == norm(want)
}

func TestAuditTrail(t *testing.T) {
	eachWriteBackend(t, fixture(4), func(t *testing.T, w *writeAPI) {
		// Writes by two principals, named operations.
		created := w.doOp("admin", "AddCommunity", `mutation AddCommunity { createCommunity(input: {code: "C960", name: "审计", kind: URBAN, region: "440304001", population: 10}) { id } }`, nil)
		if len(created.Errors) > 0 {
			t.Fatal(created.Errors)
		}
		w.doOp("operator", "Grow", `mutation Grow { updateCommunity(code: "C960", input: {population: 20, households: 5}) { id } }`, nil)
		w.doOp("admin", "Gone", `mutation Gone { archiveCommunity(code: "C960") { id } }`, nil)
		w.doOp("admin", "Back", `mutation Back { restoreCommunity(code: "C960") { id } }`, nil)
		w.doOp("admin", "Rec", `mutation Rec { recordServices(idempotencyKey: "audit-1", input: [{code: "SR-960", community: "C960", occurredAt: "2024-01-01T10:00:00+08:00", recipient: "P-000-0"}]) { count } }`, nil)
		w.data("admin", `mutation { createPerson(input: {code: "P-960", name: "欧阳明", phone: "13912345678", birthYear: 1970, community: "C960"}) { id } }`, nil)
		w.data("admin", `mutation { updatePerson(code: "P-960", input: {phone: "13987654321"}) { id } }`, nil)

		d := w.data("admin", `{ auditLog(where: {code: {eq: "C960"}}) { totalCount nodes { `+auditSel+` } } }`, nil)
		nodes := get(d, "auditLog", "nodes").([]any)
		base := map[string]any{"type": "Community", "code": "C960", "name": "审计", "kind": "URBAN", "region": "440304001", "population": 10}
		grown := map[string]any{"type": "Community", "code": "C960", "name": "审计", "kind": "URBAN", "region": "440304001", "population": 20, "households": 5}
		want := []struct {
			who, op, request string
			before, after    map[string]any
		}{
			{"admin", "CREATE", "AddCommunity", nil, base},
			{"operator", "UPDATE", "Grow", base, grown},
			{"admin", "ARCHIVE", "Gone", grown, grown},
			{"admin", "RESTORE", "Back", grown, grown},
		}
		if len(nodes) != len(want) || wnum(t, get(d, "auditLog", "totalCount")) != len(want) {
			t.Fatalf("%d entries for C960, want %d: %v", len(nodes), len(want), nodes)
		}
		for i, wt := range want {
			n := nodes[i]
			role := map[string]string{"admin": "ADMIN", "operator": "OPERATOR"}[wt.who]
			if get(n, "subject") != w.subjects[wt.who] || get(n, "actor") != "write-"+wt.who || get(n, "role") != role ||
				get(n, "operation") != wt.op || get(n, "entity") != "Community" || get(n, "request") != wt.request ||
				get(n, "row") != get(created.Data, "createCommunity", "id") {
				t.Errorf("entry %d: %v, want %s by %s (%s) in %s", i, n, wt.op, wt.who, w.subjects[wt.who], wt.request)
			}
			if !sameLine(jsonLine(t, get(n, "before")), wt.before) || !sameLine(jsonLine(t, get(n, "after")), wt.after) {
				t.Errorf("entry %d (%s): before %v after %v, want %v and %v", i, wt.op, get(n, "before"), get(n, "after"), wt.before, wt.after)
			}
		}
		// A keyed batch names its key.
		d = w.data("admin", `{ auditLog(where: {code: {eq: "SR-960"}}) { nodes { operation request } } }`, nil)
		if get(d, "auditLog", "nodes", 0, "operation") != "RECORD_SERVICES" || !strings.Contains(str(get(d, "auditLog", "nodes", 0, "request")), "audit-1") {
			t.Errorf("keyed batch entry: %v", d)
		}

		// Paging: pages of 3, forward, make the whole log in order; where
		// and orderBy select and sort.
		all := w.data("admin", `{ auditLog(first: 1000) { totalCount nodes { id operation code } } }`, nil)
		total := wnum(t, get(all, "auditLog", "totalCount"))
		var ids []string
		for _, n := range get(all, "auditLog", "nodes").([]any) {
			ids = append(ids, str(get(n, "id")))
		}
		if total != len(ids) || total != 1+7 { // the fixture's import, and the writes above
			t.Fatalf("auditLog: totalCount %d, %d nodes", total, len(ids))
		}
		var paged []string
		after := any(nil)
		for {
			p := w.data("admin", `query($after: String) { auditLog(first: 3, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }`, map[string]any{"after": after})
			for _, n := range get(p, "auditLog", "nodes").([]any) {
				paged = append(paged, str(get(n, "id")))
			}
			if get(p, "auditLog", "pageInfo", "hasNextPage") != true {
				break
			}
			after = get(p, "auditLog", "pageInfo", "endCursor")
		}
		if !slices.Equal(paged, ids) {
			t.Fatalf("paged %v, want %v", paged, ids)
		}
		last := w.data("admin", `{ auditLog(last: 2) { nodes { id } } }`, nil)
		if got := []string{str(get(last, "auditLog", "nodes", 0, "id")), str(get(last, "auditLog", "nodes", 1, "id"))}; !slices.Equal(got, ids[len(ids)-2:]) {
			t.Fatalf("last 2: %v, want %v", got, ids[len(ids)-2:])
		}
		d = w.data("admin", `{ auditLog(where: {operation: {in: ["UPDATE", "ARCHIVE"]}, entity: {eq: "Community"}}, orderBy: [{field: OPERATION, direction: DESC}]) { totalCount nodes { operation code } } }`, nil)
		if got := codes(get(d, "auditLog")); !slices.Equal(got, []string{"C960", "C960"}) || get(d, "auditLog", "nodes", 0, "operation") != "UPDATE" {
			t.Fatalf("where/orderBy: %v", d)
		}
		d = w.data("admin", `query($s: String!) { auditLog(where: {subject: {eq: $s}}) { totalCount } }`, map[string]any{"s": w.subjects["operator"]})
		if wnum(t, get(d, "auditLog", "totalCount")) != 1 {
			t.Fatalf("the operator's entries: %v", d)
		}

		// ADMIN only.
		for _, who := range []string{"analyst", "operator", "partner"} {
			w.fail(who, "FORBIDDEN", `{ auditLog { totalCount } }`, nil)
		}

		// Personal data: an ADMIN without pii:read reads it masked, in
		// before and after alike; a recipient is left out.
		person := func(phone string) map[string]any {
			return map[string]any{"type": "Person", "code": "P-960", "name": "欧阳明", "phone": phone, "birthYear": 1970, "community": "C960", "partyMember": false}
		}
		masked := func(phone string) map[string]any {
			return map[string]any{"type": "Person", "code": "P-960", "name": "欧**", "phone": phone[:3] + "****" + phone[7:], "community": "C960", "partyMember": false}
		}
		q := `{ auditLog(where: {entity: {eq: "Person"}, code: {eq: "P-960"}}) { nodes { operation before after } } }`
		for who, mk := range map[string]func(string) map[string]any{"admin": person, "masked": masked} {
			d := w.data(who, q, nil)
			nodes := get(d, "auditLog", "nodes").([]any)
			if len(nodes) != 2 {
				t.Fatalf("as %s: %d entries for P-960", who, len(nodes))
			}
			if !sameLine(jsonLine(t, get(nodes[0], "after")), mk("13912345678")) ||
				!sameLine(jsonLine(t, get(nodes[1], "before")), mk("13912345678")) ||
				!sameLine(jsonLine(t, get(nodes[1], "after")), mk("13987654321")) {
				t.Errorf("as %s: %v", who, nodes)
			}
		}
		for who, hasRecipient := range map[string]bool{"admin": true, "masked": false} {
			d := w.data(who, `{ auditLog(where: {code: {eq: "SR-960"}}) { nodes { after } } }`, nil)
			after := jsonLine(t, get(d, "auditLog", "nodes", 0, "after"))
			if _, ok := after["recipient"]; ok != hasRecipient || (hasRecipient && after["recipient"] != "P-000-0") {
				t.Errorf("as %s: the record's after %v", who, after)
			}
		}
	})
}
