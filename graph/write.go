package graph

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql"
	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/query"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/write"
)

// Mutations stay one line each, like reads: the helpers here hand the
// input to package write under the entity type named by the Go type, then
// read the written row back for the client's selection (archived or not:
// an archive mutation answers with the row it archived).

// writes is the write service over the resolver's store and clock.
func (r *Resolver) writes() *write.Service { return &write.Service{DB: r.DB, Now: r.Now} }

// request names the GraphQL operation for the audit trail.
func request(ctx context.Context) context.Context {
	name := ""
	if graphql.HasOperationContext(ctx) {
		name = graphql.GetOperationContext(ctx).OperationName
	}
	return write.WithRequest(ctx, name)
}

func create[T any, PT row[T]](ctx context.Context, r *Resolver, input map[string]any) (*T, error) {
	id, err := r.writes().Create(request(ctx), entityOf[T](), input)
	return written[T, PT](ctx, r, id, err)
}

func upsert[T any, PT row[T]](ctx context.Context, r *Resolver, input map[string]any) (*T, error) {
	id, err := r.writes().Upsert(request(ctx), entityOf[T](), input)
	return written[T, PT](ctx, r, id, err)
}

func update[T any, PT row[T]](ctx context.Context, r *Resolver, code string, patch map[string]any) (*T, error) {
	id, err := r.writes().Update(request(ctx), entityOf[T](), code, patch)
	return written[T, PT](ctx, r, id, err)
}

func archive[T any, PT row[T]](ctx context.Context, r *Resolver, code string) (*T, error) {
	id, err := r.writes().Archive(request(ctx), entityOf[T](), code)
	return written[T, PT](ctx, r, id, err)
}

func restore[T any, PT row[T]](ctx context.Context, r *Resolver, code string) (*T, error) {
	id, err := r.writes().Restore(request(ctx), entityOf[T](), code)
	return written[T, PT](ctx, r, id, err)
}

// written reads back the row a mutation wrote, or reports its error.
func written[T any, PT row[T]](ctx context.Context, r *Resolver, id int64, err error) (*T, error) {
	if err != nil {
		return nil, inputErrors(ctx, err)
	}
	row, err := query.ByIDAny[T](ctx, r.DB, store.Catalog[entityOf[T]()], id)
	if err != nil {
		return nil, err
	}
	if row == nil {
		return nil, apperr.New(apperr.NotFound, "the written row is no longer there")
	}
	register[T, PT](ctx, []*T{row})
	return row, nil
}

// inputErrors reports every problem of an input as its own error, each
// with its field's path: all but the first are added to the response, and
// the first is the field's error.
func inputErrors(ctx context.Context, err error) error {
	var ps apperr.Problems
	if !errors.As(err, &ps) {
		return err
	}
	for _, p := range ps[1:] {
		graphql.AddError(ctx, p)
	}
	return ps[0]
}
