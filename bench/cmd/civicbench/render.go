package main

import (
	"fmt"
	"strconv"
	"strings"
)

// Issue 3's targets for the city dashboard.
const (
	targetP95Ms        = 50.0
	targetSpeedup      = 20.0
	targetScaleRatio   = 1.5
	targetScale        = "city" // the scale the targets are stated for
	percentilesComment = "nearest-rank percentiles over every request of the measured window"
)

// renderReport writes the results table as markdown.
func renderReport(in reportInput, problems []string) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	l, pg := in.load, in.pg

	w("# civicgraph benchmark: %s, scale %s, %s\n\n", in.plan.Workload, in.scale, in.when.Format("2006-01-02 15:04 MST"))
	if len(problems) == 0 {
		w("**Valid run**: every civicgraph answer was errorless and identical to the one checked against the baseline SQL.\n\n")
	} else {
		w("**FAILED — these numbers are not a measurement:**\n\n")
		for _, p := range problems {
			w("- %s\n", p)
		}
		w("\n")
	}
	w("Command (from the repository root):\n\n```sh\n%s\n```\n\n", in.command)

	m := in.machine
	w("## Machine\n\n| | |\n|---|---|\n")
	w("| CPUs (nproc) | %d |\n| memory | %s |\n| CPU model | %s |\n| kernel | %s |\n", m.NProc, m.MemTotal, m.CPUModel, m.Kernel)
	w("| PostgreSQL | %s |\n| Go | %s |\n", m.PostgreSQL, m.Go)
	w("| load average (1, 5, 15 min) at start → end | %s → %s |\n", m.LoadStart, m.LoadEnd)
	if in.revision != "" {
		w("| civicgraph | commit %s; the binary was built from the working tree at the start of the run, uncommitted changes included |\n", in.revision)
	}
	w("\n")

	d := in.data
	w("## Dataset\n\n| | |\n|---|---|\n")
	w("| database | `%s` |\n", d.Database)
	w("| service_records | %s |\n| communities | %s |\n", group(d.ServiceRecords), group(d.Communities))
	s := d.Seed
	if len(s) > 0 {
		how := "in this run"
		if in.reused {
			how = "by an earlier run (reused)"
		}
		w("| seeded | `civicgraph seed --scale %s --seed %s`, %s, at %s (commit %s) |\n", s["scale"], s["seed"], how, s["seeded_at"], s["revision"])
		w("| seed duration (`/usr/bin/time -v`, wall clock) | %s |\n", secondsText(s["seed_seconds"]))
		w("| seed peak RSS (`/usr/bin/time -v`) | %s |\n", kibText(s["seed_peak_rss_kb"]))
		w("| `VACUUM ANALYZE` after the seed | %s |\n", secondsText(s["vacuum_seconds"]))
	} else {
		w("| seeded | unknown: the database has no civicgraph-bench comment |\n")
	}
	w("\n")

	w("## Results\n\n")
	w("%d clients, %.0f s warm-up (not counted), then %.1f s measured (from the window's start to the last answer); the baseline ran right after, with the server stopped, as many clients. Latencies are %s.\n\n",
		l.Clients, l.WarmupSec, l.DurationSec, percentilesComment)
	w("| | civicgraph (GraphQL over HTTP) | plain SQL (pgbench) | ratio |\n|---|---:|---:|---:|\n")
	w("| throughput | %.1f req/s | %.2f tps | **%s** civicgraph ÷ baseline |\n", l.Throughput, pg.TPS, ratioText(l.Throughput, pg.TPS))
	w("| latency p50 | %s | %s | %s |\n", msText(l.Latency.P50), msText(pg.Latency.P50), ratioText(pg.Latency.P50, l.Latency.P50))
	w("| latency p95 | %s | %s | **%s** baseline ÷ civicgraph |\n", msText(l.Latency.P95), msText(pg.Latency.P95), ratioText(pg.Latency.P95, l.Latency.P95))
	w("| latency p99 | %s | %s | %s |\n", msText(l.Latency.P99), msText(pg.Latency.P99), ratioText(pg.Latency.P99, l.Latency.P99))
	w("| latency mean | %s | %s (pgbench's \"latency average\") | %s |\n", msText(l.Latency.Mean), msText(pg.LatencyAvgMs), ratioText(pg.LatencyAvgMs, l.Latency.Mean))
	w("| latency max | %s | %s | |\n", msText(l.Latency.MaxMs), msText(pg.Latency.MaxMs))
	w("| answers measured | %s (%d errors%s) | %s transactions (%d failed) | |\n",
		group(int64(l.Requests)), l.Errors, cappedText(l.Capped), group(pg.Transactions), pg.Failed)
	w("| server peak RSS (VmHWM at the end) | %s (RSS then %s) | — | |\n\n", kibText(strconv.FormatInt(in.serverHWMKiB, 10)), kibText(strconv.FormatInt(in.serverRSSKiB, 10)))

	w("## Targets (issue 3)\n\n")
	note := ""
	if in.scale != targetScale {
		note = fmt.Sprintf(" (the target is stated for --scale %s; this is %s)", targetScale, in.scale)
	}
	w("| target | measured | met? |\n|---|---:|---|\n")
	w("| p95 ≤ %.0f ms | %s | %s%s |\n", targetP95Ms, msText(l.Latency.P95), yesNo(l.Latency.P95 > 0 && l.Latency.P95 <= targetP95Ms), note)
	speed := 0.0
	if pg.TPS > 0 {
		speed = l.Throughput / pg.TPS
	}
	w("| ≥ %.0f× the plain GROUP BY (req/s ÷ tps) | %s | %s%s |\n", targetSpeedup, ratioText(l.Throughput, pg.TPS), yesNo(speed >= targetSpeedup), note)
	w("| p95 at 10M records within %.1f× of p95 at 1M | — | not measured by one run (see bench/README.md) |\n\n", targetScaleRatio)

	p := in.plan
	w("## Workload\n\n%s.\n\n", p.Title)
	for _, pr := range p.Params {
		w("- %s: %s\n", pr.Name, pr.Value)
	}
	w("- check: %s\n", p.Check)
	if p.Mismatch != "" {
		w("- **mismatch**: %s\n", p.Mismatch)
	}
	if in.pgbenchCommand != "" {
		w("- baseline: `%s` (`-l` logs every transaction, for the percentiles)\n", in.pgbenchCommand)
	}
	w("\n<details><summary>GraphQL request</summary>\n\n```graphql\n%s\n```\n\n</details>\n\n", p.Query)
	w("<details><summary>Baseline SQL (the pgbench script)</summary>\n\n```sql\n%s```\n\n</details>\n", p.Baseline)
	return b.String()
}

func msText(v float64) string {
	switch {
	case v <= 0:
		return "—"
	case v < 10:
		return fmt.Sprintf("%.2f ms", v)
	default:
		return fmt.Sprintf("%.1f ms", v)
	}
}

// ratioText is a ÷ b as "12.3×", "—" when either is unknown.
func ratioText(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "—"
	}
	r := a / b
	if r < 10 {
		return fmt.Sprintf("%.2f×", r)
	}
	return fmt.Sprintf("%.1f×", r)
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func cappedText(capped bool) string {
	if capped {
		return "; stopped at -max-requests"
	}
	return ""
}

// secondsText formats a number of seconds given as text.
func secondsText(s string) string {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return "?"
	}
	if v >= 120 {
		return fmt.Sprintf("%.0f s (%.1f min)", v, v/60)
	}
	return fmt.Sprintf("%.1f s", v)
}

// kibText formats a number of KiB given as text as MiB.
func kibText(s string) string {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 {
		return "?"
	}
	return fmt.Sprintf("%.1f MiB", v/1024)
}

// group writes n with thousands separators: 1,234,567.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}
