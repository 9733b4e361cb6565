package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/civicgraph/civicgraph/internal/ingest"
)

// typeList is a repeatable --type flag.
type typeList []string

func (t *typeList) String() string     { return strings.Join(*t, ",") }
func (t *typeList) Set(v string) error { *t = append(*t, v); return nil }

func runExport(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs, dbURL := newFlags("export", stderr)
	var types typeList
	fs.Var(&types, "type", "export only this entity type (repeatable): "+strings.Join(ingest.Types(), ", "))
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{"unexpected arguments"}
	}
	for _, t := range types {
		if !slices.Contains(ingest.Types(), t) {
			return usageError{fmt.Sprintf("unknown type %q (want one of %s)", t, strings.Join(ingest.Types(), ", "))}
		}
	}
	db, err := openStore(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	w := bufio.NewWriterSize(stdout, 1<<16)
	if err := ingest.Export(ctx, db, w, types); err != nil {
		return err
	}
	return w.Flush()
}
