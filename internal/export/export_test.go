package export_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// exportCLI is what `civicgraph export --type ...` writes.
func exportCLI(t *testing.T, db *store.DB, types ...string) string {
	t.Helper()
	var b bytes.Buffer
	if err := ingest.Export(ctx, db, &b, types); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Every type exported over HTTP is what the command writes, byte for byte,
// and the whole export imports into an empty store as the same data.
func TestRoundTrip(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		var all strings.Builder
		for _, typ := range ingest.Types() {
			r := e.get(t, "admin", "/export/"+typ+".ndjson")
			if r.status != http.StatusOK {
				t.Fatalf("%s: status %d: %s", typ, r.status, r.body)
			}
			if got, want := r.header.Get("Content-Type"), "application/x-ndjson"; got != want {
				t.Errorf("%s: Content-Type %q, want %q", typ, got, want)
			}
			if got, want := r.header.Get("Content-Disposition"), `attachment; filename="`+typ+`.ndjson"`; got != want {
				t.Errorf("%s: Content-Disposition %q, want %q", typ, got, want)
			}
			if want := exportCLI(t, db, typ); r.body != want {
				t.Errorf("%s over HTTP:\n%s\nwant (civicgraph export):\n%s", typ, r.body, want)
			}
			all.WriteString(r.body)
		}
		other := storetest.Open(t, db.Dialect())
		if _, err := ingest.Import(ctx, other, strings.NewReader(all.String()), ingest.Options{}); err != nil {
			t.Fatalf("import the export: %v", err)
		}
		if got, want := exportCLI(t, other), exportCLI(t, db); got != want {
			t.Errorf("after the round trip:\n%s\nwant\n%s", got, want)
		}
	})
}

// regionID is the global id of the region with code.
func regionID(t *testing.T, db *store.DB, code string) string {
	t.Helper()
	rows, err := db.Query(ctx, "SELECT id FROM regions WHERE code = ?", code)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var id int64
	if !rows.Next() {
		t.Fatalf("no region %s", code)
	}
	if err := rows.Scan(&id); err != nil {
		t.Fatal(err)
	}
	return store.GlobalID("Region", id)
}

func TestWhereOrderLimit(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		nantou := regionID(t, db, "440305008")
		for _, c := range []struct {
			path   string
			params []string
			want   []string
		}{
			{"/export/ServiceRecord.ndjson", nil, []string{"SR-1", "SR-2"}},
			{"/export/ServiceRecord.ndjson", []string{"where", `{"peopleServed":{"gte":1}}`}, []string{"SR-1"}},
			{"/export/ServiceRecord.ndjson", []string{"where", `{"withinRegion":"` + nantou + `"}`}, []string{"SR-2"}},
			{"/export/ServiceRecord.ndjson", []string{"where", `{"occurredAt":{"lt":"2022-06-02T00:00:00+08:00"}}`}, []string{"SR-1"}},
			{"/export/ServiceRecord.ndjson", []string{"where", `{"category":null}`}, []string{"SR-2"}},
			{"/export/ServiceRecord.ndjson", []string{"where", `{"community":{"kind":{"in":["VILLAGE"]}}}`}, []string{"SR-2"}},
			{"/export/ServiceRecord.ndjson", []string{"where", `{"or":[{"resolved":{"eq":true}},{"code":{"eq":"SR-2"}}]}`}, []string{"SR-1", "SR-2"}},
			{"/export/ServiceRecord.ndjson", []string{"where", `{"not":{"resolved":{"eq":true}}}`}, []string{"SR-2"}},
			{"/export/ServiceRecord.ndjson", []string{"orderBy", `[{"field":"OCCURRED_AT","direction":"DESC"}]`}, []string{"SR-2", "SR-1"}},
			{"/export/ServiceRecord.ndjson", []string{"orderBy", `{"field":"CODE","direction":"DESC"}`, "limit", "1"}, []string{"SR-2"}},
			{"/export/Person.ndjson", []string{"where", `{"roles":{"hasAny":["MENTOR","TRAINEE"]}}`}, []string{"P-1", "P-3"}},
			{"/export/Person.ndjson", []string{"where", `{"birthYear":{"in":[1975]}}`}, []string{"P-1"}},
			{"/export/Community.ndjson", []string{"where", `{"serviceRecords":{"resolved":{"eq":true}}}`}, []string{"C1"}},
			{"/export/Alliance.ndjson", []string{"where", `{"foundedOn":{"gte":"2021-01-01"}}`}, []string{"AL-1"}},
			{"/export/Demand.ndjson", []string{"where", `{"status":{"eq":"OPEN"}}`}, []string{"D-2"}},
			{"/export/Demand.ndjson", []string{"where", `{"status":{"in":[]}}`}, nil},
		} {
			got := codes(t, e.ok(t, "admin", c.path, c.params...))
			if !slices.Equal(got, c.want) {
				t.Errorf("%s %v: codes %v, want %v", c.path, c.params, got, c.want)
			}
		}
	})
}

