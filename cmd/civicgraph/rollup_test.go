package main

import (
	"context"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/rollup"
	"github.com/civicgraph/civicgraph/internal/store"
)

func TestRollupVerifyAndRebuild(t *testing.T) {
	for name, url := range databases(t) {
		t.Run(name, func(t *testing.T) {
			if code, _, stderr := cli(t, good, "import", "--database", url, "-"); code != 0 {
				t.Fatalf("import: %d %s", code, stderr)
			}
			if code, out, stderr := cli(t, "", "rollup", "verify", "--database", url); code != 0 || !strings.Contains(out, "match") {
				t.Fatalf("verify after an import: exit %d, stdout %q, stderr %q", code, out, stderr)
			}
			db, err := store.Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			_, err = db.Exec(context.Background(), "UPDATE "+rollup.RegionMonth.Name+" SET people_served = people_served + 5")
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
			code, out, stderr := cli(t, "", "rollup", "--database", url, "verify")
			if code != 1 || !strings.Contains(out, rollup.RegionMonth.Name+" region_path=/") ||
				!strings.Contains(out, "month=2022-06") || !strings.Contains(out, "roll-up [1 8 1], base tables [1 3 1]") ||
				!strings.Contains(stderr, "1 roll-up keys differ") {
				t.Fatalf("verify after corrupting a row: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
			}
			if code, out, stderr := cli(t, "", "rollup", "rebuild", "--database", url); code != 0 || !strings.Contains(out, "rebuilt") {
				t.Fatalf("rebuild: exit %d, stdout %q, stderr %q", code, out, stderr)
			}
			if code, out, stderr := cli(t, "", "rollup", "verify", "--database", url); code != 0 || strings.Contains(out, "region_path") {
				t.Fatalf("verify after the rebuild: exit %d, stdout %q, stderr %q", code, out, stderr)
			}
		})
	}
}

func TestRollupUsage(t *testing.T) {
	for _, args := range [][]string{{"rollup"}, {"rollup", "fix"}, {"rollup", "verify", "extra"}, {"rollup", "verify", "--nope"}} {
		if code, _, stderr := cli(t, "", args...); code != 2 || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 with a message", args, code, stderr)
		}
	}
	if code, _, _ := cli(t, "", "rollup", "-h"); code != 0 {
		t.Errorf("rollup -h: exit %d, want 0", code)
	}
}
