package main

import (
	"fmt"
	"strconv"
	"strings"
)

// Issue 6's targets (city scale, 8 connections), and issue 3's for the
// dashboard.
const (
	targetScale         = "city" // the scale the targets are stated for
	targetNestedVsPGL   = 2.0    // (a) req/s ≥ 2× PostGraphile's
	targetNestedVsSQL   = 0.60   // (a) req/s ≥ 60% of the tps of civicgraph's own SQL
	targetNestedP99     = 0.5    // (a) p99 ≤ half PostGraphile's
	targetWindowVsPGL   = 3.0    // (c) ≥ 3× PostGraphile
	targetTotalsVsPGL   = 100.0  // (b) ≥ 100× PostGraphile
	targetRSSBytes      = 150e6  // server peak RSS ≤ 150 MB
	targetImportPG      = 50_000 // records/s
	targetImportSQLite  = 30_000
	targetDemoSec       = 5.0
	targetDashP95Ms     = 50.0 // issue 3
	targetDashSpeedup   = 20.0 // issue 3: ≥ 20× the plain GROUP BY
	percentilesComment  = "nearest-rank percentiles over every request (or pgbench transaction) of the measured window"
	systemCivicgraph    = "civicgraph"
	systemCivicgraphHot = "civicgraph-cache"
	systemPostGraphile  = "postgraphile"
)

var targetTitles = map[string]string{
	systemCivicgraph:    "civicgraph",
	systemCivicgraphHot: "civicgraph, response cache on",
	systemPostGraphile:  "PostGraphile 5",
}

// renderReport writes the results as markdown.
func renderReport(in reportInput, problems []string) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	kind := "benchmark"
	if in.smoke {
		kind = "smoke run"
	}
	w("# civicgraph %s: scale %s, %s\n\n", kind, in.scale, in.when.Format("2006-01-02 15:04 MST"))
	switch {
	case len(problems) > 0:
		w("**FAILED — these numbers are not a measurement:**\n\n")
		for _, p := range problems {
			w("- %s\n", p)
		}
		w("\n")
	case in.smoke:
		w("**Smoke run**: the harness works end to end (every answer checked, every baseline agreed); a second or so per step on a small dataset, so **the figures are not a measurement** and the targets table only shows the format.\n\n")
	default:
		w("**Valid run**: before anything was measured every baseline gave civicgraph's answer; under load every answer was errorless and identical to the checked one.\n\n")
	}
	w("Command (from the repository root):\n\n```sh\n%s\n```\n\n", in.command)

	renderMachine(w, in)
	renderSettings(w, in)
	renderResults(w, in)
	renderRatios(w, in)
	renderTargets(w, in)
	renderImports(w, in)
	renderDemo(w, in)
	renderWorkloads(w, in)
	renderFiles(w, in)
	return b.String()
}

type writer func(format string, args ...any)

func renderMachine(w writer, in reportInput) {
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
	w("| database | `%s` (PostgreSQL) |\n", d.Database)
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
}

func renderSettings(w writer, in reportInput) {
	st := in.settings
	w("## Settings\n\n| | |\n|---|---|\n")
	w("| connections | %d concurrent clients, each with its own keep-alive HTTP connection; pgbench `-c %d -j %d` |\n", st.Clients, st.Clients, st.Jobs)
	w("| windows | %d s measured per load and per pgbench run; loads warm up %d s first (not counted; skipped when one request alone takes over 1 s). A load stops starting requests at the window's end and waits for those in flight |\n", st.DurationSec, st.WarmupSec)
	cache := "off (`--response-cache-mb 0`): every answer computed"
	switch st.ResponseCache {
	case "on":
		cache = "on: answers kept and revalidated against the data version"
	case "both":
		cache += "; the rows \"civicgraph, response cache on\" are a second server with the cache on, sent the same requests"
	}
	w("| civicgraph | `civicgraph serve %s`; response cache %s |\n", st.ServeFlags, cache)
	if st.PostGraphile != "" {
		w("| PostGraphile | %s (bench/postgraphile: Amber + connection-filter + pg-aggregates, pg pool 10, NODE_ENV=production), over the same database |\n", st.PostGraphile)
	} else {
		w("| PostGraphile | not measured in this run |\n")
	}
	order := "civicgraph"
	if st.ResponseCache == "both" {
		order += ", civicgraph with its cache"
	}
	if st.PostGraphile != "" {
		order += ", PostGraphile (on (a), (b), (c))"
	}
	w("| order | per workload: %s, then pgbench for each SQL baseline; the servers stay up, idle, while the others run |\n", order)
	w("| peak RSS | VmHWM of the server process over one load: run.sh resets it (`echo 5 > /proc/PID/clear_refs`) before each load and reads `/proc/PID/status` after it |\n")
	w("| latencies | %s; client-side (HTTP, the server, its SQL, the JSON answer) |\n\n", percentilesComment)
}

