package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// post sends a query and returns the raw answer and the response cache's
// verdict (the X-Civicgraph-Cache header).
func (a *api) post(query string) (string, string) {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest(http.MethodPost, a.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("POST /graphql: %v", err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return string(raw), res.Header.Get("X-Civicgraph-Cache")
}

func (a *api) accessLogRows() int {
	a.t.Helper()
	return storetest.QueryInt(a.t, a.db, "SELECT COUNT(*) FROM access_log")
}

// The response cache answers a repeated question from memory, but never
// with data older than the last write, never an error, and never personal
// data (whose every read must reach the access log).
func TestResponseCache(t *testing.T) {
	eachBackend(t, fixture(6), func(t *testing.T, a *api) {
		const q = `{ communities(first: 3) { nodes { code name } } serviceStats(groupBy: [CATEGORY]) { records } }`
		first, verdict := a.post(q)
		if verdict != "miss" {
			t.Fatalf("first ask: %q, want miss", verdict)
		}
		again, verdict := a.post(q)
		if verdict != "hit" || again != first {
			t.Fatalf("second ask: %q, same answer %v; want a hit with the same answer", verdict, again == first)
		}

		// A write, by any path that commits data, makes the next ask a miss
		// with the new data.
		_, err := ingest.ImportLines(context.Background(), a.db, func(emit func(map[string]any) error) error {
			return emit(map[string]any{"type": "Community", "code": "C000", "name": "改名社区", "kind": "URBAN", "region": "440304001", "households": 100})
		}, ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		after, verdict := a.post(q)
		if verdict != "miss" || after == first || !bytes.Contains([]byte(after), []byte("改名社区")) {
			t.Fatalf("after an import: %q, answer %s; want a miss with the new name", verdict, after)
		}

		// Errors are not kept.
		const bad = `{ communities(first: 5000) { nodes { code } } }`
		for i := 0; i < 2; i++ {
			if _, verdict := a.post(bad); verdict != "miss" {
				t.Fatalf("failed query asked twice: %q, want miss", verdict)
			}
		}

		// Personal data is read afresh, and logged, every time.
		const pii = `{ people(first: 4, orderBy: [{field: CODE}]) { nodes { code name phone } } }`
		before := a.accessLogRows()
		for i := 0; i < 2; i++ {
			if _, verdict := a.post(pii); verdict != "miss" {
				t.Fatalf("personal data asked twice: %q, want miss", verdict)
			}
		}
		if got := a.accessLogRows() - before; got != 8 {
			t.Errorf("access log grew by %d rows, want 8 (4 people, read twice)", got)
		}
	})
}
