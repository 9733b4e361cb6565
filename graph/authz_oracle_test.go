package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
)

// authzAPI is one store behind a server that authenticates every request
// with API keys, one key per principal of the matrix.
type authzAPI struct {
	db       *store.DB
	url      string
	keys     map[string]string // principal name -> key text
	subjects map[string]string // principal name -> access-log subject
	// ids are the global ids of every row, as ADMIN reads them:
	// type -> code -> id.
	ids map[string]map[string]string
	// adminAnswers caches ADMIN's answer to each nested query.
	adminAnswers map[string]map[string]any
}

// authzNow is the server's clock: relative periods and "today" count from it.
var authzNow = time.Date(2024, 3, 15, 12, 0, 0, 0, time.FixedZone("CST", 8*3600))

// authzGone is a region that exists when a key is scoped to it and is
// deleted before any request: the key's principal must then see nothing.
var authzGone = line{"type": "Region", "code": "440399", "name": "撤销区", "level": "DISTRICT", "parent": "440300"}

func newAuthzAPI(t *testing.T, db *store.DB, fx []line, principals []authzPrincipal) *authzAPI {
	t.Helper()
	ctx := context.Background()
	_, err := ingest.ImportLines(ctx, db, ingest.Slice(append(slices.Clone(fx), authzGone)), ingest.Options{})
	if err != nil {
		t.Fatalf("load fixture: %v", err)
	}
	a := &authzAPI{db: db, keys: map[string]string{}, subjects: map[string]string{}, adminAnswers: map[string]map[string]any{}}
	for _, p := range principals {
		if p.role == "" {
			continue
		}
		scope, err := auth.ParseScope(p.scope)
		if err != nil {
			t.Fatalf("scope of %s: %v", p.name, err)
		}
		key, row, err := auth.Create(ctx, db, "authz-"+p.name, p.role, scope, p.pii)
		if err != nil {
			t.Fatalf("create the key of %s: %v", p.name, err)
		}
		a.keys[p.name], a.subjects[p.name] = key, fmt.Sprintf("key:%d", row.ID)
	}
	if _, err := db.Exec(ctx, "DELETE FROM regions WHERE code = ?", authzGone["code"]); err != nil {
		t.Fatalf("delete region %s: %v", authzGone["code"], err)
	}
	authn, err := auth.NewAuthenticator(auth.Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	// Cost budgets are not what this test is about: every role gets the
	// ADMIN budget so that one query can walk every nested path.
	budget := map[auth.Role]int{}
	for _, r := range auth.Roles() {
		budget[r] = server.DefaultMaxComplexity
	}
	srv := httptest.NewServer(server.New(server.Config{
		DB: db, Auth: authn, RateLimit: -1, ResponseCacheBytes: -1, ComplexityByRole: budget,
		Now: func() time.Time { return authzNow },
	}))
	t.Cleanup(srv.Close)
	a.url = srv.URL + "/graphql"
	return a
}

// authzError is one error of a response, with its path.
type authzError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// authzResponse is a GraphQL response.
type authzResponse struct {
	Data   map[string]any `json:"data"`
	Errors []authzError   `json:"errors"`
}

// ask runs a query as the named principal ("" or an unknown name: no
// credential) and returns the HTTP status and the response.
func (a *authzAPI) ask(t testing.TB, who, query string, vars map[string]any) (int, authzResponse) {
	return a.askOp(t, who, "", query, vars)
}

// askOp is ask with the request's operationName.
func (a *authzAPI) askOp(t testing.TB, who, op, query string, vars map[string]any) (int, authzResponse) {
	t.Helper()
	req := map[string]any{"query": query, "variables": vars}
	if op != "" {
		req["operationName"] = op
	}
	body, _ := json.Marshal(req)
	hreq, _ := http.NewRequest(http.MethodPost, a.url, bytes.NewReader(body))
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	if k, ok := a.keys[who]; ok {
		hreq.Header.Set("Authorization", "Bearer "+k)
	}
	res, err := http.DefaultClient.Do(hreq)
	if err != nil {
		t.Fatalf("POST /graphql: %v", err)
	}
	defer res.Body.Close()
	var r authzResponse
	dec := json.NewDecoder(res.Body)
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("decode response (status %d): %v", res.StatusCode, err)
	}
	return res.StatusCode, r
}

// data runs a query that must succeed; on errors it reports them (as one
// failure of the calling check) and returns nil.
func (a *authzAPI) data(t testing.TB, who, what, query string, vars map[string]any) map[string]any {
	t.Helper()
	_, r := a.ask(t, who, query, vars)
	if len(r.Errors) > 0 {
		t.Errorf("%s as %s: %d errors, first %s\nquery: %s", what, who, len(r.Errors), authzErrors(r.Errors), authzShort(query))
		return nil
	}
	return r.Data
}

// dataOp is data for a named operation.
func (a *authzAPI) dataOp(t testing.TB, who, op, query string, vars map[string]any) map[string]any {
	t.Helper()
	_, r := a.askOp(t, who, op, query, vars)
	if len(r.Errors) > 0 {
		t.Errorf("%s as %s: %d errors, first %s", op, who, len(r.Errors), authzErrors(r.Errors))
		return nil
	}
	return r.Data
}

// describeErrors renders up to three errors with their codes and paths.
func authzErrors(errs []authzError) string {
	var parts []string
	for i, e := range errs {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("... (%d more)", len(errs)-3))
			break
		}
		parts = append(parts, fmt.Sprintf("[%v] %q at %v", e.Extensions["code"], e.Message, e.Path))
	}
	return strings.Join(parts, "; ")
}

func authzShort(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	if len(q) > 400 {
		return q[:400] + "..."
	}
	return q
}

