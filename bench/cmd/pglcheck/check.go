package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// result is what pglcheck found for one workload (pglcheck.json).
type result struct {
	Workload string             `json:"workload"`
	Title    string             `json:"title"`
	Params   []param            `json:"params"`
	Items    int                `json:"items"`
	Equal    bool               `json:"equal"`
	Mismatch []string           `json:"mismatch,omitempty"`
	Timings  map[string]summary `json:"timings,omitempty"`
}

// summary is the rough timing of n sequential requests (or SQL
// transactions): nearest-rank percentiles, in milliseconds.
type summary struct {
	N     int     `json:"n"`
	Min   float64 `json:"minMs"`
	P50   float64 `json:"p50Ms"`
	P95   float64 `json:"p95Ms"`
	Max   float64 `json:"maxMs"`
	Bytes int     `json:"answerBytes,omitempty"`
}

func checkWorkload(ctx context.Context, o options, w *workload, db *pgx.Conn, cg, pgl *client, stdout io.Writer) (result, error) {
	res := result{Workload: w.name, Title: w.title}
	fmt.Fprintf(stdout, "\n== %s: %s\n", w.name, w.title)
	vars, lits, desc, err := w.params(ctx, db)
	if err != nil {
		return res, err
	}
	res.Params = desc
	for _, p := range desc {
		fmt.Fprintf(stdout, "  %s: %s\n", p.Name, p.Value)
	}

	// The answers, each mapped to the common shape.
	type side struct {
		name string
		body []byte
		raw  []byte
		norm []byte
	}
	var sides []*side
	var clients []*client
	for _, s := range []struct {
		name string
		c    *client
		norm func([]byte) (any, error)
	}{{"civicgraph", cg, w.civicgraph}, {"postgraphile", pgl, w.postgraphile}} {
		if s.c == nil {
			continue // no PostGraphile: civicgraph against the SQL only
		}
		query, err := os.ReadFile(filepath.Join(o.dir, w.name+"."+s.name+".graphql"))
		if err != nil {
			return res, err
		}
		b, err := body(string(query), vars)
		if err != nil {
			return res, err
		}
		raw, err := s.c.post(ctx, b)
		if err != nil {
			return res, fmt.Errorf("%s: %w", s.name, err)
		}
		v, err := s.norm(raw)
		if err != nil {
			return res, fmt.Errorf("%s's answer: %w", s.name, err)
		}
		sides = append(sides, &side{name: s.name, body: b, raw: raw, norm: canonical(v)})
		clients = append(clients, s.c)
		if o.out != "" {
			if err := os.WriteFile(filepath.Join(o.out, w.name+"."+s.name+".json"), b, 0o644); err != nil {
				return res, err
			}
			// The answer as the server sent it: civicbench requires the
			// answers under load to be this one.
			if err := os.WriteFile(filepath.Join(o.out, w.name+"."+s.name+".raw"), raw, 0o644); err != nil {
				return res, err
			}
		}
	}
	var scripts []*side // the baselines, by file, with their filled statements
	var stmts [][]string
	for _, bl := range w.baselines {
		c, err := loadChain(filepath.Join(o.dir, bl.file), clone(lits))
		if err != nil {
			return res, err
		}
		v, err := bl.run(ctx, db, c)
		if err != nil {
			return res, err
		}
		header := fmt.Sprintf("-- %s, filled in by bench/cmd/pglcheck from bench/workloads/%s\n", w.title, bl.file)
		for _, p := range desc {
			header += fmt.Sprintf("-- %s: %s\n", p.Name, p.Value)
		}
		script, err := c.done(header)
		if err != nil {
			return res, err
		}
		scripts = append(scripts, &side{name: "SQL " + bl.file, norm: canonical(v)})
		stmts = append(stmts, c.filled)
		if o.out != "" {
			if err := os.WriteFile(filepath.Join(o.out, bl.file), []byte(script), 0o644); err != nil {
				return res, err
			}
		}
	}

	// Compare everything with civicgraph's answer.
	ref := sides[0]
	res.Items = countItems(ref.norm)
	res.Equal = true
	for _, s := range append(sides[1:], scripts...) {
		if bytes.Equal(s.norm, ref.norm) {
			continue
		}
		res.Equal = false
		res.Mismatch = append(res.Mismatch, fmt.Sprintf("%s differs from civicgraph: %s", s.name, firstDifference(ref.norm, s.norm)))
	}
	if o.out != "" {
		if err := os.WriteFile(filepath.Join(o.out, w.name+".answer.json"), indent(ref.norm), 0o644); err != nil {
			return res, err
		}
		if !res.Equal {
			for _, s := range append(sides[1:], scripts...) {
				name := strings.ReplaceAll(strings.ReplaceAll(s.name, " ", "-"), ".sql", "")
				if err := os.WriteFile(filepath.Join(o.out, w.name+".answer."+name+".json"), indent(s.norm), 0o644); err != nil {
					return res, err
				}
			}
		}
	}
	names := []string{}
	for _, s := range append(sides[1:], scripts...) {
		names = append(names, s.name)
	}
	if !res.Equal {
		for _, m := range res.Mismatch {
			fmt.Fprintf(stdout, "  MISMATCH: %s\n", m)
		}
		return res, errMismatch
	}
	fmt.Fprintf(stdout, "  equal: civicgraph = %s (%d items, %d bytes of common JSON, sha256 %x)\n",
		strings.Join(names, " = "), res.Items, len(ref.norm), sha256.Sum256(ref.norm))

	// Rough timings: n sequential requests, every answer byte-identical to
	// the first (both servers answer deterministically).
	if o.n == 0 {
		return res, nil
	}
	res.Timings = map[string]summary{}
	for i, s := range sides {
		sum, err := timeRequests(ctx, clients[i], s.body, s.raw, o.n)
		if err != nil {
			return res, fmt.Errorf("%s under %d sequential requests: %w", s.name, o.n, err)
		}
		res.Timings[s.name] = sum
	}
	for i, s := range scripts {
		sum, err := timeSQL(ctx, db, stmts[i], o.n)
		if err != nil {
			return res, fmt.Errorf("%s: %w", s.name, err)
		}
		res.Timings[s.name] = sum
	}
	keys := make([]string, 0, len(res.Timings))
	for k := range res.Timings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	fmt.Fprintf(stdout, "  %d sequential, one connection each (rough; not the measurement):\n", o.n)
	for _, k := range keys {
		t := res.Timings[k]
		extra := ""
		if t.Bytes > 0 {
			extra = fmt.Sprintf(", answer %d bytes", t.Bytes)
		}
		fmt.Fprintf(stdout, "    %-26s p50 %7.2f ms  p95 %7.2f ms  min %7.2f  max %7.2f%s\n", k, t.P50, t.P95, t.Min, t.Max, extra)
	}
	return res, nil
}

