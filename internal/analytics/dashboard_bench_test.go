package analytics

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
)

// BenchmarkDashboard times the city dashboard's grouped question (and the
// root region's summary) read from the roll-ups and from the base tables,
// on a store given by CIVICGRAPH_BENCH_DATABASE_URL, seeded beforehand:
//
//	civicgraph seed --scale city --database $URL
//	CIVICGRAPH_BENCH_DATABASE_URL=$URL go test ./internal/analytics -run XXX -bench Dashboard
//
// The clock is 2024-12-15 (Shanghai), so LAST_12_MONTHS is the seeded 2024.
func BenchmarkDashboard(b *testing.B) {
	url := os.Getenv("CIVICGRAPH_BENCH_DATABASE_URL")
	if url == "" {
		b.Skip("CIVICGRAPH_BENCH_DATABASE_URL names no seeded store")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var root int64
	rows, err := db.Query(ctx, "SELECT id FROM regions WHERE parent_id IS NULL ORDER BY id LIMIT 1")
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		if err := rows.Scan(&root); err != nil {
			b.Fatal(err)
		}
	}
	rows.Close()
	clock := fixed(time.Date(2024, 12, 15, 12, 0, 0, 0, store.Shanghai))
	g := Grouping{By: []string{"REGION", "PERIOD", "CATEGORY"}, RegionLevel: "DISTRICT", Period: "MONTH"}
	w := Window{Relative: "LAST_12_MONTHS"}
	for _, src := range []struct {
		name string
		s    *Stats
	}{{"rollups", New(db, clock)}, {"base", New(db, clock).BaseTablesOnly()}} {
		b.Run("serviceStats/"+src.name, func(b *testing.B) {
			for b.Loop() {
				got, err := src.s.ServiceStats(ctx, nil, g, w)
				if err != nil || len(got) == 0 {
					b.Fatalf("%d groups, %v", len(got), err)
				}
			}
		})
		b.Run("summary/"+src.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := src.s.Summary(ctx, root); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
