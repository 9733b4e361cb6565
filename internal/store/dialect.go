package store

import (
	"strconv"
	"strings"
	"time"
)

// Dialect is the SQL flavour of a store. Every difference between PostgreSQL
// and SQLite that the rest of the code must know about is a method here, so
// that the same queries give the same answers on both.
type Dialect int

// The two dialects civicgraph speaks.
const (
	Postgres Dialect = iota + 1
	SQLite
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// sqliteTimeFormat is how SQLite stores times: fixed-width UTC text, so that
// text comparison is time comparison.
const sqliteTimeFormat = "2006-01-02T15:04:05.000000Z"

// Rebind turns the ? placeholders of query into the dialect's own ($1, $2,
// ... for PostgreSQL). civicgraph's SQL never has a literal '?' elsewhere.
func (d Dialect) Rebind(query string) string {
	if d != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// Args converts Go values to what the dialect stores: times become UTC (text
// on SQLite), dates their YYYY-MM-DD text, booleans 0/1 on SQLite.
func (d Dialect) Args(args []any) []any {
	for i, a := range args {
		args[i] = d.Arg(a)
	}
	return args
}

// Arg converts one Go value (see Args).
func (d Dialect) Arg(a any) any {
	switch v := a.(type) {
	case time.Time:
		if d == SQLite {
			return v.UTC().Format(sqliteTimeFormat)
		}
		return v.UTC()
	case *time.Time:
		if v == nil {
			return nil
		}
		return d.Arg(*v)
	case Date:
		return string(v)
	case *Date:
		if v == nil {
			return nil
		}
		return string(*v)
	case bool:
		if d == SQLite {
			if v {
				return 1
			}
			return 0
		}
		return v
	}
	return a
}

// Contains is SQL that is true when the text expression expr contains the
// bound text (case-sensitive, no wildcards: % and _ are plain characters).
func (d Dialect) Contains(expr string) string {
	return d.Position(expr, "?") + " > 0"
}

// Position is SQL for the 1-based position of needle in haystack (both SQL
// expressions), 0 when absent.
func (d Dialect) Position(haystack, needle string) string {
	if d == Postgres {
		return "strpos(" + haystack + ", " + needle + ")"
	}
	return "instr(" + haystack + ", " + needle + ")"
}

// StartsWith is SQL that is true when expr starts with the bound text; the
// caller binds the text twice.
func (d Dialect) StartsWith(expr string) string {
	return "substr(" + expr + ", 1, length(?)) = ?"
}

// Cast turns an expression into text, for keys built from numbers.
func (d Dialect) Cast(expr, sqlType string) string {
	return "CAST(" + expr + " AS " + sqlType + ")"
}
