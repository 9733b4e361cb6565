package main

import (
	"context"
	"fmt"
	"io"

	"github.com/civicgraph/civicgraph/internal/store"
)

func runMigrate(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs, dbURL := newFlags("migrate", stderr)
	to := fs.Int64("to", 0, "migrate up to this version (default: the newest)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{"unexpected arguments"}
	}
	db, err := store.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx, *to)
	if err != nil {
		return err
	}
	for _, a := range applied {
		fmt.Fprintf(stdout, "applied %s\n", a)
	}
	v, err := db.Version(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema version %s\n", v)
	return nil
}
