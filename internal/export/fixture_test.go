package export_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
)

var ctx = context.Background()

// fixture is ingest's test data: every type and field, sets, derived
// codes, text that needs escaping. Regions: 440305007 (C1: SR-1, P-1) and
// 440305008 (C2: SR-2, P-3) under 440305; ORG-3 belongs to AL-1, which C1
// leads.
var fixture = mustRead("../ingest/testdata/world.ndjson")

// env is a store holding the fixture behind the whole server, with keys.
type env struct {
	db   *store.DB
	url  string
	keys map[string]string
}

// keySpecs are the test keys: name → role, scope, pii.
var keySpecs = map[string]struct {
	role  auth.Role
	scope string
	pii   bool
}{
	"admin":        {auth.Admin, "", true},
	"analyst":      {auth.Analyst, "", false},
	"analyst-pii":  {auth.Analyst, "", true},
	"analyst-c1":   {auth.Analyst, "region:440305007", false},
	"partner-org3": {auth.Partner, "organization:ORG-3", false},
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	if _, err := ingest.Import(ctx, db, strings.NewReader(fixture), ingest.Options{}); err != nil {
		t.Fatalf("import the fixture: %v", err)
	}
	return serve(t, db)
}

// serve starts the server on db with the test keys, without rate limits
// unless cfg sets them.
func serve(t *testing.T, db *store.DB, cfg ...server.Config) *env {
	t.Helper()
	e := &env{db: db, keys: map[string]string{}}
	for name, k := range keySpecs {
		scope, err := auth.ParseScope(k.scope)
		if err != nil {
			t.Fatal(err)
		}
		key, _, err := auth.Create(ctx, db, name, k.role, scope, k.pii)
		if err != nil {
			t.Fatalf("create key %s: %v", name, err)
		}
		e.keys[name] = key
	}
	authn, err := auth.NewAuthenticator(auth.Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	c := server.Config{RateLimit: -1}
	if len(cfg) > 0 {
		c = cfg[0]
	}
	c.DB, c.Auth, c.ResponseCacheBytes = db, authn, -1
	srv := httptest.NewServer(server.New(c))
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

// reply is a response read whole.
type reply struct {
	status int
	header http.Header
	body   string
}

// get fetches path ("/export/T.ndjson") with the named key ("" for none)
// and the query parameters given as name, value pairs.
func (e *env) get(t *testing.T, key, path string, params ...string) reply {
	t.Helper()
	q := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		q.Set(params[i], params[i+1])
	}
	u := e.url + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+e.keys[key])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read %s: %v", u, err)
	}
	return reply{status: res.StatusCode, header: res.Header, body: string(body)}
}

// ok fetches an export that must succeed and returns its body.
func (e *env) ok(t *testing.T, key, path string, params ...string) string {
	t.Helper()
	r := e.get(t, key, path, params...)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s %v as %s: status %d: %s", path, params, key, r.status, r.body)
	}
	return r.body
}

// codes lists the "code" of each NDJSON line, or the derived code's absence
// as "-".
func codes(t *testing.T, body string) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
		if line == "" {
			continue
		}
		_, rest, ok := strings.Cut(line, `"code":"`)
		if !ok {
			out = append(out, "-")
			continue
		}
		code, _, _ := strings.Cut(rest, `"`)
		out = append(out, code)
	}
	return out
}

// mustRead reads a test data file; the tests cannot start without it.
func mustRead(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return string(b)
}
