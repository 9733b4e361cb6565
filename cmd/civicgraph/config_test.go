package main

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/server"
)

// clearConfigEnv unsets (empty counts as unset) every CIVICGRAPH_ variable
// that could set a flag, so that the shell running the tests adds no layer.
func clearConfigEnv(t *testing.T) {
	t.Helper()
	names := []string{"CIVICGRAPH_CONFIG", "CIVICGRAPH_DATABASE", "CIVICGRAPH_DATABASE_URL", "CIVICGRAPH_JWT_SECRET", "CIVICGRAPH_RATE_LIMIT", "CIVICGRAPH_RATE_BURST", "CIVICGRAPH_KEY"}
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "CIVICGRAPH_") && !strings.HasPrefix(name, "CIVICGRAPH_TEST_") {
			names = append(names, name)
		}
	}
	for _, name := range names {
		t.Setenv(name, "")
	}
}

// writeConfigFile writes a config file and returns its path.
func writeConfigFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "civicgraph.conf")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// effectiveSettings runs civicgraph config and returns its lines by name:
// "value  # source".
func effectiveSettings(t *testing.T, args ...string) map[string]string {
	t.Helper()
	code, out, stderr := cli(t, "", append([]string{"config"}, args...)...)
	if code != 0 {
		t.Fatalf("config %v: exit %d, stderr %q", args, code, stderr)
	}
	lines := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		name, rest, ok := strings.Cut(line, " = ")
		if !ok {
			t.Fatalf("config %v: line %q is not name = value  # source", args, line)
		}
		lines[name] = rest
	}
	return lines
}

func TestConfigPrecedence(t *testing.T) {
	clearConfigEnv(t)
	file := writeConfigFile(t, "# shared\nrate-limit = 3\nrate-burst = 1\n\n[serve]\nrate-burst = 7  # the server's own\n[import]\nrate-burst = 9\n")
	other := writeConfigFile(t, "rate-limit = 4\n")
	defaultRate := strconv.FormatFloat(server.DefaultRateLimit, 'g', -1, 64)
	for _, c := range []struct {
		name      string
		env       map[string]string
		args      []string
		key, want string
	}{
		{"default", nil, nil, "rate-limit", defaultRate + "  # default"},
		{"file over default", nil, []string{"--config", file}, "rate-limit", "3  # file " + file + ":2"},
		{"section over top part", nil, []string{"--config", file}, "rate-burst", "7  # file " + file + ":6"},
		{"env over default", map[string]string{"CIVICGRAPH_RATE_LIMIT": "5"}, nil, "rate-limit", "5  # env CIVICGRAPH_RATE_LIMIT"},
		{"env over file", map[string]string{"CIVICGRAPH_RATE_LIMIT": "5"}, []string{"--config", file}, "rate-limit", "5  # env CIVICGRAPH_RATE_LIMIT"},
		{"flag over default", nil, []string{"serve", "--rate-limit", "8"}, "rate-limit", "8  # flag"},
		{"flag over file", nil, []string{"serve", "--config", file, "--rate-limit", "8"}, "rate-limit", "8  # flag"},
		{"flag over env", map[string]string{"CIVICGRAPH_RATE_LIMIT": "5"}, []string{"serve", "--rate-limit=8"}, "rate-limit", "8  # flag"},
		{"flag over env over file", map[string]string{"CIVICGRAPH_RATE_LIMIT": "5"}, []string{"--config", file, "serve", "--rate-limit", "8"}, "rate-limit", "8  # flag"},
		{"file named by env", map[string]string{"CIVICGRAPH_CONFIG": file}, nil, "rate-limit", "3  # file " + file + ":2"},
		{"config path from env", map[string]string{"CIVICGRAPH_CONFIG": file}, nil, "config", file + "  # env CIVICGRAPH_CONFIG"},
		{"--config over env", map[string]string{"CIVICGRAPH_CONFIG": file}, []string{"serve", "--config", other}, "rate-limit", "4  # file " + other + ":1"},
		{"--config \"\" turns the env's file off", map[string]string{"CIVICGRAPH_CONFIG": file}, []string{"--config", ""}, "rate-limit", defaultRate + "  # default"},
		{"the new database variable over the old", map[string]string{"CIVICGRAPH_DATABASE": "sqlite:new.db", "CIVICGRAPH_DATABASE_URL": "sqlite:old.db"}, nil, "database", "sqlite:new.db  # env CIVICGRAPH_DATABASE"},
		{"the old database variable still works", map[string]string{"CIVICGRAPH_DATABASE_URL": "sqlite:old.db"}, nil, "database", "sqlite:old.db  # env CIVICGRAPH_DATABASE_URL"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			if got := effectiveSettings(t, c.args...)[c.key]; got != c.want {
				t.Errorf("config %v: %s = %s; want %s", c.args, c.key, got, c.want)
			}
		})
	}
}

