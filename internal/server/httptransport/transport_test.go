package httptransport

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/testserver"
)

const (
	gqlResp = mediaGraphQLResponse
	appJSON = mediaJSON
)

// newTestServer is gqlgen's schema-less test server with these transports,
// wired the way civicgraph wires its real server.
func newTestServer() http.Handler {
	srv := testserver.New()
	srv.AddTransport(GET{})
	srv.AddTransport(POST{MaxBodyBytes: 2048})
	srv.Use(extension.Introspection{})
	srv.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		if gqlErr.Extensions == nil {
			gqlErr.Extensions = map[string]any{}
		}
		gqlErr.Extensions["presented"] = true
		return gqlErr
	})
	return srv
}

// dataRule says what the body's "data" entry must look like.
type dataRule int

const (
	dataAbsent  dataRule = iota // request error: the operation never ran
	dataPresent                 // executed: data is there (possibly null)
)

type httpCase struct {
	name        string
	method      string
	query       url.Values // GET parameters
	contentType string
	accept      string
	body        string
	wantStatus  int
	wantType    string
	wantData    dataRule
	wantCode    string // extensions.code of the first error; "" means no errors, "-" any errors
}

func post(name, accept, body string, status int, typ string, data dataRule, code string) httpCase {
	return httpCase{name: name, method: http.MethodPost, contentType: "application/json", accept: accept, body: body,
		wantStatus: status, wantType: typ, wantData: data, wantCode: code}
}

func get(name, accept string, q url.Values, status int, typ string, data dataRule, code string) httpCase {
	return httpCase{name: name, method: http.MethodGet, accept: accept, query: q,
		wantStatus: status, wantType: typ, wantData: data, wantCode: code}
}

const (
	okQuery       = `{"query":"{ __typename name }"}`
	parseFail     = `{"query":"{"}`
	validateFail  = `{"query":"{ nope }"}`
	coerceFail    = `{"query":"query Q($id: Int!) { find(id: $id) }","variables":{"id":null}}`
	unknownOpName = `{"query":"query A { name }","operationName":"B"}`
	mutation      = `{"query":"mutation { name }"}`
	subscription  = `{"query":"subscription { name }"}`

	validation = "GRAPHQL_VALIDATION_FAILED"
	parse      = "GRAPHQL_PARSE_FAILED"
)

