package ingest

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

func TestImportCycles(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string
	}{
		{"within the file", `{"type":"Region","code":"B","name":"b","level":"CITY","parent":"A"}
{"type":"Region","code":"A","name":"a","level":"CITY","parent":"B"}
{"type":"Community","code":"CA","name":"c","kind":"URBAN","region":"A"}
`, []string{
			"line 1: Region B: its parents make a cycle: A → B → A",
			"line 2: Region A: its parents make a cycle: A → B → A",
		}},
		{"with the store", `{"type":"Region","code":"440000","name":"广东省","level":"PROVINCE","parent":"440305007"}
`, []string{
			"line 1: Region 440000: its parents make a cycle: 440000 → 440305007 → 440305 → 440300 → 440000",
		}},
		{"categories", `{"type":"ServiceCategory","code":"MEDICAL","name":"m","parent":"HEALTH_CHECK"}
`, []string{
			"line 1: ServiceCategory MEDICAL: its parents make a cycle: HEALTH_CHECK → MEDICAL → HEALTH_CHECK",
		}},
		{"organizations", `{"type":"Organization","code":"O-A","name":"a","kind":"OTHER","parent":"O-B"}
{"type":"Organization","code":"O-B","name":"b","kind":"OTHER","parent":"O-C"}
{"type":"Organization","code":"O-C","name":"c","kind":"OTHER","parent":"O-A"}
{"type":"Organization","code":"O-D","name":"d","kind":"OTHER","parent":"O-C"}
`, []string{
			"line 1: Organization O-A: its parents make a cycle: O-A → O-B → O-C → O-A",
			"line 2: Organization O-B: its parents make a cycle: O-A → O-B → O-C → O-A",
			"line 3: Organization O-C: its parents make a cycle: O-A → O-B → O-C → O-A",
		}},
	}
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		mustImport(t, db, fixture)
		before, rows := exportText(t, db), counts(t, db)
		for _, c := range cases {
			_, err := Import(ctx, db, strings.NewReader(c.text), Options{})
			var le *LineErrors
			if !errors.As(err, &le) {
				t.Errorf("%s: err = %v, want *LineErrors", c.name, err)
				continue
			}
			if got := strings.Split(le.Error(), "\n"); !equalLines(got, c.want) {
				t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
			}
		}
		if got := counts(t, db); !maps.Equal(got, rows) {
			t.Errorf("rows changed: %v\nwant %v", got, rows)
		}
		if exportText(t, db) != before {
			t.Errorf("data changed")
		}
	})
}

// A tree given children first, across several batches, comes out whole.
func TestImportDeepTreeChildrenFirst(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		var b strings.Builder
		depth := 2*maxBatchRows + 500 // more than two batches
		if db.Dialect() == store.Postgres {
			depth = 2*pgBatchRows + 500
		}
		for i := depth; i >= 1; i-- {
			parent := ""
			if i > 1 {
				parent = `,"parent":"O` + itoa(i-1) + `"`
			}
			b.WriteString(`{"type":"Organization","code":"O` + itoa(i) + `","name":"n","kind":"OTHER"` + parent + "}\n")
		}
		mustImport(t, db, b.String())
		n := queryInt(t, db, "SELECT count(*) FROM organizations c JOIN organizations p ON p.id = c.parent_id WHERE CAST(substr(c.code, 2) AS INTEGER) = CAST(substr(p.code, 2) AS INTEGER) + 1")
		if n != depth-1 {
			t.Errorf("%d parent links, want %d", n, depth-1)
		}
	})
}

func equalLines(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