// A scoped key exports what GraphQL would show it, no more.
func TestScoping(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for _, c := range []struct {
			key, typ string
			want     []string
		}{
			{"analyst-c1", "ServiceRecord", []string{"SR-1"}},
			{"analyst-c1", "Community", []string{"C1"}},
			{"analyst-c1", "Person", []string{"P-1"}},
			{"analyst-c1", "Region", []string{"440305007"}},
			{"partner-org3", "ServiceRecord", []string{"SR-1"}},
			{"partner-org3", "Organization", []string{"ORG-3"}},
			{"partner-org3", "Community", []string{"C1"}},
			{"partner-org3", "Person", nil},
			{"partner-org3", "ServiceCategory", []string{"HAIRCUT", "HEALTH_CHECK", "MEDICAL"}},
			{"analyst", "ServiceRecord", []string{"SR-1", "SR-2"}},
		} {
			got := codes(t, e.ok(t, c.key, "/export/"+c.typ+".ndjson"))
			if !slices.Equal(got, c.want) {
				t.Errorf("%s exporting %s: %v, want %v", c.key, c.typ, got, c.want)
			}
		}
		// A where cannot widen the scope.
		nantou := regionID(t, db, "440305008")
		if got := codes(t, e.ok(t, "analyst-c1", "/export/ServiceRecord.ndjson", "where", `{"withinRegion":"`+nantou+`"}`)); len(got) != 0 {
			t.Errorf("scoped key, where outside its scope: %v", got)
		}
	})
}

// accessLog lists the access log as "operation entity fields" lines.
func accessLog(t *testing.T, db *store.DB) []string {
	t.Helper()
	rows, err := db.Query(ctx, "SELECT operation, entity, fields FROM access_log ORDER BY entity, entity_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var op, entity, fields string
		if err := rows.Scan(&op, &entity, &fields); err != nil {
			t.Fatal(err)
		}
		out = append(out, op+" "+entity+" "+fields)
	}
	return out
}

func TestPersonalData(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		// Masked for a key without pii:read, and nothing logged.
		people := e.ok(t, "analyst", "/export/Person.ndjson")
		p1 := strings.Split(people, "\n")[0]
		want := `{"type":"Person","code":"P-1","name":"张*","gender":"F","phone":"138****0000","community":"C1","organization":"ORG-1","partyMember":true,"roles":["MENTOR","SECRETARY"]}`
		if p1 != want {
			t.Errorf("masked person:\n%s\nwant\n%s", p1, want)
		}
		records := e.ok(t, "analyst", "/export/ServiceRecord.ndjson")
		if strings.Contains(records, "recipient") {
			t.Errorf("masked records name a recipient:\n%s", records)
		}
		csvPeople := e.ok(t, "analyst", "/export/Person.csv")
		if strings.Contains(csvPeople, "张三") || strings.Contains(csvPeople, "1975") || strings.Contains(csvPeople, "13800000000") {
			t.Errorf("masked CSV shows personal data:\n%s", csvPeople)
		}
		if log := accessLog(t, db); len(log) != 0 {
			t.Errorf("masked reads were logged: %v", log)
		}
		// Filtering or ordering on personal data without pii:read.
		for _, params := range [][]string{
			{"where", `{"name":{"startsWith":"张"}}`},
			{"where", `{"or":[{"phone":{"isNull":false}}]}`},
			{"orderBy", `[{"field":"BIRTH_YEAR"}]`},
		} {
			r := e.get(t, "analyst", "/export/Person.ndjson", params...)
			wantError(t, r, http.StatusForbidden, "FORBIDDEN")
		}
		r := e.get(t, "analyst", "/export/ServiceRecord.ndjson", "where", `{"recipient":{"code":{"eq":"P-2"}}}`)
		wantError(t, r, http.StatusForbidden, "FORBIDDEN")

		// Shown as stored with pii:read, every read logged.
		if got, want := e.ok(t, "analyst-pii", "/export/Person.ndjson"), exportCLI(t, db, "Person"); got != want {
			t.Errorf("unmasked people:\n%s\nwant\n%s", got, want)
		}
		e.ok(t, "analyst-pii", "/export/ServiceRecord.ndjson", "where", `{"recipient":{"code":{"eq":"P-2"}}}`)
		log := accessLog(t, db)
		wantLog := []string{
			"export Person Person birthYear,name,phone", // P-1
			"export Person Person name",                 // P-2
			"export Person Person name",                 // P-3
			"export ServiceRecord ServiceRecord recipient",
		}
		if !slices.Equal(log, wantLog) {
			t.Errorf("access log:\n%s\nwant\n%s", strings.Join(log, "\n"), strings.Join(wantLog, "\n"))
		}
	})
}

