package graph_test

import (
	"strings"
	"testing"
)

// Who may write what, through the API: ANALYST nothing; OPERATOR the rows
// of its district (440304: C000, C001), before and after the write, and no
// reference data; PARTNER (ORG-000-2) only the service records it provides.

func TestWritePermissions(t *testing.T) {
	eachWriteBackend(t, fixture(4), func(t *testing.T, w *writeAPI) {
		refused := func(who, code, q string) {
			t.Helper()
			before := w.state()
			w.fail(who, code, q, nil)
			w.unchanged(who+": "+q, before)
		}
		record := func(code, community, provider string) string {
			p := ""
			if provider != "" {
				p = `, provider: "` + provider + `"`
			}
			return `{code: "` + code + `", community: "` + community + `", occurredAt: "2024-03-01T10:00:00+08:00"` + p + `}`
		}

		// ANALYST: nothing, not even inside its region.
		for _, q := range []string{
			`mutation { createCommunity(input: {code: "C940", name: "x", kind: URBAN, region: "440304001"}) { code } }`,
			`mutation { updateCommunity(code: "C000", input: {name: "x"}) { code } }`,
			`mutation { upsertCommunity(input: {code: "C000", name: "x", kind: URBAN, region: "440304001"}) { code } }`,
			`mutation { archiveServiceRecord(code: "SR-000-0") { code } }`,
			`mutation { restoreServiceRecord(code: "SR-000-0") { code } }`,
			`mutation { recordServices(idempotencyKey: "a", input: [` + record("SR-940", "C000", "") + `]) { count } }`,
			`mutation { assignDemand(code: "D-000-0", organization: "ORG-000-2") { code } }`,
		} {
			refused("analyst", "FORBIDDEN", q)
		}

		// OPERATOR: inside its district, yes.
		w.data("operator", `mutation { createCommunity(input: {code: "C941", name: "区内", kind: URBAN, region: "440304001"}) { code } }`, nil)
		w.data("operator", `mutation { updateCommunity(code: "C001", input: {population: 1234}) { code } }`, nil)
		w.data("operator", `mutation { updateCommunity(code: "C941", input: {region: "440304002"}) { code } }`, nil)
		w.data("operator", `mutation { createServiceRecord(input: `+record("SR-941", "C941", "")+`) { code } }`, nil)
		w.data("operator", `mutation { recordServices(idempotencyKey: "o", input: [`+record("SR-942", "C000", "")+`, `+record("SR-943", "C001", "ORG-003-0")+`]) { count } }`, nil)
		w.data("operator", `mutation { archiveServiceRecord(code: "SR-941") { code } }`, nil)
		w.data("operator", `mutation { restoreServiceRecord(code: "SR-941") { code } }`, nil)
		w.data("operator", `mutation { createRegion(input: {code: "440304003", name: "新街道", level: STREET, parent: "440304"}) { code } }`, nil)
		// Outside it, or moving a row out of it, or reference data: no.
		for _, q := range []string{
			`mutation { createCommunity(input: {code: "C942", name: "区外", kind: URBAN, region: "440305001"}) { code } }`,
			`mutation { updateCommunity(code: "C002", input: {population: 1}) { code } }`,
			`mutation { upsertCommunity(input: {code: "C002", name: "x", kind: URBAN, region: "440304001"}) { code } }`,
			`mutation { updateCommunity(code: "C941", input: {region: "440305001"}) { code } }`,
			`mutation { upsertCommunity(input: {code: "C941", name: "x", kind: URBAN, region: "440305002"}) { code } }`,
			`mutation { updateServiceRecord(code: "SR-000-0", input: {community: "C002"}) { code } }`,
			`mutation { archiveServiceRecord(code: "SR-002-0") { code } }`,
			`mutation { restoreServiceRecord(code: "SR-002-0") { code } }`,
			`mutation { createServiceRecord(input: ` + record("SR-944", "C003", "") + `) { code } }`,
			`mutation { recordServices(idempotencyKey: "o2", input: [` + record("SR-945", "C000", "") + `, ` + record("SR-946", "C002", "") + `]) { count } }`,
			`mutation { createRegion(input: {code: "440305009", name: "x", level: STREET, parent: "440305"}) { code } }`,
			`mutation { updateRegion(code: "440304001", input: {parent: "440305"}) { code } }`,
			`mutation { createServiceCategory(input: {code: "OP_CAT", name: "x"}) { code } }`,
			`mutation { updateServiceCategory(code: "HEALTH", input: {name: "x"}) { code } }`,
			`mutation { archiveServiceCategory(code: "HEALTH_RX") { code } }`,
			`mutation { createPerson(input: {code: "P-940", name: "x", community: "C002"}) { code } }`,
			`mutation { createPosition(input: {person: "P-002-0", title: "x"}) { code } }`,
			`mutation { assignDemand(code: "D-002-0", organization: "ORG-002-2") { code } }`,
		} {
			refused("operator", "FORBIDDEN", q)
		}
		if d := w.data("admin", `{ community(code: "C941") { region { code } } }`, nil); get(d, "community", "region", "code") != "440304002" {
			t.Fatalf("C941 after the refused move: %v", d)
		}
		// A conflict names the referring rows the operator sees, and only
		// counts the others: ORG-000-2 belongs to AL-003, led from C003.
		errs := w.fail("operator", "CONFLICT", `mutation { archiveOrganization(code: "ORG-000-2") { code } }`, nil)
		if msg := errs[0].Message; !strings.Contains(msg, "D-000-1") || !strings.Contains(msg, "SR-000-2") ||
			strings.Contains(msg, "AL-003") || !strings.Contains(msg, "1 Membership (organization) (1 outside your scope)") {
			t.Errorf("the operator's conflict: %s", msg)
		}
		errs = w.fail("admin", "CONFLICT", `mutation { archiveOrganization(code: "ORG-000-2") { code } }`, nil)
		if msg := errs[0].Message; !strings.Contains(msg, "AL-003/ORG-000-2") || strings.Contains(msg, "outside") {
			t.Errorf("ADMIN's conflict: %s", msg)
		}

		// PARTNER: service records it provides, nothing else.
		w.data("partner", `mutation { recordServices(idempotencyKey: "p", input: [`+record("SR-950", "C003", "ORG-000-2")+`, `+record("SR-951", "C001", "ORG-000-2")+`]) { count } }`, nil)
		w.data("partner", `mutation { createServiceRecord(input: `+record("SR-952", "C003", "ORG-000-2")+`) { code } }`, nil)
		for _, q := range []string{
			// Another provider, no provider, or a record another provided.
			`mutation { recordServices(idempotencyKey: "p2", input: [` + record("SR-953", "C003", "ORG-000-2") + `, ` + record("SR-954", "C003", "ORG-003-0") + `]) { count } }`,
			`mutation { recordServices(idempotencyKey: "p3", input: [` + record("SR-955", "C003", "") + `]) { count } }`,
			`mutation { recordServices(idempotencyKey: "p4", input: [` + record("SR-003-0", "C003", "ORG-000-2") + `]) { count } }`,
			`mutation { updateServiceRecord(code: "SR-950", input: {provider: "ORG-003-0"}) { code } }`,
			`mutation { updateServiceRecord(code: "SR-003-1", input: {peopleServed: 1}) { code } }`,
			`mutation { archiveServiceRecord(code: "SR-003-1") { code } }`,
			// Other types.
			`mutation { createCommunity(input: {code: "C955", name: "x", kind: URBAN, region: "440305002"}) { code } }`,
			`mutation { updateOrganization(code: "ORG-000-2", input: {name: "x"}) { code } }`,
			`mutation { createDemand(input: {code: "D-955", community: "C003", title: "x", raisedAt: "2024-01-01T00:00:00Z", status: OPEN}) { code } }`,
		} {
			refused("partner", "FORBIDDEN", q)
		}
		// A partner's record is its own: SR-000-2 (provided by ORG-000-2 in
		// the fixture) it may rewrite.
		w.data("partner", `mutation { recordServices(idempotencyKey: "p5", input: [`+record("SR-000-2", "C000", "ORG-000-2")+`]) { count } }`, nil)
		if n := w.count("SELECT COUNT(*) FROM service_records WHERE code IN ('SR-950', 'SR-951', 'SR-952', 'SR-953', 'SR-954', 'SR-955')"); n != 3 {
			t.Fatalf("%d of the partner's records written, want 3", n)
		}
	})
}
