package query_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/query"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// A relation filter that pins one row of the target (by code or id) is
// written as "= (SELECT ...)" instead of "IN (SELECT ...)"; the answers
// must not change, also under NOT (where the rewrite must not happen: with
// no match "=" is NULL, and NOT NULL excludes what NOT false keeps), with
// no match, with a match the principal cannot see (archived) and beside
// other conditions.
func TestOneRowRelationFilterAnswers(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := ingest.ImportLines(ctx, db, ingest.Slice(archivingWorld()), ingest.Options{}); err != nil {
			t.Fatal(err)
		}
		s := archivingStore{t, db}
		s.archive("service_events", "E2")
		code := func(c string) map[string]any { return map[string]any{"code": map[string]any{"eq": c}} }
		records := func(w map[string]any) []string {
			return codesOf(t, ctx, db, "ServiceRecord", query.Args{Where: w}, recordCode)
		}
		same(t, "records of C1", records(map[string]any{"community": code("C1")}), "R1", "R2")
		same(t, "records of no such community", records(map[string]any{"community": code("NONE")}))
		same(t, "records not of C1", records(map[string]any{"not": map[string]any{"community": code("C1")}}), "R3", "R4")
		same(t, "records not of a missing community", records(map[string]any{"not": map[string]any{"community": code("NONE")}}), "R1", "R2", "R3", "R4")
		// An archived event reads as none: R2 is of no (live) event E2.
		same(t, "records not of the archived event", records(map[string]any{"not": map[string]any{"event": code("E2")}}), "R1", "R2", "R3", "R4")
		same(t, "records of the archived event", records(map[string]any{"event": code("E2")}))
		same(t, "records of C1 or C2", records(map[string]any{"or": []map[string]any{
			{"community": code("C1")}, {"community": code("NONE")}, {"community": code("C2")}}}), "R1", "R2", "R3", "R4")
		same(t, "records of C1 that is a village", records(map[string]any{"community": map[string]any{
			"code": map[string]any{"eq": "C1"}, "kind": map[string]any{"eq": "VILLAGE"}}}))
		c2 := store.GlobalID("Community", s.id("communities", "C2"))
		same(t, "records of C2 by id", records(map[string]any{"community": map[string]any{"id": map[string]any{"eq": c2}}}), "R3", "R4")
		same(t, "records not of C2 by id", records(map[string]any{"not": map[string]any{"community": map[string]any{"id": map[string]any{"eq": c2}}}}), "R1", "R2")
		same(t, "records of a community named 一", records(map[string]any{"community": map[string]any{"name": map[string]any{"eq": "一"}}}), "R1", "R2")
	})
}

// The rewrite relies on codes being unique: every entity a relation
// reaches must declare its code UNIQUE in both dialects' schema.
func TestRelationTargetsHaveUniqueCodes(t *testing.T) {
	targets := map[string]bool{}
	for _, e := range store.Catalog {
		for _, r := range e.Relations {
			targets[r.Target] = true
		}
	}
	for _, dialect := range []string{"postgres", "sqlite"} {
		raw, err := os.ReadFile(filepath.Join("..", "..", "migrations", dialect, "0001_init.up.sql"))
		if err != nil {
			t.Fatal(err)
		}
		for name := range targets {
			e := store.Catalog[name]
			if _, ok := e.Fields["code"]; !ok {
				continue
			}
			re := regexp.MustCompile(`(?s)CREATE TABLE ` + e.Table + ` \((.*?)\n\);`)
			m := re.FindSubmatch(raw)
			if m == nil || !regexp.MustCompile(`\n\s*code\s[^\n]*UNIQUE`).Match(m[1]) {
				t.Errorf("%s: %s.code is not declared UNIQUE", dialect, e.Table)
			}
		}
	}
}
