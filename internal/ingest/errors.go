package ingest

import (
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
)

// LineError is one bad line of an import: where it is, what it was meant to
// be (Type and Code, when the line said), and why it was refused.
type LineError struct {
	Line int    // 1-based line number (for ImportLines: the n-th emitted line)
	Type string // the line's "type", "" when it could not be read
	Code string // the line's code, given or derived; "" when unknown
	// Field is the key of the line the reason is about ("" when the line as
	// a whole is wrong): mutations turn it into the error's input path.
	Field  string
	Reason string
}

func (e LineError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "line %d: ", e.Line)
	if e.Type != "" {
		b.WriteString(e.Type)
		if e.Code != "" {
			b.WriteString(" " + e.Code)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// LineErrors is returned when an import had bad lines: nothing was written.
// Errors holds the first Options.MaxErrors of them, by line number; Total
// counts them all.
type LineErrors struct {
	Errors []LineError
	Total  int
}

// Error lists the bad lines, one per line of text.
func (e *LineErrors) Error() string {
	var b strings.Builder
	for i, le := range e.Errors {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(le.Error())
	}
	if more := e.Total - len(e.Errors); more > 0 {
		fmt.Fprintf(&b, "\n... and %d more bad lines", more)
	}
	return b.String()
}

// problems collects the bad lines of one import.
type problems struct {
	max    int
	errs   []LineError
	total  int
	failed map[failedKey]struct{}
	seed   maphash.Seed
}

// failedKey names a code defined by a line that was not written. A line that
// refers to it is not reported again: the bad line is the cause, and one
// mistake should read as one error, not as a cascade.
type failedKey struct {
	typ  int
	hash uint64
}

func newProblems(max int) *problems {
	if max <= 0 {
		max = DefaultMaxErrors
	}
	return &problems{max: max, failed: map[failedKey]struct{}{}, seed: maphash.MakeSeed()}
}

// add reports a bad line and marks its code as failed.
func (p *problems) add(line int, e *entity, code, reason string) {
	p.addField(line, e, code, "", reason)
}

// addField reports a bad line whose reason is about one of its fields.
func (p *problems) addField(line int, e *entity, code, field, reason string) {
	if e != nil && code != "" {
		p.fail(e, code)
	}
	p.total++
	if len(p.errs) < p.max {
		typ := ""
		if e != nil {
			typ = e.name
		}
		p.errs = append(p.errs, LineError{Line: line, Type: typ, Code: code, Field: field, Reason: reason})
	}
}

// addBad reports a line that failed validation.
func (p *problems) addBad(line int, b *badLine) {
	e := byType[b.typ]
	if e != nil && b.code != "" {
		p.fail(e, b.code)
	}
	p.total++
	if len(p.errs) < p.max {
		p.errs = append(p.errs, LineError{Line: line, Type: b.typ, Code: b.code, Field: b.field, Reason: b.reason})
	}
}

// fail marks the code of e as not written, without reporting a line.
func (p *problems) fail(e *entity, code string) {
	p.failed[failedKey{e.index, maphash.String(p.seed, code)}] = struct{}{}
}

// failedCode reports whether code of e was defined by a line not written.
func (p *problems) failedCode(e *entity, code string) bool {
	_, ok := p.failed[failedKey{e.index, maphash.String(p.seed, code)}]
	return ok
}

// err returns the collected bad lines as *LineErrors, or nil.
func (p *problems) err() error {
	if p.total == 0 {
		return nil
	}
	errs := slices.Clone(p.errs)
	slices.SortStableFunc(errs, func(a, b LineError) int { return a.Line - b.Line })
	return &LineErrors{Errors: errs, Total: p.total}
}
