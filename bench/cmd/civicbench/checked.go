package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// checked is one of issue 6's workloads (a) nested, (c) window, (b) totals,
// as bench/cmd/pglcheck prepared it: pglcheck found the parameters in the
// data, sent civicgraph and PostGraphile their documents
// (bench/workloads/NAME.*.graphql), ran the SQL templates (NAME.sql, and
// totals-groupby.sql), proved all the answers equal and wrote the request
// bodies, the raw answers and the filled pgbench scripts to its output
// folder. Prepare turns that folder into a plan: every answer under load
// must be the one pglcheck checked.
type checked struct{ name string }

var checkedTitles = map[string]string{
	"nested": "(a) nested: 20 communities → the alliances they lead → members → organization",
	"window": "(c) window: one community's records in a 6-month window, first 50 by time",
	"totals": "(b) totals: records and people served per category, all records",
}

func (c checked) Title() string { return checkedTitles[c.name] }

// pglcheckResult is the part of pglcheck.json a plan uses.
type pglcheckResult struct {
	Workload string   `json:"workload"`
	Params   []param  `json:"params"`
	Items    int      `json:"items"`
	Equal    bool     `json:"equal"`
	Mismatch []string `json:"mismatch"`
}

func readPglcheck(dir, name string) (pglcheckResult, error) {
	var all []pglcheckResult
	if err := readJSON(filepath.Join(dir, "pglcheck.json"), &all); err != nil {
		return pglcheckResult{}, fmt.Errorf("pglcheck's results (run pglcheck -out %s first): %w", dir, err)
	}
	for _, r := range all {
		if r.Workload == name {
			return r, nil
		}
	}
	return pglcheckResult{}, fmt.Errorf("pglcheck.json in %s has no workload %q (pglcheck -only?)", dir, name)
}

func (c checked) Prepare(ctx context.Context, e *env) (*plan, error) {
	if e.pglcheck == "" {
		return nil, usageError{"workload " + c.name + " needs -pglcheck DIR (bench/cmd/pglcheck's -out folder)"}
	}
	res, err := readPglcheck(e.pglcheck, c.name)
	if err != nil {
		return nil, err
	}
	p := &plan{Title: c.Title(), Params: res.Params}
	if !res.Equal {
		p.Mismatch = "pglcheck: " + strings.Join(res.Mismatch, "; ")
	}

	// civicgraph: the body pglcheck sent, whose answer must still be the
	// one pglcheck compared.
	body, query, err := readBody(e.pglcheck, c.name+".civicgraph.json")
	if err != nil {
		return nil, err
	}
	p.Query = query
	raw, expect, err := expectOf(ctx, e.gql, body)
	if err != nil {
		return nil, fmt.Errorf("civicgraph: %w", err)
	}
	checkedRaw, err := os.ReadFile(filepath.Join(e.pglcheck, c.name+".civicgraph.raw"))
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(raw, checkedRaw) {
		return nil, fmt.Errorf("civicgraph's answer (%d bytes) is not the one pglcheck checked (%d bytes): did the data change in between?", len(raw), len(checkedRaw))
	}
	if expect == "" {
		return nil, fmt.Errorf("civicgraph gave two different answers to the same %s request", c.name)
	}
	p.Requests = []plannedRequest{{Label: c.name, Body: body, Expect: expect}}
	p.Params = append(p.Params, param{"answer", fmt.Sprintf("%d items, civicgraph's answer %d bytes", res.Items, len(raw))})

	// PostGraphile, when the run has it.
	if e.pgl != nil {
		if p.PostGraphile, err = c.postgraphile(ctx, e); err != nil {
			return nil, fmt.Errorf("PostGraphile: %w", err)
		}
	}

	// The baselines: the statements civicgraph sends, and for (b) the
	// plain GROUP BY, filled in by pglcheck.
	own, err := readScript(e.pglcheck, c.name+".sql")
	if err != nil {
		return nil, err
	}
	p.Baselines = []sqlBaseline{{Name: "sql", Title: "civicgraph's own SQL (the statements it sends, as literals)", Own: true, Scripts: []sqlScript{own}}}
	if c.name == "totals" {
		gb, err := readScript(e.pglcheck, "totals-groupby.sql")
		if err != nil {
			return nil, err
		}
		p.Baselines = append(p.Baselines, sqlBaseline{Name: "groupby", Title: "the plain GROUP BY over service_records", Scripts: []sqlScript{gb}})
	}

	sides := "civicgraph = civicgraph's SQL"
	if c.name == "totals" {
		sides += " = the plain GROUP BY"
	}
	if p.PostGraphile != nil {
		sides = "civicgraph = PostGraphile = " + strings.TrimPrefix(sides, "civicgraph = ")
	}
	p.Check = fmt.Sprintf("pglcheck mapped each answer to one shape and found %s (%d items); under load every civicgraph answer must be byte-identical to the one pglcheck checked", sides, res.Items)
	if p.PostGraphile != nil {
		p.Check += ", every PostGraphile answer identical to its checked one up to the order of JSON arrays"
	}
	return p, nil
}

