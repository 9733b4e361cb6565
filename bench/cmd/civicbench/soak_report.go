package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// soakResult is a soak run, as soak.json keeps it.
type soakResult struct {
	Started        time.Time   `json:"started"`
	Command        string      `json:"command,omitempty"`
	Workload       string      `json:"workload"`
	Title          string      `json:"title"`
	DurationSec    float64     `json:"durationSec"`
	WindowSec      float64     `json:"windowSec"`
	SampleSec      float64     `json:"sampleSec"`
	Clients        int         `json:"clients"`
	Keys           string      `json:"keys"` // roles, in the order clients take them
	WriteEvery     int         `json:"writeEvery"`
	WriteCommunity string      `json:"writeCommunity"`
	WriteCategory  string      `json:"writeCategory"`
	Limits         soakLimits  `json:"limits"`
	Record         soakRecord  `json:"record"`
	Verdict        soakVerdict `json:"verdict"`
}

const soakSampleHeader = "at_s,rss_kib,hwm_kib,heap_bytes,goroutines,rate_limited_total,cpu_s,load1"

func soakSampleRow(s soakSample) string {
	return fmt.Sprintf("%.1f,%d,%d,%d,%d,%d,%.2f,%.2f", s.AtSec, s.RSSKiB, s.HWMKiB, s.HeapBytes, s.Goroutines, s.RateLimited, s.CPUSec, s.Load1)
}

// writeSoakResults writes soak.json, windows.csv and summary.md (samples.csv
// is written as the samples come).
func writeSoakResults(dir string, r soakResult) error {
	if err := writeJSON(filepath.Join(dir, "soak.json"), r); err != nil {
		return err
	}
	var csv strings.Builder
	csv.WriteString("window,start_s,end_s,reads,writes,rate_limited,errors,req_per_s,p50_ms,p95_ms,p99_ms,max_ms,read_p99_ms,write_p99_ms,rss_mean_mib,rss_max_mib,rss_end_mib,heap_mean_mib,load1_mean\n")
	for _, w := range r.Record.Windows {
		fmt.Fprintf(&csv, "%d,%.0f,%.0f,%d,%d,%d,%d,%.1f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.1f,%.1f,%.1f,%.1f,%.2f\n",
			w.Index, w.StartSec, w.EndSec, w.Reads, w.Writes, w.RateLimited, w.Errors, windowRate(w),
			w.All.P50, w.All.P95, w.All.P99, w.All.MaxMs, w.ReadLat.P99, w.WriteLat.P99,
			w.RSSMeanKiB/kib, float64(w.RSSMaxKiB)/kib, float64(w.RSSEndKiB)/kib, w.HeapMeanMiB, w.Load1Mean)
	}
	if err := os.WriteFile(filepath.Join(dir, "windows.csv"), []byte(csv.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "summary.md"), []byte(soakSummary(r)), 0o644)
}

func windowRate(w soakWindow) float64 {
	if d := w.EndSec - w.StartSec; d > 0 {
		return float64(w.Reads+w.Writes) / d
	}
	return 0
}

// soakSummary is summary.md's text (bench/soak.sh appends the machine and
// the database's growth).
func soakSummary(r soakResult) string {
	var b strings.Builder
	status := "PASSED"
	if !r.Verdict.Pass {
		status = "FAILED"
	}
	fmt.Fprintf(&b, "# Soak (issue 7): %s\n\n", status)
	fmt.Fprintf(&b, "Started %s, %s of load, %d clients over API keys %s (client i takes key i mod %d), ",
		r.Started.Format(time.RFC3339), time.Duration(r.DurationSec*float64(time.Second)), r.Clients, r.Keys, strings.Count(r.Keys, ",")+1)
	fmt.Fprintf(&b, "windows of %s, the server sampled every %s.\n\n", time.Duration(r.WindowSec*float64(time.Second)), time.Duration(r.SampleSec*float64(time.Second)))
	if r.Command != "" {
		fmt.Fprintf(&b, "Command: `%s`\n\n", r.Command)
	}
	fmt.Fprintf(&b, "Reads: the prepared `%s` workload (%s), every answer byte-identical to the checked one. ", r.Workload, r.Title)
	if r.WriteEvery > 0 {
		fmt.Fprintf(&b, "Writes: one request in %d of an OPERATOR client is `recordServices` of %d records with a new idempotency key, "+
			"over %d fixed records SOAK-SR-* (community %s, category %s, dated 2021-06-01, resolved): the same values each time, so the reads' answers do not change.\n\n",
			r.WriteEvery, soakBatch, soakSlots*soakBatch, r.WriteCommunity, r.WriteCategory)
	}
	b.WriteString("## Verdict\n\n| check | | detail |\n|---|---|---|\n")
	for _, c := range r.Verdict.Checks {
		mark := "pass"
		if !c.Pass {
			mark = "**FAIL**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", c.Name, mark, c.Detail)
	}
	for _, s := range r.Record.ErrorSamples {
		fmt.Fprintf(&b, "\n- error: `%s`", strings.ReplaceAll(s, "`", "'"))
	}
	b.WriteString("\n\n## Windows\n\n")
	b.WriteString("| window | reads | writes | RATE_LIMITED | errors | req/s | p50 ms | p99 ms | read p99 | write p99 | RSS mean MiB | RSS max MiB | heap MiB | load1 |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, w := range r.Record.Windows {
		fmt.Fprintf(&b, "| %d (%.0f–%.0f s) | %d | %d | %d | %d | %.1f | %.2f | %.2f | %.2f | %.2f | %.1f | %.1f | %.1f | %.2f |\n",
			w.Index, w.StartSec, w.EndSec, w.Reads, w.Writes, w.RateLimited, w.Errors, windowRate(w),
			w.All.P50, w.All.P99, w.ReadLat.P99, w.WriteLat.P99,
			w.RSSMeanKiB/kib, float64(w.RSSMaxKiB)/kib, w.HeapMeanMiB, w.Load1Mean)
	}
	if n := len(r.Record.Samples); n > 0 {
		first, last := r.Record.Samples[0], r.Record.Samples[n-1]
		fmt.Fprintf(&b, "\nSamples (samples.csv): %d; RSS %.1f → %.1f MiB, Go heap %.1f → %.1f MiB, goroutines %d → %d under load "+
			"(%d idle before, %d idle after, connections closed); the server's VmHWM at the end %.1f MiB; its CPU time %.1f s over the load "+
			"(%.2f cores on average); the server counted %d RATE_LIMITED, the clients %d.\n",
			n, float64(first.RSSKiB)/kib, float64(last.RSSKiB)/kib, float64(first.HeapBytes)/kib/kib, float64(last.HeapBytes)/kib/kib,
			first.Goroutines, last.Goroutines, r.Record.GoroutinesBefore, r.Record.GoroutinesAfter,
			float64(last.HWMKiB)/kib, last.CPUSec-first.CPUSec, (last.CPUSec-first.CPUSec)/max(last.AtSec-first.AtSec, 1),
			last.RateLimited-first.RateLimited, r.Record.RateLimited)
	}
	return b.String()
}