// everyCommandLine lists each command of the table, each apikey
// subcommand on its own, as civicgraph config takes them.
func everyCommandLine() [][]string {
	var lines [][]string
	for name, cmd := range commands {
		switch {
		case name == "config":
		case len(cmd.subcommands) == 0:
			lines = append(lines, []string{name})
		default:
			for _, sub := range cmd.subcommands {
				lines = append(lines, []string{name, sub})
			}
		}
	}
	slices.SortFunc(lines, func(a, b []string) int { return strings.Compare(strings.Join(a, " "), strings.Join(b, " ")) })
	return lines
}

func TestConfigEveryCommandReadsEnvAndFile(t *testing.T) {
	clearConfigEnv(t)
	lines := everyCommandLine()
	if len(lines) < 11 {
		t.Fatalf("only %d command lines: %v", len(lines), lines)
	}
	for _, line := range lines {
		t.Run(strings.Join(line, " "), func(t *testing.T) {
			t.Setenv("CIVICGRAPH_DATABASE", "sqlite:from-env.db")
			if got := effectiveSettings(t, line...)["database"]; got != "sqlite:from-env.db  # env CIVICGRAPH_DATABASE" {
				t.Errorf("from the environment: database = %s", got)
			}
			t.Setenv("CIVICGRAPH_DATABASE", "")
			top := writeConfigFile(t, "database = sqlite:from-file.db\n")
			if got := effectiveSettings(t, append([]string{"--config", top}, line...)...)["database"]; got != "sqlite:from-file.db  # file "+top+":1" {
				t.Errorf("from the file's top part: database = %s", got)
			}
			section := writeConfigFile(t, "database = sqlite:top.db\n["+line[0]+"]\ndatabase = sqlite:section.db\n")
			if got := effectiveSettings(t, append([]string{"--config", section}, line...)...)["database"]; got != "sqlite:section.db  # file "+section+":3" {
				t.Errorf("from the file's [%s] section: database = %s", line[0], got)
			}
		})
	}
}

