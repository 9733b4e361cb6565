// Command pglcheck checks that civicgraph and PostGraphile 5 (bench/postgraphile)
// give the same answers to issue 6's workloads, and that the baseline SQL
// for pgbench (bench/workloads/*.sql) gives them too; then it times a few
// sequential requests of each on each side. It is the preparation for issue
// 6's side-by-side measurement, not the measurement: no concurrency, no
// load. bench/postgraphile/check.sh starts both servers and runs it.
//
//	pglcheck -civicgraph http://127.0.0.1:P1/graphql [-postgraphile http://127.0.0.1:P2/graphql] \
//	         -database postgres://...  [-workloads bench/workloads] [-out DIR] [-n 50]
//
// Without -postgraphile it compares civicgraph with the SQL only (bench/run.sh
// --postgraphile off, the CI smoke run).
//
// The workloads (bench/workloads/NAME.{civicgraph,postgraphile}.graphql and NAME.sql):
//
//	nested  (a) 20 communities → the alliances they lead → members → organization
//	window  (c) one community's records in a 6-month window, the first 50 by time
//	totals  (b) records and people served per category, all records
//
// Parameters (the community, the window) are found in the data, the same for
// both servers and the SQL. Each side's answer is mapped to one JSON shape
// (civicgraph's field names, times in UTC, numbers as numbers, groups sorted by
// category code) and the three must be byte-identical. civicgraph's key, when
// it needs one, comes from CIVICBENCH_API_KEY (as for civicbench).
//
// With -out, it writes what a load tool and pgbench need: the POST bodies
// (NAME.civicgraph.json, NAME.postgraphile.json), the answers as each server
// sent them (NAME.civicgraph.raw, NAME.postgraphile.raw), the runnable pgbench scripts
// (NAME.sql, totals-groupby.sql: the templates with the placeholders filled
// in), the common answers (NAME.answer.json) and the figures (pglcheck.json).
//
// Exit status: 0 all answers equal, 1 a difference or a failure, 2 bad usage.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

type options struct {
	cgURL, pglURL, dbURL string
	dir, out             string
	n                    int
	only                 string
	timeout              time.Duration
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("pglcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.cgURL, "civicgraph", "", "civicgraph's GraphQL endpoint, http://127.0.0.1:PORT/graphql")
	fs.StringVar(&o.pglURL, "postgraphile", "", "PostGraphile's GraphQL endpoint, http://127.0.0.1:PORT/graphql (without it, civicgraph is compared with the SQL only)")
	fs.StringVar(&o.dbURL, "database", "", "the PostgreSQL database both serve (postgres://...)")
	fs.StringVar(&o.dir, "workloads", "bench/workloads", "the folder of the workloads' .graphql and .sql files")
	fs.StringVar(&o.out, "out", "", "write request bodies, pgbench scripts, answers and figures here")
	fs.IntVar(&o.n, "n", 50, "sequential requests per workload and side for the rough timings (0: only compare)")
	fs.StringVar(&o.only, "only", "", "comma-separated workloads to run (default all: nested,window,totals)")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Minute, "bound on each request or statement")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || o.cgURL == "" || o.dbURL == "" || o.n < 0 || o.n > 10000 {
		fmt.Fprintln(stderr, "usage: pglcheck -civicgraph URL [-postgraphile URL] -database PGURL [-workloads DIR] [-out DIR] [-n N] [-only W,...]")
		return 2
	}
	selected, err := selectWorkloads(o.only)
	if err != nil {
		fmt.Fprintf(stderr, "pglcheck: %v\n", err)
		return 2
	}
	if err := check(ctx, o, selected, stdout); err != nil {
		fmt.Fprintf(stderr, "pglcheck: %v\n", err)
		return 1
	}
	return 0
}

func selectWorkloads(only string) ([]*workload, error) {
	if only == "" {
		return allWorkloads, nil
	}
	var out []*workload
	for _, name := range strings.Split(only, ",") {
		w := workloadNamed(strings.TrimSpace(name))
		if w == nil {
			return nil, fmt.Errorf("unknown workload %q (want nested, window or totals)", name)
		}
		out = append(out, w)
	}
	return out, nil
}

// errMismatch marks answers that differ.
var errMismatch = errors.New("the answers differ")

func check(ctx context.Context, o options, selected []*workload, stdout io.Writer) error {
	db, err := pgx.Connect(ctx, o.dbURL)
	if err != nil {
		return fmt.Errorf("connect to the database: %w", err)
	}
	defer db.Close(context.WithoutCancel(ctx))
	cg := newClient(o.cgURL, os.Getenv("CIVICBENCH_API_KEY"), o.timeout)
	var pgl *client
	if o.pglURL != "" {
		pgl = newClient(o.pglURL, "", o.timeout)
	}
	if o.out != "" {
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return err
		}
	}

	var results []result
	mismatches := 0
	for _, w := range selected {
		r, err := checkWorkload(ctx, o, w, db, cg, pgl, stdout)
		if err != nil && !errors.Is(err, errMismatch) {
			return fmt.Errorf("%s: %w", w.name, err)
		}
		if err != nil {
			mismatches++
		}
		results = append(results, r)
	}
	if o.out != "" {
		if err := writeJSON(filepath.Join(o.out, "pglcheck.json"), results); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nwrote request bodies, pgbench scripts and answers to %s\n", o.out)
	}
	if mismatches > 0 {
		return fmt.Errorf("%d of %d workloads: %w", mismatches, len(selected), errMismatch)
	}
	if pgl == nil {
		fmt.Fprintf(stdout, "\nall %d workloads: civicgraph and the baseline SQL give the same answers (PostGraphile not asked)\n", len(selected))
		return nil
	}
	fmt.Fprintf(stdout, "\nall %d workloads: civicgraph, PostGraphile and the baseline SQL give the same answers\n", len(selected))
	return nil
}
