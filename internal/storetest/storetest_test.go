package storetest

import (
	"context"
	"testing"

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
		if err != nil || v != "0001" {
			t.Fatalf("version = %q, %v; want 0001", v, err)
		}
	})
}
