package write

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/ingest"
)

// problems turns the import's bad lines into input-field errors: for a
// single input the path is ("input", field); for a batch ("input", index,
// field). Lines are numbered from 1; a batch's items from 0. Any other error
// passes through.
func problems(err error, batch bool) error {
	var le *ingest.LineErrors
	if !errors.As(err, &le) {
		return err
	}
	out := make(apperr.Problems, 0, len(le.Errors))
	for _, e := range le.Errors {
		path := []any{"input"}
		if batch {
			path = append(path, e.Line-1)
		}
		if e.Field != "" {
			path = append(path, e.Field)
		}
		msg := e.Reason
		if batch {
			msg = "item " + strconv.Itoa(e.Line-1) + ": " + msg
		}
		out = append(out, &apperr.Problem{Path: path, Message: msg})
	}
	if len(out) == 0 {
		return apperr.Invalid("the input is invalid")
	}
	return out
}

// checkArg refuses an argument given beside the input (a code to find, an
// idempotency key, a note) that no row can hold: PostgreSQL's text takes
// no NUL character nor invalid UTF-8, and SQLite would store them, so both
// stores refuse them alike, as the import does in its lines, rather than
// one failing inside the store.
func checkArg(name, s string) error {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return &apperr.Problem{Path: []any{name}, Message: name + " contains a NUL character"}
	case !utf8.ValidString(s):
		return &apperr.Problem{Path: []any{name}, Message: name + " is not valid UTF-8"}
	}
	return nil
}
