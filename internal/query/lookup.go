package query

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/civicgraph/civicgraph/internal/store"
)

// ByIDs reads the live rows of the given ids, keyed by id; missing and
// archived ids are absent.
func ByIDs[T any](ctx context.Context, q store.Querier, e *store.Entity, ids []int64) (map[int64]*T, error) {
	return byIDs[T](ctx, q, e, ids, false)
}

// ByIDAny reads the row of the id whether it is archived or not, nil when
// there is none: for the write path, which archives, restores and updates
// rows it must find in either state. Still only a row the principal may
// see (Visible).
func ByIDAny[T any](ctx context.Context, q store.Querier, e *store.Entity, id int64) (*T, error) {
	found, err := byIDs[T](ctx, q, e, []int64{id}, true)
	if err != nil {
		return nil, err
	}
	return found[id], nil
}

// ByIDsAny is ByIDs with archived rows too (see ByIDAny), keyed by id.
func ByIDsAny[T any](ctx context.Context, q store.Querier, e *store.Entity, ids []int64) (map[int64]*T, error) {
	return byIDs[T](ctx, q, e, ids, true)
}

func byIDs[T any](ctx context.Context, q store.Querier, e *store.Entity, ids []int64, archived bool) (map[int64]*T, error) {
	b := newBuilder(ctx, q.Dialect())
	b.write("SELECT ")
	selectColumns(b, "t", store.Columns[T]())
	b.write(", t.id FROM ", e.Table, " t WHERE t.id IN ").list(int64s(ids))
	if m := e.Months; m != nil && b.dialect == store.Postgres {
		// Visit only the months between the ids' first and last (store.Months).
		b.write(" AND t.", m.Column, " BETWEEN (SELECT min(k.", m.Column, ") FROM ", m.KeyTable, " k WHERE k.id IN ").list(int64s(ids))
		b.write(") AND (SELECT max(k.", m.Column, ") FROM ", m.KeyTable, " k WHERE k.id IN ").list(int64s(ids)).write(")")
	}
	b.visible(e, "t")
	if !archived {
		b.live(e, "t")
	}
	rows, err := q.Query(ctx, b.String(), b.args...)
	if err != nil {
		return nil, fmt.Errorf("load %s by id: %w", e.Name, err)
	}
	nodes, extras, err := store.ScanRows[T](rows)
	if err != nil {
		return nil, fmt.Errorf("load %s by id: %w", e.Name, err)
	}
	out := make(map[int64]*T, len(nodes))
	for i, n := range nodes {
		out[toInt64(extras[i][0])] = n
	}
	return out, nil
}

// ByCode reads the live row with the given code, nil when there is none
// (or it is archived).
func ByCode[T any](ctx context.Context, q store.Querier, e *store.Entity, code string) (*T, error) {
	return byCode[T](ctx, q, e, code, false)
}

// ByCodeAny reads the row with the given code whether it is archived or
// not, nil when there is none: for the write path (a code is taken by an
// archived row too; archive and restore find their row in either state).
// Still only a row the principal may see (Visible).
func ByCodeAny[T any](ctx context.Context, q store.Querier, e *store.Entity, code string) (*T, error) {
	return byCode[T](ctx, q, e, code, true)
}

func byCode[T any](ctx context.Context, q store.Querier, e *store.Entity, code string, archived bool) (*T, error) {
	if strings.IndexByte(code, 0) >= 0 || !utf8.ValidString(code) {
		return nil, nil // no stored code has NUL or bad UTF-8 (imports refuse them); PostgreSQL cannot compare them
	}
	b := newBuilder(ctx, q.Dialect())
	b.write("SELECT ")
	selectColumns(b, "t", store.Columns[T]())
	b.write(" FROM ", e.Table, " t WHERE t.code = ").arg(code)
	b.visible(e, "t")
	if !archived {
		b.live(e, "t")
	}
	rows, err := q.Query(ctx, b.String(), b.args...)
	if err != nil {
		return nil, fmt.Errorf("load %s by code: %w", e.Name, err)
	}
	nodes, _, err := store.ScanRows[T](rows)
	if err != nil {
		return nil, fmt.Errorf("load %s by code: %w", e.Name, err)
	}
	if len(nodes) == 0 {
		return nil, nil
	}
	return nodes[0], nil
}

// ListOrder is the fixed order of a plain list field (not a connection),
// as "column [DESC]" items, always ending with the id.
type ListOrder []string

// ListBy reads, for many parents at once, all live child rows linked to
// each (Person.positions, Membership.commitments, ...), in the given order.
func ListBy[T any](ctx context.Context, q store.Querier, e *store.Entity, l Link, parents []int64, order ListOrder) (map[int64][]*T, error) {
	b := newBuilder(ctx, q.Dialect())
	inner := newBuilder(ctx, q.Dialect())
	parentExpr := l.writeFrom(inner, e, parents)
	inner.readable(e, "t")
	b.write("SELECT ")
	selectColumns(b, "t", store.Columns[T]())
	b.write(", ", parentExpr, inner.String(), " ORDER BY ", parentExpr)
	b.args = append(b.args, inner.args...)
	for _, o := range order {
		b.write(", t.", o)
	}
	rows, err := q.Query(ctx, b.String(), b.args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", e.Name, err)
	}
	nodes, extras, err := store.ScanRows[T](rows)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", e.Name, err)
	}
	out := make(map[int64][]*T, len(parents))
	for i, n := range nodes {
		p := toInt64(extras[i][0])
		out[p] = append(out[p], n)
	}
	return out, nil
}

func int64s(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}
