package query

import (
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/store"
)

func TestCamelTurnsOrderFieldsIntoFieldNames(t *testing.T) {
	for in, want := range map[string]string{"PEOPLE_SERVED": "peopleServed", "ID": "id", "OUTCOME_YEAR": "outcomeYear", "NAME": "name"} {
		if got := camel(in); got != want {
			t.Errorf("camel(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOrderAlwaysEndsWithTheID(t *testing.T) {
	e := store.Catalog["ServiceRecord"]
	o, err := orderOf(nil, e, []map[string]any{{"field": "PEOPLE_SERVED", "direction": "DESC"}})
	if err != nil || len(o) != 2 || o[0] != (orderKey{"people_served", true}) || o[1] != (orderKey{"id", false}) {
		t.Fatalf("order = %v, %v", o, err)
	}
	o, _ = orderOf(nil, e, []map[string]any{{"field": "ID", "direction": "DESC"}, {"field": "CODE"}})
	if len(o) != 1 || !o[0].desc {
		t.Fatalf("keys after the id can never matter: %v", o)
	}
	if _, err := orderOf(nil, e, []map[string]any{{"field": "NOPE"}}); err == nil {
		t.Fatal("unknown order field accepted")
	}
}

func TestCursorsRoundTripAndRefuseOtherOrders(t *testing.T) {
	e := store.Catalog["Community"]
	byName, _ := orderOf(nil, e, []map[string]any{{"field": "NAME"}})
	byPop, _ := orderOf(nil, e, []map[string]any{{"field": "POPULATION", "direction": "DESC"}})
	c := byName.encodeCursor([]any{"海珠社区", int64(42)})
	vals, err := byName.decodeCursor(c, "after")
	if err != nil || vals[0] != "海珠社区" || vals[1] != int64(42) {
		t.Fatalf("decode = %v, %v", vals, err)
	}
	for _, bad := range []string{c[:len(c)-3], "!!", "", byPop.encodeCursor([]any{nil, int64(1)})} {
		if _, err := byName.decodeCursor(bad, "after"); apperr.CodeOf(err) != apperr.BadUserInput {
			t.Errorf("cursor %q: err %v, want BAD_USER_INPUT", bad, err)
		}
	}
}

func TestPageSizeLimits(t *testing.T) {
	big, neg, ok := MaxPageSize+1, -1, 10
	for _, a := range []Args{{First: &big}, {Last: &big}, {First: &neg}} {
		if err := a.check(); apperr.CodeOf(err) != apperr.BadUserInput {
			t.Errorf("%+v: %v", a, err)
		}
	}
	if err := (Args{First: &ok, Last: &ok}).check(); err != nil {
		t.Error(err)
	}
}

func TestWhereWritesOnlyPlaceholders(t *testing.T) {
	sql, args, err := Condition(nil, store.Postgres, store.Catalog["Community"], "c", map[string]any{
		"name": map[string]any{"eq": "x'; DROP TABLE communities; --", "contains": "%"},
		"or":   []map[string]any{{"kind": map[string]any{"in": []string{"URBAN"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(args) != 3 {
		t.Fatalf("args = %v", args)
	}
	for _, a := range args {
		if s, ok := a.(string); ok && len(s) > 1 && strings.Contains(sql, s) {
			t.Fatalf("a value reached the SQL text: %s", sql)
		}
	}
}
