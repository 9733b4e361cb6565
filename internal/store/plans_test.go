package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// PostgreSQL connections plan every statement for its parameters, unless
// the database URL asks for another plan_cache_mode.
func TestPostgresPlansForTheParameters(t *testing.T) {
	ctx := context.Background()
	u := storetest.NewPostgresDatabase(t)
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	for _, c := range []struct{ url, want string }{
		{u, "force_custom_plan"},
		{u + sep + "plan_cache_mode=auto", "auto"},
	} {
		db, err := store.Open(ctx, c.url)
		if err != nil {
			t.Fatal(err)
		}
		// More connections than one, and after a statement timeout change,
		// which reopens them: each must have the setting.
		db.SetStatementTimeout(5 * time.Second)
		for i := 0; i < 3; i++ {
			rows, err := db.Query(ctx, "SHOW plan_cache_mode")
			if err != nil {
				t.Fatal(err)
			}
			var got string
			for rows.Next() {
				if err := rows.Scan(&got); err != nil {
					t.Fatal(err)
				}
			}
			rows.Close()
			if got != c.want {
				t.Errorf("%s: plan_cache_mode = %q, want %q", c.url, got, c.want)
			}
		}
		db.Close()
	}
}
