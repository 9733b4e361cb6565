package query

import "github.com/civicgraph/civicgraph/internal/store"

// Condition translates a <Type>Where input into an SQL condition on the
// entity's table aliased alias, with its arguments (? placeholders), for code
// that builds its own statements around it (analytics, exports).
func Condition(d store.Dialect, e *store.Entity, alias string, w map[string]any) (string, []any, error) {
	b := &builder{dialect: d}
	if err := where(b, e, alias, w); err != nil {
		return "", nil, err
	}
	return b.String(), b.args, nil
}
