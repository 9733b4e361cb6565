package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// The steps of a run hand their results to each other through files in one
// work directory (bench/run.sh makes it with mktemp):
//
//	<workload>.plan.json   prepare: the requests, their expected answers, the baseline SQL
//	<workload>.sql         prepare: the baseline as a pgbench script
//	<workload>.load.json   load: throughput, latency, errors
//	server.status          run.sh: /proc/<server pid>/status right after the load (VmHWM)
//	pgbench.out            run.sh: pgbench's report
//	pgbench_log.*          run.sh: pgbench's per-transaction log (pgbench -l), for percentiles
//	loadavg.start          run.sh: /proc/loadavg when the run started
//	seed.time              run.sh: /usr/bin/time -v of the seed, when this run seeded

func planFile(dir, workload string) string { return filepath.Join(dir, workload+".plan.json") }
func sqlFile(dir, workload string) string  { return filepath.Join(dir, workload+".sql") }
func loadFile(dir, workload string) string { return filepath.Join(dir, workload+".load.json") }
func serverStatusFile(dir string) string   { return filepath.Join(dir, "server.status") }
func pgbenchOutFile(dir string) string     { return filepath.Join(dir, "pgbench.out") }
func pgbenchLogGlob(dir string) string     { return filepath.Join(dir, "pgbench_log.*") }
func loadavgStartFile(dir string) string   { return filepath.Join(dir, "loadavg.start") }

// writeJSON writes v as indented JSON to path.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// readJSON reads path into v, naming the file in any error.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
