package graph_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/civicgraph/civicgraph/internal/store"
)

// Injection over HTTP: text a client sends, in a filter, a by-code lookup
// or an id, is only ever data. Classic SQL injection strings, LIKE
// wildcards, escapes, NUL and very long or unusual text give exactly the
// rows whose text matches them literally (or, where no store can hold the
// value, BAD_USER_INPUT or null), never an error with SQL or driver text in
// it, and every table is still there with its rows afterwards.

// injectionPayloads are the strings every text argument is tried with.
func injectionPayloads() []string {
	return []string{
		"' OR '1'='1", "' OR 1=1 --", `"; DROP TABLE communities; --`, "'; DELETE FROM regions; --",
		"'||(SELECT 1)||'", "' UNION SELECT code FROM communities --", "1; SELECT pg_sleep(5)",
		"%", "_", "%%", "%_%", "a_b", "100%", `\`, `\\`, `\%`, `\_`, `back\slash`, "'", `"`, "`", "''", ";", "--", "/*", "*/",
		"$1", "$2::text", "?", "??", ":name", "@p1", "*", "[a-z]", "^C", "C00", "",
		"a\x00b", "\x00", "\u0000' OR '1'='1",
		"\n", "\t", "\r\n", "\u2028", "\u202e", "e\u0301", "é", "🙂", "Ω≈ç√", "社区", "MIXED", "mixed",
		strings.Repeat("长", 666), strings.Repeat("长", 667), strings.Repeat("x", 50_000),
	}
}

// injectionLines is the usual fixture plus rows whose text is made of the
// payloads, so that literal matches have something to find.
func injectionLines() []line {
	ls := fixture(3)
	texts := map[string]string{
		"INJ-PCT": "100% 社区", "INJ-US": "a_b", "INJ-BS": `back\slash`, "INJ-Q": "it's", "INJ-DQ": `say "hi"`,
		"INJ-OR": "' OR '1'='1", "INJ-DROP": `"; DROP TABLE communities; --`, "INJ-SEL": "'||(SELECT 1)||'",
		"INJ-D1": "$1", "INJ-QM": "?", "INJ-UNI": "Ω≈ç√ 🙂 社区", "INJ-ACC": "café", "INJ-MIX": "MiXeD",
		"INJ-LONG": strings.Repeat("长", 666), "INJ-NL": "line\nbreak",
	}
	for code, name := range texts {
		ls = append(ls, line{"type": "Community", "code": code, "name": name, "kind": "URBAN", "region": "440304001", "households": 1})
	}
	// Codes that are payloads themselves, for the by-code lookups.
	for i, code := range []string{"' OR '1'='1", "%", "_", `\`, "$1", "?", "社区", "🙂"} {
		ls = append(ls, line{"type": "Community", "code": code, "name": fmt.Sprintf("code-%d", i), "kind": "VILLAGE", "region": "440305001", "households": 2})
	}
	ls = append(ls,
		line{"type": "Organization", "code": "%_ORG", "name": "50% off_sale", "kind": "ENTERPRISE", "region": "440304001", "community": "C000"},
		line{"type": "Organization", "code": "ORG-'", "name": "O'Brien \\ Co", "kind": "ENTERPRISE", "region": "440304001", "community": "C000"},
		line{"type": "Region", "code": "440304099", "name": `街道_%\`, "level": "STREET", "parent": "440304"},
		line{"type": "ServiceCategory", "code": "' OR '1'='1", "name": "' OR '1'='1"},
		line{"type": "ServiceCategory", "code": "INJ_%", "name": "100%"},
		line{"type": "Alliance", "code": "AL-%", "name": `联盟 "%" _`, "leadCommunity": "C000"},
	)
	return ls
}

// injectionTextFields are the String filters tried, on several types.
var injectionTextFields = []struct{ root, typ, field string }{
	{"communities", "Community", "name"}, {"communities", "Community", "code"},
	{"organizations", "Organization", "name"}, {"organizations", "Organization", "code"},
	{"regions", "Region", "name"}, {"serviceCategories", "ServiceCategory", "name"},
	{"alliances", "Alliance", "name"}, {"alliances", "Alliance", "code"},
}

// stringFilterOps are the String filter's operators with what each means
// for a stored value v and the payload p (in and notIn get [p, p+"x"]).
var stringFilterOps = []struct {
	op    string
	means func(v, p string) bool
}{
	{"eq", func(v, p string) bool { return v == p }},
	{"neq", func(v, p string) bool { return v != p }},
	{"in", func(v, p string) bool { return v == p || v == p+"x" }},
	{"notIn", func(v, p string) bool { return v != p && v != p+"x" }},
	{"contains", strings.Contains},
	{"startsWith", strings.HasPrefix},
}

// sqlInMessage matches what must never reach a client: SQL, driver and Go
// text.
var sqlInMessage = regexp.MustCompile(`(?i)\b(select|from|drop|delete|union|syntax|sqlstate|pgx|pq|sqlite|sql|near|column|relation|operator|panic|runtime|goroutine|encode|driver|placeholder|parameter|byte sequence)\b|\$[0-9]`)

// pathsResponse is a GraphQL response whose errors keep their paths, so that
// one request can try many payloads, one alias each.
type pathsResponse struct {
	Data   map[string]any `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// errorsAt returns the error codes of the field with the given alias.
func (r pathsResponse) errorsAt(alias string) []string {
	var out []string
	for _, e := range r.Errors {
		if len(e.Path) > 0 && e.Path[0] == alias {
			code, _ := e.Extensions["code"].(string)
			out = append(out, code)
		}
	}
	return out
}

// sendRetrying runs a request until it is not refused for the rate limit
// (these tests send more requests a second than a client may) and decodes
// the answer.
func sendRetrying(t *testing.T, newReq func() *http.Request) pathsResponse {
	t.Helper()
	for try := 0; ; try++ {
		res, err := http.DefaultClient.Do(newReq())
		if err != nil {
			t.Fatalf("request: %v", err)
		}
		var r pathsResponse
		dec := json.NewDecoder(res.Body)
		dec.UseNumber()
		err = dec.Decode(&r)
		res.Body.Close()
		if res.StatusCode == http.StatusTooManyRequests && try < 20 {
			time.Sleep(time.Second)
			continue
		}
		if err != nil {
			t.Fatalf("decode response (status %d): %v", res.StatusCode, err)
		}
		return r
	}
}

// askPaths posts a query to a.
func askPaths(t *testing.T, a *api, query string, vars map[string]any) pathsResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return sendRetrying(t, func() *http.Request {
		req, _ := http.NewRequest(http.MethodPost, a.url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		return req
	})
}

// checkErrorsClean fails unless every error has one of the allowed codes
// and a message free of SQL (words of the input aside: a message may quote
// it).
func checkErrorsClean(t *testing.T, what string, r pathsResponse, input string, allowed ...string) {
	t.Helper()
	for _, e := range r.Errors {
		code, _ := e.Extensions["code"].(string)
		if !slices.Contains(allowed, code) {
			t.Errorf("%s: error %s %q at %v, want only %v", what, code, e.Message, e.Path, allowed)
		}
		for _, m := range sqlInMessage.FindAllString(e.Message, -1) {
			if !strings.Contains(strings.ToLower(input), strings.ToLower(m)) {
				t.Errorf("%s: message %q says %q", what, e.Message, m)
			}
		}
	}
}

// tableRowCounts counts the rows of every table of the catalog.
func tableRowCounts(t *testing.T, db *store.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, e := range store.Catalog {
		rows, err := db.Query(context.Background(), "SELECT COUNT(*) FROM "+e.Table)
		if err != nil {
			t.Fatalf("count %s: %v", e.Table, err)
		}
		for rows.Next() {
			var n int
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			out[e.Table] = n
		}
		rows.Close()
	}
	return out
}

// checkTablesIntact checks that every table still has the rows it had.
func checkTablesIntact(t *testing.T, db *store.DB, before map[string]int) {
	t.Helper()
	if after := tableRowCounts(t, db); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("row counts changed:\nbefore %v\n after %v", before, after)
	}
}

// shortText abbreviates a payload for test names and messages.
func shortText(p string) string {
	if len(p) > 24 {
		return fmt.Sprintf("%.24q…(%d bytes)", p, len(p))
	}
	return fmt.Sprintf("%q", p)
}

// graphqlString writes s as a GraphQL string literal (JSON's escapes are
// GraphQL's).
func graphqlString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

func TestInjectionStringFilters(t *testing.T) {
	lines := injectionLines()
	// Payloads with NUL go in requests of their own: their errors null the
	// whole answer (connections are non-null).
	var clean, nul []string
	for _, p := range injectionPayloads() {
		if strings.IndexByte(p, 0) >= 0 {
			nul = append(nul, p)
		} else {
			clean = append(clean, p)
		}
	}
	eachBackend(t, lines, func(t *testing.T, a *api) {
		before := tableRowCounts(t, a.db)
		for _, f := range injectionTextFields {
			for _, payloads := range [][]string{clean, nul} {
				tryTextFilter(t, a, lines, f.root, f.typ, f.field, payloads)
			}
		}
		// Wildcards are plain characters: only text with a literal % or _.
		d := askPaths(t, a, `{ pct: communities(where: {name: {contains: "%"}}, orderBy: [{field: CODE}]) { nodes { code } }
			us: communities(where: {name: {contains: "_"}}, orderBy: [{field: CODE}]) { nodes { code } }
			bs: communities(where: {name: {startsWith: "back\\"}}) { nodes { code } }
			orgs: organizations(where: {name: {contains: "%"}}) { nodes { code } } }`, nil)
		if got := fmt.Sprint(codes(d.Data["pct"]), codes(d.Data["us"]), codes(d.Data["bs"]), codes(d.Data["orgs"])); got != "[INJ-PCT] [INJ-US] [INJ-BS] [%_ORG]" || len(d.Errors) > 0 {
			t.Errorf("wildcards matched more than their literal selves: %s %v", got, d.Errors)
		}
		checkTablesIntact(t, a.db, before)
	})
}

// tryTextFilter tries every payload with every String filter operator on
// root's field in one request, one alias each: as variables, then as
// literals that the GraphQL lexer unescapes.
func tryTextFilter(t *testing.T, a *api, lines []line, root, typ, field string, payloads []string) {
	t.Helper()
	var byVars, inline strings.Builder
	vars := map[string]any{}
	byVars.WriteString("query(")
	for i, p := range payloads {
		fmt.Fprintf(&byVars, "$p%d: String!, $l%d: [String!]!, ", i, i)
		vars[fmt.Sprint("p", i)], vars[fmt.Sprint("l", i)] = p, []string{p, p + "x"}
	}
	byVars.WriteString(") {\n")
	inline.WriteString("{\n")
	for i, p := range payloads {
		for _, o := range stringFilterOps {
			val, lit := fmt.Sprint("$p", i), graphqlString(p)
			if o.op == "in" || o.op == "notIn" {
				val, lit = fmt.Sprint("$l", i), "["+graphqlString(p)+", "+graphqlString(p+"x")+"]"
			}
			const aliasFmt = "%s_%d: %s(where: {%s: {%s: %s}}, orderBy: [{field: CODE}]) { totalCount nodes { code } }\n"
			fmt.Fprintf(&byVars, aliasFmt, o.op, i, root, field, o.op, val)
			fmt.Fprintf(&inline, aliasFmt, o.op, i, root, field, o.op, lit)
		}
	}
	byVars.WriteString("}")
	inline.WriteString("}")
	for _, q := range []struct {
		name string
		r    pathsResponse
	}{{"variables", askPaths(t, a, byVars.String(), vars)}, {"literals", askPaths(t, a, inline.String(), nil)}} {
		checkErrorsClean(t, root+"."+field+" as "+q.name, q.r, strings.Join(payloads, " "), "BAD_USER_INPUT")
		for i, p := range payloads {
			for _, o := range stringFilterOps {
				alias := fmt.Sprintf("%s_%d", o.op, i)
				what := fmt.Sprintf("%s(where: {%s: {%s: %s}}) as %s", root, field, o.op, shortText(p), q.name)
				errs := q.r.errorsAt(alias)
				if strings.IndexByte(p, 0) >= 0 {
					// No store holds NUL in text: it is refused.
					if fmt.Sprint(errs) != "[BAD_USER_INPUT]" {
						t.Errorf("%s: errors %v, want BAD_USER_INPUT", what, errs)
					}
					continue
				}
				if len(errs) > 0 {
					t.Errorf("%s: errors %v", what, errs)
					continue
				}
				var want []string
				for _, l := range fixtureOf(lines, typ) {
					if v, ok := l[field].(string); ok && o.means(v, p) {
						want = append(want, l["code"].(string))
					}
				}
				sort.Strings(want)
				if got := codes(q.r.Data[alias]); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s:\n got %v\nwant %v", what, got, want)
				}
				if n := num(get(q.r.Data, alias, "totalCount")); int(n) != len(want) {
					t.Errorf("%s: totalCount %v, want %d", what, n, len(want))
				}
			}
		}
	}
}

