package storetest

import (
	"context"
	"io/fs"
	"sort"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/migrations"

	"github.com/civicgraph/civicgraph/internal/store"
)

func TestMigrateIsIdempotent(t *testing.T) {
	ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		applied, err := db.Migrate(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Fatalf("second migrate applied %v", applied)
		}
		v, err := db.Version(ctx)
		if want := newestMigration(t); err != nil || v != want {
			t.Fatalf("version = %q, %v; want %s", v, err, want)
		}
	})
}

// newestMigration is the version of the last migration file.
func newestMigration(t *testing.T) string {
	names, err := fs.Glob(migrations.Postgres, "postgres/*.up.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("no migrations: %v", err)
	}
	sort.Strings(names)
	v, _, _ := strings.Cut(strings.TrimPrefix(names[len(names)-1], "postgres/"), "_")
	return v
}
