// Package scalar marshals civicgraph's custom GraphQL scalars: Date
// (YYYY-MM-DD) and Time (RFC 3339 with offset, shown in Asia/Shanghai).
package scalar

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/store"
)

// MarshalDate writes a date as "YYYY-MM-DD".
func MarshalDate(d store.Date) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(string(d)))
	})
}

// UnmarshalDate reads "YYYY-MM-DD".
func UnmarshalDate(v any) (store.Date, error) {
	s, ok := v.(string)
	if !ok {
		return "", apperr.Invalid("a Date must be a string YYYY-MM-DD, got %v", v)
	}
	d, err := store.ParseDate(s)
	if err != nil {
		return "", apperr.Invalid("%v", err)
	}
	return d, nil
}

// MarshalTime writes a time in RFC 3339 with the platform's offset (+08:00).
func MarshalTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.In(store.Shanghai).Format(time.RFC3339Nano)))
	})
}

// UnmarshalTime reads an RFC 3339 time; the offset is required, since a
// local time without one would mean different instants to different clients.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, apperr.Invalid("a Time must be an RFC 3339 string, got %v", fmt.Sprint(v))
	}
	t, err := store.ParseTime(s)
	if err != nil {
		return time.Time{}, apperr.Invalid("%v", err)
	}
	return t, nil
}
