package graph_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// Every entity type through every mutation, once: create, update, upsert,
// archive and restore, each read back through the API, with the values
// expected written down here from the input sent (not read from the code
// under test).

// entityCase is one entity type's valid input over fixture(4).
type entityCase struct {
	typ   string         // the GraphQL type: createX, updateX, ...
	code  string         // the row's code: given, or derived as the README says
	input map[string]any // a valid create input
	sel   string         // the fields read back
	want  map[string]any // path -> value after the create
	patch map[string]any // an update: one field changed, one cleared (nil)
	// afterPatch is path -> value after the patch: the changed field, the
	// cleared one (nil) and one the patch left out (kept).
	afterPatch map[string]any
	// clear is an optional input field: an upsert without it clears it
	// (its path in sel is clearPath).
	clear, clearPath string
}

var entityCases = []entityCase{
	{typ: "Region", code: "440304009",
		input: map[string]any{"code": "440304009", "name": "新街道", "level": "STREET", "parent": "440304", "timeZone": "Asia/Urumqi"},
		sel:   "code name level parent { code } timeZone",
		want:  map[string]any{"name": "新街道", "level": "STREET", "parent.code": "440304", "timeZone": "Asia/Urumqi"},
		patch: map[string]any{"name": "改名街道", "timeZone": nil},
		// A region without a zone of its own reads its parent's (the default).
		afterPatch: map[string]any{"name": "改名街道", "timeZone": "Asia/Shanghai", "level": "STREET", "parent.code": "440304"},
		clear:      "parent", clearPath: "parent"},
	{typ: "ServiceCategory", code: "GARDEN",
		input:      map[string]any{"code": "GARDEN", "name": "园艺", "parent": "HEALTH"},
		sel:        "code name parent { code }",
		want:       map[string]any{"name": "园艺", "parent.code": "HEALTH"},
		patch:      map[string]any{"name": "园林", "parent": nil},
		afterPatch: map[string]any{"name": "园林", "parent": nil},
		clear:      "parent", clearPath: "parent"},
	{typ: "Community", code: "C900",
		input:      map[string]any{"code": "C900", "name": "新社区", "kind": "URBAN", "region": "440304001", "population": 500, "households": 200},
		sel:        "code name kind region { code } population households",
		want:       map[string]any{"name": "新社区", "kind": "URBAN", "region.code": "440304001", "population": 500, "households": 200},
		patch:      map[string]any{"kind": "VILLAGE", "population": nil},
		afterPatch: map[string]any{"kind": "VILLAGE", "population": nil, "households": 200, "name": "新社区", "region.code": "440304001"},
		clear:      "households", clearPath: "households"},
	{typ: "Organization", code: "ORG-NEW",
		input:      map[string]any{"code": "ORG-NEW", "name": "新单位", "kind": "ENTERPRISE", "region": "440304001", "community": "C000", "parent": "ORG-000-0"},
		sel:        "code name kind region { code } community { code } parent { code }",
		want:       map[string]any{"name": "新单位", "kind": "ENTERPRISE", "region.code": "440304001", "community.code": "C000", "parent.code": "ORG-000-0"},
		patch:      map[string]any{"name": "改名单位", "parent": nil},
		afterPatch: map[string]any{"name": "改名单位", "parent": nil, "community.code": "C000", "kind": "ENTERPRISE"},
		clear:      "community", clearPath: "community"},
	{typ: "Person", code: "P-NEW",
		input: map[string]any{"code": "P-NEW", "name": "李四", "gender": "F", "birthYear": 1980, "phone": "13900000000",
			"community": "C000", "organization": "ORG-000-0", "partyMember": true, "roles": []any{"VOLUNTEER", "RESIDENT"}},
		sel: "code name gender birthYear phone community { code } organization { code } partyMember roles",
		want: map[string]any{"name": "李四", "gender": "F", "birthYear": 1980, "phone": "13900000000", "community.code": "C000",
			"organization.code": "ORG-000-0", "partyMember": true, "roles": "RESIDENT,VOLUNTEER"},
		patch:      map[string]any{"phone": nil, "roles": []any{"MENTOR"}},
		afterPatch: map[string]any{"phone": nil, "roles": "MENTOR", "birthYear": 1980, "organization.code": "ORG-000-0"},
		clear:      "birthYear", clearPath: "birthYear"},
	{typ: "Position", code: "P-000-0/ORG-000-1/委员/2020-01-01",
		input:      map[string]any{"person": "P-000-0", "organization": "ORG-000-1", "title": "委员", "from": "2020-01-01", "to": "2022-12-31"},
		sel:        "code person { code } organization { code } title from to",
		want:       map[string]any{"person.code": "P-000-0", "organization.code": "ORG-000-1", "title": "委员", "from": "2020-01-01", "to": "2022-12-31"},
		patch:      map[string]any{"title": "主任", "to": nil},
		afterPatch: map[string]any{"title": "主任", "to": nil, "from": "2020-01-01", "code": "P-000-0/ORG-000-1/委员/2020-01-01"},
		clear:      "to", clearPath: "to"},
	{typ: "GradeChange", code: "P-000-0/2020-06-01",
		input:      map[string]any{"person": "P-000-0", "tier": 3, "step": 1, "effectiveOn": "2020-06-01"},
		sel:        "code person { code } tier step effectiveOn",
		want:       map[string]any{"person.code": "P-000-0", "tier": 3, "step": 1, "effectiveOn": "2020-06-01"},
		patch:      map[string]any{"step": 2},
		afterPatch: map[string]any{"step": 2, "tier": 3, "effectiveOn": "2020-06-01"}},
	{typ: "Alliance", code: "AL-NEW",
		input:      map[string]any{"code": "AL-NEW", "name": "新联盟", "leadCommunity": "C000", "foundedOn": "2020-01-01"},
		sel:        "code name leadCommunity { code } foundedOn",
		want:       map[string]any{"name": "新联盟", "leadCommunity.code": "C000", "foundedOn": "2020-01-01"},
		patch:      map[string]any{"name": "改名联盟", "foundedOn": nil},
		afterPatch: map[string]any{"name": "改名联盟", "foundedOn": nil, "leadCommunity.code": "C000"},
		clear:      "foundedOn", clearPath: "foundedOn"},
	{typ: "Membership", code: "AL-000/ORG-003-1",
		input: map[string]any{"alliance": "AL-000", "organization": "ORG-003-1", "signedOn": "2022-01-01", "leftOn": "2023-01-01",
			"commitments": []any{"REPAIR", "HEALTH"}},
		sel: "code alliance { code } organization { code } signedOn leftOn commitments { code }",
		want: map[string]any{"alliance.code": "AL-000", "organization.code": "ORG-003-1", "signedOn": "2022-01-01", "leftOn": "2023-01-01",
			"commitments.code": "HEALTH,REPAIR"},
		patch:      map[string]any{"leftOn": nil, "commitments": []any{"LEGAL_AID"}},
		afterPatch: map[string]any{"leftOn": nil, "commitments.code": "LEGAL_AID", "signedOn": "2022-01-01"},
		clear:      "signedOn", clearPath: "signedOn"},
	{typ: "Studio", code: "ST-NEW",
		input: map[string]any{"code": "ST-NEW", "name": "新工作室", "region": "440304001", "leadMentor": "P-000-2", "theoryExpert": "P-000-3", "foundedOn": "2021-01-01"},
		sel:   "code name region { code } leadMentor { code } theoryExpert { code } foundedOn",
		want: map[string]any{"name": "新工作室", "region.code": "440304001", "leadMentor.code": "P-000-2", "theoryExpert.code": "P-000-3",
			"foundedOn": "2021-01-01"},
		patch:      map[string]any{"theoryExpert": nil, "foundedOn": "2021-02-02"},
		afterPatch: map[string]any{"theoryExpert": nil, "foundedOn": "2021-02-02", "leadMentor.code": "P-000-2"},
		clear:      "leadMentor", clearPath: "leadMentor"},
	{typ: "Mentorship", code: "ST-0/P-003-1/2022",
		input: map[string]any{"studio": "ST-0", "mentor": "P-000-2", "trainee": "P-003-1", "cohortYear": 2022, "startedOn": "2022-03-01",
			"outcome": "RESERVE_CADRE"},
		sel: "code studio { code } mentor { code } trainee { code } cohortYear startedOn endedOn outcome",
		want: map[string]any{"studio.code": "ST-0", "mentor.code": "P-000-2", "trainee.code": "P-003-1", "cohortYear": 2022,
			"startedOn": "2022-03-01", "endedOn": nil, "outcome": "RESERVE_CADRE"},
		patch:      map[string]any{"outcome": nil, "endedOn": "2023-01-01"},
		afterPatch: map[string]any{"outcome": nil, "endedOn": "2023-01-01", "mentor.code": "P-000-2"},
		clear:      "mentor", clearPath: "mentor"},
	{typ: "ResearchTopic", code: "ST-0/新课题",
		input:      map[string]any{"studio": "ST-0", "lead": "P-000-2", "members": []any{"P-001-1", "P-000-1"}, "title": "新课题", "year": 2023},
		sel:        "code studio { code } lead { code } members { code } title year",
		want:       map[string]any{"studio.code": "ST-0", "lead.code": "P-000-2", "members.code": "P-000-1,P-001-1", "title": "新课题", "year": 2023},
		patch:      map[string]any{"year": nil, "members": []any{"P-002-1"}},
		afterPatch: map[string]any{"year": nil, "members.code": "P-002-1", "lead.code": "P-000-2"},
		clear:      "lead", clearPath: "lead"},
	{typ: "Case", code: "ST-0/新案例",
		input:      map[string]any{"studio": "ST-0", "lead": "P-000-2", "members": []any{"P-001-1"}, "title": "新案例", "year": 2023},
		sel:        "code studio { code } lead { code } members { code } title year",
		want:       map[string]any{"studio.code": "ST-0", "lead.code": "P-000-2", "members.code": "P-001-1", "title": "新案例", "year": 2023},
		patch:      map[string]any{"lead": nil, "year": 2024},
		afterPatch: map[string]any{"lead": nil, "year": 2024, "members.code": "P-001-1"},
		clear:      "year", clearPath: "year"},
	{typ: "ServiceEvent", code: "EV-NEW",
		input: map[string]any{"code": "EV-NEW", "kind": "MARKET", "title": "新集市", "community": "C000", "organizerOrganization": "ORG-000-0",
			"startsAt": "2024-01-01T09:00:00+08:00", "endsAt": "2024-01-01T12:00:00+08:00"},
		sel: "code kind title community { code } organizerOrganization { code } startsAt endsAt",
		want: map[string]any{"kind": "MARKET", "title": "新集市", "community.code": "C000", "organizerOrganization.code": "ORG-000-0",
			"startsAt": "2024-01-01T09:00:00+08:00", "endsAt": "2024-01-01T12:00:00+08:00"},
		patch:      map[string]any{"title": "改名集市", "endsAt": nil},
		afterPatch: map[string]any{"title": "改名集市", "endsAt": nil, "startsAt": "2024-01-01T01:00:00Z"},
		clear:      "startsAt", clearPath: "startsAt"},
	{typ: "Demand", code: "D-NEW",
		input: map[string]any{"code": "D-NEW", "community": "C000", "alliance": "AL-000", "category": "HEALTH", "title": "新需求",
			"raisedAt": "2024-01-02T09:00:00+08:00", "status": "OPEN"},
		sel: "code community { code } alliance { code } category { code } title raisedAt status",
		want: map[string]any{"community.code": "C000", "alliance.code": "AL-000", "category.code": "HEALTH", "title": "新需求",
			"raisedAt": "2024-01-02T01:00:00Z", "status": "OPEN"},
		patch:      map[string]any{"category": nil, "title": "改名需求"},
		afterPatch: map[string]any{"category": nil, "title": "改名需求", "alliance.code": "AL-000"},
		clear:      "alliance", clearPath: "alliance"},
	{typ: "ServiceRecord", code: "SR-NEW",
		input: map[string]any{"code": "SR-NEW", "community": "C000", "category": "HAIRCUT", "occurredAt": "2024-01-03T09:00:00+08:00",
			"peopleServed": 4, "resolved": true, "provider": "ORG-000-2", "recipient": "P-000-0"},
		sel: "code community { code } category { code } occurredAt peopleServed resolved provider { code } recipient { code }",
		want: map[string]any{"community.code": "C000", "category.code": "HAIRCUT", "occurredAt": "2024-01-03T09:00:00+08:00",
			"peopleServed": 4, "resolved": true, "provider.code": "ORG-000-2", "recipient.code": "P-000-0"},
		patch:      map[string]any{"recipient": nil, "peopleServed": 6},
		afterPatch: map[string]any{"recipient": nil, "peopleServed": 6, "resolved": true, "provider.code": "ORG-000-2"},
		clear:      "category", clearPath: "category"},
}