// system is one measured row: a server under load or a pgbench baseline.
type system struct {
	name       string
	throughput float64 // req/s or tps
	unit       string
	lat        latencies
	answers    int64
	errors     int
	rssKiB     int64
	note       string
}

func (wr *workloadResult) systems() []system {
	var out []system
	for _, t := range loadTargets {
		l := wr.loads[t]
		if l == nil {
			continue
		}
		var notes []string
		if l.ProbeMs > 1000 {
			notes = append(notes, fmt.Sprintf("slow (one request alone: %s): no warm-up, at most %s requests", msText(l.ProbeMs), group(l.MaxRequests)))
		}
		if l.Capped {
			notes = append(notes, fmt.Sprintf("stopped at %s requests", group(l.MaxRequests)))
		}
		note := strings.Join(notes, "; ")
		out = append(out, system{name: targetTitles[t], throughput: l.Throughput, unit: "req/s", lat: l.Latency,
			answers: int64(l.Requests), errors: l.Errors, rssKiB: wr.rss[t], note: note})
	}
	for _, b := range wr.plan.Baselines {
		r := wr.pgbench[b.Name]
		if r == nil {
			continue
		}
		out = append(out, system{name: baselineTitle(b), throughput: r.Result.TPS, unit: "tps", lat: r.Result.Latency,
			answers: r.Result.Transactions, errors: int(r.Result.Failed)})
	}
	return out
}

func baselineTitle(b sqlBaseline) string {
	switch b.Name {
	case "sql":
		if b.Own {
			return "civicgraph's own SQL (pgbench)"
		}
		return "the parts' SQL (pgbench)"
	case "groupby":
		return "plain GROUP BY (pgbench)"
	case "plain":
		return "plain SQL (pgbench)"
	}
	return b.Name + " (pgbench)"
}

func renderResults(w writer, in reportInput) {
	w("## Results\n\n")
	w("| workload | system | throughput | p50 | p95 | p99 | max | answers | peak RSS | note |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, wr := range in.workloads {
		for i, s := range wr.systems() {
			label := ""
			if i == 0 {
				label = shortTitle(wr.plan.Workload)
			}
			rss := "—"
			if s.rssKiB > 0 {
				rss = mibText(s.rssKiB)
			}
			w("| %s | %s | %s %s | %s | %s | %s | %s | %s | %s | %s |\n", label, s.name, rateText(s.throughput), s.unit,
				msText(s.lat.P50), msText(s.lat.P95), msText(s.lat.P99), msText(s.lat.MaxMs), group(s.answers), rss, s.note)
		}
	}
	w("\n")
}

// shortTitle is the workload's name in tables.
func shortTitle(name string) string {
	switch name {
	case "nested":
		return "(a) nested"
	case "window":
		return "(c) window"
	case "totals":
		return "(b) totals"
	case "dashboard":
		return "city dashboard"
	}
	return name
}

