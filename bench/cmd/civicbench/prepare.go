package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// errMismatch marks a prepared workload whose baseline disagrees with
// civicgraph.
var errMismatch = errors.New("the baseline SQL and civicgraph give different figures")

// runPrepare prepares a workload against the running server and its
// database and writes its plan and pgbench script to the work directory.
func runPrepare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("prepare", stderr)
	name := fs.String("workload", "dashboard", "the workload")
	url := fs.String("url", "", "civicgraph's GraphQL endpoint, http://127.0.0.1:PORT/graphql")
	dbURL := fs.String("database", "", "the PostgreSQL database civicgraph serves (postgres://...)")
	dir := fs.String("dir", "", "the run's work directory")
	allowMismatch := fs.Bool("allow-mismatch", false, "go on (and say so in the results) when the baseline's figures differ from civicgraph's")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]*string{"url": url, "database": dbURL, "dir": dir}); err != nil {
		return err
	}
	w, err := workloadNamed(*name)
	if err != nil {
		return err
	}
	db, err := pgx.Connect(ctx, *dbURL)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", *dbURL, err)
	}
	defer db.Close(context.WithoutCancel(ctx))
	p, err := w.Prepare(ctx, &env{gql: newClient(*url, 1, 10*time.Minute), db: db})
	if err != nil {
		return fmt.Errorf("prepare %s: %w", *name, err)
	}
	p.Workload = *name
	if err := writeJSON(planFile(*dir, *name), p); err != nil {
		return err
	}
	if err := os.WriteFile(sqlFile(*dir, *name), []byte(p.Baseline), 0o644); err != nil {
		return err
	}
	for _, pr := range p.Params {
		fmt.Fprintf(stdout, "  %s: %s\n", pr.Name, pr.Value)
	}
	if p.Mismatch != "" {
		fmt.Fprintf(stderr, "%v:\n  %s\n", errMismatch, p.Mismatch)
		if !*allowMismatch {
			return fmt.Errorf("%w (rerun with --allow-mismatch to measure anyway)", errMismatch)
		}
		return nil
	}
	fmt.Fprintf(stdout, "  check: %s\n", p.Check)
	return nil
}

// expectOf sends body twice: when both answers are errorless and
// identical, it returns their SHA-256 (every answer under load must equal
// it); when they differ, "" (the load then only requires errorless
// answers). It returns the first answer too.
func expectOf(ctx context.Context, c *client, body []byte) (raw []byte, expect string, err error) {
	first, err := c.query(ctx, body, nil)
	if err != nil {
		return nil, "", err
	}
	second, err := c.query(ctx, body, nil)
	if err != nil {
		return nil, "", err
	}
	if !bytes.Equal(first, second) {
		return first, "", nil
	}
	return first, sha256Hex(first), nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// sqlLiteral quotes s as a SQL string literal.
func sqlLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
