package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/seed"
	"github.com/civicgraph/civicgraph/internal/store"
)

func runSeed(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs, dbURL := newFlags("seed", stderr)
	scenario := fs.String("scenario", "", "a named scenario: article (the three places of the news article)")
	scale := fs.String("scale", "", "synthetic data of a size: "+strings.Join(seed.Sizes(), ", "))
	n := fs.Int64("seed", 1, "random seed for --scale (the same seed gives the same data)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{"unexpected arguments"}
	}
	if (*scenario == "") == (*scale == "") {
		return usageError{"give exactly one of --scenario article or --scale SIZE"}
	}
	if *scenario != "" && *scenario != "article" {
		return usageError{fmt.Sprintf("unknown scenario %q (want article)", *scenario)}
	}
	if *scale != "" && !slices.Contains(seed.Sizes(), *scale) {
		return usageError{fmt.Sprintf("unknown size %q (want one of %s)", *scale, strings.Join(seed.Sizes(), ", "))}
	}
	db, err := openStore(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	produce := func(emit func(map[string]any) error) error { return seed.Article(emit) }
	if *scale != "" {
		produce = func(emit func(map[string]any) error) error { return seed.Scale(*scale, *n, emit) }
	}
	rep, err := ingest.ImportLines(ctx, db, produce, ingest.Options{Progress: stderr})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %d lines\n", rep.Lines)
	return nil
}

// seedArticleIfEmpty loads the article scenario into a store that has no
// regions yet (serve --demo).
func seedArticleIfEmpty(ctx context.Context, db *store.DB) (bool, error) {
	rows, err := db.Query(ctx, "SELECT COUNT(*) FROM regions")
	if err != nil {
		return false, err
	}
	var n int
	for rows.Next() {
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return false, err
		}
	}
	rows.Close()
	if n > 0 {
		return false, nil
	}
	_, err = ingest.ImportLines(ctx, db, func(emit func(map[string]any) error) error { return seed.Article(emit) }, ingest.Options{})
	return err == nil, err
}