// wantError checks a refusal's status and GraphQL-shaped body.
func wantError(t *testing.T, r reply, status int, code string) {
	t.Helper()
	var body struct {
		Errors []struct {
			Message    string            `json:"message"`
			Extensions map[string]string `json:"extensions"`
		} `json:"errors"`
	}
	if r.status != status || json.Unmarshal([]byte(r.body), &body) != nil || len(body.Errors) != 1 ||
		body.Errors[0].Extensions["code"] != code || body.Errors[0].Message == "" {
		t.Errorf("got %d %s, want %d with code %s", r.status, r.body, status, code)
	}
	if strings.Contains(strings.ToUpper(r.body), "SELECT") {
		t.Errorf("the error shows SQL: %s", r.body)
	}
}

func TestErrors(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for _, c := range []struct {
			key, path string
			params    []string
			status    int
			code      string
		}{
			{"", "/export/Person.ndjson", nil, http.StatusUnauthorized, "UNAUTHENTICATED"},
			{"admin", "/export/Nope.ndjson", nil, http.StatusNotFound, "NOT_FOUND"},
			{"admin", "/export/AccessLogEntry.ndjson", nil, http.StatusNotFound, "NOT_FOUND"},
			{"admin", "/export/Person.xml", nil, http.StatusNotFound, "NOT_FOUND"},
			{"admin", "/export/Person", nil, http.StatusNotFound, "NOT_FOUND"},
			{"admin", "/export/", nil, http.StatusNotFound, "NOT_FOUND"},
			{"admin", "/export/Person.ndjson", []string{"where", `{"name":`}, http.StatusBadRequest, "BAD_USER_INPUT"},
			{"admin", "/export/Person.ndjson", []string{"where", `[1]`}, http.StatusBadRequest, "BAD_USER_INPUT"},
			{"admin", "/export/Person.ndjson", []string{"where", `{"nope":{"eq":1}}`}, http.StatusBadRequest, "BAD_USER_INPUT"},
			{"admin", "/export/Person.ndjson", []string{"where", `{"birthYear":{"eq":"x"}}`}, http.StatusBadRequest, "BAD_USER_INPUT"},
			{"admin", "/export/Person.ndjson", []string{"where", `{"birthYear":{"like":1}}`}, http.StatusBadRequest, "BAD_USER_INPUT"},
			{"admin", "/export/Person.ndjson", []string{"where", `{"withinRegion":"nope"}`}, http.StatusBadRequest, "BAD_USER_INPUT"},
			{"admin", "/export/ServiceCategory.ndjson", []string{"where", `{"withinRegion":"x"}`}, http.StatusBadRequest, "BAD_USER_INPUT"},
			{"admin", "/export/ServiceRecord.ndjson", []string{"where", `{"occurredAt":{"gt":"yesterday"}}`}, http.StatusBadRequest, "BAD_USER_INPUT"},
			{"admin", "/export/Person.ndjson", []string{"orderBy", `[{"field":"NOPE"}]`}, http.StatusBadRequest, "BAD_USER_INPUT"},
			{"admin", "/export/Person.ndjson", []string{"limit", "-1"}, http.StatusBadRequest, "BAD_USER_INPUT"},
			{"admin", "/export/Demand.ndjson", []string{"where", `{"status":{"eq":"NO_SUCH_STATUS"}}`}, http.StatusBadRequest, "BAD_USER_INPUT"},
			{"admin", "/export/Person.ndjson", []string{"where", `{"roles":{"hasAny":["MENTOR","KING"]}}`}, http.StatusBadRequest, "BAD_USER_INPUT"},
		} {
			r := e.get(t, c.key, c.path, c.params...)
			t.Run(c.path+strings.Join(c.params, " "), func(t *testing.T) { wantError(t, r, c.status, c.code) })
		}
		req, _ := http.NewRequest(http.MethodPost, e.url+"/export/Person.ndjson", nil)
		req.Header.Set("Authorization", "Bearer "+e.keys["admin"])
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST: status %d, want 405", res.StatusCode)
		}
		// An empty export is an empty body, not an error.
		if body := e.ok(t, "admin", "/export/Person.ndjson", "where", `{"code":{"eq":"none"}}`); body != "" {
			t.Errorf("empty export: %q", body)
		}
	})
}

