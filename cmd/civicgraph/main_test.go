package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/storetest"
)

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}

// cli runs one command line in-process.
func cli(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// databases are one fresh SQLite and one fresh PostgreSQL URL.
func databases(t *testing.T) map[string]string {
	return map[string]string{
		"sqlite":   "sqlite:" + filepath.Join(t.TempDir(), "cli.db"),
		"postgres": storetest.NewPostgresDatabase(t),
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{{}, {"fly"}, {"seed"}, {"seed", "--scale", "galaxy"}, {"export", "--type", "Nope"}, {"import"}, {"serve", "--nope"}} {
		if code, _, stderr := cli(t, "", args...); code != 2 || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 with a message", args, code, stderr)
		}
	}
}

const good = `{"type":"Community","code":"C1","name":"海珠社区","kind":"URBAN","region":"S1","population":21000}
{"type":"Region","code":"P1","name":"广东省","level":"PROVINCE"}
{"type":"Region","code":"S1","name":"粤海街道","level":"STREET","parent":"P1"}
{"type":"ServiceCategory","code":"HAIRCUT","name":"理发"}
{"type":"ServiceRecord","code":"SR-1","community":"C1","category":"HAIRCUT","occurredAt":"2022-06-01T10:00:00+08:00","peopleServed":3,"resolved":true}
`

func TestImportExportMigrateThroughTheCommandLine(t *testing.T) {
	for name, url := range databases(t) {
		t.Run(name, func(t *testing.T) {
			if code, out, stderr := cli(t, "", "migrate", "--database", url); code != 0 || !strings.Contains(out, "applied 0001_init") || !strings.Contains(out, "schema version ") {
				t.Fatalf("migrate: %d %q %q", code, out, stderr)
			}
			if code, _, stderr := cli(t, good, "import", "--database", url, "-"); code != 0 {
				t.Fatalf("import: %d %s", code, stderr)
			}
			_, before, _ := cli(t, "", "export", "--database", url)
			if strings.Count(before, "\n") != 5 || !strings.Contains(before, `"code":"SR-1"`) {
				t.Fatalf("export after import:\n%s", before)
			}
			bad := good + `{"type":"ServiceRecord","code":"SR-2","community":"NOPE","occurredAt":"2022-06-01T10:00:00+08:00"}
{"type":"Community","code":"C2","name":"x","kind":"PLANET","region":"S1"}
`
			code, _, stderr := cli(t, bad, "import", "--database", url, "-")
			if code != 1 || !strings.Contains(stderr, "line 6") || !strings.Contains(stderr, "line 7") || strings.Contains(stderr, "goroutine") {
				t.Fatalf("bad import: exit %d, stderr:\n%s", code, stderr)
			}
			if _, after, _ := cli(t, "", "export", "--database", url); after != before {
				t.Fatalf("a failed import changed the store:\n%s\nvs\n%s", after, before)
			}
			if code, _, stderr := cli(t, "", "migrate", "--database", url, "--to", "99"); code != 1 || stderr == "" {
				t.Fatalf("migrate to an unknown version: %d %q", code, stderr)
			}
		})
	}
}
