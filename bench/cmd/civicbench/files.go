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
//	<workload>.plan.json                 prepare: requests, expected answers, baselines
//	<workload>.<baseline>[.<part>].sql   prepare: the baselines' pgbench scripts
//	<workload>.<target>.load.json        load: throughput, latency, errors (target:
//	                                     civicgraph, civicgraph-cache, postgraphile)
//	<workload>.<target>.status           run.sh: /proc/<server pid>/status right after
//	                                     that load (VmHWM: the peak RSS since run.sh
//	                                     reset it before the load)
//	<workload>.<baseline>.pgbench.json   pgbench: the command, its summary, percentiles
//	<workload>.<baseline>.log.*          pgbench: per-transaction logs (pgbench -l)
//	import.<backend>.json                import: records imported per second
//	demo.json                            demo: serve --demo's time to its first answer
//	checked/                             run.sh: bench/cmd/pglcheck's -out folder
//	loadavg.start                        run.sh: /proc/loadavg when the run started
//	seed.time                            run.sh: /usr/bin/time -v of the seed, when this run seeded

func planFile(dir, workload string) string { return filepath.Join(dir, workload+".plan.json") }
func loadFile(dir, workload, target string) string {
	return filepath.Join(dir, workload+"."+target+".load.json")
}
func statusFile(dir, workload, target string) string {
	return filepath.Join(dir, workload+"."+target+".status")
}
func pgbenchFile(dir, workload, baseline string) string {
	return filepath.Join(dir, workload+"."+baseline+".pgbench.json")
}
func importFile(dir, backend string) string { return filepath.Join(dir, "import."+backend+".json") }
func demoFile(dir string) string            { return filepath.Join(dir, "demo.json") }
func loadavgStartFile(dir string) string    { return filepath.Join(dir, "loadavg.start") }

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
