// Command civicbench is the Go half of civicgraph's benchmark suite; the
// driver is bench/run.sh, which seeds a database, starts the servers and
// calls these steps (bench/README.md):
//
//	civicbench wait      -url URL [-timeout D]                 until URL answers 200
//	civicbench prepare   -workload W -url GRAPHQL [-postgraphile URL] [-pglcheck DIR] -database PGURL -dir WORK
//	civicbench load      -workload W -target civicgraph|civicgraph-cache|postgraphile -url GRAPHQL -dir WORK
//	                     [-clients N -duration D -warmup D -max-requests N -timeout D] [-profile ADMINURL -profile-dir DIR]
//	civicbench pgbench   -workload W -dir WORK -database PGURL [-clients N -jobs N -duration SEC]
//	civicbench explain   -dir WORK -database PGURL -out DIR [-workloads LIST]
//	civicbench records   -civicgraph BIN -database URL -n N -out FILE   a records-only NDJSON to import
//	civicbench import    -civicgraph BIN -database URL -file FILE -out JSON   times `civicgraph import`
//	civicbench demo      -civicgraph BIN -out JSON                     serve --demo's first answer
//	civicbench rundir    -results DIR -name NAME                       makes the run's results folder
//	civicbench report    -dir WORK -database PGURL -out RUNDIR -scale S -command CMD ...
//	civicbench workloads                                               lists the workloads
//	civicbench soak-prime -url GRAPHQL -database PGURL -keys FILE      writes the soak's records once
//	civicbench soak      -dir WORK -url GRAPHQL -admin ADMINURL -pid PID -keys FILE -database PGURL -out DIR
//	                     [-clients N -duration D -window D ...]         issue 7's soak (bench/soak.sh)
//
// prepare finds what a workload needs in the data, builds the requests for
// civicgraph (and PostGraphile) and the SQL baselines, and checks that all
// give the same answers; load drives a server; pgbench runs the baselines;
// report writes the results. Everything a step hands to the next lives in
// WORK (see files.go). Exit status: 0 success, 1 failure, 2 bad usage.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// usageError is bad command-line usage (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

var commands = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) error{
	"wait":      runWait,
	"prepare":   runPrepare,
	"load":      runLoad,
	"pgbench":   runPgbench,
	"explain":   runExplain,
	"records":   runRecords,
	"import":    runImport,
	"demo":      runDemo,
	"rundir":    runRundir,
	"report":    runReport,
	"workloads": runWorkloads,
	// issue 7's soak (bench/soak.sh): soak-prime writes its records once, soak runs it
	"soak-prime": runSoakPrime,
	"soak":       runSoak,
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || commands[args[0]] == nil {
		fmt.Fprintln(stderr, "usage: civicbench wait|prepare|load|pgbench|explain|records|import|demo|rundir|report|workloads|soak-prime|soak [flags] (see bench/README.md)")
		return 2
	}
	err := commands[args[0]](ctx, args[1:], stdout, stderr)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 2
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "civicbench %s: %s\n", args[0], ue.msg)
		return 2
	default:
		fmt.Fprintf(stderr, "civicbench %s: %v\n", args[0], err)
		return 1
	}
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("civicbench "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses args and rejects positional arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	}
	return nil
}

// required reports the first of the named string flags that is empty.
func required(flags map[string]*string) error {
	for name, v := range flags {
		if *v == "" {
			return usageError{"-" + name + " is required"}
		}
	}
	return nil
}
