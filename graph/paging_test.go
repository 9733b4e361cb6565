package graph_test

import (
	"fmt"
	"strings"
	"testing"
)

// allCodes pages through a connection with the given page size, forward or
// backward, and returns the codes in the connection's order.
func allCodes(t *testing.T, a *api, root, args string, size int, forward bool) []string {
	t.Helper()
	var out []string
	var cursor any
	for i := 0; i < 1000; i++ {
		var q string
		vars := map[string]any{"n": size, "c": cursor}
		if forward {
			q = fmt.Sprintf(`query($n: Int, $c: String) { %s(first: $n, after: $c%s) { nodes { code } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor } } }`, root, args)
		} else {
			q = fmt.Sprintf(`query($n: Int, $c: String) { %s(last: $n, before: $c%s) { nodes { code } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, root, args)
		}
		d := a.data(q, vars)
		page := codes(d[root])
		if forward {
			out = append(out, page...)
			if get(d, root, "pageInfo", "hasNextPage") != true {
				return out
			}
			cursor = get(d, root, "pageInfo", "endCursor")
		} else {
			out = append(page, out...)
			if get(d, root, "pageInfo", "hasPreviousPage") != true {
				return out
			}
			cursor = get(d, root, "pageInfo", "startCursor")
		}
	}
	t.Fatal("paging did not end")
	return nil
}

func TestPagingIsStableBothWays(t *testing.T) {
	eachBackend(t, fixture(10), func(t *testing.T, a *api) {
		for _, order := range []string{
			`, orderBy: [{field: PEOPLE_SERVED, direction: DESC}]`,
			`, orderBy: [{field: RESOLVED}, {field: OCCURRED_AT, direction: DESC}]`,
			``,
		} {
			whole := codes(a.data(fmt.Sprintf(`{ serviceRecords(first: 1000%s) { nodes { code } } }`, order), nil)["serviceRecords"])
			if len(whole) != 50 {
				t.Fatalf("want 50 records, got %d", len(whole))
			}
			for _, size := range []int{1, 7, 50} {
				if fwd := allCodes(t, a, "serviceRecords", order, size, true); strings.Join(fwd, ",") != strings.Join(whole, ",") {
					t.Fatalf("forward pages of %d %s:\n got %v\nwant %v", size, order, fwd, whole)
				}
				if back := allCodes(t, a, "serviceRecords", order, size, false); strings.Join(back, ",") != strings.Join(whole, ",") {
					t.Fatalf("backward pages of %d %s:\n got %v\nwant %v", size, order, back, whole)
				}
			}
		}
		// Nulls in an order key page correctly too (population is null for some).
		whole := codes(a.data(`{ communities(orderBy: [{field: POPULATION, direction: DESC}]) { nodes { code } } }`, nil)["communities"])
		if fwd := allCodes(t, a, "communities", `, orderBy: [{field: POPULATION, direction: DESC}]`, 3, true); strings.Join(fwd, ",") != strings.Join(whole, ",") {
			t.Fatalf("forward with nulls: %v vs %v", fwd, whole)
		}
		if back := allCodes(t, a, "communities", `, orderBy: [{field: POPULATION}]`, 4, false); len(back) != len(whole) {
			t.Fatalf("backward with nulls: %v", back)
		}
	})
}

func TestPageSizeMaximumAndBadArguments(t *testing.T) {
	eachBackend(t, fixture(2), func(t *testing.T, a *api) {
		code, msg := a.errorCode(`{ communities(first: 1001) { totalCount } }`, nil)
		if code != "BAD_USER_INPUT" || !strings.Contains(msg, "1000") {
			t.Fatalf("first over the maximum: %s %q", code, msg)
		}
		code, _ = a.errorCode(`{ communities(first: -1) { totalCount } }`, nil)
		if code != "BAD_USER_INPUT" {
			t.Fatalf("negative first: %s", code)
		}
		code, msg = a.errorCode(`{ communities(after: "bm90IGEgY3Vyc29y") { totalCount } }`, nil)
		if code != "BAD_USER_INPUT" || strings.Contains(strings.ToLower(msg), "select") {
			t.Fatalf("bad cursor: %s %q", code, msg)
		}
		// A cursor made under another order is refused, not misread.
		d := a.data(`{ communities(first: 1, orderBy: [{field: NAME}]) { pageInfo { endCursor } } }`, nil)
		cur := get(d, "communities", "pageInfo", "endCursor")
		code, _ = a.errorCode(`query($c: String) { communities(after: $c) { totalCount } }`, map[string]any{"c": cur})
		if code != "BAD_USER_INPUT" {
			t.Fatalf("cursor of another order: %s", code)
		}
		code, _ = a.errorCode(`{ communities(where: {withinRegion: "zzz"}) { totalCount } }`, nil)
		if code != "BAD_USER_INPUT" {
			t.Fatalf("bad region id: %s", code)
		}
		code, _ = a.errorCode(`{ communities(where: {kind: {eq: PLANET}}) { totalCount } }`, nil)
		if code != "BAD_USER_INPUT" {
			t.Fatalf("bad enum: %s", code)
		}
		code, _ = a.errorCode(`{ serviceRecords(where: {occurredAt: {gt: "yesterday"}}) { totalCount } }`, nil)
		if code != "BAD_USER_INPUT" {
			t.Fatalf("bad time: %s", code)
		}
	})
}