func timeRequests(ctx context.Context, c *client, body, want []byte, n int) (summary, error) {
	samples := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		start := time.Now()
		raw, err := c.post(ctx, body)
		if err != nil {
			return summary{}, err
		}
		samples = append(samples, time.Since(start))
		if !bytes.Equal(raw, want) {
			return summary{}, fmt.Errorf("answer %d differs from the first (%d vs %d bytes)", i+1, len(raw), len(want))
		}
	}
	s := summarize(samples)
	s.Bytes = len(want)
	return s, nil
}

func timeSQL(ctx context.Context, db *pgx.Conn, stmts []string, n int) (summary, error) {
	samples := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		start := time.Now()
		if err := runScript(ctx, db, stmts); err != nil {
			return summary{}, err
		}
		samples = append(samples, time.Since(start))
	}
	return summarize(samples), nil
}

func summarize(samples []time.Duration) summary {
	if len(samples) == 0 {
		return summary{}
	}
	slices.Sort(samples)
	pct := func(p float64) time.Duration {
		rank := int(math.Ceil(p / 100 * float64(len(samples))))
		return samples[min(max(rank, 1), len(samples))-1]
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return summary{N: len(samples), Min: ms(samples[0]), P50: ms(pct(50)), P95: ms(pct(95)), Max: ms(samples[len(samples)-1])}
}

// canonical is v's JSON; the common shapes are structs and slices, so the
// encoding is deterministic.
func canonical(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the common shapes always marshal
	}
	return b
}

func indent(b []byte) []byte {
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return b
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// countItems is the length of a top-level JSON array.
func countItems(b []byte) int {
	var items []json.RawMessage
	if json.Unmarshal(b, &items) != nil {
		return 0
	}
	return len(items)
}

// firstDifference names the first path at which two JSON documents differ.
func firstDifference(a, b []byte) string {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return "not JSON"
	}
	if d := diff("$", va, vb); d != "" {
		return d
	}
	return "the same values, encoded differently"
}

func diff(path string, a, b any) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: %s vs %s", path, short(a), short(b))
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			if d := diff(path+"."+k, x[k], y[k]); d != "" {
				return d
			}
		}
		return ""
	case []any:
		y, ok := b.([]any)
		if !ok {
			return fmt.Sprintf("%s: %s vs %s", path, short(a), short(b))
		}
		for i := range min(len(x), len(y)) {
			if d := diff(fmt.Sprintf("%s[%d]", path, i), x[i], y[i]); d != "" {
				return d
			}
		}
		if len(x) != len(y) {
			return fmt.Sprintf("%s: %d items vs %d", path, len(x), len(y))
		}
		return ""
	default:
		if fmt.Sprint(a) == fmt.Sprint(b) && fmt.Sprintf("%T", a) == fmt.Sprintf("%T", b) {
			return ""
		}
		return fmt.Sprintf("%s: %s vs %s", path, short(a), short(b))
	}
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 120 {
		return string(b[:120]) + "…"
	}
	return string(b)
}

func clone(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
