package graph_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/ingest"
)

// The rules every write keeps, through the API: live rows refer only to
// live rows (archive and restore refuse to break that, and writes refuse
// to refer to archived rows), bad input is a BAD_USER_INPUT per field with
// the field's path and writes nothing, and hostile input is refused
// without leaking the store's words or crashing.

func TestMutationArchiveRestoreReferences(t *testing.T) {
	eachWriteBackend(t, fixture(4), func(t *testing.T, w *writeAPI) {
		// Live rows refer to C003: its service records (SR-003-0..4), its
		// organizations, people, events, demands and its alliance.
		before := w.state()
		errs := w.fail("admin", "CONFLICT", `mutation { archiveCommunity(code: "C003") { code } }`, nil)
		for _, want := range []string{"ServiceRecord", "SR-003-0", "Organization", "ORG-003-0", "Person", "P-003-0", "Demand", "D-003-0", "Alliance", "AL-003"} {
			if !strings.Contains(errs[0].Message, want) {
				t.Errorf("the conflict does not name %s: %s", want, errs[0].Message)
			}
		}
		w.unchanged("a refused archive", before)

		// A set (membership commitments) refers too.
		w.data("admin", `mutation { createServiceCategory(input: {code: "ONLY_COMMITTED", name: "仅承诺"}) { code } }`, nil)
		w.data("admin", `mutation { createMembership(input: {alliance: "AL-001", organization: "ORG-003-2", commitments: ["ONLY_COMMITTED"]}) { code } }`, nil)
		errs = w.fail("admin", "CONFLICT", `mutation { archiveServiceCategory(code: "ONLY_COMMITTED") { code } }`, nil)
		if !strings.Contains(errs[0].Message, "AL-001/ORG-003-2") {
			t.Errorf("the conflict does not name the membership: %s", errs[0].Message)
		}
		w.data("admin", `mutation { archiveMembership(code: "AL-001/ORG-003-2") { code } }`, nil)
		w.data("admin", `mutation { archiveServiceCategory(code: "ONLY_COMMITTED") { code } }`, nil)
		// Restoring the membership now would make it refer to an archived
		// category.
		errs = w.fail("admin", "CONFLICT", `mutation { restoreMembership(code: "AL-001/ORG-003-2") { code } }`, nil)
		if !strings.Contains(errs[0].Message, "ONLY_COMMITTED") {
			t.Errorf("the conflict does not name the archived category: %s", errs[0].Message)
		}
		w.data("admin", `mutation { restoreServiceCategory(code: "ONLY_COMMITTED") { code } }`, nil)
		w.data("admin", `mutation { restoreMembership(code: "AL-001/ORG-003-2") { code } }`, nil)

		// A community of its own, a record in it; archive both (record
		// first), then restore in the wrong order.
		w.data("admin", `mutation { createCommunity(input: {code: "C901", name: "临时", kind: URBAN, region: "440305001"}) { code } }`, nil)
		w.data("admin", `mutation { createServiceRecord(input: {code: "SR-901", community: "C901", occurredAt: "2024-01-01T10:00:00+08:00"}) { code } }`, nil)
		w.fail("admin", "CONFLICT", `mutation { archiveCommunity(code: "C901") { code } }`, nil)
		w.data("admin", `mutation { archiveServiceRecord(code: "SR-901") { code } }`, nil)
		w.data("admin", `mutation { archiveCommunity(code: "C901") { code } }`, nil)
		before = w.state()
		errs = w.fail("admin", "CONFLICT", `mutation { restoreServiceRecord(code: "SR-901") { code } }`, nil)
		if !strings.Contains(errs[0].Message, "C901") {
			t.Errorf("the conflict does not name the archived community: %s", errs[0].Message)
		}
		w.unchanged("a refused restore", before)

		// Writes that refer to the archived community: BAD_USER_INPUT on
		// the field, through every path.
		cases := []struct{ q, path string }{
			{`mutation { createServiceRecord(input: {code: "SR-902", community: "C901", occurredAt: "2024-01-01T10:00:00+08:00"}) { code } }`,
				"createServiceRecord.input.community"},
			{`mutation { upsertServiceRecord(input: {code: "SR-902", community: "C901", occurredAt: "2024-01-01T10:00:00+08:00"}) { code } }`,
				"upsertServiceRecord.input.community"},
			{`mutation { updateServiceRecord(code: "SR-000-0", input: {community: "C901"}) { code } }`,
				"updateServiceRecord.input.community"},
			{`mutation { createPerson(input: {code: "P-902", name: "王", community: "C901"}) { code } }`,
				"createPerson.input.community"},
			{`mutation { createResearchTopic(input: {studio: "ST-0", title: "x", members: ["P-000-0"]}) { code } }`, ""}, // fine: a control
			{`mutation { recordServices(idempotencyKey: "k-archived", input: [{code: "SR-903", community: "C000", occurredAt: "2024-01-01T10:00:00+08:00"}, {code: "SR-904", community: "C901", occurredAt: "2024-01-01T10:00:00+08:00"}]) { count } }`,
				"recordServices.input.1.community"},
		}
		for _, c := range cases {
			if c.path == "" {
				w.data("admin", c.q, nil)
				continue
			}
			before := w.state()
			errs := w.fail("admin", "BAD_USER_INPUT", c.q, nil)
			if len(errs) != 1 || errs[0].pathString() != c.path || !strings.Contains(errs[0].Message, "archived") {
				t.Errorf("%s: errors %+v, want one at %s saying archived", c.q, errs, c.path)
			}
			w.unchanged(c.q, before)
		}
		// A set item naming an archived person.
		w.data("admin", `mutation { createPerson(input: {code: "P-905", name: "赵"}) { code } }`, nil)
		w.data("admin", `mutation { archivePerson(code: "P-905") { code } }`, nil)
		errs = w.fail("admin", "BAD_USER_INPUT", `mutation { createCase(input: {studio: "ST-0", title: "y", members: ["P-000-0", "P-905"]}) { code } }`, nil)
		if errs[0].pathString() != "createCase.input.members" {
			t.Errorf("archived member: path %s", errs[0].pathString())
		}
		// The import refuses the same.
		_, err := ingest.ImportLines(context.Background(), w.db, ingest.Slice([]map[string]any{
			{"type": "ServiceRecord", "code": "SR-906", "community": "C901", "occurredAt": "2024-01-01T10:00:00+08:00"},
		}), ingest.Options{})
		var le *ingest.LineErrors
		if !errors.As(err, &le) || len(le.Errors) != 1 || le.Errors[0].Field != "community" {
			t.Fatalf("import referring to an archived community: %v", err)
		}

		// Restore in order: community, then record.
		w.data("admin", `mutation { restoreCommunity(code: "C901") { code } }`, nil)
		w.data("admin", `mutation { restoreServiceRecord(code: "SR-901") { code } }`, nil)
		if d := w.data("admin", `{ serviceRecord(code: "SR-901") { community { code } } }`, nil); get(d, "serviceRecord", "community", "code") != "C901" {
			t.Fatalf("restored record: %v", d)
		}
	})
}