// TestConfigReachesTheCommands runs real commands on both stores with the
// database named only by the environment or the file.
func TestConfigReachesTheCommands(t *testing.T) {
	clearConfigEnv(t)
	for name, url := range databases(t) {
		t.Run(name, func(t *testing.T) {
			t.Setenv("CIVICGRAPH_DATABASE", url)
			if code, out, stderr := cli(t, "", "migrate"); code != 0 || !strings.Contains(out, "schema version ") {
				t.Fatalf("migrate, database from the environment: %d %q %q", code, out, stderr)
			}
			// "sqlite:" names no file: a command that used it would fail.
			t.Setenv("CIVICGRAPH_DATABASE", "sqlite:")
			file := writeConfigFile(t, "database = sqlite:\n[import]\ndatabase = "+strconv.Quote(url)+"\n[export]\ndatabase = sqlite:\n")
			if code, _, stderr := cli(t, good, "import", "--config", file, "-"); code != 1 {
				t.Fatalf("import: the environment must win over the file: %d %q", code, stderr)
			}
			t.Setenv("CIVICGRAPH_DATABASE", "")
			if code, _, stderr := cli(t, good, "import", "--config", file, "-"); code != 0 {
				t.Fatalf("import, database from the file's [import]: %d %q", code, stderr)
			}
			if code, _, stderr := cli(t, "", "export", "--config", file); code != 1 {
				t.Fatalf("export must use its own section: %d %q", code, stderr)
			}
			t.Setenv("CIVICGRAPH_DATABASE_URL", url)
			t.Setenv("CIVICGRAPH_DATABASE", "sqlite:")
			if code, out, stderr := cli(t, "", "export", "--database", url); code != 0 || strings.Count(out, "\n") != 5 {
				t.Fatalf("export, the flag over the environment: %d %q %q", code, out, stderr)
			}
			t.Setenv("CIVICGRAPH_DATABASE", "")
			if code, out, stderr := cli(t, "", "rollup", "verify"); code != 0 || !strings.Contains(out, "match") {
				t.Fatalf("rollup verify, database from CIVICGRAPH_DATABASE_URL: %d %q %q", code, out, stderr)
			}
			t.Setenv("CIVICGRAPH_DATABASE_URL", "")
			t.Setenv("CIVICGRAPH_CONFIG", writeConfigFile(t, "[apikey]\ndatabase = "+url+"\nname = ops\nrole = ADMIN\n"))
			if code, out, stderr := cli(t, "", "apikey", "create"); code != 0 || !strings.Contains(out, `"ops"`) {
				t.Fatalf("apikey create, everything from the file of $CIVICGRAPH_CONFIG: %d %q %q", code, out, stderr)
			}
			if code, out, stderr := cli(t, "", "apikey", "list"); code != 0 || !strings.Contains(out, "ops") {
				t.Fatalf("apikey list ignores [apikey]'s keys it does not have: %d %q %q", code, out, stderr)
			}
		})
	}
}

