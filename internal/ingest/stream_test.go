package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// lines decodes NDJSON into the maps ImportLines takes.
func lines(t testing.TB, text string) []map[string]any {
	t.Helper()
	var out []map[string]any
	dec := json.NewDecoder(strings.NewReader(text))
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func emitAll(ls []map[string]any) func(func(map[string]any) error) error {
	return func(emit func(map[string]any) error) error {
		for _, l := range ls {
			if err := emit(l); err != nil {
				return err
			}
		}
		return nil
	}
}

func TestImportLines(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		src := storetest.Open(t, db.Dialect())
		mustImport(t, src, fixture)
		want := exportText(t, src)
		rep, err := ImportLines(ctx, db, emitAll(lines(t, want)), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Lines != 37 || rep.ByType["ServiceRecord"] != 2 {
			t.Errorf("report = %+v", rep)
		}
		if got := exportText(t, db); got != want {
			t.Errorf("ImportLines wrote\n%s\nwant\n%s", got, want)
		}
		checkPaths(t, db)

		// Go values, not only what encoding/json makes.
		_, err = ImportLines(ctx, db, emitAll([]map[string]any{
			{"type": "Person", "code": "P-20", "name": "go", "birthYear": 1980, "roles": []string{"VOLUNTEER"}, "community": "C1"},
			{"type": "GradeChange", "person": "P-20", "tier": int64(3), "step": 2, "effectiveOn": store.Date("2022-01-01")},
			{"type": "ServiceRecord", "code": "SR-20", "community": "C1", "occurredAt": time.Date(2022, 6, 1, 2, 0, 0, 0, time.UTC), "peopleServed": 4.0},
		}), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := queryString(t, db, "SELECT code FROM grade_changes WHERE tier = 3"); got != "P-20/2022-01-01" {
			t.Errorf("grade change code = %q", got)
		}
		checkPaths(t, db)
	})
}

func TestImportLinesErrors(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		rows := counts(t, db)
		_, err := ImportLines(ctx, db, emitAll([]map[string]any{
			{"type": "Region", "code": "R", "name": "r", "level": "CITY"},
			{"type": "Community", "code": "C", "name": "c", "kind": "URBAN", "region": "LATER"},
			{"type": "Region", "code": "LATER", "name": "r", "level": "STREET", "parent": "R"},
			{"type": "Person", "code": "P", "name": "p", "birthYear": -1},
			{"type": "Person", "code": "Q", "name": "q", "nickname": "x"},
			{"type": "ServiceRecord", "code": "S", "community": "C", "occurredAt": "2022-06-01T10:00:00+08:00"},
		}), Options{})
		var le *LineErrors
		if !errors.As(err, &le) {
			t.Fatalf("err = %v, want *LineErrors", err)
		}
		want := `line 2: Community C: unknown region "LATER"
line 4: Person P: field "birthYear" must not be negative, not -1
line 5: Person Q: unknown field "nickname"`
		if le.Error() != want {
			t.Errorf("errors:\n%s\nwant\n%s", le.Error(), want)
		}
		if got := counts(t, db); !equalCounts(got, rows) {
			t.Errorf("rows changed: %v", got)
		}
		// A failing producer fails the import, and nothing is written.
		boom := errors.New("boom")
		_, err = ImportLines(ctx, db, func(emit func(map[string]any) error) error {
			if err := emit(map[string]any{"type": "ServiceCategory", "code": "X", "name": "x"}); err != nil {
				return err
			}
			return boom
		}, Options{})
		if !errors.Is(err, boom) {
			t.Errorf("err = %v, want boom", err)
		}
		if n := queryInt(t, db, "SELECT count(*) FROM service_categories"); n != 0 {
			t.Errorf("%d categories written by a failed import", n)
		}
	})
}

func equalCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

// onlyReader hides everything but Read: a stream such as standard input.
type onlyReader struct{ io.Reader }

func TestImportNonSeekable(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		rep, err := Import(ctx, db, onlyReader{strings.NewReader(fixture)}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Lines != 37 {
			t.Errorf("Lines = %d", rep.Lines)
		}
		want := exportText(t, db)

		// A pipe, as `civicgraph import -` reads.
		other := storetest.Open(t, db.Dialect())
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			io.WriteString(w, fixture)
			w.Close()
		}()
		if _, err := Import(ctx, other, r, Options{}); err != nil {
			t.Fatal(err)
		}
		r.Close()
		if got := exportText(t, other); got != want {
			t.Errorf("a piped import wrote other data")
		}

		// A regular file read from the middle: import starts where it is.
		path := filepath.Join(t.TempDir(), "in.ndjson")
		if err := os.WriteFile(path, []byte("garbage\n"+fixture), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.Seek(int64(len("garbage\n")), io.SeekStart); err != nil {
			t.Fatal(err)
		}
		third := storetest.Open(t, db.Dialect())
		if _, err := Import(ctx, third, f, Options{}); err != nil {
			t.Fatal(err)
		}
		if got := exportText(t, third); got != want {
			t.Errorf("an import from an open file wrote other data")
		}
	})
}

