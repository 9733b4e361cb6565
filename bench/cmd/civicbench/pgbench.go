package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// pgbenchResult is what pgbench reported for the baseline, plus
// percentiles from its per-transaction log (pgbench -l), which its summary
// lacks.
type pgbenchResult struct {
	Transactions int64     `json:"transactions"`
	Failed       int64     `json:"failed"`
	TPS          float64   `json:"tps"`
	LatencyAvgMs float64   `json:"latencyAvgMs"`
	Latency      latencies `json:"latency"` // from the log; Count 0 when there was none
}

// pgbenchRun is one baseline's pgbench run (<workload>.<baseline>.pgbench.json).
type pgbenchRun struct {
	Workload string        `json:"workload"`
	Baseline string        `json:"baseline"`
	Command  string        `json:"command"` // as run in the work directory, the database URL quoted
	Started  time.Time     `json:"started"`
	Result   pgbenchResult `json:"result"`
}

// runPgbench runs each SQL baseline of a prepared workload under pgbench,
// against the same database, and keeps its summary and percentiles.
func runPgbench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("pgbench", stderr)
	name := fs.String("workload", "dashboard", "the workload (prepared in -dir)")
	dir := fs.String("dir", "", "the run's work directory")
	dbURL := fs.String("database", "", "the database (postgres://...)")
	only := fs.String("baseline", "", "only this baseline (default: all of the workload's)")
	clients := fs.Int("clients", 8, "pgbench -c")
	jobs := fs.Int("jobs", 2, "pgbench -j")
	duration := fs.Int("duration", 30, "pgbench -T, seconds")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]*string{"dir": dir, "database": dbURL}); err != nil {
		return err
	}
	if *clients < 1 || *jobs < 1 || *jobs > *clients || *duration < 1 {
		return usageError{"need -clients >= 1, 1 <= -jobs <= -clients, -duration >= 1"}
	}
	var p plan
	if err := readJSON(planFile(*dir, *name), &p); err != nil {
		return fmt.Errorf("read the prepared workload (run prepare first): %w", err)
	}
	ran := 0
	for _, b := range p.Baselines {
		if *only != "" && b.Name != *only {
			continue
		}
		ran++
		logPrefix := *name + "." + b.Name + ".log"
		args := []string{"-n", "-c", strconv.Itoa(*clients), "-j", strconv.Itoa(*jobs), "-T", strconv.Itoa(*duration), "-l", "--log-prefix=" + logPrefix}
		for _, s := range b.Scripts {
			f := s.File
			if len(b.Scripts) > 1 {
				f += "@" + strconv.Itoa(s.Weight)
			}
			args = append(args, "-f", f)
		}
		args = append(args, *dbURL)
		run := pgbenchRun{Workload: *name, Baseline: b.Name, Started: time.Now().UTC(),
			Command: "pgbench " + strings.Join(args[:len(args)-1], " ") + " '" + *dbURL + "'"}
		fmt.Fprintf(stdout, "pgbench: %s, %s: %s\n", *name, b.Title, run.Command)
		old, _ := filepath.Glob(filepath.Join(*dir, logPrefix+".*"))
		for _, f := range old {
			os.Remove(f)
		}
		cmd := exec.CommandContext(ctx, "pgbench", args...)
		cmd.Dir = *dir
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		os.WriteFile(filepath.Join(*dir, *name+"."+b.Name+".pgbench.out"), append(out.Bytes(), errOut.Bytes()...), 0o644)
		if err != nil {
			return fmt.Errorf("pgbench for %s %s failed (%v): %s", *name, b.Name, err, lastLines(errOut.String(), 5))
		}
		if run.Result, err = parsePgbench(out.String()); err != nil {
			return err
		}
		tx, err := readPgbenchLogs(filepath.Join(*dir, logPrefix+".*"))
		if err != nil {
			return err
		}
		run.Result.Latency = summarize(tx)
		if err := writeJSON(pgbenchFile(*dir, *name, b.Name), run); err != nil {
			return err
		}
		r := run.Result
		fmt.Fprintf(stdout, "pgbench: %d transactions, %.2f tps; p50 %.1f ms, p95 %.1f ms, p99 %.1f ms; %d failed\n",
			r.Transactions, r.TPS, r.Latency.P50, r.Latency.P95, r.Latency.P99, r.Failed)
		if r.Failed > 0 || r.Transactions == 0 {
			return fmt.Errorf("pgbench for %s %s: %d transactions, %d failed", *name, b.Name, r.Transactions, r.Failed)
		}
	}
	if *only != "" && ran == 0 {
		return usageError{fmt.Sprintf("the workload %s has no baseline %q", *name, *only)}
	}
	return nil
}

// lastLines is the last n lines of s, joined with " | ".
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

var (
	pgbenchTPS     = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \(without initial connection time\)`)
	pgbenchLatency = regexp.MustCompile(`(?m)^latency average = ([0-9.]+) ms`)
	pgbenchTx      = regexp.MustCompile(`(?m)^number of transactions actually processed: ([0-9]+)`)
	pgbenchFailed  = regexp.MustCompile(`(?m)^number of failed transactions: ([0-9]+)`)
)

// parsePgbench reads pgbench's summary (PostgreSQL 15's wording).
func parsePgbench(out string) (pgbenchResult, error) {
	var r pgbenchResult
	find := func(re *regexp.Regexp, what string, optional bool) (string, error) {
		m := re.FindStringSubmatch(out)
		if m == nil {
			if optional {
				return "0", nil
			}
			return "", fmt.Errorf("pgbench's output has no %s line", what)
		}
		return m[1], nil
	}
	fields := []struct {
		re       *regexp.Regexp
		what     string
		optional bool
		set      func(string) error
	}{
		{pgbenchTPS, "tps", false, func(s string) (err error) { r.TPS, err = strconv.ParseFloat(s, 64); return }},
		{pgbenchLatency, "latency average", false, func(s string) (err error) { r.LatencyAvgMs, err = strconv.ParseFloat(s, 64); return }},
		{pgbenchTx, "transactions processed", false, func(s string) (err error) { r.Transactions, err = strconv.ParseInt(s, 10, 64); return }},
		{pgbenchFailed, "failed transactions", true, func(s string) (err error) { r.Failed, err = strconv.ParseInt(s, 10, 64); return }},
	}
	for _, f := range fields {
		s, err := find(f.re, f.what, f.optional)
		if err != nil {
			return r, err
		}
		if err := f.set(s); err != nil {
			return r, fmt.Errorf("pgbench's %s: %w", f.what, err)
		}
	}
	return r, nil
}

// readPgbenchLogs reads the transaction times (third field, microseconds)
// of every per-transaction log file matching glob: "client_id
// transaction_no time script_no time_epoch time_us [schedule_lag]". Failed
// transactions (time "failed"/"skipped") are left out.
func readPgbenchLogs(glob string) ([]time.Duration, error) {
	files, err := filepath.Glob(glob)
	if err != nil {
		return nil, err
	}
	var out []time.Duration
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 3 {
				continue
			}
			us, err := strconv.ParseInt(fields[2], 10, 64)
			if err != nil {
				continue
			}
			out = append(out, time.Duration(us)*time.Microsecond)
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return out, nil
}