func TestInjectionLookupsByCodeAndNode(t *testing.T) {
	lines := injectionLines()
	lookups := []struct{ field, typ string }{
		{"community", "Community"}, {"organization", "Organization"}, {"region", "Region"}, {"alliance", "Alliance"},
		{"person", "Person"}, {"studio", "Studio"}, {"serviceCategory", "ServiceCategory"}, {"serviceEvent", "ServiceEvent"},
		{"serviceRecord", "ServiceRecord"}, {"demand", "Demand"},
	}
	payloads := append(injectionPayloads(), "C000", "ORG-'", "%_ORG", "INJ_%", "AL-%")
	var doc strings.Builder
	vars := map[string]any{}
	doc.WriteString("query(")
	for i, p := range payloads {
		fmt.Fprintf(&doc, "$p%d: String!, ", i)
		vars[fmt.Sprint("p", i)] = p
	}
	doc.WriteString(") {\n")
	for i := range payloads {
		for _, l := range lookups {
			fmt.Fprintf(&doc, "%s_%d: %s(code: $p%d) { code }\n", l.field, i, l.field, i)
		}
	}
	doc.WriteString("}")
	eachBackend(t, lines, func(t *testing.T, a *api) {
		before := tableRowCounts(t, a.db)
		r := askPaths(t, a, doc.String(), vars)
		checkErrorsClean(t, "by code", r, strings.Join(payloads, " "))
		for i, p := range payloads {
			for _, l := range lookups {
				want := ""
				for _, x := range fixtureOf(lines, l.typ) {
					if x["code"] == p {
						want = p
					}
				}
				if got, _ := get(r.Data, fmt.Sprintf("%s_%d", l.field, i), "code").(string); got != want {
					t.Errorf("%s(code: %s) = %q, want %q", l.field, shortText(p), got, want)
				}
			}
		}

		// Ids: the payloads themselves, and well-formed ids whose row part is
		// a payload; none names a row, so each is null, with no error.
		id := get(askPaths(t, a, `{ community(code: "C000") { id } }`, nil).Data, "community", "id").(string)
		var ids []string
		for _, p := range injectionPayloads() {
			for _, x := range []string{p,
				base64.RawURLEncoding.EncodeToString([]byte("Community:" + p)),
				base64.RawURLEncoding.EncodeToString([]byte("Community:1" + p)),
				base64.RawURLEncoding.EncodeToString([]byte(p + ":1")),
				base64.StdEncoding.EncodeToString([]byte("Community:1 OR 1=1"))} {
				if _, _, ok := store.ParseGlobalID(x); !ok { // "Community:1"+"" is an id
					ids = append(ids, x)
				}
			}
		}
		var nodeDoc strings.Builder
		nodeVars := map[string]any{"ids": append(slices.Clone(ids), id)}
		nodeDoc.WriteString("query($ids: [ID!]!, ")
		for i, x := range ids {
			fmt.Fprintf(&nodeDoc, "$id%d: ID!, ", i)
			nodeVars[fmt.Sprint("id", i)] = x
		}
		nodeDoc.WriteString(") {\nnodes(ids: $ids) { id }\n")
		for i := range ids {
			fmt.Fprintf(&nodeDoc, "node_%d: node(id: $id%d) { id }\n", i, i)
		}
		nodeDoc.WriteString("}")
		r = askPaths(t, a, nodeDoc.String(), nodeVars)
		checkErrorsClean(t, "node ids", r, strings.Join(ids, " "))
		if len(r.Errors) > 0 {
			t.Errorf("node ids: %v", r.Errors)
		}
		for i, x := range ids {
			if n := get(r.Data, fmt.Sprintf("node_%d", i)); n != nil {
				t.Errorf("node(id: %s) = %v, want null", shortText(x), n)
			}
		}
		got, _ := get(r.Data, "nodes").([]any)
		if len(got) != len(ids)+1 || get(got, len(ids), "id") != id || slices.ContainsFunc(got[:len(ids)], func(n any) bool { return n != nil }) {
			t.Errorf("nodes = %v, want %d nulls and %s", got, len(ids), id)
		}

		// Where an id is a filter, anything but an id of the right type is
		// the client's error.
		bad := append(ids[:25:25], store.GlobalID("ServiceCategory", 1), store.GlobalID("Community", 0))
		var filterDoc strings.Builder
		filterVars := map[string]any{}
		filterDoc.WriteString("query(")
		for i, x := range bad {
			fmt.Fprintf(&filterDoc, "$id%d: ID!, ", i)
			filterVars[fmt.Sprint("id", i)] = x
		}
		filterDoc.WriteString(") {\n")
		for i := range bad {
			fmt.Fprintf(&filterDoc, "eq_%d: communities(where: {id: {eq: $id%d}}) { totalCount }\n", i, i)
			fmt.Fprintf(&filterDoc, "in_%d: communities(where: {id: {in: [$id%d]}}) { totalCount }\n", i, i)
			fmt.Fprintf(&filterDoc, "within_%d: communities(where: {withinRegion: $id%d}) { totalCount }\n", i, i)
		}
		filterDoc.WriteString("}")
		r = askPaths(t, a, filterDoc.String(), filterVars)
		checkErrorsClean(t, "id filters", r, strings.Join(bad, " "), "BAD_USER_INPUT")
		for i, x := range bad {
			for _, f := range []string{"eq", "in", "within"} {
				if errs := r.errorsAt(fmt.Sprintf("%s_%d", f, i)); fmt.Sprint(errs) != "[BAD_USER_INPUT]" {
					t.Errorf("%s filter with id %s: errors %v, want BAD_USER_INPUT", f, shortText(x), errs)
				}
			}
		}
		checkTablesIntact(t, a.db, before)
	})
}

