package graph

import (
	"context"

	"github.com/civicgraph/civicgraph/internal/accesslog"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/pii"
	"github.com/civicgraph/civicgraph/internal/store"
)

// Personal data (Person name, phone, birth year; ServiceRecord.recipient)
// is shown as stored only to principals with pii:read, and each such read
// is noted in the request's access log; everyone else sees it masked.
// Filtering, ordering and aggregating on it are refused for them in the
// query layer (FORBIDDEN), or the mask would leak through a filter.

// personal returns a person's field as stored (noting the read) or masked.
func personal[T any](ctx context.Context, p *store.Person, field string, v T, mask func(T) T) T {
	if !auth.From(ctx).ReadsPII() {
		return mask(v)
	}
	accesslog.Note(ctx, "Person", p.RowID, field)
	return v
}

// readsPersonalData reports whether a personal field of a row is shown,
// noting the read when it is and there is something to show.
func readsPersonalData(ctx context.Context, entity string, id int64, field string, present bool) bool {
	if !auth.From(ctx).ReadsPII() {
		return false
	}
	if present {
		accesslog.Note(ctx, entity, id, field)
	}
	return true
}

func maskName(name string) string { return pii.MaskName(name) }

func maskPhone(phone *string) *string {
	if phone == nil {
		return nil
	}
	m := pii.MaskPhone(*phone)
	return &m
}

// hide masks a value by leaving it out.
func hide[T any](T) T {
	var zero T
	return zero
}