func TestPOST(t *testing.T) {
	cases := []httpCase{
		post("json accept json", appJSON, okQuery, 200, appJSON, dataPresent, ""),
		post("json no accept", "", okQuery, 200, appJSON, dataPresent, ""),
		post("json accept */*", "*/*", okQuery, 200, appJSON, dataPresent, ""),
		post("graphql-response accept", gqlResp, okQuery, 200, gqlResp, dataPresent, ""),
		post("graphiql style accept", "application/graphql-response+json, application/json;q=0.9", okQuery, 200, gqlResp, dataPresent, ""),
		post("introspection", gqlResp, `{"query":"{ __type(name: \"Run🏃Swim🏊\") { name } }"}`, 200, gqlResp, dataPresent, ""),
		post("named operation", gqlResp, `{"query":"query A { name } query B { name }","operationName":"B"}`, 200, gqlResp, dataPresent, ""),
		post("null optional params", appJSON, `{"query":"{ name }","operationName":null,"variables":null,"extensions":null}`, 200, appJSON, dataPresent, ""),
		post("map variables", appJSON, `{"query":"query Q($id: Int!) { find(id: $id) }","variables":{"id":1}}`, 200, appJSON, dataPresent, ""),
		post("map extensions", appJSON, `{"query":"{ name }","extensions":{"some":"value"}}`, 200, appJSON, dataPresent, ""),

		post("406 unacceptable", "text/html", okQuery, 406, appJSON, dataAbsent, codeNotAcceptable),
		post("406 stream only", "text/event-stream", okQuery, 406, appJSON, dataAbsent, codeNotAcceptable),

		post("400 empty body", appJSON, "", 400, appJSON, dataAbsent, codeBadRequest),
		post("400 bad json", appJSON, `{ "not a JSON`, 400, appJSON, dataAbsent, codeBadRequest),
		post("400 bad json gql", gqlResp, `{ "not a JSON`, 400, gqlResp, dataAbsent, codeBadRequest),
		post("400 json array (no batching)", appJSON, `[`+okQuery+`]`, 400, appJSON, dataAbsent, codeBadRequest),
		post("400 json null", appJSON, `null`, 400, appJSON, dataAbsent, codeBadRequest),
		post("400 trailing data", appJSON, okQuery+okQuery, 400, appJSON, dataAbsent, codeBadRequest),
		post("400 missing query", gqlResp, `{"qeury":"{ name }"}`, 400, gqlResp, dataAbsent, codeBadRequest),
		post("400 empty query", appJSON, `{"query":""}`, 400, appJSON, dataAbsent, codeBadRequest),
		post("400 object query", appJSON, `{"query":{"obj":"ect"}}`, 400, appJSON, dataAbsent, codeBadRequest),
		post("400 number query", appJSON, `{"query":0}`, 400, appJSON, dataAbsent, codeBadRequest),
		post("400 array operationName", appJSON, `{"query":"{ name }","operationName":["a"]}`, 400, appJSON, dataAbsent, codeBadRequest),
		post("400 string variables", appJSON, `{"query":"{ name }","variables":"string"}`, 400, appJSON, dataAbsent, codeBadRequest),
		post("400 false extensions", appJSON, `{"query":"{ name }","extensions":false}`, 400, appJSON, dataAbsent, codeBadRequest),

		// Request errors: 200 for legacy application/json, 400 for the new
		// media type, and never a data entry.
		post("parse error json", appJSON, parseFail, 200, appJSON, dataAbsent, parse),
		post("parse error gql", gqlResp, parseFail, 400, gqlResp, dataAbsent, parse),
		post("validation error json", appJSON, validateFail, 200, appJSON, dataAbsent, validation),
		post("validation error gql", gqlResp, validateFail, 400, gqlResp, dataAbsent, validation),
		post("coercion error json", appJSON, coerceFail, 200, appJSON, dataAbsent, validation),
		post("coercion error gql", gqlResp, coerceFail, 400, gqlResp, dataAbsent, validation),
		post("unknown operation json", appJSON, unknownOpName, 200, appJSON, dataAbsent, validation),
		post("unknown operation gql", gqlResp, unknownOpName, 400, gqlResp, dataAbsent, validation),

		// testserver's mutation resolver fails without data: with the new
		// media type that must not be a 2xx.
		post("mutation failing without data json", appJSON, mutation, 200, appJSON, dataAbsent, "-"),
		post("mutation failing without data gql", gqlResp, mutation, 500, gqlResp, dataAbsent, "-"),
		post("subscription json", appJSON, subscription, 200, appJSON, dataAbsent, codeOperationNotAllowed),
		post("subscription gql", gqlResp, subscription, 400, gqlResp, dataAbsent, codeOperationNotAllowed),

		post("413 too large", gqlResp, `{"query":"{ name }","variables":{"pad":"`+strings.Repeat("x", 4096)+`"}}`, 413, gqlResp, dataAbsent, codeRequestTooLarge),
	}

	withType := func(c httpCase, ct string) httpCase { c.contentType = ct; return c }
	cases = append(cases,
		withType(post("charset utf-8", appJSON, okQuery, 200, appJSON, dataPresent, ""), "application/json; charset=UTF-8"),
		withType(post("415 no content type", appJSON, okQuery, 415, appJSON, dataAbsent, codeUnsupportedMediaType), ""),
		withType(post("415 text/plain", appJSON, okQuery, 415, appJSON, dataAbsent, codeUnsupportedMediaType), "text/plain"),
		withType(post("415 graphql body", gqlResp, okQuery, 415, gqlResp, dataAbsent, codeUnsupportedMediaType), "application/graphql"),
		withType(post("415 latin1", appJSON, okQuery, 415, appJSON, dataAbsent, codeUnsupportedMediaType), "application/json; charset=iso-8859-1"),
		withType(post("415 malformed", appJSON, okQuery, 415, appJSON, dataAbsent, codeUnsupportedMediaType), "application/json; ==="),
	)
	runCases(t, cases)
}