// Values no store can hold, and inputs beyond what a statement can carry,
// are the client's error on both stores, not a database's.
func TestInjectionOutOfRangeAndOversized(t *testing.T) {
	eachBackend(t, injectionLines(), func(t *testing.T, a *api) {
		before := tableRowCounts(t, a.db)
		deep := `{"code": {"neq": "x"}}`
		for i := 0; i < 1500; i++ {
			deep = `{"not": ` + deep + `}`
		}
		many := make([]string, 40_000)
		for i := range many {
			many[i] = fmt.Sprint(i)
		}
		r := askPaths(t, a, `query($w: CommunityWhere, $l: [String!]) {
			big: communities(where: {population: {gt: 2147483648}}) { totalCount }
			small: communities(where: {households: {in: [1, -9223372036854775808]}}) { totalCount }
			year0: alliances(where: {foundedOn: {eq: "0000-01-01"}}) { totalCount }
			deep: communities(where: $w) { totalCount }
			long: communities(where: {code: {in: $l}}) { totalCount } }`,
			map[string]any{"w": json.RawMessage(deep), "l": many})
		checkErrorsClean(t, "out of range", r, "", "BAD_USER_INPUT")
		for _, alias := range []string{"big", "small", "year0", "deep", "long"} {
			if errs := r.errorsAt(alias); fmt.Sprint(errs) != "[BAD_USER_INPUT]" {
				t.Errorf("%s: errors %v, want BAD_USER_INPUT", alias, errs)
			}
		}
		// gqlgen refuses these before any resolver runs.
		for _, q := range []string{
			`{ communities(where: {population: {eq: 99999999999999999999}}) { totalCount } }`,
			`{ serviceRecords(where: {occurredAt: {gt: "2023-01-01"}}) { totalCount } }`,
		} {
			r := askPaths(t, a, q, nil)
			checkErrorsClean(t, q, r, "", "BAD_USER_INPUT")
			if len(r.Errors) == 0 {
				t.Errorf("%s: answered %v", q, r.Data)
			}
		}
		// In-range extremes are answers.
		r = askPaths(t, a, `{ a: communities(where: {population: {lt: 2147483647, gt: -2147483648}}) { totalCount }
			b: serviceRecords(where: {occurredAt: {in: ["2022-12-31T23:30:00+08:00", "0001-01-01T00:00:00Z"]}}) { nodes { code } }
			c: alliances(where: {foundedOn: {gt: "0001-01-01", lt: "9999-12-31"}}) { totalCount } }`, nil)
		if len(r.Errors) > 0 || num(get(r.Data, "a", "totalCount")) < 1 || fmt.Sprint(codes(r.Data["b"])) != "[SR-000-0]" || num(get(r.Data, "c", "totalCount")) < 1 {
			t.Errorf("in-range extremes = %v %v", r.Data, r.Errors)
		}
		checkTablesIntact(t, a.db, before)
	})
}