// renderRatios gives every civicgraph figure as a ratio to each baseline,
// oriented so that above 1 means civicgraph does better: throughput
// civicgraph ÷ baseline; latency and RSS baseline ÷ civicgraph.
func renderRatios(w writer, in reportInput) {
	w("## Ratios to the baselines\n\n")
	w("Every ratio says how many times better civicgraph did, so **above 1 means civicgraph is better**: throughput is civicgraph ÷ baseline (req/s ÷ req/s or tps), latency and RSS are baseline ÷ civicgraph. The baselines ran in the same run, minutes apart, on the same database.\n\n")
	w("| workload | civicgraph | vs | throughput | p50 | p95 | p99 | peak RSS |\n|---|---|---|---:|---:|---:|---:|---:|\n")
	for _, wr := range in.workloads {
		first := true
		for _, t := range []string{systemCivicgraph, systemCivicgraphHot} {
			l := wr.loads[t]
			if l == nil {
				continue
			}
			row := func(vs string, tp float64, lat latencies, rssKiB int64) {
				label := ""
				if first {
					label = shortTitle(wr.plan.Workload)
					first = false
				}
				rss := "—"
				if rssKiB > 0 && wr.rss[t] > 0 {
					rss = ratioText(float64(rssKiB), float64(wr.rss[t]))
				}
				w("| %s | %s | %s | **%s** | %s | %s | %s | %s |\n", label, targetTitles[t], vs, ratioText(l.Throughput, tp),
					ratioText(lat.P50, l.Latency.P50), ratioText(lat.P95, l.Latency.P95), ratioText(lat.P99, l.Latency.P99), rss)
			}
			if p := wr.loads[systemPostGraphile]; p != nil {
				row("PostGraphile 5", p.Throughput, p.Latency, wr.rss[systemPostGraphile])
			}
			for _, b := range wr.plan.Baselines {
				if r := wr.pgbench[b.Name]; r != nil {
					row(baselineTitle(b), r.Result.TPS, r.Result.Latency, 0)
				}
			}
			if t == systemCivicgraphHot {
				if c := wr.loads[systemCivicgraph]; c != nil {
					row("civicgraph, cache off", c.Throughput, c.Latency, wr.rss[systemCivicgraph])
				}
			}
		}
	}
	w("\n")
}

