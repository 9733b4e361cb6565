package main

import (
	"context"
	"fmt"
	"math/big"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// A baseline template (bench/workloads/NAME.sql) is SQL statements, each
// ending with ";" at the end of a line, after "--" comment lines. A
// placeholder is ":name" (letters and underscores); the workload fills each
// with a SQL literal or a comma-separated list of ids before the statement
// runs. The filled statements are the pgbench script: one transaction is
// one answer.

// parseTemplate splits a template into its statements, dropping comment
// lines and blank lines.
func parseTemplate(text string) ([]string, error) {
	var stmts []string
	var cur []string
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur = append(cur, line)
		if strings.HasSuffix(t, ";") {
			stmts = append(stmts, strings.TrimSuffix(strings.TrimSpace(strings.Join(cur, "\n")), ";"))
			cur = nil
		}
	}
	if len(cur) > 0 {
		return nil, fmt.Errorf("the last statement does not end with ';'")
	}
	if len(stmts) == 0 {
		return nil, fmt.Errorf("no statements")
	}
	return stmts, nil
}

// placeholder matches ":name" but not the "::" of a cast nor a ":" inside a
// word (such as a time's "12:30").
var placeholder = regexp.MustCompile(`(^|[^:\w]):([a-z][a-z_]*)`)

// fill replaces every placeholder of stmt by its value in lits; a
// placeholder without a value is an error.
func fill(stmt string, lits map[string]string) (string, error) {
	var missing []string
	out := placeholder.ReplaceAllStringFunc(stmt, func(m string) string {
		sub := placeholder.FindStringSubmatch(m)
		v, ok := lits[sub[2]]
		if !ok {
			missing = append(missing, sub[2])
			return m
		}
		return sub[1] + v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("no value for placeholder(s) %s", strings.Join(missing, ", "))
	}
	return out, nil
}

// sqlLiteral quotes s as a SQL string literal.
func sqlLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// idList is the sorted distinct ids as a comma-separated list; an empty
// list is NULL (IN (NULL) selects nothing, as an empty batch would).
func idList(ids []int64) string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return "NULL"
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ", ")
}

// chain runs a template's statements one by one, filling each from lits,
// which the workload extends with what the rows before gave.
type chain struct {
	file   string
	stmts  []string
	lits   map[string]string
	filled []string
}

func loadChain(path string, lits map[string]string) (*chain, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	stmts, err := parseTemplate(string(text))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if lits == nil {
		lits = map[string]string{}
	}
	return &chain{file: path, stmts: stmts, lits: lits}, nil
}

// row is one result row by column name (a name used twice keeps the first).
type row map[string]any

// next fills and runs the next statement and returns its rows.
func (c *chain) next(ctx context.Context, db *pgx.Conn) ([]row, error) {
	i := len(c.filled)
	if i >= len(c.stmts) {
		return nil, fmt.Errorf("%s: the workload wants statement %d of %d", c.file, i+1, len(c.stmts))
	}
	stmt, err := fill(c.stmts[i], c.lits)
	if err != nil {
		return nil, fmt.Errorf("%s statement %d: %w", c.file, i+1, err)
	}
	rows, err := queryRows(ctx, db, stmt)
	if err != nil {
		return nil, fmt.Errorf("%s statement %d: %w", c.file, i+1, err)
	}
	c.filled = append(c.filled, stmt)
	return rows, nil
}

// done checks every statement ran and returns the pgbench script.
func (c *chain) done(header string) (string, error) {
	if len(c.filled) != len(c.stmts) {
		return "", fmt.Errorf("%s: the workload ran %d of %d statements", c.file, len(c.filled), len(c.stmts))
	}
	var b strings.Builder
	b.WriteString(header)
	for _, s := range c.filled {
		b.WriteString(s)
		b.WriteString(";\n")
	}
	return b.String(), nil
}

// queryRows runs one statement in the simple protocol (as pgbench does by
// default) and reads every row.
func queryRows(ctx context.Context, db *pgx.Conn, stmt string) ([]row, error) {
	rows, err := db.Query(ctx, stmt, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	var out []row
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, err
		}
		r := make(row, len(fields))
		for i, f := range fields {
			if _, seen := r[f.Name]; !seen {
				r[f.Name] = vals[i]
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// runScript runs filled statements in order, reading every row: one
// pgbench transaction, for the rough timings.
func runScript(ctx context.Context, db *pgx.Conn, stmts []string) error {
	for _, s := range stmts {
		if _, err := queryRows(ctx, db, s); err != nil {
			return err
		}
	}
	return nil
}

// Column readers; each panics-free conversion reports what it got.

func colInt(r row, name string) (int64, error) {
	switch v := r[name].(type) {
	case int64:
		return v, nil
	case int32:
		return int64(v), nil
	case int16:
		return int64(v), nil
	case pgtype.Numeric:
		if !v.Valid || v.NaN || v.InfinityModifier != pgtype.Finite {
			return 0, fmt.Errorf("column %s: %v is not a number", name, v)
		}
		n := new(big.Int).Set(v.Int)
		for e := v.Exp; e > 0; e-- {
			n.Mul(n, big.NewInt(10))
		}
		if v.Exp < 0 || !n.IsInt64() {
			return 0, fmt.Errorf("column %s: %v is not an int64", name, v)
		}
		return n.Int64(), nil
	default:
		return 0, fmt.Errorf("column %s: %T %v is not an integer", name, r[name], r[name])
	}
}

func colText(r row, name string) (*string, error) {
	switch v := r[name].(type) {
	case nil:
		return nil, nil
	case string:
		return &v, nil
	default:
		return nil, fmt.Errorf("column %s: %T is not text", name, r[name])
	}
}

func colBool(r row, name string) (bool, error) {
	v, ok := r[name].(bool)
	if !ok {
		return false, fmt.Errorf("column %s: %T is not a boolean", name, r[name])
	}
	return v, nil
}

func colTime(r row, name string) (time.Time, error) {
	v, ok := r[name].(time.Time)
	if !ok {
		return time.Time{}, fmt.Errorf("column %s: %T is not a time", name, r[name])
	}
	return v, nil
}

// colDate reads a date column as YYYY-MM-DD (nil for NULL).
func colDate(r row, name string) (*string, error) {
	switch v := r[name].(type) {
	case nil:
		return nil, nil
	case time.Time:
		s := v.Format(time.DateOnly)
		return &s, nil
	default:
		return nil, fmt.Errorf("column %s: %T is not a date", name, r[name])
	}
}
