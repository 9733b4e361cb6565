package query

import (
	"github.com/civicgraph/civicgraph/internal/apperr"
)

// MaxPageSize is the most rows one connection page may hold; asking for more
// is an error that says so, never a silent cut.
const MaxPageSize = 1000

// DefaultPageSize is the page size when a client gives neither first nor last.
const DefaultPageSize = MaxPageSize

// Args are a connection's arguments, as GraphQL hands them over.
type Args struct {
	First   *int
	After   *string
	Last    *int
	Before  *string
	Where   map[string]any
	OrderBy []map[string]any
	// IncludeArchived keeps the archived rows of a root connection's own
	// table (Find, AggregateRoot), still only those the principal may see;
	// the tables its where reaches are read live only. Nested connections
	// ignore it: they list live rows.
	IncludeArchived bool
}

// check validates the page sizes.
func (a Args) check() error {
	for name, n := range map[string]*int{"first": a.First, "last": a.Last} {
		if n == nil {
			continue
		}
		if *n < 0 {
			return apperr.Invalid("%s must not be negative", name)
		}
		if *n > MaxPageSize {
			return apperr.Invalid("%s must be at most %d (the maximum page size), got %d", name, MaxPageSize, *n)
		}
	}
	return nil
}

// forward reports whether the page is read from the front (first/after) and
// how many rows it holds.
func (a Args) forward() (bool, int) {
	if a.Last != nil && a.First == nil {
		return false, *a.Last
	}
	if a.First != nil {
		return true, *a.First
	}
	if a.Before != nil && a.After == nil {
		return false, DefaultPageSize
	}
	return true, DefaultPageSize
}
