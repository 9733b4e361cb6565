package graph_test

import (
	"encoding/json"
	"slices"
	"testing"
)

// Mutations end to end on both stores: create, update, upsert, archive and
// restore through GraphQL, with the import's validation as field errors,
// the audit trail and the change feed following.

func TestMutationLifecycle(t *testing.T) {
	eachBackend(t, fixture(4), func(t *testing.T, a *api) {
		// Create: the row is readable at once, with its relations.
		d := a.data(`mutation { createServiceRecord(input: {code: "SR-NEW", community: "C001", category: "HAIRCUT", occurredAt: "2024-02-01T10:00:00+08:00", peopleServed: 3, resolved: true}) { code peopleServed community { code } category { code } archivedAt } }`, nil)
		if got := get(d, "createServiceRecord", "community", "code"); got != "C001" {
			t.Fatalf("created record's community = %v", got)
		}
		if get(d, "createServiceRecord", "archivedAt") != nil {
			t.Fatalf("a new record is archived")
		}
		// Create again: CONFLICT.
		if code, msg := a.errorCode(`mutation { createServiceRecord(input: {code: "SR-NEW", community: "C001", occurredAt: "2024-02-01T10:00:00+08:00"}) { code } }`, nil); code != "CONFLICT" {
			t.Fatalf("second create: %s %s", code, msg)
		}
		// Update keeps what the patch leaves out, clears what it nulls.
		d = a.data(`mutation { updateServiceRecord(code: "SR-NEW", input: {peopleServed: 7, category: null}) { peopleServed resolved category { code } } }`, nil)
		if get(d, "updateServiceRecord", "peopleServed") != json.Number("7") || get(d, "updateServiceRecord", "resolved") != true || get(d, "updateServiceRecord", "category") != nil {
			t.Fatalf("update: %v", d)
		}
		// Field errors name the input field.
		r := a.do(`mutation { createServiceRecord(input: {code: "SR-BAD", community: "NOPE", occurredAt: "2024-02-01T10:00:00+08:00", peopleServed: 2}) { code } }`, nil)
		if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
			t.Fatalf("unknown community: %+v", r.Errors)
		}
		// Totals count the new record; archive removes it everywhere.
		before := count(t, a, `{ serviceRecords { totalCount } }`, "serviceRecords")
		a.data(`mutation { archiveServiceRecord(code: "SR-NEW") { code archivedAt } }`, nil)
		if after := count(t, a, `{ serviceRecords { totalCount } }`, "serviceRecords"); after != before-1 {
			t.Fatalf("after archive: %d records, want %d", after, before-1)
		}
		if d := a.data(`{ serviceRecord(code: "SR-NEW") { code } }`, nil); get(d, "serviceRecord") != nil {
			t.Fatalf("archived record still found by code")
		}
		if n := count(t, a, `{ serviceRecords(includeArchived: true) { totalCount } }`, "serviceRecords"); n != before {
			t.Fatalf("includeArchived: %d, want %d", n, before)
		}
		// Archiving a community with live records: CONFLICT.
		if code, msg := a.errorCode(`mutation { archiveCommunity(code: "C001") { code } }`, nil); code != "CONFLICT" {
			t.Fatalf("archive referenced community: %s %s", code, msg)
		}
		a.data(`mutation { restoreServiceRecord(code: "SR-NEW") { code } }`, nil)
		if after := count(t, a, `{ serviceRecords { totalCount } }`, "serviceRecords"); after != before {
			t.Fatalf("after restore: %d, want %d", after, before)
		}
		// The audit trail and the change feed saw every step.
		d = a.data(`{ auditLog(where: {code: {eq: "SR-NEW"}}) { nodes { operation before after } } }`, nil)
		var ops []string
		for _, n := range get(d, "auditLog", "nodes").([]any) {
			ops = append(ops, get(n, "operation").(string))
		}
		if !slices.Equal(ops, []string{"CREATE", "UPDATE", "ARCHIVE", "RESTORE"}) {
			t.Fatalf("audit operations: %v", ops)
		}
		d = a.data(`{ changes(types: [SERVICE_RECORD], first: 1000) { nodes { sequence code operation entity { id } } } }`, nil)
		var feed []string
		for _, n := range get(d, "changes", "nodes").([]any) {
			if get(n, "code") == "SR-NEW" {
				feed = append(feed, get(n, "operation").(string))
			}
		}
		if !slices.Equal(feed, []string{"UPSERT", "UPSERT", "ARCHIVE", "UPSERT"}) {
			t.Fatalf("feed for SR-NEW: %v", feed)
		}
	})
}

func count(t *testing.T, a *api, q, field string) int {
	t.Helper()
	n, err := get(a.data(q, nil), field, "totalCount").(json.Number).Int64()
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}