func renderTargets(w writer, in reportInput) {
	w("## Targets\n\n")
	note := ""
	if in.scale != targetScale {
		note = fmt.Sprintf("; they are stated for --scale %s, this run is %s", targetScale, in.scale)
	}
	cache := "off"
	if in.settings.ResponseCache == "on" {
		cache = "on"
	}
	w("Issue 6's targets (and issue 3's for the dashboard), judged on the \"civicgraph\" rows (response cache %s)%s.\n\n", cache, note)
	if in.smoke {
		w("**Smoke run: the format only; a second per step at a small scale says nothing about the targets.**\n\n")
	}
	w("| target | measured | met? |\n|---|---|---|\n")
	byName := map[string]*workloadResult{}
	for _, wr := range in.workloads {
		byName[wr.plan.Workload] = wr
	}
	cg := func(name string) *loadResult {
		if wr := byName[name]; wr != nil {
			return wr.loads[systemCivicgraph]
		}
		return nil
	}
	pgl := func(name string) *loadResult {
		if wr := byName[name]; wr != nil {
			return wr.loads[systemPostGraphile]
		}
		return nil
	}
	vsPGL := func(name, title string, want float64) {
		c, p := cg(name), pgl(name)
		if c == nil {
			return
		}
		if p == nil {
			w("| %s: ≥ %s PostGraphile's req/s | PostGraphile not measured | — |\n", title, timesText(want))
			return
		}
		r := c.Throughput / p.Throughput
		w("| %s: ≥ %s PostGraphile's req/s | %s req/s ÷ %s req/s = %s | %s |\n", title, timesText(want), rateText(c.Throughput), rateText(p.Throughput), ratioText(c.Throughput, p.Throughput), yesNo(r >= want))
	}
	vsPGL("nested", "(a) nested", targetNestedVsPGL)
	if c := cg("nested"); c != nil {
		if r := byName["nested"].pgbench["sql"]; r != nil {
			share := c.Throughput / r.Result.TPS
			w("| (a) nested: ≥ %.0f%% of the pgbench tps of civicgraph's own SQL | %s req/s ÷ %s tps = %.0f%% | %s |\n", targetNestedVsSQL*100, rateText(c.Throughput), rateText(r.Result.TPS), share*100, yesNo(share >= targetNestedVsSQL))
		}
		if p := pgl("nested"); p != nil {
			r := c.Latency.P99 / p.Latency.P99
			w("| (a) nested: p99 ≤ ½ PostGraphile's | %s vs %s (%.2f of it) | %s |\n", msText(c.Latency.P99), msText(p.Latency.P99), r, yesNo(r <= targetNestedP99))
		}
	}
	vsPGL("window", "(c) window", targetWindowVsPGL)
	vsPGL("totals", "(b) totals", targetTotalsVsPGL)
	var peak int64
	peakOf := ""
	for _, wr := range in.workloads {
		if k := wr.rss[systemCivicgraph]; k > peak {
			peak, peakOf = k, wr.plan.Workload
		}
	}
	if peak > 0 {
		bytes := float64(peak) * 1024
		w("| civicgraph's peak RSS ≤ 150 MB (every load) | %s = %.1f MB (%s) | %s |\n", mibText(peak), bytes/1e6, shortTitle(peakOf), yesNo(bytes <= targetRSSBytes))
	}
	for _, ir := range in.imports {
		want, name := float64(targetImportPG), "PostgreSQL"
		if ir.Backend == "sqlite" {
			want, name = targetImportSQLite, "SQLite"
		}
		w("| import ≥ %s records/s on %s | %s records/s (%s records in %.1f s) | %s |\n", group(int64(want)), name, group(int64(ir.RecPerSec)), group(ir.Records), ir.WallSec, yesNo(ir.RecPerSec >= want))
	}
	if d := in.demo; d != nil {
		w("| `serve --demo` answers its first query ≤ %.0f s after start, empty store | %.2f s | %s |\n", targetDemoSec, d.FirstAnswerSec, yesNo(d.FirstAnswerSec <= targetDemoSec))
	}
	if c := cg("dashboard"); c != nil {
		w("| city dashboard (issue 3): p95 ≤ %.0f ms | %s | %s |\n", targetDashP95Ms, msText(c.Latency.P95), yesNo(c.Latency.P95 > 0 && c.Latency.P95 <= targetDashP95Ms))
		if r := byName["dashboard"].pgbench["plain"]; r != nil {
			sp := c.Throughput / r.Result.TPS
			w("| city dashboard (issue 3): ≥ %.0f× the plain SQL (req/s ÷ tps) | %s | %s |\n", targetDashSpeedup, ratioText(c.Throughput, r.Result.TPS), yesNo(sp >= targetDashSpeedup))
		}
	}
	w("\n")
}

func renderImports(w writer, in reportInput) {
	if len(in.imports) == 0 {
		return
	}
	w("## Import throughput\n\n")
	w("`civicgraph import` of a records-only NDJSON file (service records copied from the store itself under new codes, `civicbench records`) into a copy of a seeded store, so every record is an insert and the roll-ups are maintained in the same transaction. The time is the whole command's wall clock; `rollup verify` ran afterwards (not timed in).\n\n")
	w("| backend | into | records | wall time | records/s | import's peak RSS | roll-ups verified |\n|---|---|---:|---:|---:|---:|---|\n")
	for _, ir := range in.imports {
		verified := "not checked"
		if ir.Verified {
			verified = fmt.Sprintf("yes (`rollup verify`, %.1f s)", ir.VerifySec)
		}
		w("| %s | %s (%s → %s records) | %s | %.1f s | **%s** | %s | %s |\n", ir.Backend, ir.Base, group(ir.Before), group(ir.After), group(ir.Records), ir.WallSec,
			group(int64(ir.RecPerSec)), mibText(ir.PeakRSSKiB), verified)
	}
	w("\n")
}