// GET takes the document from the URL, where bytes need not be UTF-8.
func TestInjectionThroughGET(t *testing.T) {
	eachBackend(t, injectionLines(), func(t *testing.T, a *api) {
		before := tableRowCounts(t, a.db)
		for _, p := range []string{"\xff", "a\xc3(b", "\xed\xa0\x80", "' OR '1'='1", "%", `\\`, `\u0000`} {
			doc := `{ community(code: "` + p + `") { code } communities(where: {name: {contains: "` + p + `"}}) { totalCount } }`
			r := sendRetrying(t, func() *http.Request {
				req, _ := http.NewRequest(http.MethodGet, a.url+"?query="+url.QueryEscape(doc), nil)
				req.Header.Set("Accept", "application/json")
				return req
			})
			checkErrorsClean(t, "GET "+shortText(doc), r, doc, "BAD_USER_INPUT")
			// Text that is not UTF-8 is in no row: no community, or the
			// filter refused.
			if !utf8.ValidString(p) && (get(r.Data, "community") != nil || len(r.Errors) != 1) {
				t.Errorf("GET %s: %v %+v, want a null community and BAD_USER_INPUT for the filter", shortText(doc), r.Data, r.Errors)
			}
		}
		checkTablesIntact(t, a.db, before)
	})
}
