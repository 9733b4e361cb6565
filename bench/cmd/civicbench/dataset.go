package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// dataset is what the results say about the database measured.
type dataset struct {
	Database       string
	ServiceRecords int64
	Communities    int64
	// Seed holds the facts run.sh recorded in the database's comment when
	// it seeded it (scale, seed, seeded_at, seed_seconds, seed_peak_rss_kb,
	// vacuum_seconds, revision); empty when there is no such comment.
	Seed map[string]string
}

// seedCommentPrefix starts the comment run.sh puts on a database it has
// seeded completely; the rest is key=value pairs.
const seedCommentPrefix = "civicgraph-bench"

func describeDataset(ctx context.Context, db *pgx.Conn) (dataset, error) {
	var d dataset
	var comment *string
	err := db.QueryRow(ctx, `SELECT current_database(), shobj_description(oid, 'pg_database')
		FROM pg_database WHERE datname = current_database()`).Scan(&d.Database, &comment)
	if err != nil {
		return d, fmt.Errorf("describe the database: %w", err)
	}
	if err := db.QueryRow(ctx, "SELECT count(*) FROM service_records").Scan(&d.ServiceRecords); err != nil {
		return d, fmt.Errorf("count service_records: %w", err)
	}
	if err := db.QueryRow(ctx, "SELECT count(*) FROM communities").Scan(&d.Communities); err != nil {
		return d, fmt.Errorf("count communities: %w", err)
	}
	d.Seed = parseSeedComment(deref(comment))
	return d, nil
}

// parseSeedComment reads "civicgraph-bench k=v k=v ..."; anything else is
// no facts.
func parseSeedComment(c string) map[string]string {
	fields := strings.Fields(c)
	if len(fields) == 0 || fields[0] != seedCommentPrefix {
		return map[string]string{}
	}
	out := map[string]string{}
	for _, f := range fields[1:] {
		if k, v, ok := strings.Cut(f, "="); ok {
			out[k] = v
		}
	}
	return out
}