func TestConfigJWTSecretFromTheFileReachesServe(t *testing.T) {
	clearConfigEnv(t)
	file := writeConfigFile(t, "[serve]\njwt-secret = tooshortsecret\n")
	db := "sqlite:" + filepath.Join(t.TempDir(), "serve.db")
	code, out, stderr := cli(t, "", "serve", "--config", file, "--database", db, "--listen", "127.0.0.1:0")
	if code != 2 || !strings.Contains(stderr, "at least 32") || strings.Contains(out+stderr, "tooshortsecret") {
		t.Fatalf("serve with a short secret from the file: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

func TestConfigBadSettingsNameWhereAndWhat(t *testing.T) {
	clearConfigEnv(t)
	missing := filepath.Join(t.TempDir(), "none.conf")
	for _, c := range []struct {
		file string
		args []string
		says []string
	}{
		{"listen = :1\nnope = 3\n", []string{"config", "migrate"}, []string{":2:", `"nope"`}},
		{"listen = :1\nnope = 3\n", []string{"migrate"}, []string{":2:", `"nope"`}},
		{"[migrate]\nlisten = :1\n", []string{"config", "migrate"}, []string{":2:", `"listen"`, "[migrate]"}},
		{"\nrate-limit = fast\n", []string{"config", "serve"}, []string{":2:", "rate-limit", `"fast"`}},
		{"[serve]\nrequest-timeout = soon\n", []string{"serve"}, []string{":2:", "request-timeout"}},
		{"[serve]\ndemo = maybe\n", []string{"config"}, []string{":2:", "demo"}},
		{"[fly]\n", []string{"config"}, []string{":1:", "[fly]"}},
		{"[serve\n", []string{"config"}, []string{":1:", "[command]"}},
		{"just words\n", []string{"config"}, []string{":1:", "key = value"}},
		{"listen = \"127.0.0.1:1\n", []string{"config"}, []string{":1:", "listen", "quoted"}},
		{"config = other.conf\n", []string{"config"}, []string{":1:", "config"}},
	} {
		path := writeConfigFile(t, c.file)
		args := append(slices.Clone(c.args), "--config", path)
		code, _, stderr := cli(t, "", args...)
		if code != 2 || !strings.Contains(stderr, path) {
			t.Errorf("%q with %v: exit %d, stderr %q; want 2 naming the file", c.file, c.args, code, stderr)
		}
		for _, s := range c.says {
			if !strings.Contains(stderr, s) {
				t.Errorf("%q with %v: stderr %q does not say %q", c.file, c.args, stderr, s)
			}
		}
	}
	if code, _, stderr := cli(t, "", "config", "--config", missing); code != 2 || !strings.Contains(stderr, missing) {
		t.Errorf("a missing file: exit %d, stderr %q", code, stderr)
	}
	t.Setenv("CIVICGRAPH_CONFIG", missing)
	if code, _, stderr := cli(t, "", "export"); code != 2 || !strings.Contains(stderr, missing) {
		t.Errorf("a missing file from $CIVICGRAPH_CONFIG: exit %d, stderr %q", code, stderr)
	}
	t.Setenv("CIVICGRAPH_CONFIG", "")
	t.Setenv("CIVICGRAPH_RATE_LIMIT", "fast")
	if code, _, stderr := cli(t, "", "config", "serve"); code != 2 || !strings.Contains(stderr, "CIVICGRAPH_RATE_LIMIT") || !strings.Contains(stderr, "rate-limit") {
		t.Errorf("a bad value in the environment: exit %d, stderr %q", code, stderr)
	}
	t.Setenv("CIVICGRAPH_RATE_LIMIT", "")
	// Keys of other commands, wherever they are, are not this command's business.
	path := writeConfigFile(t, "listen = :1\n[serve]\nnope = 3\nrate-limit = fast\n[apikey]\nrole = ADMIN\n")
	for _, cmd := range []string{"migrate", "export", "import"} {
		if code, _, stderr := cli(t, "", "config", "--config", path, cmd); code != 0 {
			t.Errorf("%s with another command's settings: exit %d, stderr %q", cmd, code, stderr)
		}
	}
}

func TestConfigSyntax(t *testing.T) {
	clearConfigEnv(t)
	path := writeConfigFile(t, "  # indented comment\r\n"+
		"listen = 127.0.0.1:9090   # trailing comment\r\n"+
		"admin-listen = \"127.0.0.1:6060 #not a comment\"  # a comment\n"+
		"jwt-issuer=https://idp.example/#frag\n"+
		"jwt-audience =\n"+
		"[serve]  # the server\n"+
		"demo = true\n")
	got := effectiveSettings(t, "--config", path)
	for key, want := range map[string]string{
		"listen":       "127.0.0.1:9090  # file " + path + ":2",
		"admin-listen": `"127.0.0.1:6060 #not a comment"  # file ` + path + ":3",
		"jwt-issuer":   "https://idp.example/#frag  # file " + path + ":4",
		"jwt-audience": `""  # file ` + path + ":5",
		"demo":         "true  # file " + path + ":7",
	} {
		if got[key] != want {
			t.Errorf("%s = %s; want %s", key, got[key], want)
		}
	}
}

func TestConfigRedactsSecrets(t *testing.T) {
	const (
		secret   = "0123456789abcdef0123456789abcdef0123456789abcdef" // 48 bytes
		password = "hunter2-pass"
		apiKey   = "cgk_abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst"
	)
	dbURL := "postgres://civic:" + password + "@db.example:5432/civic?sslmode=disable"
	wantDB := "postgres://civic:***@db.example:5432/civic?sslmode=disable"
	file := writeConfigFile(t, "database = "+dbURL+"\njwt-secret = "+secret+"\n")
	for _, c := range []struct {
		name   string
		env    map[string]string
		args   []string
		source string
	}{
		{"flag", nil, []string{"serve", "--jwt-secret", secret, "--database", dbURL}, "flag"},
		{"env", map[string]string{"CIVICGRAPH_JWT_SECRET": secret, "CIVICGRAPH_DATABASE": dbURL}, nil, "env CIVICGRAPH_"},
		{"file", nil, []string{"--config", file}, "file " + file},
	} {
		t.Run(c.name, func(t *testing.T) {
			clearConfigEnv(t)
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			code, out, stderr := cli(t, "", append([]string{"config"}, c.args...)...)
			if code != 0 || strings.Contains(out+stderr, secret) || strings.Contains(out+stderr, password) {
				t.Fatalf("exit %d; a secret shows:\n%s%s", code, out, stderr)
			}
			got := effectiveSettings(t, c.args...)
			if !strings.HasPrefix(got["jwt-secret"], "<redacted, 48 bytes>  # "+c.source) {
				t.Errorf("jwt-secret = %s", got["jwt-secret"])
			}
			if !strings.HasPrefix(got["database"], wantDB+"  # "+c.source) {
				t.Errorf("database = %s", got["database"])
			}
		})
	}
	clearConfigEnv(t)
	for url, want := range map[string]string{
		"postgres://civic@db/civic?password=" + password + "&sslmode=disable": "postgres://civic@db/civic?password=***&sslmode=disable",
		"postgresql://civic:p%40ss:" + password + "@db/civic":                 "postgresql://civic:***@db/civic",
		"postgres://db/civic": "postgres://db/civic",
	} {
		if got := effectiveSettings(t, "migrate", "--database", url)["database"]; got != want+"  # flag" {
			t.Errorf("%s shows as %s; want %s", url, got, want)
		}
	}
	code, out, stderr := cli(t, "", "config", "apikey", "allow", "--key", apiKey)
	if code != 0 || strings.Contains(out+stderr, apiKey) || !strings.Contains(out, "key = <redacted API key>  # flag") {
		t.Errorf("an API key given as --key: exit %d:\n%s%s", code, out, stderr)
	}
	t.Setenv("CIVICGRAPH_KEY", apiKey)
	code, out, stderr = cli(t, "", "apikey", "allow", "some.graphql")
	if code != 2 || strings.Contains(out+stderr, apiKey) || !strings.Contains(stderr, "CIVICGRAPH_KEY") {
		t.Errorf("an API key in $CIVICGRAPH_KEY: exit %d:\n%s%s", code, out, stderr)
	}
}

func TestConfigHelpNeverPrintsSecrets(t *testing.T) {
	const (
		secret   = "0123456789abcdef0123456789abcdef-from-somewhere"
		password = "hunter2-pass"
	)
	dbURL := "postgres://civic:" + password + "@db.example/civic"
	file := writeConfigFile(t, "database = "+dbURL+"\n[serve]\njwt-secret = "+secret+"\n")
	helps := [][]string{{"-h"}, {"config", "-h"}, {"config", "serve", "-h"}, {"config", "--config", file, "migrate", "--help"}}
	for _, line := range everyCommandLine() {
		helps = append(helps, append(line, "-h"))
	}
	for _, layer := range []map[string]string{
		{"CIVICGRAPH_JWT_SECRET": secret, "CIVICGRAPH_DATABASE": dbURL},
		{"CIVICGRAPH_CONFIG": file},
	} {
		clearConfigEnv(t)
		for k, v := range layer {
			t.Setenv(k, v)
		}
		for _, args := range helps {
			code, out, stderr := cli(t, "", args...)
			if code != 0 || stderr == "" {
				t.Errorf("%v: exit %d, stderr %q; want 0 and a usage text", args, code, stderr)
			}
			if strings.Contains(out+stderr, secret) || strings.Contains(out+stderr, password) {
				t.Errorf("%v with %v prints a secret:\n%s%s", args, layer, out, stderr)
			}
		}
	}
}

func TestConfigCommandLine(t *testing.T) {
	clearConfigEnv(t)
	if _, _, stderr := cli(t, "", "-h"); !strings.Contains(stderr, "config") || !strings.Contains(stderr, "CIVICGRAPH_CONFIG") {
		t.Errorf("the usage does not tell of config:\n%s", stderr)
	}
	for _, args := range [][]string{{"config", "fly"}, {"config", "config"}, {"config", "--config"}, {"config", "serve", "--nope"}, {"config", "apikey"}} {
		if code, _, stderr := cli(t, "", args...); code != 2 || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 with a message", args, code, stderr)
		}
	}
	// apikey's flags may follow its arguments; config shows them as apikey parses them.
	if got := effectiveSettings(t, "apikey", "revoke", "partner-a", "--database", "sqlite:x.db")["database"]; got != "sqlite:x.db  # flag" {
		t.Errorf("apikey revoke NAME --database: database = %s", got)
	}
	got := effectiveSettings(t, "import")
	if got["cpuprofile"] != `""  # default` || got["config"] != `""  # default` || len(got) != 3 {
		t.Errorf("import's settings: %v", got)
	}
}
