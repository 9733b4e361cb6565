package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/civicgraph/civicgraph/internal/rollup"
	"github.com/civicgraph/civicgraph/internal/store"
)

const rollupUsage = "want verify (recount the roll-ups from the base tables, list every difference) " +
	"or rebuild (recount them all, in one transaction)"

// runRollup checks or rebuilds the roll-up tables. verify exits 1 when any
// roll-up row differs from the base tables, listing each on stdout.
func runRollup(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs, dbURL := newFlags("rollup", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: civicgraph rollup verify|rebuild [--database URL]")
		fs.PrintDefaults()
	}
	// The subcommand may come before or after the flags.
	var sub string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if sub == "" && len(rest) > 0 {
		sub, rest = rest[0], rest[1:]
	}
	switch {
	case sub == "":
		return usageError{"missing subcommand: " + rollupUsage}
	case sub != "verify" && sub != "rebuild":
		return usageError{fmt.Sprintf("unknown subcommand %q: %s", sub, rollupUsage)}
	case len(rest) > 0:
		return usageError{"unexpected arguments"}
	}
	db, err := openStore(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if sub == "rebuild" {
		if err := db.InTx(ctx, func(tx *store.Tx) error { return rollup.Rebuild(ctx, tx) }); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "rebuilt the roll-ups from the base tables")
		return nil
	}
	diffs, err := rollup.Verify(ctx, db)
	if err != nil {
		return err
	}
	for _, d := range diffs {
		fmt.Fprintln(stdout, d)
	}
	if len(diffs) > 0 {
		return fmt.Errorf("%d roll-up keys differ from the base tables (listed on stdout); civicgraph rollup rebuild recounts them", len(diffs))
	}
	fmt.Fprintln(stdout, "the roll-ups match the base tables")
	return nil
}