func TestGET(t *testing.T) {
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	browser := "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	cases := []httpCase{
		get("query json", "", q("query", "{ __typename }"), 200, appJSON, dataPresent, ""),
		get("query gql", gqlResp, q("query", "{ name }"), 200, gqlResp, dataPresent, ""),
		get("browser accept", browser, q("query", "{ name }"), 200, appJSON, dataPresent, ""),
		get("variables", gqlResp, q("query", "query Q($id: Int!) { find(id: $id) }", "variables", `{"id":1}`), 200, gqlResp, dataPresent, ""),
		get("operationName", appJSON, q("query", "query A { name } query B { name }", "operationName", "A"), 200, appJSON, dataPresent, ""),

		get("405 mutation json", appJSON, q("query", "mutation { name }"), 405, appJSON, dataAbsent, codeMethodNotAllowed),
		get("405 mutation gql", gqlResp, q("query", "mutation { name }"), 405, gqlResp, dataAbsent, codeMethodNotAllowed),
		get("405 mutation picked by operationName", gqlResp, q("query", "query A { name } mutation B { name }", "operationName", "B"), 405, gqlResp, dataAbsent, codeMethodNotAllowed),
		get("subscription", gqlResp, q("query", "subscription { name }"), 400, gqlResp, dataAbsent, codeOperationNotAllowed),

		get("406", "text/html", q("query", "{ name }"), 406, appJSON, dataAbsent, codeNotAcceptable),
		get("400 no query", gqlResp, q(), 400, gqlResp, dataAbsent, codeBadRequest),
		get("400 duplicate query", appJSON, q("query", "{ name }", "query", "{ name }"), 400, appJSON, dataAbsent, codeBadRequest),
		get("400 array variables", appJSON, q("query", "{ name }", "variables", "[1]"), 400, appJSON, dataAbsent, codeBadRequest),
		get("400 bad variables json", gqlResp, q("query", "{ name }", "variables", "{"), 400, gqlResp, dataAbsent, codeBadRequest),

		get("parse error json", appJSON, q("query", "{"), 200, appJSON, dataAbsent, parse),
		get("parse error gql", gqlResp, q("query", "{"), 400, gqlResp, dataAbsent, parse),
		get("validation error gql", gqlResp, q("query", "{ nope }"), 400, gqlResp, dataAbsent, validation),
	}
	runCases(t, cases)
}

func runCases(t *testing.T, cases []httpCase) {
	t.Helper()
	srv := newTestServer()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			target := "/graphql"
			if len(c.query) > 0 {
				target += "?" + c.query.Encode()
			}
			req := httptest.NewRequest(c.method, target, strings.NewReader(c.body))
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			if c.accept != "" {
				req.Header.Set("Accept", c.accept)
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			checkResponse(t, c, rec)
		})
	}
}

