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
	scale, command, revision string
	reused, smoke            bool
	when                     time.Time
	machine                  machine
	data                     dataset
	settings                 settings
	workloads                []*workloadResult
	imports                  []importResult
	demo                     *demoResult
	explained, profiled      bool
}

// settings are the run's knobs, as run.sh passes them on.
type settings struct {
	Clients, Jobs          int
	DurationSec, WarmupSec int
	ResponseCache          string // off, on, both
	PostGraphile           string // its version line, "" when not measured
	ServeFlags             string
	SQLiteScale            string
}

// workloadResult is one workload's plan and measurements.
type workloadResult struct {
	plan    plan
	loads   map[string]*loadResult // by target
	rss     map[string]int64       // VmHWM KiB by target, 0 when unknown
	pgbench map[string]*pgbenchRun // by baseline name
}

// errFailed marks a run whose results are not valid measurements.
var errFailed = errors.New("the run failed")

// runReport writes the results of a run to its results folder (or, for a
// failed run, to the work directory) and prints them.
func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", stderr)
	dir := fs.String("dir", "", "the run's work directory")
	dbURL := fs.String("database", "", "the database measured")
	out := fs.String("out", "", "the run's results folder (civicbench rundir)")
	list := fs.String("workloads", strings.Join(workloadOrder, ","), "the workloads measured, in order")
	in := reportInput{when: time.Now().UTC()}
	fs.StringVar(&in.scale, "scale", "", "the seed scale (small, city, ...)")
	fs.StringVar(&in.command, "command", "", "the command that made the run, for the record")
	fs.StringVar(&in.revision, "revision", "", "the civicgraph commit the binary was built from")
	fs.BoolVar(&in.reused, "reused", false, "the dataset was seeded by an earlier run")
	fs.BoolVar(&in.smoke, "smoke", false, "a smoke run (seconds per step: not a measurement)")
	fs.IntVar(&in.settings.Clients, "clients", 8, "clients of every load and pgbench run")
	fs.IntVar(&in.settings.Jobs, "jobs", 2, "pgbench -j")
	fs.IntVar(&in.settings.DurationSec, "duration", 30, "measured seconds")
	fs.IntVar(&in.settings.WarmupSec, "warmup", 2, "warm-up seconds")
	fs.StringVar(&in.settings.ResponseCache, "response-cache", "off", "off, on or both")
	fs.StringVar(&in.settings.PostGraphile, "postgraphile", "", "PostGraphile's version line; empty when it was not measured")
	fs.StringVar(&in.settings.ServeFlags, "serve-flags", "", "civicgraph serve's flags")
	fs.StringVar(&in.settings.SQLiteScale, "sqlite-scale", "", "the scale of the SQLite store imported into")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]*string{"dir": dir, "database": dbURL, "scale": &in.scale, "command": &in.command, "out": out}); err != nil {
		return err
	}
	for _, name := range splitList(*list) {
		wr, err := readWorkload(*dir, name)
		if err != nil {
			return err
		}
		in.workloads = append(in.workloads, wr)
	}
	for _, backend := range []string{"postgresql", "sqlite"} {
		var ir importResult
		err := readJSON(importFile(*dir, backend), &ir)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		in.imports = append(in.imports, ir)
	}
	var demo demoResult
	if err := readJSON(demoFile(*dir), &demo); err == nil {
		in.demo = &demo
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	_, err := os.Stat(filepath.Join(*out, "explain"))
	in.explained = err == nil
	_, err = os.Stat(filepath.Join(*out, "profiles"))
	in.profiled = err == nil

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
	target := filepath.Join(*out, "results.md")
	if len(problems) > 0 {
		target = filepath.Join(*dir, "results-FAILED.md")
	}
	if err := os.WriteFile(target, []byte(text), 0o644); err != nil {
		return err
	}
	if len(problems) == 0 {
		if err := copyData(*dir, filepath.Join(*out, "data")); err != nil {
			return err
		}
	}
	fmt.Fprint(stdout, text)
	fmt.Fprintf(stdout, "\nresults written to %s\n", target)
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", errFailed, strings.Join(problems, "; "))
	}
	return nil
}

// readWorkload reads a workload's plan and whatever was measured of it.
func readWorkload(dir, name string) (*workloadResult, error) {
	wr := &workloadResult{loads: map[string]*loadResult{}, rss: map[string]int64{}, pgbench: map[string]*pgbenchRun{}}
	if err := readJSON(planFile(dir, name), &wr.plan); err != nil {
		return nil, err
	}
	for _, t := range loadTargets {
		var l loadResult
		err := readJSON(loadFile(dir, name, t), &l)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		wr.loads[t] = &l
		wr.rss[t], _ = procField(statusFile(dir, name, t), "VmHWM")
	}
	for _, b := range wr.plan.Baselines {
		var r pgbenchRun
		err := readJSON(pgbenchFile(dir, name, b.Name), &r)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		wr.pgbench[b.Name] = &r
	}
	return wr, nil
}

// problems lists what makes the run's numbers invalid.
func (in reportInput) problems() []string {
	var p []string
	for _, w := range in.workloads {
		name := w.plan.Workload
		if w.plan.Mismatch != "" {
			p = append(p, fmt.Sprintf("%s: civicgraph and a baseline disagree: %s", name, w.plan.Mismatch))
		}
		if w.loads["civicgraph"] == nil {
			p = append(p, name+": civicgraph was not measured")
		}
		for t, l := range w.loads {
			if l.Errors > 0 {
				p = append(p, fmt.Sprintf("%s: %d %s requests failed (first: %s)", name, l.Errors, t, strings.Join(l.ErrorSamples[:min(1, len(l.ErrorSamples))], "")))
			}
			if l.Requests == 0 {
				p = append(p, fmt.Sprintf("%s: no %s request completed in the measured window", name, t))
			}
		}
		for _, b := range w.plan.Baselines {
			r := w.pgbench[b.Name]
			switch {
			case r == nil:
				p = append(p, fmt.Sprintf("%s: the %s baseline was not measured", name, b.Name))
			case r.Result.Failed > 0 || r.Result.Transactions == 0:
				p = append(p, fmt.Sprintf("%s: %s baseline: %d transactions, %d failed", name, b.Name, r.Result.Transactions, r.Result.Failed))
			}
		}
	}
	return p
}

// copyData copies the run's JSON (plans, loads, pgbench runs, imports, the
// demo, pglcheck's figures) into the results folder's data/.
func copyData(dir, to string) error {
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	files = append(files, filepath.Join(dir, "checked", "pglcheck.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(to, filepath.Base(f)), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// runRundir creates the results folder of a run: DIR/NAME, or NAME-2,
// NAME-3, ... whichever does not exist yet, and prints its path.
func runRundir(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("rundir", stderr)
	results := fs.String("results", "bench/results", "the results directory")
	name := fs.String("name", "", "the run's name, e.g. city-2026-11-26")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]*string{"name": name}); err != nil {
		return err
	}
	if err := os.MkdirAll(*results, 0o755); err != nil {
		return err
	}
	for i := 1; ; i++ {
		path := filepath.Join(*results, *name)
		if i > 1 {
			path = fmt.Sprintf("%s-%d", path, i)
		}
		err := os.Mkdir(path, 0o755)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, path)
		return nil
	}
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
