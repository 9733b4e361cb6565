package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/civicgraph/civicgraph/internal/ingest"
)

func runImport(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, dbURL := newFlags("import", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{"name at least one NDJSON file ('-' reads standard input)"}
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
