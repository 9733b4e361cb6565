package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// runExplain runs every statement of every prepared workload's SQL
// baselines under EXPLAIN (ANALYZE, BUFFERS) and writes the plans, one file
// per script: <out>/<workload>.<baseline>[.<part>].txt. For (a), (b) and
// (c) the "sql" baseline is the SQL civicgraph itself sends (pglcheck's
// filled templates), so these are the plans of civicgraph's statements; for
// the dashboard it is the hand-written baseline. A statement already
// explained for another workload (the mixed workload's parts) is named, not
// run again.
func runExplain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("explain", stderr)
	dir := fs.String("dir", "", "the run's work directory (the prepared plans)")
	dbURL := fs.String("database", "", "the database (postgres://...)")
	out := fs.String("out", "", "where the plans go")
	list := fs.String("workloads", strings.Join(workloadOrder, ","), "the workloads, in order")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]*string{"dir": dir, "database": dbURL, "out": out}); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	db, err := pgx.Connect(ctx, *dbURL)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", *dbURL, err)
	}
	defer db.Close(context.WithoutCancel(ctx))
	seen := map[string]string{} // statement -> the file that has its plan
	for _, name := range strings.Split(*list, ",") {
		var p plan
		if err := readJSON(planFile(*dir, name), &p); err != nil {
			return err
		}
		for _, b := range p.Baselines {
			for _, s := range b.Scripts {
				file := strings.TrimSuffix(s.File, ".sql") + ".txt"
				var w strings.Builder
				fmt.Fprintf(&w, "-- %s\n-- baseline %q: %s\n", p.Title, b.Name, b.Title)
				if s.Label != "" {
					fmt.Fprintf(&w, "-- part %s (weight %d)\n", s.Label, s.Weight)
				}
				for _, pr := range p.Params {
					fmt.Fprintf(&w, "-- %s: %s\n", pr.Name, pr.Value)
				}
				fmt.Fprintf(&w, "-- EXPLAIN (ANALYZE, BUFFERS) of each statement, one after the other on one connection, %s\n", time.Now().UTC().Format(time.RFC3339))
				for i, stmt := range s.Statements {
					fmt.Fprintf(&w, "\n-- statement %d of %d\n%s;\n\n", i+1, len(s.Statements), stmt)
					if prev, ok := seen[stmt]; ok {
						fmt.Fprintf(&w, "-- (explained in %s)\n", prev)
						continue
					}
					start := time.Now()
					plan, err := explain(ctx, db, stmt)
					if err != nil {
						return fmt.Errorf("%s statement %d: %w", s.File, i+1, err)
					}
					seen[stmt] = file
					w.WriteString(plan)
					fmt.Fprintf(&w, "-- (EXPLAIN ANALYZE took %s)\n", time.Since(start).Round(time.Millisecond))
				}
				if err := os.WriteFile(filepath.Join(*out, file), []byte(w.String()), 0o644); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "explain: %s\n", filepath.Join(*out, file))
			}
		}
	}
	return nil
}

// explain returns the text of EXPLAIN (ANALYZE, BUFFERS) for one statement.
func explain(ctx context.Context, db *pgx.Conn, stmt string) (string, error) {
	rows, err := db.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+stmt, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String(), rows.Err()
}
