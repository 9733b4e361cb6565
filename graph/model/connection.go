// Package model holds the Go side of GraphQL types that are not store
// entities: connections, edges, page info, aggregates, mentor links.
package model

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/civicgraph/civicgraph/internal/loader"
	"github.com/civicgraph/civicgraph/internal/query"
)

// Totals computes the aggregates a client selected, over everything the
// connection's where selects.
type Totals func(ctx context.Context, ms []query.Measure) (*query.Totals, error)

// Connection is the Go side of every <Type>Connection: one page of rows, and
// totals computed only when a client asks for totalCount or aggregate.
type Connection[T any] struct {
	page   *query.Page[T]
	totals Totals
}

// NewConnection wraps a page and the function that computes its totals.
func NewConnection[T any](page *query.Page[T], totals Totals) *Connection[T] {
	return &Connection[T]{page: page, totals: totals}
}

// Nodes are the page's rows.
func (c *Connection[T]) Nodes() []*T { return c.page.Nodes }

// PageInfo tells where the page sits.
func (c *Connection[T]) PageInfo() *PageInfo {
	pi := &PageInfo{HasNextPage: c.page.HasNextPage, HasPreviousPage: c.page.HasPreviousPage}
	if n := len(c.page.Nodes); n > 0 {
		start, end := c.page.Cursor(0), c.page.Cursor(n-1)
		pi.StartCursor, pi.EndCursor = &start, &end
	}
	return pi
}

// TotalCount counts every row the where selects.
func (c *Connection[T]) TotalCount(ctx context.Context) (int, error) {
	t, err := c.totals(ctx, nil)
	if err != nil {
		return 0, err
	}
	return t.Count, nil
}

// Aggregate computes count and the sums, averages, minima and maxima the
// client selected, in one statement.
func (c *Connection[T]) Aggregate(ctx context.Context) (*Aggregate, error) {
	t, err := c.totals(ctx, measures(ctx))
	if err != nil {
		return nil, err
	}
	return &Aggregate{Count: t.Count, Sum: t.Values["sum"], Avg: t.Values["avg"], Min: t.Values["min"], Max: t.Values["max"]}, nil
}

// measures reads which aggregates the client selected under this field.
func measures(ctx context.Context) []query.Measure {
	var ms []query.Measure
	seen := map[query.Measure]bool{}
	op := graphql.GetOperationContext(ctx)
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		switch f.Name {
		case "sum", "avg", "min", "max":
			for _, sub := range graphql.CollectFields(op, f.Selections, nil) {
				m := query.Measure{Fn: f.Name, Field: sub.Name}
				if sub.Name != "__typename" && !seen[m] {
					seen[m] = true
					ms = append(ms, m)
				}
			}
		}
	}
	return ms
}

// Edge is a row with its cursor.
type Edge[T any] struct {
	Cursor string
	Node   *T
}

// Edges pairs each row of the page with its cursor.
func (c *Connection[T]) Edges() []Edge[T] {
	out := make([]Edge[T], len(c.page.Nodes))
	for i, n := range c.page.Nodes {
		out[i] = Edge[T]{Cursor: c.page.Cursor(i), Node: n}
	}
	return out
}

// PageInfo is Relay's page information.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}

// Aggregate is the Go side of every <Type>Aggregate; the sum, avg, min and
// max objects are maps from field name to value.
type Aggregate struct {
	Count int
	Sum   map[string]any
	Avg   map[string]any
	Min   map[string]any
	Max   map[string]any
}

// MentorLink is one step of a mentor's lineage.
type MentorLink = loader.LineageLink