func TestImportLineEndings(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		text := "\xef\xbb\xbf" + strings.ReplaceAll(fixture, "\n", "\r\n") + "\n   \n"
		text = strings.TrimSuffix(text, "\r\n") // no newline at the end
		rep, err := Import(ctx, db, strings.NewReader(text), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Lines != 37 {
			t.Errorf("Lines = %d", rep.Lines)
		}
		if got := counts(t, db); !equalCounts(got, fixtureRows) {
			t.Errorf("rows = %v", got)
		}
	})
}

func TestImportMaxErrors(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		text := strings.Repeat("{}\n", 5)
		_, err := Import(ctx, db, strings.NewReader(text), Options{MaxErrors: 2})
		var le *LineErrors
		if !errors.As(err, &le) {
			t.Fatalf("err = %v", err)
		}
		if len(le.Errors) != 2 || le.Total != 5 {
			t.Errorf("%d errors of %d, want 2 of 5", len(le.Errors), le.Total)
		}
		want := "line 1: missing field \"type\"\nline 2: missing field \"type\"\n... and 3 more bad lines"
		if le.Error() != want {
			t.Errorf("Error() = %q, want %q", le.Error(), want)
		}
	})
}

// Failures that are not the file's fault come back as they are, wrapped,
// not as bad lines.
func TestImportStoreErrors(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		canceled, cancel := context.WithCancel(ctx)
		cancel()
		_, err := Import(canceled, db, strings.NewReader(fixture), Options{})
		var le *LineErrors
		if !errors.Is(err, context.Canceled) || errors.As(err, &le) {
			t.Errorf("canceled: err = %v, want context.Canceled", err)
		}
		if _, err := db.Exec(ctx, "DROP TABLE service_records"); err != nil {
			t.Fatal(err)
		}
		_, err = Import(ctx, db, strings.NewReader(fixture), Options{})
		if err == nil || errors.As(err, &le) || !strings.HasPrefix(err.Error(), "import: ") {
			t.Errorf("missing table: err = %v, want a wrapped store error", err)
		}
		if n := queryInt(t, db, "SELECT count(*) FROM regions"); n != 0 {
			t.Errorf("a failed import left %d regions", n)
		}
	})
}

func TestProgressOnlyOnTerminals(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		var buf bytes.Buffer
		f, err := os.Create(filepath.Join(t.TempDir(), "progress"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, w := range []io.Writer{&buf, f, nil} {
			if _, err := Import(ctx, db, strings.NewReader(fixture), Options{Progress: w}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := ImportLines(ctx, db, emitAll(lines(t, fixture)), Options{Progress: f}); err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		if buf.Len() != 0 || st.Size() != 0 {
			t.Errorf("progress written to a non-terminal: %q, %d bytes in a file", buf.String(), st.Size())
		}
	})
}

func TestProgressDrawing(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &progress{w: &buf, now: func() time.Time { return clock }}
	p.phase("writing", 1_000_000, "lines")
	for range 500_000 {
		p.add(1)
		if p.ticks%10_000 == 0 {
			clock = clock.Add(100 * time.Millisecond)
		}
	}
	p.end()
	out := buf.String()
	for _, want := range []string{"\r\x1b[K", "writing  [##########..........]  50%  500,000 of 1,000,000 lines", "100,000/s lines\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress output lacks %q:\n%q", want, out[max(0, len(out)-200):])
		}
	}
}

// A line longer than the reader's buffer is read whole, in both passes.
func TestImportLongLine(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		pad := strings.Repeat(" ", 3<<20) // JSON allows any amount of white space
		text := `{"type":"ServiceCategory","code":"A","name":"a"}` + "\n" +
			`{"type":"ServiceCategory",` + pad + `"code":"LONG","name":"长","parent":"A"}` + "\n" +
			`{"type":"ServiceCategory","code":"B","name":"b","parent":"LONG"}` + "\n"
		for _, r := range []io.Reader{strings.NewReader(text), onlyReader{strings.NewReader(text)}} {
			if _, err := Import(ctx, db, r, Options{}); err != nil {
				t.Fatal(err)
			}
		}
		if n := queryInt(t, db, "SELECT count(*) FROM service_categories c JOIN service_categories p ON p.id = c.parent_id WHERE c.code = 'B' AND p.code = 'LONG'"); n != 1 {
			t.Errorf("the categories around the long line are not linked")
		}
	})
}