func TestCSV(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		r := e.get(t, "admin", "/export/Membership.csv")
		if r.status != http.StatusOK {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		if got := r.header.Get("Content-Type"); got != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type %q", got)
		}
		if got := r.header.Get("Content-Disposition"); got != `attachment; filename="Membership.csv"` {
			t.Errorf("Content-Disposition %q", got)
		}
		want := "type,code,alliance,organization,signedOn,leftOn,commitments\n" +
			"Membership,AL-1/ORG-3,AL-1,ORG-3,2021-04-01,2023-01-01,HAIRCUT;MEDICAL\n" +
			"Membership,M-2,AL-2,ORG-1,,,\n"
		if r.body != want {
			t.Errorf("memberships:\n%s\nwant\n%s", r.body, want)
		}
		// Text that needs quoting comes back whole.
		rows, err := csv.NewReader(strings.NewReader(e.ok(t, "admin", "/export/Community.csv"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		wantRows := [][]string{
			{"type", "code", "name", "kind", "region", "population", "households"},
			{"Community", "C1", "海珠社区", "URBAN", "440305007", "21000", "7300"},
			{"Community", "C2", "\"南头\"村\n\t\\", "VILLAGE", "440305008", "", ""},
		}
		if !slices.EqualFunc(rows, wantRows, slices.Equal) {
			t.Errorf("communities: %q, want %q", rows, wantRows)
		}
		// Same columns as the lines, same order, for a type with times.
		rows, err = csv.NewReader(strings.NewReader(e.ok(t, "admin", "/export/ServiceRecord.csv", "limit", "1"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || strings.Join(rows[0], ",") != "type,code,community,category,occurredAt,peopleServed,resolved,provider,providerPerson,recipient,event,alliance,demand" {
			t.Errorf("service record header: %q", rows)
		}
		if len(rows) == 2 && (rows[1][4] != "2022-06-01T10:00:00+08:00" || rows[1][6] != "true") {
			t.Errorf("service record: %q", rows[1])
		}
	})
}

// Exports spend the principal's rate-limit tokens, as operations do.
func TestRateLimit(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	if _, err := ingest.Import(ctx, db, strings.NewReader(fixture), ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	e := serve(t, db, server.Config{RateLimit: 0.001, RateBurst: 1})
	e.ok(t, "admin", "/export/Region.ndjson")
	r := e.get(t, "admin", "/export/Region.ndjson")
	wantError(t, r, http.StatusTooManyRequests, "RATE_LIMITED")
	// HEAD answers the headers alone.
	req, _ := http.NewRequest(http.MethodHead, e.url+"/export/Region.csv", nil)
	req.Header.Set("Authorization", "Bearer "+e.keys["analyst"])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Errorf("HEAD: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
}