func renderDemo(w writer, in reportInput) {
	d := in.demo
	if d == nil {
		return
	}
	w("## `serve --demo` on an empty store\n\n")
	w("`%s`, polled with `%s` every 10 ms from the moment the process started.\n\n", d.Command, demoQuery)
	w("| listening after | first answer after | polls | peak RSS |\n|---:|---:|---:|---:|\n")
	w("| %.2f s | **%.2f s** | %d | %s |\n\n", d.ListeningSec, d.FirstAnswerSec, d.Polls, mibText(d.PeakRSSKiB))
}

func renderWorkloads(w writer, in reportInput) {
	w("## Workloads\n\n")
	for _, wr := range in.workloads {
		p := wr.plan
		w("### %s\n\n%s.\n\n", shortTitle(p.Workload), p.Title)
		for _, pr := range p.Params {
			w("- %s: %s\n", pr.Name, pr.Value)
		}
		w("- check: %s\n", p.Check)
		if p.Mismatch != "" {
			w("- **mismatch**: %s\n", p.Mismatch)
		}
		for _, b := range p.Baselines {
			if r := wr.pgbench[b.Name]; r != nil {
				w("- baseline %s, %s: `%s`\n", b.Name, b.Title, r.Command)
			}
		}
		w("\n<details><summary>civicgraph's GraphQL</summary>\n\n```graphql\n%s\n```\n\n</details>\n\n", strings.TrimSpace(p.Query))
		if p.PostGraphile != nil {
			w("<details><summary>PostGraphile's GraphQL</summary>\n\n```graphql\n%s\n```\n\n</details>\n\n", strings.TrimSpace(p.PostGraphile.Query))
		}
		for _, b := range p.Baselines {
			w("<details><summary>SQL baseline %q: %s</summary>\n\n```sql\n", b.Name, b.Title)
			for _, s := range b.Scripts {
				if len(b.Scripts) > 1 {
					w("-- %s, weight %d\n", s.File, s.Weight)
				}
				w("%s\n", strings.TrimSpace(s.text()))
			}
			w("```\n\n</details>\n\n")
		}
	}
}

func renderFiles(w writer, in reportInput) {
	w("## Files\n\n")
	w("- `data/`: the run's JSON (plans with every request and SQL statement, each load, each pgbench run, imports, demo, pglcheck's figures).\n")
	if in.explained {
		w("- `explain/`: `EXPLAIN (ANALYZE, BUFFERS)` of every baseline statement after the loads; for (a), (b), (c) and the mix these are the statements civicgraph itself sends.\n")
	}
	if in.profiled {
		w("- `profiles/`: civicgraph's CPU profile over each measured window and its heap after it (`go tool pprof -http : profiles/nested.civicgraph.cpu.pprof`).\n")
	}
}

func msText(v float64) string {
	switch {
	case v <= 0:
		return "—"
	case v < 10:
		return fmt.Sprintf("%.2f ms", v)
	case v < 10_000:
		return fmt.Sprintf("%.1f ms", v)
	default:
		return fmt.Sprintf("%s ms", group(int64(v+0.5)))
	}
}

func rateText(v float64) string {
	switch {
	case v <= 0:
		return "—"
	case v < 10:
		return fmt.Sprintf("%.2f", v)
	case v < 1000:
		return fmt.Sprintf("%.1f", v)
	default:
		return group(int64(v + 0.5))
	}
}

// ratioText is a ÷ b as "12.3×", "—" when either is unknown.
func ratioText(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "—"
	}
	return timesText(a / b)
}

func timesText(r float64) string {
	switch {
	case r < 10:
		return fmt.Sprintf("%.2f×", r)
	case r < 1000:
		return fmt.Sprintf("%.1f×", r)
	default:
		return group(int64(r+0.5)) + "×"
	}
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
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
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return "?"
	}
	return mibText(v)
}

func mibText(kib int64) string {
	if kib <= 0 {
		return "?"
	}
	return fmt.Sprintf("%.1f MiB", float64(kib)/1024)
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
