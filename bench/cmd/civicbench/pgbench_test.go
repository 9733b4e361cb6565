package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// pgbench 15's report of a run like run.sh's.
const pgbenchSample = `transaction type: /tmp/civicbench.x/dashboard.sql
scaling factor: 1
query mode: simple
number of clients: 8
number of threads: 2
maximum number of tries: 1
duration: 30 s
number of transactions actually processed: 1041
number of failed transactions: 0 (0.000%)
latency average = 230.547 ms
initial connection time = 12.345 ms
tps = 34.700137 (without initial connection time)
`

func TestParsePgbench(t *testing.T) {
	r, err := parsePgbench(pgbenchSample)
	if err != nil {
		t.Fatal(err)
	}
	if r.Transactions != 1041 || r.Failed != 0 || r.TPS != 34.700137 || r.LatencyAvgMs != 230.547 {
		t.Errorf("parsePgbench = %+v", r)
	}
	if _, err := parsePgbench("pgbench: error: connection refused\n"); err == nil {
		t.Error("parsePgbench accepted output without figures")
	}
}

func TestReadPgbenchLogs(t *testing.T) {
	dir := t.TempDir()
	// client_id transaction_no time(us) script_no epoch us; -j 2 writes two files.
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("pgbench_log.100", "0 1 282804 0 1795634890 803645\n1 1 1500 0 1795634890 928758\n")
	write("pgbench_log.100.1", "4 1 2000 0 1795634890 797879\n5 1 failed 0 1795634890 912141\n")
	got, err := readPgbenchLogs(filepath.Join(dir, "pgbench_log.*"))
	if err != nil {
		t.Fatal(err)
	}
	l := summarize(got)
	if l.Count != 3 || l.MinMs != 1.5 || l.MaxMs != 282.804 {
		t.Errorf("logs summarize to %+v, want 3 transactions from 1.5 to 282.804 ms", l)
	}
	if len(got) != 3 || got[0] != 1500*time.Microsecond {
		t.Errorf("readPgbenchLogs = %v", got)
	}
}