func checkResponse(t *testing.T, c httpCase, rec *httptest.ResponseRecorder) {
	t.Helper()
	body := rec.Body.String()
	if rec.Code != c.wantStatus {
		t.Errorf("status %d, want %d; body %s", rec.Code, c.wantStatus, body)
	}
	mt, params, err := mime.ParseMediaType(rec.Header().Get("Content-Type"))
	if err != nil || mt != c.wantType || params["charset"] != "utf-8" {
		t.Errorf("Content-Type %q, want %s; charset=utf-8", rec.Header().Get("Content-Type"), c.wantType)
	}
	if rec.Code == http.StatusMethodNotAllowed && rec.Header().Get("Allow") != "POST" {
		t.Errorf("405 without Allow: POST (got %q)", rec.Header().Get("Allow"))
	}

	var resp struct {
		Data   *json.RawMessage `json:"data"`
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &keys); err != nil {
		t.Fatalf("body is not a JSON object: %s", body)
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &resp)
	_, hasData := keys["data"]
	switch {
	case c.wantData == dataAbsent && hasData:
		t.Errorf("body has a data entry, want none: %s", body)
	case c.wantData == dataPresent && !hasData:
		t.Errorf("body has no data entry: %s", body)
	}

	switch c.wantCode {
	case "":
		if len(resp.Errors) > 0 {
			t.Errorf("unexpected errors: %s", body)
		}
	default:
		if len(resp.Errors) == 0 {
			t.Fatalf("no errors, want code %s: %s", c.wantCode, body)
		}
		if c.wantCode == "-" {
			return // an error built by the resolver itself, as it is
		}
		if resp.Errors[0].Extensions["code"] != c.wantCode {
			t.Errorf("error code %v, want %s: %s", resp.Errors[0].Extensions["code"], c.wantCode, body)
		}
		if resp.Errors[0].Extensions["presented"] != true {
			t.Errorf("error did not go through the error presenter: %s", body)
		}
	}
}

// TestPOSTTooLargeWithoutContentLength covers chunked uploads, where the
// limit is only noticed while reading.
func TestPOSTTooLargeWithoutContentLength(t *testing.T) {
	body := `{"query":"{ name }","variables":{"pad":"` + strings.Repeat("x", 4096) + `"}}`
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	newTestServer().ServeHTTP(rec, req)
	checkResponse(t, httpCase{wantStatus: 413, wantType: appJSON, wantData: dataAbsent, wantCode: codeRequestTooLarge}, rec)
}

// TestErrorsDoNotLeakGoErrors guards the promise that transport errors are
// written by this package, not copied from encoding/json or net/http.
func TestErrorsDoNotLeakGoErrors(t *testing.T) {
	srv := newTestServer()
	for _, body := range []string{`{ "not a JSON`, `{"query":1}`, `[1,2]`, `{"query":"{ name }","variables":{"a":}}`} {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		for _, leak := range []string{"invalid character", "json:", "unexpected end", "Go value", "cannot unmarshal"} {
			if strings.Contains(rec.Body.String(), leak) {
				t.Errorf("body for %q leaks %q: %s", body, leak, rec.Body.String())
			}
		}
	}
}

func TestSupports(t *testing.T) {
	mk := func(method string, hdr ...string) *http.Request {
		r := httptest.NewRequest(method, "/graphql", nil)
		for i := 0; i < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		return r
	}
	cases := []struct {
		name string
		tr   graphql.Transport
		req  *http.Request
		want bool
	}{
		{"POST json", POST{}, mk("POST", "Content-Type", "application/json"), true},
		{"POST anything (answers 415 itself)", POST{}, mk("POST", "Content-Type", "text/plain"), true},
		{"POST upgrade", POST{}, mk("POST", "Upgrade", "websocket"), false},
		{"POST ignores GET", POST{}, mk("GET"), false},
		{"GET", GET{}, mk("GET"), true},
		{"GET websocket upgrade", GET{}, mk("GET", "Upgrade", "websocket"), false},
		{"GET ignores PUT", GET{}, mk("PUT"), false},
	}
	for _, c := range cases {
		if got := c.tr.Supports(c.req); got != c.want {
			t.Errorf("%s: Supports = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestVaryAccept(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/graphql?query=%7B+name+%7D", nil)
	rec := httptest.NewRecorder()
	newTestServer().ServeHTTP(rec, req)
	if rec.Header().Get("Vary") != "Accept" {
		t.Errorf("Vary = %q, want Accept: responses differ by Accept and caches must know", rec.Header().Get("Vary"))
	}
}