// postgraphile prepares the PostGraphile side: the body pglcheck sent, the
// digests its answers must have.
func (c checked) postgraphile(ctx context.Context, e *env) (*otherServer, error) {
	body, query, err := readBody(e.pglcheck, c.name+".postgraphile.json")
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("pglcheck wrote no %s.postgraphile.json: run it with -postgraphile", c.name)
	}
	if err != nil {
		return nil, err
	}
	checkedRaw, err := os.ReadFile(filepath.Join(e.pglcheck, c.name+".postgraphile.raw"))
	if err != nil {
		return nil, err
	}
	want, err := canonicalJSON(checkedRaw)
	if err != nil {
		return nil, fmt.Errorf("the answer pglcheck checked: %w", err)
	}
	raw, expect, err := expectOf(ctx, e.pgl, body)
	if err != nil {
		return nil, err
	}
	got, err := canonicalJSON(raw)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(got, want) {
		return nil, fmt.Errorf("PostGraphile's answer (%d bytes) is not the one pglcheck checked (%d bytes)", len(raw), len(checkedRaw))
	}
	if expect == "" {
		expect = sha256Hex(raw) // two answers differed in order only
	}
	return &otherServer{Query: query, Requests: []plannedRequest{{Label: c.name, Body: body, Expect: expect, ExpectUnordered: sha256Hex(want)}}}, nil
}

// readBody reads a GraphQL POST body and its query.
func readBody(dir, file string) (json.RawMessage, string, error) {
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return nil, "", err
	}
	var req struct {
		Query string `json:"query"`
	}
	if err := json.Unmarshal(b, &req); err != nil || req.Query == "" {
		return nil, "", fmt.Errorf("%s: not a GraphQL request body", file)
	}
	return json.RawMessage(bytes.TrimSpace(b)), req.Query, nil
}

// readScript reads a pgbench script pglcheck filled in: "--" comment lines
// (kept as the header), then statements each ending with ";" at the end of
// a line.
func readScript(dir, file string) (sqlScript, error) {
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return sqlScript{}, err
	}
	s, err := parseScript(string(b))
	if err != nil {
		return sqlScript{}, fmt.Errorf("%s: %w", file, err)
	}
	return s, nil
}

// parseScript splits a script into its leading comment lines and its
// statements (comment lines between statements are dropped).
func parseScript(text string) (sqlScript, error) {
	var s sqlScript
	var header strings.Builder
	var cur []string
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if t == "" {
			continue
		}
		if strings.HasPrefix(t, "--") && len(cur) == 0 {
			if len(s.Statements) == 0 {
				header.WriteString(t + "\n")
			}
			continue
		}
		cur = append(cur, line)
		if strings.HasSuffix(t, ";") {
			s.Statements = append(s.Statements, strings.TrimSuffix(strings.TrimSpace(strings.Join(cur, "\n")), ";"))
			cur = nil
		}
	}
	if len(cur) > 0 {
		return s, fmt.Errorf("the last statement does not end with ';'")
	}
	if len(s.Statements) == 0 {
		return s, fmt.Errorf("no statements")
	}
	s.Header = header.String()
	s.Weight = 1
	return s, nil
}
