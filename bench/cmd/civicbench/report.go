package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// reportInput is everything the results table is made of.
type reportInput struct {
	scale, command, pgbenchCommand, revision string
	reused                                   bool
	when                                     time.Time
	machine                                  machine
	data                                     dataset
	plan                                     plan
	load                                     loadResult
	serverHWMKiB, serverRSSKiB               int64 // 0 when unknown
	pg                                       pgbenchResult
}

// errFailed marks a run whose results are not valid measurements.
var errFailed = errors.New("the run failed")

// runReport writes the results table of a run to the results directory
// (or, for a failed run, to the work directory) and prints it.
func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", stderr)
	name := fs.String("workload", "dashboard", "the workload")
	dir := fs.String("dir", "", "the run's work directory")
	dbURL := fs.String("database", "", "the database measured")
	in := reportInput{when: time.Now().UTC()}
	fs.StringVar(&in.scale, "scale", "", "the seed scale (small, city, ...)")
	fs.StringVar(&in.command, "command", "", "the command that made the run, for the record")
	fs.StringVar(&in.pgbenchCommand, "pgbench-command", "", "the pgbench command of the baseline, for the record")
	fs.StringVar(&in.revision, "revision", "", "the civicgraph commit the binary was built from")
	fs.BoolVar(&in.reused, "reused", false, "the dataset was seeded by an earlier run")
	results := fs.String("results", "bench/results", "where valid results go")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]*string{"dir": dir, "database": dbURL, "scale": &in.scale, "command": &in.command}); err != nil {
		return err
	}
	if err := readJSON(planFile(*dir, *name), &in.plan); err != nil {
		return err
	}
	if err := readJSON(loadFile(*dir, *name), &in.load); err != nil {
		return err
	}
	out, err := os.ReadFile(pgbenchOutFile(*dir))
	if err != nil {
		return err
	}
	if in.pg, err = parsePgbench(string(out)); err != nil {
		return err
	}
	tx, err := readPgbenchLogs(pgbenchLogGlob(*dir))
	if err != nil {
		return err
	}
	in.pg.Latency = summarize(tx)
	in.serverHWMKiB, _ = procField(serverStatusFile(*dir), "VmHWM")
	in.serverRSSKiB, _ = procField(serverStatusFile(*dir), "VmRSS")

	db, err := pgx.Connect(ctx, *dbURL)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", *dbURL, err)
	}
	defer db.Close(context.WithoutCancel(ctx))
	in.machine = describeMachine(ctx, db, loadavg(firstLine(loadavgStartFile(*dir))))
	if in.data, err = describeDataset(ctx, db); err != nil {
		return err
	}

	problems := in.problems()
	text := renderReport(in, problems)
	target := filepath.Join(*dir, fmt.Sprintf("%s-%s-FAILED.md", *name, in.scale))
	if len(problems) == 0 {
		if err := os.MkdirAll(*results, 0o755); err != nil {
			return err
		}
		target = freeName(filepath.Join(*results, fmt.Sprintf("%s-%s-%s", *name, in.scale, in.when.Format(time.DateOnly))), ".md")
	}
	if err := os.WriteFile(target, []byte(text), 0o644); err != nil {
		return err
	}
	fmt.Fprint(stdout, text)
	fmt.Fprintf(stdout, "\nresults written to %s\n", target)
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", errFailed, strings.Join(problems, "; "))
	}
	return nil
}

// problems lists what makes the run's numbers invalid.
func (in reportInput) problems() []string {
	var p []string
	if in.load.Errors > 0 {
		p = append(p, fmt.Sprintf("%d civicgraph requests failed (first: %s)", in.load.Errors, strings.Join(in.load.ErrorSamples[:min(1, len(in.load.ErrorSamples))], "")))
	}
	if in.load.Requests == 0 {
		p = append(p, "no civicgraph request completed in the measured window")
	}
	if in.plan.Mismatch != "" {
		p = append(p, "civicgraph and the baseline disagree: "+in.plan.Mismatch)
	}
	if in.pg.Failed > 0 {
		p = append(p, fmt.Sprintf("%d baseline transactions failed", in.pg.Failed))
	}
	if in.pg.Transactions == 0 {
		p = append(p, "no baseline transaction completed")
	}
	return p
}

// freeName returns base+ext, or base-2+ext, base-3+ext, ... whichever does
// not exist yet.
func freeName(base, ext string) string {
	name := base + ext
	for i := 2; ; i++ {
		if _, err := os.Stat(name); errors.Is(err, os.ErrNotExist) {
			return name
		}
		name = fmt.Sprintf("%s-%d%s", base, i, ext)
	}
}
