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
// question in plain SQL as the baseline. Adding one (issue 6: nested
// connections, a time window, grouped totals, a mixed read) is a new file
// with a type implementing workload and a line in workloads below.
type workload interface {
	// Title is the workload's name in the results table.
	Title() string
	// Prepare finds what the workload needs in the data, builds the requests
	// and the baseline, and checks that both give the same figures.
	Prepare(ctx context.Context, env *env) (*plan, error)
}

// workloads lists the workloads by the name run.sh and the results use.
var workloads = map[string]workload{
	"dashboard": dashboard{},
}

// env is what a workload prepares against: the running server and its
// database.
type env struct {
	gql *client
	db  *pgx.Conn
}

// plan is a prepared workload, as prepare hands it to load, pgbench and
// report.
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
	// Baseline is the pgbench script: one transaction is one answer.
	Baseline string `json:"baseline"`
	// Check says how the baseline was compared with civicgraph's answer;
	// Mismatch, when not empty, is the first difference found.
	Check    string `json:"check"`
	Mismatch string `json:"mismatch,omitempty"`
}

type param struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// plannedRequest is one GraphQL POST body and, when the answer is
// deterministic, the SHA-256 every answer to it must have.
type plannedRequest struct {
	Body   json.RawMessage `json:"body"`
	Expect string          `json:"expectSHA256,omitempty"`
}

func workloadNamed(name string) (workload, error) {
	w, ok := workloads[name]
	if !ok {
		return nil, usageError{fmt.Sprintf("unknown workload %q (want one of %s)", name, strings.Join(workloadNames(), ", "))}
	}
	return w, nil
}

func workloadNames() []string {
	names := make([]string, 0, len(workloads))
	for n := range workloads {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func runWorkloads(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if err := parse(newFlags("workloads", stderr), args); err != nil {
		return err
	}
	for _, n := range workloadNames() {
		fmt.Fprintf(stdout, "%-12s %s\n", n, workloads[n].Title())
	}
	return nil
}
