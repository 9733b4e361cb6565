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
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// errMismatch marks a prepared workload whose baselines disagree with
// civicgraph.
var errMismatch = errors.New("a baseline and civicgraph give different answers")

// runPrepare prepares a workload against the running servers and the
// database and writes its plan and pgbench scripts to the work directory.
func runPrepare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("prepare", stderr)
	name := fs.String("workload", "dashboard", "the workload")
	url := fs.String("url", "", "civicgraph's GraphQL endpoint, http://127.0.0.1:PORT/graphql")
	pglURL := fs.String("postgraphile", "", "PostGraphile's GraphQL endpoint (nested, window, totals); none: no PostGraphile side")
	pglcheckDir := fs.String("pglcheck", "", "the folder bench/cmd/pglcheck wrote to with -out (nested, window, totals, mixed)")
	dbURL := fs.String("database", "", "the PostgreSQL database civicgraph serves (postgres://...)")
	dir := fs.String("dir", "", "the run's work directory")
	timeout := fs.Duration("timeout", 10*time.Minute, "one request's time limit")
	allowMismatch := fs.Bool("allow-mismatch", false, "go on (and say so in the results) when a baseline's answer differs from civicgraph's")
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
	e := &env{gql: newClient(*url, 1, *timeout), db: db, pglcheck: *pglcheckDir}
	if *pglURL != "" {
		e.pgl = newPlainClient(*pglURL, 1, *timeout)
	}
	p, err := w.Prepare(ctx, e)
	if err != nil {
		return fmt.Errorf("prepare %s: %w", *name, err)
	}
	p.Workload = *name
	if err := writeScripts(*dir, p); err != nil {
		return err
	}
	if err := writeJSON(planFile(*dir, *name), p); err != nil {
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

// writeScripts names every baseline script's file in the work directory,
// <workload>.<baseline>[.<label or n>].sql, and writes it.
func writeScripts(dir string, p *plan) error {
	for i := range p.Baselines {
		b := &p.Baselines[i]
		for j := range b.Scripts {
			s := &b.Scripts[j]
			s.File = fmt.Sprintf("%s.%s.sql", p.Workload, b.Name)
			if len(b.Scripts) > 1 {
				part := s.Label
				if part == "" {
					part = fmt.Sprint(j + 1)
				}
				s.File = fmt.Sprintf("%s.%s.%s.sql", p.Workload, b.Name, part)
			}
			if s.Weight < 1 {
				s.Weight = 1
			}
			if err := os.WriteFile(filepath.Join(dir, s.File), []byte(s.text()), 0o644); err != nil {
				return err
			}
		}
	}
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