func TestMutationEveryEntityType(t *testing.T) {
	if len(entityCases) != 16 {
		t.Fatalf("%d entity cases, want one per entity type (16)", len(entityCases))
	}
	eachWriteBackend(t, fixture(4), func(t *testing.T, w *writeAPI) {
		for _, c := range entityCases {
			t.Run(c.typ, func(t *testing.T) { w.t = t; entityLifecycle(t, w, c) })
		}
	})
}

func entityLifecycle(t *testing.T, w *writeAPI, c entityCase) {
	m := func(op string) string { return op + c.typ }
	mutate := func(op, args, vars string) string {
		return fmt.Sprintf("mutation(%s) { %s(%s) { id archivedAt %s } }", vars, m(op), args, c.sel)
	}
	inputVars := "$input: " + c.typ + "Input!"
	readNode := func(id string) any {
		d := w.data("admin", fmt.Sprintf(`query($id: ID!) { node(id: $id) { ... on %s { archivedAt %s } } }`, c.typ, c.sel), map[string]any{"id": id})
		return d["node"]
	}

	// Create: the answer and a fresh read say what the input said.
	d := w.data("admin", mutate("create", "input: $input", inputVars), map[string]any{"input": c.input})
	row := d[m("create")]
	id := str(get(row, "id"))
	wantFields(t, "create's answer", row, c.want)
	if get(row, "code") != c.code || get(row, "archivedAt") != nil {
		t.Fatalf("created row: code %v archivedAt %v, want %s and live", get(row, "code"), get(row, "archivedAt"), c.code)
	}
	wantFields(t, "read after create", readNode(id), c.want)

	// Create again: CONFLICT, and nothing written.
	before := w.state()
	w.fail("admin", "CONFLICT", mutate("create", "input: $input", inputVars), map[string]any{"input": c.input})
	w.unchanged("a second create", before)

	// Update: the patch's fields change or clear, the others stay.
	d = w.data("admin", mutate("update", "code: $code, input: $patch", "$code: String!, $patch: "+c.typ+"Patch!"),
		map[string]any{"code": c.code, "patch": c.patch})
	wantFields(t, "update's answer", d[m("update")], c.afterPatch)
	wantFields(t, "read after update", readNode(id), c.afterPatch)

	// Unknown codes: NOT_FOUND for update and archive and restore.
	w.fail("admin", "NOT_FOUND", mutate("update", "code: $code, input: $patch", "$code: String!, $patch: "+c.typ+"Patch!"),
		map[string]any{"code": c.code + "-NOPE", "patch": c.patch})
	w.fail("admin", "NOT_FOUND", mutate("archive", "code: $code", "$code: String!"), map[string]any{"code": c.code + "-NOPE"})
	w.fail("admin", "NOT_FOUND", mutate("restore", "code: $code", "$code: String!"), map[string]any{"code": c.code + "-NOPE"})

	// Upsert replaces every field: one left out is cleared.
	if c.clear != "" {
		in := maps.Clone(c.input)
		in["code"] = c.code
		delete(in, c.clear)
		d = w.data("admin", mutate("upsert", "input: $input", inputVars), map[string]any{"input": in})
		want := maps.Clone(c.want)
		for k := range want {
			if k == c.clearPath || strings.HasPrefix(k, c.clearPath+".") {
				delete(want, k)
			}
		}
		want[c.clearPath] = nil
		wantFields(t, "upsert's answer", d[m("upsert")], want)
		wantFields(t, "read after upsert", readNode(id), want)
	}

	// Archive: the answer is the archived row; reads no longer find it.
	d = w.data("admin", mutate("archive", "code: $code", "$code: String!"), map[string]any{"code": c.code})
	if get(d, m("archive"), "archivedAt") == nil {
		t.Fatalf("archive's answer is not archived: %v", d)
	}
	if n := readNode(id); n != nil {
		t.Fatalf("node(id) finds the archived row: %v", n)
	}
	// Archiving again changes nothing.
	before = w.state()
	w.data("admin", mutate("archive", "code: $code", "$code: String!"), map[string]any{"code": c.code})
	w.unchanged("archiving an archived row", before)

	// While archived: create is a CONFLICT, update too; upsert writes the
	// row and leaves it archived.
	w.fail("admin", "CONFLICT", mutate("create", "input: $input", inputVars), map[string]any{"input": c.input})
	w.fail("admin", "CONFLICT", mutate("update", "code: $code, input: $patch", "$code: String!, $patch: "+c.typ+"Patch!"),
		map[string]any{"code": c.code, "patch": c.patch})
	in := maps.Clone(c.input)
	in["code"] = c.code
	d = w.data("admin", mutate("upsert", "input: $input", inputVars), map[string]any{"input": in})
	if get(d, m("upsert"), "archivedAt") == nil {
		t.Fatalf("upsert of an archived row restored it: %v", d)
	}
	wantFields(t, "upsert of the archived row", d[m("upsert")], c.want)
	if n := readNode(id); n != nil {
		t.Fatalf("node(id) finds the archived row after its upsert: %v", n)
	}
	if live := w.count("SELECT COUNT(*) FROM changes WHERE code = ? AND sequence = (SELECT MAX(sequence) FROM changes WHERE code = ?) AND operation = 'ARCHIVE'", c.code, c.code); live != 1 {
		t.Fatalf("the feed's last change of the archived, upserted row is not a tombstone")
	}

	// Restore: back in reads, as the upsert left it.
	d = w.data("admin", mutate("restore", "code: $code", "$code: String!"), map[string]any{"code": c.code})
	if get(d, m("restore"), "archivedAt") != nil {
		t.Fatalf("restore's answer is archived: %v", d)
	}
	wantFields(t, "read after restore", readNode(id), c.want)
	before = w.state()
	w.data("admin", mutate("restore", "code: $code", "$code: String!"), map[string]any{"code": c.code})
	w.unchanged("restoring a live row", before)

	// The audit trail has one entry per write, in order; the feed one
	// change per write that changed the row.
	d = w.data("admin", `query($code: String!, $entity: String!) { auditLog(where: {code: {eq: $code}, entity: {eq: $entity}}, orderBy: [{field: ID}]) { nodes { operation subject } } }`,
		map[string]any{"code": c.code, "entity": c.typ})
	var ops []string
	for _, n := range get(d, "auditLog", "nodes").([]any) {
		ops = append(ops, str(get(n, "operation")))
		if get(n, "subject") != w.subjects["admin"] {
			t.Fatalf("audit subject %v, want %s", get(n, "subject"), w.subjects["admin"])
		}
	}
	want := []string{"CREATE", "UPDATE", "UPSERT", "ARCHIVE", "UPSERT", "RESTORE"}
	if c.clear == "" {
		want = slices.Delete(want, 2, 3)
	}
	if !slices.Equal(ops, want) {
		t.Fatalf("audit operations %v, want %v", ops, want)
	}
	var feed []string
	rows, err := w.db.Query(t.Context(), "SELECT operation FROM changes WHERE type = ? AND code = ? ORDER BY sequence", c.typ, c.code)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var op string
		if err := rows.Scan(&op); err != nil {
			t.Fatal(err)
		}
		feed = append(feed, op)
	}
	rows.Close()
	wantFeed := []string{"UPSERT", "UPSERT", "UPSERT", "ARCHIVE", "ARCHIVE", "UPSERT"}
	if c.clear == "" {
		wantFeed = slices.Delete(wantFeed, 2, 3)
	}
	if c.typ == "Region" {
		// Clearing its parent moves the region to a root of its own: a
		// tombstone under the path it left comes before its new change.
		wantFeed = slices.Insert(wantFeed, 2, "ARCHIVE")
	}
	if !slices.Equal(feed, wantFeed) {
		t.Fatalf("feed operations %v, want %v", feed, wantFeed)
	}
}