func TestMutationFieldErrors(t *testing.T) {
	eachWriteBackend(t, fixture(4), func(t *testing.T, w *writeAPI) {
		cases := []struct {
			name  string
			q     string
			vars  map[string]any
			paths []string
		}{
			{"negative population", `mutation { createCommunity(input: {code: "C950", name: "x", kind: URBAN, region: "440304001", population: -5}) { code } }`, nil,
				[]string{"createCommunity.input.population"}},
			{"negative population by variable", `mutation($in: CommunityInput!) { createCommunity(input: $in) { code } }`,
				map[string]any{"in": map[string]any{"code": "C950", "name": "x", "kind": "URBAN", "region": "440304001", "population": -5}},
				[]string{"createCommunity.input.population"}},
			{"unknown region", `mutation { createCommunity(input: {code: "C950", name: "x", kind: URBAN, region: "NOPE"}) { code } }`, nil,
				[]string{"createCommunity.input.region"}},
			{"update: negative households", `mutation { updateCommunity(code: "C000", input: {households: -1}) { code } }`, nil,
				[]string{"updateCommunity.input.households"}},
			{"update: a required field nulled", `mutation { updateCommunity(code: "C000", input: {name: null}) { code } }`, nil,
				[]string{"updateCommunity.input.name"}},
			{"update: unknown category", `mutation { updateServiceRecord(code: "SR-000-0", input: {category: "NOPE"}) { code } }`, nil,
				[]string{"updateServiceRecord.input.category"}},
			{"bad time zone", `mutation { createRegion(input: {code: "449999", name: "x", level: CITY, timeZone: "Mars/Olympus"}) { code } }`, nil,
				[]string{"createRegion.input.timeZone"}},
			{"empty code", `mutation { createAlliance(input: {code: "", name: "x"}) { code } }`, nil,
				[]string{"createAlliance.input.code"}},
			{"unknown set item", `mutation { createMembership(input: {alliance: "AL-000", organization: "ORG-003-0", commitments: ["HEALTH", "NOPE"]}) { code } }`, nil,
				[]string{"createMembership.input.commitments"}},
			{"batch: one error per bad item", `mutation($in: [ServiceRecordInput!]!) { recordServices(input: $in, idempotencyKey: "k-bad") { count } }`,
				map[string]any{"in": []any{
					map[string]any{"code": "SR-960", "community": "C000", "occurredAt": "2024-01-01T10:00:00+08:00"},
					map[string]any{"code": "SR-961", "community": "C000", "occurredAt": "2024-01-01T10:00:00+08:00", "peopleServed": -1},
					map[string]any{"code": "SR-962", "community": "C001", "occurredAt": "2024-01-01T10:00:00+08:00"},
					map[string]any{"code": "SR-963", "community": "NOPE", "occurredAt": "2024-01-01T10:00:00+08:00"},
					map[string]any{"code": "SR-964", "community": "C001", "occurredAt": "2024-01-01T10:00:00+08:00", "provider": "NOPE"},
					map[string]any{"code": "SR-965", "community": "NOPE", "occurredAt": "2024-01-01T10:00:00+08:00", "provider": "NOPE"},
					map[string]any{"code": "SR-966", "community": "C001", "occurredAt": "2024-01-01T10:00:00+08:00", "peopleServed": -1, "category": "NOPE"},
				}},
				[]string{"recordServices.input.1.peopleServed", "recordServices.input.3.community", "recordServices.input.4.provider",
					"recordServices.input.5.community", "recordServices.input.6.peopleServed"}},
		}
		for _, c := range cases {
			before := w.state()
			errs := w.fail("admin", "BAD_USER_INPUT", c.q, c.vars)
			var paths []string
			for _, e := range errs {
				paths = append(paths, e.pathString())
			}
			slices.Sort(paths)
			if !slices.Equal(paths, c.paths) {
				t.Errorf("%s: error paths %v, want %v (%+v)", c.name, paths, c.paths, errs)
			}
			w.unchanged(c.name, before)
		}
		// The corrected batch goes through with the same key: a refused
		// batch does not use its key up.
		d := w.data("admin", `mutation { recordServices(idempotencyKey: "k-bad", input: [{code: "SR-960", community: "C000", occurredAt: "2024-01-01T10:00:00+08:00"}]) { count replayed } }`, nil)
		if wnum(t, get(d, "recordServices", "count")) != 1 || get(d, "recordServices", "replayed") != false {
			t.Fatalf("corrected batch: %v", d)
		}
	})
}

