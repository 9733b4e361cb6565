package main

import (
	"bufio"
	"fmt"
	"os"
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
	Transactions int64
	Failed       int64
	TPS          float64
	LatencyAvgMs float64
	Latency      latencies // from the log; Count 0 when there was none
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
