package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// A workload is one question a client asks civicgraph, and the same
// question as plain SQL (and, for issue 6's (a), (b) and (c), of
// PostGraphile) as the baselines. Adding one is a new file with a type
// implementing workload and a line in workloads below.
type workload interface {
	// Title is the workload's name in the results table.
	Title() string
	// Prepare finds what the workload needs in the data, builds the requests
	// and the baselines, and checks that all give the same answers.
	Prepare(ctx context.Context, env *env) (*plan, error)
}

// workloads lists the workloads by the name run.sh and the results use, in
// the order a run measures them (workloadNames).
var workloads = map[string]workload{
	"dashboard": dashboard{},
	"nested":    checked{name: "nested"},
	"window":    checked{name: "window"},
	"totals":    checked{name: "totals"},
	"mixed":     mixed{},
}

// workloadOrder is the order of a run and of the results.
var workloadOrder = []string{"dashboard", "nested", "window", "totals", "mixed"}

// env is what a workload prepares against: the running servers and the
// database.
type env struct {
	gql *client // civicgraph
	pgl *client // PostGraphile; nil when the run has none
	db  *pgx.Conn
	// pglcheck is the folder bench/cmd/pglcheck wrote its request bodies,
	// answers and filled SQL scripts to (nested, window, totals, mixed).
	pglcheck string
}

// plan is a prepared workload, as prepare hands it to load, pgbench,
// explain and report.
type plan struct {
	Workload string `json:"workload"`
	Title    string `json:"title"`
	// Query is the GraphQL document (for the report).
	Query string `json:"query"`
	// Params are the values found in the data or fixed by the workload
	// (the city's code, the window), for the report.
	Params []param `json:"params"`
	// Requests are sent round-robin by the load clients.
	Requests []plannedRequest `json:"requests"`
	// PostGraphile is the same question for PostGraphile; nil when the
	// workload has no PostGraphile equivalent or the run has no PostGraphile.
	PostGraphile *otherServer `json:"postgraphile,omitempty"`
	// Baselines are the SQL baselines, each one pgbench run.
	Baselines []sqlBaseline `json:"baselines"`
	// Check says how the baselines were compared with civicgraph's answer;
	// Mismatch, when not empty, is the first difference found.
	Check    string `json:"check"`
	Mismatch string `json:"mismatch,omitempty"`
}

// otherServer is a workload's requests for another GraphQL server.
type otherServer struct {
	Query    string           `json:"query"`
	Requests []plannedRequest `json:"requests"`
}

// sqlBaseline is one pgbench run: its scripts (several, weighted, for the
// mixed workload), one transaction being one answer.
type sqlBaseline struct {
	// Name is short and file-safe: "sql" (the statements civicgraph itself
	// sends), "groupby" (the plain GROUP BY), "plain" (the dashboard's
	// hand-written SQL).
	Name string `json:"name"`
	// Title says what it is, for the report.
	Title string `json:"title"`
	// Own is set when the statements are the ones civicgraph itself sends
	// (the database's limit for civicgraph's way of answering).
	Own     bool        `json:"own,omitempty"`
	Scripts []sqlScript `json:"scripts"`
}

// sqlScript is one pgbench script.
type sqlScript struct {
	// Label names the script in the report (the mixed workload's parts).
	Label string `json:"label,omitempty"`
	// File is the script's file in the work directory (prepare writes it).
	File string `json:"file"`
	// Weight is pgbench's -f FILE@WEIGHT (1 when alone).
	Weight int `json:"weight"`
	// Statements are the script's statements, without the final ";".
	Statements []string `json:"statements"`
	// Header is comment lines put before the statements in File.
	Header string `json:"header,omitempty"`
}

// text is the script as pgbench reads it.
func (s sqlScript) text() string {
	var b strings.Builder
	b.WriteString(s.Header)
	for _, st := range s.Statements {
		b.WriteString(st)
		b.WriteString(";\n")
	}
	return b.String()
}

type param struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// plannedRequest is one GraphQL POST body and, when the answer is
// deterministic, the SHA-256 every answer to it must have. ExpectUnordered,
// when set, is the SHA-256 of the answer with every JSON array sorted
// (canonicalJSON): an answer whose bytes differ from Expect passes when it
// has that digest. It is set for PostGraphile, whose grouped aggregates
// come in no guaranteed order.
type plannedRequest struct {
	Label           string          `json:"label,omitempty"`
	Body            json.RawMessage `json:"body"`
	Expect          string          `json:"expectSHA256,omitempty"`
	ExpectUnordered string          `json:"expectUnorderedSHA256,omitempty"`
}

func workloadNamed(name string) (workload, error) {
	w, ok := workloads[name]
	if !ok {
		return nil, usageError{fmt.Sprintf("unknown workload %q (want one of %s)", name, strings.Join(workloadNames(), ", "))}
	}
	return w, nil
}

// workloadNames lists the workloads in the order of a run.
func workloadNames() []string { return slices.Clone(workloadOrder) }

func runWorkloads(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if err := parse(newFlags("workloads", stderr), args); err != nil {
		return err
	}
	for _, n := range workloadNames() {
		fmt.Fprintf(stdout, "%-10s %s\n", n, workloads[n].Title())
	}
	return nil
}
