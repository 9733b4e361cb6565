package analytics

import (
	"strconv"
	"strings"
)

// sqlBuf accumulates SQL text and its bound arguments in step, so that a
// statement assembled from pieces (keys, joins, the where translator's
// condition, window bounds) keeps its ? placeholders and arguments in the
// same order. Values only ever enter through arg: nothing a client sends is
// spliced into the text.
type sqlBuf struct {
	sql  strings.Builder
	args []any
}

func (b *sqlBuf) w(parts ...string) *sqlBuf {
	for _, p := range parts {
		b.sql.WriteString(p)
	}
	return b
}

// arg writes a placeholder for v.
func (b *sqlBuf) arg(v any) *sqlBuf {
	b.sql.WriteByte('?')
	b.args = append(b.args, v)
	return b
}

// frag writes SQL that already carries its own arguments (the where
// translator's output).
func (b *sqlBuf) frag(sql string, args []any) *sqlBuf {
	b.sql.WriteString(sql)
	b.args = append(b.args, args...)
	return b
}

// ids writes "(?, ?, ...)" for a non-empty list of row ids.
func (b *sqlBuf) ids(ids []int64) *sqlBuf {
	b.sql.WriteByte('(')
	for i, id := range ids {
		if i > 0 {
			b.sql.WriteString(", ")
		}
		b.arg(id)
	}
	b.sql.WriteByte(')')
	return b
}

func (b *sqlBuf) String() string { return b.sql.String() }

// itoa names generated columns and aliases (k0, m1, o2).
func itoa(i int) string { return strconv.Itoa(i) }