// hostile values never reach the client as SQL, driver text or a crash:
// each is either written as given or refused as BAD_USER_INPUT.
func TestMutationHostileInput(t *testing.T) {
	huge := strings.Repeat("字", 200_000) // 600 kB
	eachWriteBackend(t, fixture(4), func(t *testing.T, w *writeAPI) {
		cases := []struct {
			name string
			q    string
			vars map[string]any
		}{
			{"huge name", `mutation($n: String!) { createCommunity(input: {code: "C970", name: $n, kind: URBAN, region: "440304001"}) { code } }`, map[string]any{"n": huge}},
			{"huge code", `mutation($c: String!) { createCommunity(input: {code: $c, name: "x", kind: URBAN, region: "440304001"}) { code } }`, map[string]any{"c": huge}},
			{"NUL in a name", `mutation($n: String!) { createCommunity(input: {code: "C971", name: $n, kind: URBAN, region: "440304001"}) { code } }`, map[string]any{"n": "a\x00b"}},
			{"NUL in a code", `mutation($c: String!) { createCommunity(input: {code: $c, name: "x", kind: URBAN, region: "440304001"}) { code } }`, map[string]any{"c": "C\x00972"}},
			{"NUL in a reference", `mutation($r: String!) { createCommunity(input: {code: "C973", name: "x", kind: URBAN, region: $r}) { code } }`, map[string]any{"r": "44\x00"}},
			{"NUL in an update's code", `mutation($c: String!) { updateCommunity(code: $c, input: {name: "x"}) { code } }`, map[string]any{"c": "C\x00"}},
			{"NUL in an archive's code", `mutation($c: String!) { archiveCommunity(code: $c) { code } }`, map[string]any{"c": "C\x00"}},
			{"NUL in an idempotency key", `mutation($k: String!) { recordServices(idempotencyKey: $k, input: [{code: "SR-974", community: "C000", occurredAt: "2024-01-01T10:00:00+08:00"}]) { count } }`, map[string]any{"k": "k\x00"}},
			{"huge idempotency key", `mutation($k: String!) { recordServices(idempotencyKey: $k, input: [{code: "SR-975", community: "C000", occurredAt: "2024-01-01T10:00:00+08:00"}]) { count } }`, map[string]any{"k": huge}},
			{"empty idempotency key", `mutation { recordServices(idempotencyKey: "", input: [{code: "SR-976", community: "C000", occurredAt: "2024-01-01T10:00:00+08:00"}]) { count } }`, nil},
			{"empty batch", `mutation { recordServices(idempotencyKey: "k-empty", input: []) { count } }`, nil},
			{"NUL in a demand note", `mutation($n: String!) { assignDemand(code: "D-000-0", organization: "ORG-000-2", note: $n) { code } }`, map[string]any{"n": "a\x00"}},
			{"NUL in a demand code", `mutation($c: String!) { closeDemand(code: $c) { code } }`, map[string]any{"c": "D\x00"}},
			{"NUL in an assignee", `mutation($o: String!) { assignDemand(code: "D-000-0", organization: $o) { code } }`, map[string]any{"o": "ORG\x00"}},
			{"huge note", `mutation($n: String!) { assignDemand(code: "D-001-0", organization: "ORG-001-2", note: $n) { code } }`, map[string]any{"n": huge}},

			{"string for an int", `mutation($in: CommunityInput!) { createCommunity(input: $in) { code } }`,
				map[string]any{"in": map[string]any{"code": "C977", "name": "x", "kind": "URBAN", "region": "440304001", "population": "many"}}},
			{"float for an int", `mutation($in: CommunityInput!) { createCommunity(input: $in) { code } }`,
				map[string]any{"in": map[string]any{"code": "C978", "name": "x", "kind": "URBAN", "region": "440304001", "population": 1.5}}},
			{"int too large", `mutation($in: CommunityInput!) { createCommunity(input: $in) { code } }`,
				map[string]any{"in": map[string]any{"code": "C979", "name": "x", "kind": "URBAN", "region": "440304001", "population": 1 << 40}}},
			{"int past 32 bits", `mutation($in: CommunityInput!) { createCommunity(input: $in) { code } }`,
				map[string]any{"in": map[string]any{"code": "C980", "name": "x", "kind": "URBAN", "region": "440304001", "population": 3_000_000_000}}},
			{"unknown enum", `mutation($in: CommunityInput!) { createCommunity(input: $in) { code } }`,
				map[string]any{"in": map[string]any{"code": "C981", "name": "x", "kind": "CASTLE", "region": "440304001"}}},
			{"unknown field", `mutation($in: CommunityInput!) { createCommunity(input: $in) { code } }`,
				map[string]any{"in": map[string]any{"code": "C982", "name": "x", "kind": "URBAN", "region": "440304001", "secret": 1}}},
			{"object for a string", `mutation($in: CommunityInput!) { createCommunity(input: $in) { code } }`,
				map[string]any{"in": map[string]any{"code": map[string]any{"a": 1}, "name": "x", "kind": "URBAN", "region": "440304001"}}},
			{"list for the input", `mutation($in: CommunityInput!) { createCommunity(input: $in) { code } }`, map[string]any{"in": []any{1, 2}}},
			{"bad time", `mutation { createServiceRecord(input: {code: "SR-983", community: "C000", occurredAt: "yesterday"}) { code } }`, nil},
			{"time without zone", `mutation($in: ServiceRecordInput!) { createServiceRecord(input: $in) { code } }`,
				map[string]any{"in": map[string]any{"code": "SR-984", "community": "C000", "occurredAt": "2024-01-01T10:00:00"}}},
			{"bad date", `mutation { createAlliance(input: {code: "AL-985", name: "x", foundedOn: "2024-02-30"}) { code } }`, nil},
			{"null for a list item", `mutation($in: [ServiceRecordInput!]!) { recordServices(idempotencyKey: "k-null", input: $in) { count } }`, map[string]any{"in": []any{nil}}},
			{"batch of strings", `mutation($in: [ServiceRecordInput!]!) { recordServices(idempotencyKey: "k-str", input: $in) { count } }`, map[string]any{"in": []any{"x"}}},
			{"changes after: huge", `{ changes(after: "99999999999999999999999") { nodes { sequence } } }`, nil},
			{"changes after: negative", `{ changes(after: "-1") { nodes { sequence } } }`, nil},
			{"changes first: too many", `{ changes(first: 100000) { nodes { sequence } } }`, nil},
			{"quote in a code (NOT_FOUND)", `mutation { updateCommunity(code: "C000'; DROP TABLE communities; --", input: {name: "x"}) { code } }`, nil},
			{"quote in a key", `mutation { recordServices(idempotencyKey: "k'); DROP TABLE idempotency_keys; --", input: [{code: "SR-986", community: "C000", occurredAt: "2024-01-01T10:00:00+08:00", peopleServed: -1}]) { count } }`, nil},
		}
		leaks := []string{"SQL", "sql", "pq:", "pgx", "SQLSTATE", "syntax", "INSERT", "SELECT", "UPDATE ", "constraint", "panic", "goroutine", "runtime error", "invalid byte sequence"}
		for _, c := range cases {
			r := w.do("admin", c.q, c.vars)
			if r.Status >= 500 {
				t.Errorf("%s: HTTP %d", c.name, r.Status)
			}
			for _, e := range r.Errors {
				if e.code() != "BAD_USER_INPUT" && !(strings.HasSuffix(c.name, "(NOT_FOUND)") && e.code() == "NOT_FOUND") {
					t.Errorf("%s: error %s %q, want BAD_USER_INPUT", c.name, e.code(), e.Message)
				}
				for _, l := range leaks {
					if strings.Contains(e.Message, l) {
						t.Errorf("%s: the message leaks %q: %s", c.name, l, e.Message)
					}
				}
			}
			if len(r.Errors) == 0 && !strings.HasPrefix(c.name, "huge name") && !strings.HasPrefix(c.name, "huge note") {
				t.Errorf("%s: accepted: %v", c.name, r.Data)
			}
		}
		// The server still answers, and the fixture is whole.
		if n := w.count("SELECT COUNT(*) FROM communities"); n < 4 {
			t.Fatalf("communities: %d", n)
		}
	})
}