// wantFields checks the values at paths of a decoded object: a path
// through a list joins the sorted values ("members.code": "P1,P2"); times
// compare as instants.
func wantFields(t *testing.T, what string, obj any, want map[string]any) {
	t.Helper()
	if obj == nil {
		t.Fatalf("%s: no row", what)
	}
	for path, w := range want {
		got := valueAt(obj, strings.Split(path, "."))
		if !sameValue(got, w) {
			t.Errorf("%s: %s = %v, want %v", what, path, got, w)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// valueAt walks keys; a list on the way maps the rest over its items.
func valueAt(v any, keys []string) any {
	if l, ok := v.([]any); ok {
		var out []string
		for _, it := range l {
			out = append(out, fmt.Sprint(valueAt(it, keys)))
		}
		slices.Sort(out)
		return strings.Join(out, ",")
	}
	if len(keys) == 0 {
		return v
	}
	m, ok := v.(map[string]any)
	if !ok || m == nil {
		return nil
	}
	return valueAt(m[keys[0]], keys[1:])
}

func sameValue(got, want any) bool {
	if want == nil || got == nil {
		return want == nil && got == nil
	}
	gs, ws := fmt.Sprint(got), fmt.Sprint(want)
	if gs == ws {
		return true
	}
	g, err1 := time.Parse(time.RFC3339Nano, gs)
	w, err2 := time.Parse(time.RFC3339Nano, ws)
	return err1 == nil && err2 == nil && g.Equal(w)
}

// Sets (a person's roles, a membership's commitments, a research topic's
// members) follow the same rules as fields: absent keeps, null clears, an
// upsert without them clears them.
func TestMutationSets(t *testing.T) {
	eachWriteBackend(t, fixture(4), func(t *testing.T, w *writeAPI) {
		roles := func() any {
			return valueAt(w.data("admin", `{ person(code: "P-000-1") { roles } }`, nil), []string{"person", "roles"})
		}
		if r := roles(); r != "PARTY_MEMBER,VOLUNTEER" {
			t.Fatalf("fixture roles %v", r)
		}
		w.data("admin", `mutation { updatePerson(code: "P-000-1", input: {name: "改"}) { code } }`, nil)
		if r := roles(); r != "PARTY_MEMBER,VOLUNTEER" {
			t.Fatalf("roles after a patch without them: %v", r)
		}
		w.data("admin", `mutation { updatePerson(code: "P-000-1", input: {roles: null}) { code } }`, nil)
		if r := roles(); r != "" {
			t.Fatalf("roles after null: %v", r)
		}
		w.data("admin", `mutation { updatePerson(code: "P-000-1", input: {roles: [MENTOR]}) { code } }`, nil)
		w.data("admin", `mutation { upsertPerson(input: {code: "P-000-1", name: "改"}) { code } }`, nil)
		if r := roles(); r != "" {
			t.Fatalf("roles after an upsert without them: %v", r)
		}
		members := func() any {
			d := w.data("admin", `{ studio(code: "ST-0") { researchTopics { code members { code } } } }`, nil)
			return valueAt(get(d, "studio", "researchTopics", 0), []string{"members", "code"})
		}
		if m := members(); m != "P-000-3,P-001-2" {
			t.Fatalf("fixture members %v", m)
		}
		w.data("admin", `mutation { updateResearchTopic(code: "RT-1", input: {year: 2020}) { code } }`, nil)
		if m := members(); m != "P-000-3,P-001-2" {
			t.Fatalf("members after a patch without them: %v", m)
		}
		w.data("admin", `mutation { updateResearchTopic(code: "RT-1", input: {members: null}) { code } }`, nil)
		if m := members(); m != "" {
			t.Fatalf("members after null: %v", m)
		}
	})
}
