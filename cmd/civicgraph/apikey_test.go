package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/store"
)

const anchors = `{"type":"Region","code":"P1","name":"广东省","level":"PROVINCE"}
{"type":"Region","code":"S1","name":"粤海街道","level":"STREET","parent":"P1"}
{"type":"Organization","code":"ORG-1","name":"单位","kind":"ENTERPRISE","region":"S1"}
`

var keyLine = regexp.MustCompile(`^cgk_[a-z2-7]{52}$`)

// lookup resolves a key the way the server does.
func lookup(t *testing.T, url, key string) (*auth.Principal, error) {
	t.Helper()
	db, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return auth.LookupKey(context.Background(), db, key)
}

func TestAPIKeyCommands(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "count.graphql")
	if err := os.WriteFile(doc, []byte("query Count { regions { totalCount } }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	notGraphQL := filepath.Join(dir, "bad.graphql")
	if err := os.WriteFile(notGraphQL, []byte("SELECT 1"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, url := range databases(t) {
		t.Run(name, func(t *testing.T) {
			if code, _, stderr := cli(t, anchors, "import", "--database", url, "-"); code != 0 {
				t.Fatalf("import: %d %s", code, stderr)
			}
			code, out, stderr := cli(t, "", "apikey", "create", "--database", url, "--name", "dashboard", "--role", "analyst", "--scope", "region:S1", "--pii")
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			key := lines[len(lines)-1]
			if code != 0 || len(lines) < 2 || !keyLine.MatchString(key) || !strings.HasSuffix(out, key+"\n") {
				t.Fatalf("create: exit %d, stdout %q, stderr %q; want the key alone on the last line", code, out, stderr)
			}
			if strings.Count(out, key[4:]) != 1 {
				t.Errorf("create prints the key more than once:\n%s", out)
			}
			p, err := lookup(t, url, key)
			if err != nil || p.Role != auth.Analyst || p.Scope.Code != "S1" || p.Scope.ID == 0 || !p.PII {
				t.Fatalf("the created key: %+v %v", p, err)
			}
			code, out, _ = cli(t, "", "apikey", "create", "--database", url, "--name", "partner", "--role", "PARTNER", "--scope", "organization:ORG-1")
			partnerKey := out[strings.LastIndex(strings.TrimSuffix(out, "\n"), "\n")+1 : len(out)-1]
			if code != 0 || !keyLine.MatchString(partnerKey) {
				t.Fatalf("create a partner key: %d %q", code, out)
			}

			for _, c := range []struct {
				args []string
				exit int
				says string
			}{
				{[]string{}, 2, "missing subcommand"},
				{[]string{"rotate"}, 2, "unknown subcommand"},
				{[]string{"create", "--role", "ADMIN"}, 2, "--name"},
				{[]string{"create", "--name", "x"}, 2, "--role"},
				{[]string{"create", "--name", "x", "--role", "king"}, 2, "unknown role"},
				{[]string{"create", "--name", "x", "--role", "partner"}, 2, "organization:CODE"},
				{[]string{"create", "--name", "x", "--role", "admin", "--scope", "region:S1"}, 2, "no scope"},
				{[]string{"create", "--name", "x", "--role", "analyst", "--scope", "region:NOPE"}, 2, "NOPE"},
				{[]string{"create", "--name", "x", "--role", "analyst", "--scope", "S1"}, 2, "region:CODE"},
				{[]string{"create", "--name", "42", "--role", "admin"}, 2, "digits"},
				{[]string{"create", "--name", "x", "--role", "admin", "extra"}, 2, "unexpected"},
				{[]string{"create", "--name", "dashboard", "--role", "admin"}, 1, "exists already"},
				{[]string{"create", "--nope"}, 2, "nope"},
				{[]string{"revoke"}, 2, "ID or NAME"},
				{[]string{"revoke", "a", "b"}, 2, "ID or NAME"},
				{[]string{"revoke", "nobody"}, 1, "nobody"},
				{[]string{"allow", doc}, 2, "--key"},
				{[]string{"allow", "--key", "dashboard"}, 2, "FILE"},
				{[]string{"allow", "--key", "nobody", doc}, 1, "nobody"},
				{[]string{"allow", "--key", "dashboard", filepath.Join(dir, "missing.graphql")}, 1, "missing.graphql"},
				{[]string{"allow", "--key", "dashboard", notGraphQL}, 1, "not a GraphQL document"},
				{[]string{"disallow", "--key", "dashboard"}, 2, "--all"},
				{[]string{"disallow", "--key", "dashboard", "--all", doc}, 2, "not both"},
			} {
				args := append([]string{"apikey"}, c.args...)
				args = append(args, "--database", url)
				code, out, stderr := cli(t, "", args...)
				if code != c.exit || !strings.Contains(stderr, c.says) || strings.Contains(out+stderr, key) {
					t.Errorf("%v: exit %d, stdout %q, stderr %q; want %d saying %q", c.args, code, out, stderr, c.exit, c.says)
				}
			}

			code, out, stderr = cli(t, "", "apikey", "list", "--database", url)
			if code != 0 || strings.Contains(out, key[8:]) || strings.Contains(out, partnerKey[8:]) {
				t.Fatalf("list: %d %q %q", code, out, stderr)
			}
			for _, want := range []string{"ID", "NAME", "PREFIX", "dashboard", "ANALYST", "region:S1", "yes", key[:8], "partner", "PARTNER", "organization:ORG-1", "any"} {
				if !strings.Contains(out, want) {
					t.Errorf("list lacks %q:\n%s", want, out)
				}
			}

			code, out, stderr = cli(t, "", "apikey", "allow", "--database", url, "--key", "dashboard", doc)
			hash := auth.DocumentHash("query Count { regions { totalCount } }\n")
			if code != 0 || !strings.Contains(out, hash+"  "+doc) || !strings.Contains(out, "only its registered operations (1 in all)") {
				t.Fatalf("allow: %d %q %q", code, out, stderr)
			}
			if _, out, _ = cli(t, "", "apikey", "list", "--database", url); !strings.Contains(out, "1 registered") {
				t.Errorf("list after allow:\n%s", out)
			}
			code, out, stderr = cli(t, "", "apikey", "disallow", "--key", "1", "--all", "--database", url)
			if code != 0 || !strings.Contains(out, "removed 1") || !strings.Contains(out, "runs any operation") {
				t.Fatalf("disallow --all: %d %q %q", code, out, stderr)
			}

			// Flags after the key's name work too.
			code, out, stderr = cli(t, "", "apikey", "revoke", "dashboard", "--database", url)
			if code != 0 || !strings.Contains(out, "revoked API key 1") {
				t.Fatalf("revoke: %d %q %q", code, out, stderr)
			}
			_, err = lookup(t, url, key)
			if apperr.CodeOf(err) != apperr.Unauthenticated {
				t.Fatalf("lookup after revoke: %v", err)
			}
			if code, out, _ = cli(t, "", "apikey", "revoke", "--database", url, "1"); code != 0 || !strings.Contains(out, "already revoked") {
				t.Errorf("revoke again: %d %q", code, out)
			}
			if code, _, stderr = cli(t, "", "apikey", "allow", "--database", url, "--key", "dashboard", doc); code != 1 || !strings.Contains(stderr, "revoked") {
				t.Errorf("allow for a revoked key: %d %q", code, stderr)
			}
			if _, out, _ = cli(t, "", "apikey", "list", "--database", url); !regexp.MustCompile(`dashboard .* \d{4}-\d\d-\d\dT\S+Z\s+any`).MatchString(out) {
				t.Errorf("list does not show when dashboard was revoked:\n%s", out)
			}
			if p, err := lookup(t, url, partnerKey); err != nil || p.Scope.ID == 0 {
				t.Errorf("the other key after the revoke: %+v %v", p, err)
			}
		})
	}
}

func TestServeJWTFlags(t *testing.T) {
	t.Setenv("CIVICGRAPH_JWT_SECRET", "")
	db := "sqlite:" + filepath.Join(t.TempDir(), "serve.db")
	for _, c := range []struct {
		args []string
		exit int
		says string
	}{
		{[]string{"--jwt-issuer", "https://idp"}, 2, "--jwt-secret"},
		{[]string{"--jwt-audience", "civicgraph"}, 2, "--jwt-jwks"},
		{[]string{"--jwt-secret", "tooshortsecret"}, 2, "at least 32"},
		{[]string{"--jwt-jwks", filepath.Join(t.TempDir(), "none.json")}, 1, "JWKS"},
	} {
		args := append([]string{"serve", "--database", db, "--listen", "127.0.0.1:0"}, c.args...)
		if code, _, stderr := cli(t, "", args...); code != c.exit || !strings.Contains(stderr, c.says) || strings.Contains(stderr, "tooshortsecret") {
			t.Errorf("%v: exit %d, stderr %q; want %d saying %q", c.args, code, stderr, c.exit, c.says)
		}
	}
}

func TestNewAuthenticator(t *testing.T) {
	t.Setenv("CIVICGRAPH_JWT_SECRET", "0123456789abcdef0123456789abcdef")
	f := jwtFlags{secret: new(string), jwks: new(string), issuer: new(string), audience: new(string)}
	cfg, err := f.config()
	if err != nil || cfg == nil || string(cfg.Secret) != "0123456789abcdef0123456789abcdef" {
		t.Fatalf("the secret from the environment: %+v %v", cfg, err)
	}
	db, err := store.Open(context.Background(), "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err := newAuthenticator(db, true, cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	if p, err := a.Authenticate(context.Background(), r); err != nil || !p.Anonymous {
		t.Fatalf("demo without credentials: %+v %v", p, err)
	}
}
