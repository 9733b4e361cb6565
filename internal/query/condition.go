package query

import (
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/store"
)

// Condition translates a <Type>Where input into an SQL condition on the
// entity's table aliased alias, with its arguments (? placeholders), for code
// that builds its own statements around it (analytics, exports). The
// condition includes what who may see (Visible) and keeps live rows only,
// of the table and of every table the where reaches (Live; a table without
// archived_at, such as a roll-up's, is not filtered on it); nil is an
// in-process caller that sees everything.
func Condition(who *auth.Principal, d store.Dialect, e *store.Entity, alias string, w map[string]any) (string, []any, error) {
	b := &builder{dialect: d, who: who}
	if err := filter(b, e, alias, w, false); err != nil {
		return "", nil, err
	}
	return b.String(), b.args, nil
}
