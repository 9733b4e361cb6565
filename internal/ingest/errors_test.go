package ingest

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// badFile has one bad line of every kind, each with its expected error;
// lines with a nil expectation are fine, or refer to a bad line (and are
// then not reported again).
var badFile = []struct{ line, want string }{
	{`{"type":"Community","code":"C9","name":"x","kind":"URBAN","region":"NOPE"}`,
		`Community C9: unknown region "NOPE"`},
	{`not json`, `invalid JSON at column 1: a line must be one JSON object`},
	{`{"type":"Spaceship","code":"X"}`, `unknown type "Spaceship" (want one of ` + strings.Join(Types(), ", ") + `)`},
	{`{"code":"X"}`, `missing field "type"`},
	{`{"type":"Region","code":"R1","name":"r","level":"CITY","colour":"red"}`, `Region R1: unknown field "colour"`},
	{`{"type":"Community","code":"C8","name":"x","kind":"URBAN","region":"440305007","population":"many"}`,
		`Community C8: field "population" must be a number, not a string`},
	{`{"type":"Community","code":"C7","name":"x","kind":"URBAN","region":"440305007","households":-5}`,
		`Community C7: field "households" must not be negative, not -5`},
	{`{"type":"Community","code":"C6","name":"x","kind":"TOWN","region":"440305007"}`,
		`Community C6: field "kind" must be one of URBAN, VILLAGE, not "TOWN"`},
	{`{"type":"Alliance","code":"AL-9","name":"x","foundedOn":"2021-02-30"}`,
		`Alliance AL-9: field "foundedOn" is wrong: "2021-02-30" is not a date (want YYYY-MM-DD)`},
	{`{"type":"Demand","code":"D-9","community":"C1","title":"t","raisedAt":"2022-05-03 09:00","status":"OPEN"}`,
		`Demand D-9: field "raisedAt" is wrong: "2022-05-03 09:00" is not a time (want RFC 3339 with offset, e.g. 2022-06-01T10:00:00+08:00)`},
	{`{"type":"Demand","code":"D-8","community":"C1","title":"t","status":"OPEN"}`, `Demand D-8: missing required field "raisedAt"`},
	{`{"type":"Person","code":"P-9","name":"x","roles":["MENTOR","KING"]}`,
		`Person P-9: field "roles" must hold roles from ` + strings.Join(store.Roles, ", ") + `, not "KING"`},
	{`{"type":"Membership","code":"M-9","alliance":"AL-1","organization":"ORG-3"}`,
		`Membership M-9: alliance "AL-1" and organization "ORG-3" are already joined by membership "AL-1/ORG-3"`},
	{`{"type":"ServiceRecord","code":"SR-9","community":"X","occurredAt":"2022-06-01T10:00:00+08:00"}`,
		`ServiceRecord SR-9: unknown community "X"`},
	{`{"type":"ServiceRecord","code":"SR-8","community":"C8","occurredAt":"2022-06-01T10:00:00+08:00"}`, ``},
	{`{"type":"Region","code":"R2","name":"r","level":"CITY","parent":"R2"}`, `Region R2: field "parent" names the line itself`},
	{`{"type":"Region","code":"R3","name":"r","level":"CITY","parent":"GHOST"}`, `Region R3: unknown parent "GHOST" (no Region has that code)`},
	{`{"type":"ServiceEvent","code":"EV-9","kind":"MARKET","title":"t","organizer":"ORG-1","organizerAlliance":"AL-1"}`,
		`ServiceEvent EV-9: give "organizer" or "organizerOrganization"/"organizerAlliance", not both`},
	{`{"type":"ServiceEvent","code":"EV-8","kind":"MARKET","title":"t","organizer":"NOBODY"}`,
		`ServiceEvent EV-8: unknown organizer "NOBODY" (no Organization or Alliance has that code)`},
	{`{"type":"ServiceRecord","code":"SR-7","community":"C1","occurredAt":"2022-06-01T10:00:00+08:00","peopleServed":2.5}`,
		`ServiceRecord SR-7: field "peopleServed" must be a whole number, not 2.5`},
	{`{"type":"Membership","alliance":"AL-1","organization":"ORG-1","commitments":["NOPE"]}`,
		`Membership AL-1/ORG-1: unknown commitment "NOPE" (no ServiceCategory has that code)`},
	{`{"type":"Person","code":"P-8","name":"x","community":"C1","partyMember":"yes"}`,
		`Person P-8: field "partyMember" must be a boolean, not a string`},
	{`{"type":"Region","code":"","name":"r","level":"CITY"}`, `Region: field "code" must not be empty`},
	{`{"type":"Studio","name":"no code"}`, `Studio: missing required field "code"`},
	{`{"type":"ResearchTopic","studio":"ST-01","title":"t","members":["P-1",3]}`,
		`ResearchTopic: field "members" must be a list of strings, not hold a number`},
	{`{"type":"Region","code":"R4","name":"r","level":"CITY","timeZone":"Mars/Olympus"}`,
		`Region R4: field "timeZone" is wrong: "Mars/Olympus" is not a time zone (want an IANA name such as Asia/Shanghai)`},
	{`{"type":"Region","code":"R5","name":"r","level":"CITY","name":"again"}`, `Region R5: field "name" given twice`},
	{`{"type":"GradeChange","person":"P-1","tier":1,"step":1,"effectiveOn":"2020-01-01","extra":null}`, `GradeChange: unknown field "extra"`},
	{`{"type":"Person","code":"P-7","name":"x","community":"C1"} trailing`, `invalid JSON at column 60: unexpected text after the object`},
	{`{"type":"Membership","code":"M-A","alliance":"AL-2","organization":"ORG-3"}`, ``},
	{`{"type":"Membership","code":"M-B","alliance":"AL-2","organization":"ORG-3"}`,
		`Membership M-B: alliance "AL-2" and organization "ORG-3" are already joined by membership "M-A"`},
	{`{"type":"Community","code":"C5","name":"x","kind":"URBAN","region":"440305007","population":3000000000}`,
		`Community C5: field "population" is too large: 3000000000`},
	{`{"type":"Person","code":"P-6","name":"","community":"C1"}`, `Person P-6: field "name" must not be empty`},
	{`{"type":"Person","code":"P-5","name":"a\u0000b"}`, `Person P-5: field "name" contains a NUL character`},
	{`{"type":"Person","code":"P-4","name":"x","community":null,"organization":"ORG-404"}`,
		`Person P-4: unknown organization "ORG-404"`},
	{`{"type":"Person","code":"P-10","name":"ok","community":"C1"}`, ``},
	{`["type","Person"]`, `invalid JSON at column 1: a line must be one JSON object`},
	{`{"type":"Person","code":"P-11","name":"x\q"}`, `invalid JSON at column 41: invalid escape`},
	{`{"type":"Person","code":"P-12","name":"x"`, `invalid JSON at column 42: unexpected end of line (expected ',' or '}')`},
	{`{"type":1}`, `field "type" must be a string, not a number`},
	{`{"type":"Case","studio":"ST-01","title":"t","members":"P-1"}`, `Case: field "members" must be a list, not a string`},
	{`{"type":"ServiceCategory","code":"LONG","name":"` + strings.Repeat("长", 700) + `"}`,
		`ServiceCategory LONG: field "name" is too long: 2100 bytes, at most 2000`},
}

func badText() string {
	var b strings.Builder
	for _, l := range badFile {
		b.WriteString(l.line + "\n")
	}
	return b.String()
}

func TestImportBadLines(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		mustImport(t, db, fixture)
		before, rows := exportText(t, db), counts(t, db)
		_, err := Import(ctx, db, strings.NewReader(badText()), Options{})
		var le *LineErrors
		if !errors.As(err, &le) {
			t.Fatalf("err = %v, want *LineErrors", err)
		}
		var want []string
		for i, l := range badFile {
			if l.want != "" {
				want = append(want, LineError{Line: i + 1}.Error()+l.want)
			}
		}
		got := strings.Split(le.Error(), "\n")
		for i := range max(len(got), len(want)) {
			var g, w string
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if g != w {
				t.Errorf("error %d:\n got %s\nwant %s", i, g, w)
			}
		}
		if le.Total != len(want) {
			t.Errorf("Total = %d, want %d", le.Total, len(want))
		}
		if got := counts(t, db); !maps.Equal(got, rows) {
			t.Errorf("a failed import changed row counts: %v\nwant %v", got, rows)
		}
		if after := exportText(t, db); after != before {
			t.Errorf("a failed import changed the data")
		}
	})
}
