package graph_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// The change feed's arguments and scopes, one write at a time: types,
// withinRegion, after (resuming, and refused when it is not a sequence),
// first; a region-scoped analyst sees the changes made in its region
// (and keeps seeing them: its feed does not change under it), a partner
// those of the rows it may see.

// feedPage reads changes as who and returns "SEQ TYPE CODE OP" per change.
func feedPage(t *testing.T, w *writeAPI, who, args string) ([]string, map[string]any) {
	t.Helper()
	d := w.data(who, `{ changes`+args+` { nodes { sequence type code operation entity { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, nil)
	var out []string
	for _, n := range get(d, "changes", "nodes").([]any) {
		out = append(out, fmt.Sprintf("%v %v %v %v", get(n, "sequence"), get(n, "type"), get(n, "code"), get(n, "operation")))
	}
	return out, get(d, "changes", "pageInfo").(map[string]any)
}

// changeCodes keeps "TYPE CODE OP" of each change.
func changeCodes(cs []string) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		var seq, typ, code, op string
		fmt.Sscan(c, &seq, &typ, &code, &op)
		out[i] = typ + " " + code + " " + op
	}
	return out
}

func TestFeedScopesAndArguments(t *testing.T) {
	eachWriteBackend(t, fixture(4), func(t *testing.T, w *writeAPI) {
		start := w.count("SELECT MAX(sequence) FROM changes")
		from := fmt.Sprintf(`(after: "%d", first: 1000)`, start)
		// Writes inside the analyst's district (440304: C000, C001) and
		// outside it, moves across its edge, reference data, rows scoped
		// through their owner.
		w.data("admin", `mutation { createServiceRecord(input: {code: "SR-S1", community: "C000", occurredAt: "2024-01-01T10:00:00+08:00"}) { code } }`, nil)
		w.data("admin", `mutation { createServiceRecord(input: {code: "SR-S2", community: "C002", occurredAt: "2024-01-01T10:00:00+08:00", provider: "ORG-000-2"}) { code } }`, nil)
		w.data("admin", `mutation { updateServiceRecord(code: "SR-S2", input: {community: "C001"}) { code } }`, nil)                                          // moves in
		w.data("admin", `mutation { updateServiceRecord(code: "SR-S1", input: {community: "C003"}) { code } }`, nil)                                          // moves out
		w.data("admin", `mutation { updateServiceRecord(code: "SR-S1", input: {peopleServed: 9}) { code } }`, nil)                                            // outside
		w.data("admin", `mutation { archiveServiceRecord(code: "SR-S2") { code } }`, nil)                                                                     // inside
		w.data("admin", `mutation { createServiceCategory(input: {code: "NEWCAT", name: "新"}) { code } }`, nil)                                               // everyone's
		w.data("admin", `mutation { createPosition(input: {person: "P-000-1", title: "委员"}) { code } }`, nil)                                                 // via a person in C000
		w.data("admin", `mutation { createPosition(input: {person: "P-002-1", title: "委员"}) { code } }`, nil)                                                 // via a person in C002
		w.data("admin", `mutation { createServiceRecord(input: {code: "SR-S3", community: "C003", occurredAt: "2024-01-01T10:00:00+08:00"}) { code } }`, nil) // the partner's alliance's community
		w.data("admin", `mutation { createDemand(input: {code: "D-S4", community: "C002", title: "x", raisedAt: "2024-01-01T10:00:00+08:00", status: OPEN}) { code } }`, nil)

		all, _ := feedPage(t, w, "admin", from)
		// A move is a tombstone under the region the row left (which
		// readers there need to drop it), then the row under its new one.
		wantAll := []string{
			"SERVICE_RECORD SR-S1 UPSERT", "SERVICE_RECORD SR-S2 UPSERT",
			"SERVICE_RECORD SR-S2 ARCHIVE", "SERVICE_RECORD SR-S2 UPSERT", // moves in
			"SERVICE_RECORD SR-S1 ARCHIVE", "SERVICE_RECORD SR-S1 UPSERT", // moves out
			"SERVICE_RECORD SR-S1 UPSERT", "SERVICE_RECORD SR-S2 ARCHIVE", "SERVICE_CATEGORY NEWCAT UPSERT",
			"POSITION P-000-1//委员/ UPSERT", "POSITION P-002-1//委员/ UPSERT", "SERVICE_RECORD SR-S3 UPSERT", "DEMAND D-S4 UPSERT",
		}
		if !slices.Equal(changeCodes(all), wantAll) {
			t.Fatalf("ADMIN's feed:\n%v\nwant\n%v", changeCodes(all), wantAll)
		}
		pick := func(idx ...int) []string {
			var out []string
			for _, i := range idx {
				out = append(out, all[i])
			}
			return out
		}
		// The analyst: the changes made while the row was in 440304, and
		// the tombstone of SR-S1 leaving it.
		got, _ := feedPage(t, w, "analyst", from)
		if want := pick(0, 3, 4, 7, 8, 9); !slices.Equal(got, want) {
			t.Errorf("the analyst's feed:\n%v\nwant\n%v", got, want)
		}
		// The partner (ORG-000-2): the rows it may see now — those of its
		// alliance's community C003 (SR-S1 since its move, with its
		// history), what it provided (SR-S2), service categories.
		got, _ = feedPage(t, w, "partner", from)
		if want := pick(0, 1, 2, 3, 4, 5, 6, 7, 8, 11); !slices.Equal(got, want) {
			t.Errorf("the partner's feed:\n%v\nwant\n%v", got, want)
		}
		// types and withinRegion.
		got, _ = feedPage(t, w, "admin", fmt.Sprintf(`(after: "%d", types: [POSITION, DEMAND])`, start))
		if want := pick(9, 10, 12); !slices.Equal(got, want) {
			t.Errorf("types: %v, want %v", got, want)
		}
		region := str(get(w.data("admin", `{ region(code: "440305") { id } }`, nil), "region", "id"))
		got, _ = feedPage(t, w, "admin", fmt.Sprintf(`(after: "%d", withinRegion: %q)`, start, region))
		if want := pick(1, 2, 5, 6, 10, 11, 12); !slices.Equal(got, want) {
			t.Errorf("withinRegion 440305: %v, want %v", got, want)
		}
		got, _ = feedPage(t, w, "analyst", fmt.Sprintf(`(after: "%d", types: [SERVICE_RECORD])`, start))
		if want := pick(0, 3, 4, 7); !slices.Equal(got, want) {
			t.Errorf("the analyst's records: %v, want %v", got, want)
		}

		// Paging: pages of 2 from the start, each resumed from the last
		// endCursor, make the whole feed.
		whole, _ := feedPage(t, w, "admin", `(first: 1000)`)
		if len(whole) != start+len(wantAll) {
			t.Fatalf("the whole feed has %d changes, want %d", len(whole), start+len(wantAll))
		}
		var paged []string
		after := ""
		for {
			args := `(first: 2)`
			if after != "" {
				args = fmt.Sprintf(`(first: 2, after: %q)`, after)
			}
			page, info := feedPage(t, w, "admin", args)
			paged = append(paged, page...)
			if (after != "") != (info["hasPreviousPage"] == true) {
				t.Fatalf("after %q: hasPreviousPage %v", after, info["hasPreviousPage"])
			}
			if info["hasNextPage"] != true {
				if len(page) == 0 && str(info["endCursor"]) != after {
					t.Fatalf("an empty page's endCursor %v, want the cursor it was asked after (%s)", info["endCursor"], after)
				}
				break
			}
			after = str(info["endCursor"])
		}
		if !slices.Equal(paged, whole) {
			t.Fatalf("paged feed differs from the whole:\n%v\n%v", paged, whole)
		}
		// Past the end: nothing, and the same cursor back to resume from.
		page, info := feedPage(t, w, "admin", fmt.Sprintf(`(after: "%d")`, len(whole)))
		if len(page) != 0 || str(info["endCursor"]) != fmt.Sprint(len(whole)) || info["hasNextPage"] != false {
			t.Fatalf("after the last: %v %v", page, info)
		}
		if page, _ := feedPage(t, w, "admin", `(first: 0)`); len(page) != 0 {
			t.Fatalf("first: 0 gave %v", page)
		}
		// A tombstone has no entity; an UPSERT of a row archived since has
		// none either; a live row's is the row.
		d := w.data("admin", fmt.Sprintf(`{ changes(after: "%d", types: [SERVICE_RECORD]) { nodes { code operation entity { ... on ServiceRecord { code peopleServed } } } } }`, start), nil)
		for _, n := range get(d, "changes", "nodes").([]any) {
			e := get(n, "entity")
			switch {
			case get(n, "code") == "SR-S2" && e != nil:
				t.Errorf("a change of the archived SR-S2 has an entity: %v", n)
			case get(n, "code") == "SR-S1" && get(n, "operation") == "ARCHIVE" && e != nil:
				t.Errorf("SR-S1's move tombstone has an entity: %v", n)
			case get(n, "code") == "SR-S1" && get(n, "operation") == "UPSERT" && (get(e, "code") != "SR-S1" || str(get(e, "peopleServed")) != "9"):
				t.Errorf("SR-S1's change: %v", n)
			}
		}

		// Bad arguments.
		for _, args := range []string{`(after: "abc")`, `(after: "1.5")`, `(after: "-3")`, `(after: "")`, `(first: -1)`, `(first: 1001)`,
			`(withinRegion: "nope")`, `(types: [NOPE])`} {
			r := w.do("admin", `{ changes`+args+` { nodes { sequence } } }`, nil)
			if args == `(after: "")` { // the beginning, as when absent
				if len(r.Errors) > 0 {
					t.Errorf("changes%s: %+v", args, r.Errors)
				}
				continue
			}
			if len(r.Errors) == 0 || r.Errors[0].code() != "BAD_USER_INPUT" {
				t.Errorf("changes%s: %+v, want BAD_USER_INPUT", args, r.Errors)
			}
		}
	})
}

// TestFeedTombstonesRowsThatMoveAway moves a community to a street of the
// other district: a reader scoped to the district it left must be told to
// drop it and everything hanging from it (which the write did not name);
// a reader of the district it joined must get them all; an unscoped reader
// ends with every row present.
func TestFeedTombstonesRowsThatMoveAway(t *testing.T) {
	eachWriteBackend(t, fixture(4), func(t *testing.T, w *writeAPI) {
		start := w.count("SELECT MAX(sequence) FROM changes")
		records := w.count("SELECT COUNT(*) FROM service_records r JOIN communities c ON c.id = r.community_id WHERE c.code = 'C001' AND r.archived_at IS NULL")
		people := w.count("SELECT COUNT(*) FROM people p JOIN communities c ON c.id = p.community_id WHERE c.code = 'C001' AND p.archived_at IS NULL")
		if records == 0 || people == 0 {
			t.Fatalf("the fixture's C001 has %d records and %d people: the test needs some", records, people)
		}
		w.data("admin", `mutation { updateCommunity(code: "C001", input: {region: "440305001"}) { code } }`, nil)
		from := fmt.Sprintf(`(after: "%d", first: 1000)`, start)

		all, _ := feedPage(t, w, "admin", from)
		tally := func(page []string) map[string]int {
			n := map[string]int{}
			for _, c := range changeCodes(page) {
				f := strings.Fields(c)
				n[f[0]+" "+f[len(f)-1]]++
			}
			return n
		}
		admin := tally(all)
		if admin["SERVICE_RECORD UPSERT"] != records || admin["SERVICE_RECORD ARCHIVE"] != records ||
			admin["PERSON UPSERT"] != people || admin["COMMUNITY UPSERT"] != 1 || admin["COMMUNITY ARCHIVE"] != 1 {
			t.Fatalf("ADMIN's feed after the move: %v (C001 has %d records, %d people)", admin, records, people)
		}
		// The district it left: only the tombstones, one per UPSERT.
		left, _ := feedPage(t, w, "analyst", from)
		for k, n := range tally(left) {
			typ, op, _ := strings.Cut(k, " ")
			if op != "ARCHIVE" || n != admin[typ+" UPSERT"] {
				t.Errorf("the analyst of the district C001 left got %d %s; ADMIN's feed has %d %s UPSERTs", n, k, admin[typ+" UPSERT"], typ)
			}
		}
		if len(left) == 0 {
			t.Fatalf("the analyst of the district C001 left got nothing")
		}
		// The district it joined: every row, no tombstone.
		region := str(get(w.data("admin", `{ region(code: "440305") { id } }`, nil), "region", "id"))
		joined, _ := feedPage(t, w, "admin", fmt.Sprintf(`(after: "%d", withinRegion: %q)`, start, region))
		for k, n := range tally(joined) {
			if !strings.HasSuffix(k, " UPSERT") || n != admin[k] {
				t.Errorf("withinRegion 440305 got %d %s, want %d UPSERTs only", n, k, admin[k])
			}
		}
		// And the rows are where the tables say.
		if got := w.count("SELECT COUNT(*) FROM service_records r JOIN communities c ON c.id = r.community_id JOIN regions s ON s.id = c.region_id WHERE c.code = 'C001' AND s.code = '440305001' AND r.region_path = s.path"); got != records {
			t.Fatalf("%d of C001's %d records carry the new street's path", got, records)
		}
	})
}
