package graph

import (
	"context"
	"strings"

	"github.com/civicgraph/civicgraph/internal/accesslog"
	"github.com/civicgraph/civicgraph/internal/auth"
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

// maskName keeps the first character (the family name, as a rule):
// 陈孝军 → 陈**; a one-character name still gets a star.
func maskName(name string) string {
	r := []rune(name)
	if len(r) == 0 {
		return name
	}
	return string(r[0]) + strings.Repeat("*", max(len(r)-1, 1))
}

// maskPhone keeps the first three and last four characters of a number of
// seven or more (13812341234 → 138****1234) and hides shorter ones whole.
func maskPhone(phone *string) *string {
	if phone == nil {
		return nil
	}
	r := []rune(*phone)
	var m string
	if len(r) >= 7 {
		m = string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
	} else {
		m = strings.Repeat("*", len(r))
	}
	return &m
}

// hide masks a value by leaving it out.
func hide[T any](T) T {
	var zero T
	return zero
}