// normalize turns a decoded answer into comparable values: numbers become
// float64, times the same instant in UTC.
func authzNormalize(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case string:
		if t, err := time.Parse(time.RFC3339, x); err == nil && strings.Contains(x, "T") {
			return t.UTC().Format(time.RFC3339Nano)
		}
		return x
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = authzNormalize(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = authzNormalize(e)
		}
		return out
	}
	return v
}

// sameValue compares normalized values, floats within a rounding error.
func authzSame(want, got any) bool {
	wf, ok1 := want.(float64)
	gf, ok2 := got.(float64)
	if ok1 && ok2 {
		return math.Abs(wf-gf) <= 1e-9*math.Max(1, math.Abs(wf))
	}
	return reflect.DeepEqual(want, got)
}

// diff lists where two normalized answers differ (at most max places).
func authzDiff(path string, want, got any, out *[]string, max int) {
	if len(*out) >= max {
		return
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: want %s, got %s", path, authzBrief(want), authzBrief(got)))
			return
		}
		keys := map[string]bool{}
		for k := range w {
			keys[k] = true
		}
		for k := range g {
			keys[k] = true
		}
		var ks []string
		for k := range keys {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			authzDiff(path+"."+k, w[k], g[k], out, max)
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			*out = append(*out, fmt.Sprintf("%s: want %s, got %s", path, authzBrief(want), authzBrief(got)))
			return
		}
		for i := range w {
			at := fmt.Sprint(i)
			if c, ok := get(w[i], "code").(string); ok {
				at = c // name the item by its code: people.nodes[P-001-2].mentees
			}
			authzDiff(fmt.Sprintf("%s[%s]", path, at), w[i], g[i], out, max)
		}
	default:
		if !authzSame(want, got) {
			*out = append(*out, fmt.Sprintf("%s: want %s, got %s", path, authzBrief(want), authzBrief(got)))
		}
	}
}

// brief renders a value in one short line: a list of entities by code.
func authzBrief(v any) string {
	if l, ok := v.([]any); ok {
		var cs []string
		for _, e := range l {
			if c, ok := get(e, "code").(string); ok {
				cs = append(cs, c)
			} else {
				cs = append(cs, fmt.Sprint(e))
			}
		}
		s := fmt.Sprintf("%d items %v", len(l), cs)
		if len(s) > 300 {
			s = s[:300] + "...]"
		}
		return s
	}
	if m, ok := v.(map[string]any); ok {
		if c, ok := m["code"]; ok {
			return fmt.Sprintf("{%v %v}", m["__typename"], c)
		}
	}
	s := fmt.Sprint(v)
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// authzOracle turns ADMIN's answer into the answer a principal must get:
// hidden entities become null (to-one) or are left out (lists and
// connections), and what connections count is recounted over what is
// left. Every entity object of a nested query carries __typename and code.
type authzOracle struct {
	w *authzWorld
	v authzVis
}

// filter applies the model to one normalized ADMIN answer.
func (o authzOracle) filter(x any) any {
	switch v := x.(type) {
	case []any:
		out := []any{}
		for _, e := range v {
			f := o.filter(e)
			if f == nil && authzIsEntity(e) {
				continue
			}
			out = append(out, f)
		}
		return out
	case map[string]any:
		typ, code := authzEntityOf(v)
		if typ != "" && !o.v.sees(typ, code) {
			return nil
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = o.filter(e)
		}
		if typ == "Person" {
			// Mentors and mentees are read through mentorships.
			o.keepPairs(out, "mentees", func(c string) bool { return o.w.mentoredThrough(o.v, code, c) })
			o.keepPairs(out, "mentors", func(c string) bool { return o.w.mentoredThrough(o.v, c, code) })
		}
		if nodes, ok := out["nodes"].([]any); ok {
			if _, ok := out["totalCount"]; ok {
				out["totalCount"] = float64(len(nodes))
			}
			if agg, ok := out["aggregate"].(map[string]any); ok {
				if _, ok := agg["count"]; ok {
					agg["count"] = float64(len(nodes))
				}
			}
		}
		return out
	}
	return x
}

// keepPairs keeps the people of a list or connection field that pass keep.
func (o authzOracle) keepPairs(obj map[string]any, field string, keep func(code string) bool) {
	f, ok := obj[field]
	if !ok || f == nil {
		return
	}
	drop := func(l []any) []any {
		out := []any{}
		for _, e := range l {
			if keep(authzStr(get(e, "code"))) {
				out = append(out, e)
			}
		}
		return out
	}
	switch v := f.(type) {
	case []any:
		obj[field] = drop(v)
	case map[string]any:
		if nodes, ok := v["nodes"].([]any); ok {
			v["nodes"] = drop(nodes)
			nodes = v["nodes"].([]any)
			if _, ok := v["totalCount"]; ok {
				v["totalCount"] = float64(len(nodes))
			}
			if agg, ok := v["aggregate"].(map[string]any); ok {
				agg["count"] = float64(len(nodes))
			}
		}
	}
}

// entityOf is the type and code of an entity object ("" when it is none).
func authzEntityOf(m map[string]any) (string, string) {
	typ, _ := m["__typename"].(string)
	code, ok := m["code"].(string)
	if typ == "" || !ok {
		return "", ""
	}
	return typ, code
}

func authzIsEntity(x any) bool {
	m, ok := x.(map[string]any)
	if !ok {
		return false
	}
	typ, _ := authzEntityOf(m)
	return typ != ""
}

// E is the selection every entity object of a nested query carries.
const authzE = "__typename code"

// conn is a nested connection's selection: its count, aggregate count and
// every node with inner.
func authzConn(inner string) string {
	return "{ totalCount aggregate { count } nodes { " + authzE + " " + inner + " } }"
}
