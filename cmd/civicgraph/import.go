package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"github.com/civicgraph/civicgraph/internal/ingest"
)

func runImport(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, dbURL := newFlags("import", stderr)
	// --cpuprofile is for performance work on the import (bench/README.md,
	// "Import: what it costs"), not for users: it is left out of the usage
	// text.
	cpuprofile := fs.String("cpuprofile", "", "")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: civicgraph import [flags] FILE.ndjson... ('-' reads standard input)\n")
		fs.VisitAll(func(f *flag.Flag) {
			if f.Name != "cpuprofile" {
				fmt.Fprintf(fs.Output(), "  --%s\n    \t%s (default %q)\n", f.Name, f.Usage, f.DefValue)
			}
		})
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{"name at least one NDJSON file ('-' reads standard input)"}
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	db, err := openStore(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, name := range fs.Args() {
		var r io.Reader = stdin
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				return err
			}
			defer f.Close()
			r = f
		}
		rep, err := ingest.Import(ctx, db, r, ingest.Options{Progress: stderr})
		if err != nil {
			return fmt.Errorf("%s: nothing was imported:\n%w", name, err)
		}
		fmt.Fprintf(stdout, "%s: imported %d lines\n", name, rep.Lines)
	}
	return nil
}
