package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseTemplateAndFill(t *testing.T) {
	stmts, err := parseTemplate("-- a comment with :placeholder\n\nSELECT 1 FROM t WHERE id IN (:ids)\n  AND x::text = :name;\nSELECT '12:30' AS at, :name;\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 2 {
		t.Fatalf("got %d statements, want 2: %q", len(stmts), stmts)
	}
	got, err := fill(stmts[0], map[string]string{"ids": idList([]int64{3, 1, 3, 2}), "name": sqlLiteral("O'Brien")})
	if err != nil {
		t.Fatal(err)
	}
	want := "SELECT 1 FROM t WHERE id IN (1, 2, 3)\n  AND x::text = 'O''Brien'"
	if got != want {
		t.Errorf("fill = %q, want %q", got, want)
	}
	if got, _ := fill(stmts[1], map[string]string{"name": "'n'"}); got != "SELECT '12:30' AS at, 'n'" {
		t.Errorf("a time literal or the last placeholder went wrong: %q", got)
	}
	if _, err := fill(stmts[0], map[string]string{"ids": "1"}); err == nil || !strings.Contains(err.Error(), "name") {
		t.Errorf("a missing placeholder: err = %v", err)
	}
	if _, err := parseTemplate("SELECT 1"); err == nil {
		t.Error("a statement without ';' was accepted")
	}
	if idList(nil) != "NULL" {
		t.Errorf("idList(nil) = %q, want NULL", idList(nil))
	}
}

// The templates in bench/workloads parse and name only the placeholders the
// workloads fill.
func TestTemplatesParse(t *testing.T) {
	known := map[string]string{}
	for _, k := range []string{"community_ids", "alliance_ids", "organization_ids", "community", "from", "to", "category_ids"} {
		known[k] = "1"
	}
	for _, w := range allWorkloads {
		for _, bl := range w.baselines {
			c, err := loadChain(filepath.Join("..", "..", "workloads", bl.file), nil)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range c.stmts {
				if _, err := fill(s, known); err != nil {
					t.Errorf("%s statement %d: %v", bl.file, i+1, err)
				}
			}
		}
		for _, side := range []string{"civicgraph", "postgraphile"} {
			if _, err := os.Stat(filepath.Join("..", "..", "workloads", w.name+"."+side+".graphql")); err != nil {
				t.Error(err)
			}
		}
	}
}

func TestBigIntAndUTC(t *testing.T) {
	var v struct{ A, B bigInt }
	if err := json.Unmarshal([]byte(`{"a": 12, "b": "9007199254740993"}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != 12 || v.B != 9007199254740993 {
		t.Errorf("got %d, %d", v.A, v.B)
	}
	a, _ := utc("2024-07-03T15:03:23+08:00")
	b, _ := utc("2024-07-03T07:03:23.000000+00:00")
	if a != b || a != "2024-07-03T07:03:23Z" {
		t.Errorf("utc: %q vs %q", a, b)
	}
}

// Answers of both servers (shortened real ones) map to the same JSON.
func TestNormalizersAgree(t *testing.T) {
	cases := []struct {
		w        *workload
		cg, pgl  string
		wantJSON string
	}{{
		nestedWorkload,
		`{"data":{"communities":{"nodes":[{"code":"C1","name":"宁北社区","alliances":{"nodes":[{"code":"AL-1","name":"联盟","members":{"nodes":[{"code":"AL-1/ORG-1","signedOn":"2021-07-19","organization":{"code":"ORG-1","name":"超市"}}]}}]}},{"code":"C2","name":"n","alliances":{"nodes":[]}}]}}}`,
		`{"data":{"allCommunities":{"nodes":[{"code":"C1","name":"宁北社区","alliancesByLeadCommunityId":{"nodes":[{"code":"AL-1","name":"联盟","membershipsByAllianceId":{"nodes":[{"code":"AL-1/ORG-1","signedOn":"2021-07-19","organizationByOrganizationId":{"code":"ORG-1","name":"超市"}}]}}]}},{"code":"C2","name":"n","alliancesByLeadCommunityId":{"nodes":[]}}]}}}`,
		`[{"code":"C1","name":"宁北社区","alliances":[{"code":"AL-1","name":"联盟","members":[{"code":"AL-1/ORG-1","signedOn":"2021-07-19","organization":{"code":"ORG-1","name":"超市"}}]}]},{"code":"C2","name":"n","alliances":[]}]`,
	}, {
		windowWorkload,
		`{"data":{"serviceRecords":{"nodes":[{"code":"SR-1","occurredAt":"2024-07-03T15:03:23+08:00","peopleServed":1,"resolved":false,"category":{"code":"HAIRCUT"}},{"code":"SR-2","occurredAt":"2024-07-04T08:00:00+08:00","peopleServed":2,"resolved":true,"category":null}]}}}`,
		`{"data":{"allServiceRecords":{"nodes":[{"code":"SR-1","occurredAt":"2024-07-03T07:03:23.000000+00:00","peopleServed":1,"resolved":false,"serviceCategoryByCategoryId":{"code":"HAIRCUT"}},{"code":"SR-2","occurredAt":"2024-07-04T00:00:00.000000+00:00","peopleServed":2,"resolved":true,"serviceCategoryByCategoryId":null}]}}}`,
		`[{"code":"SR-1","occurredAt":"2024-07-03T07:03:23Z","peopleServed":1,"resolved":false,"category":"HAIRCUT"},{"code":"SR-2","occurredAt":"2024-07-04T00:00:00Z","peopleServed":2,"resolved":true,"category":null}]`,
	}, {
		totalsWorkload,
		`{"data":{"serviceStats":[{"category":{"code":"AGRI_TECH"},"records":134,"peopleServed":631},{"category":{"code":"HAIRCUT"},"records":2611,"peopleServed":6105},{"category":null,"records":1,"peopleServed":2}]}}`,
		`{"data":{"allServiceRecords":{"groupedAggregates":[{"keys":["1"],"distinctCount":{"rowId":"2611"},"sum":{"peopleServed":"6105"}},{"keys":[null],"distinctCount":{"rowId":"1"},"sum":{"peopleServed":"2"}},{"keys":["25"],"distinctCount":{"rowId":"134"},"sum":{"peopleServed":"631"}}]},"allServiceCategories":{"nodes":[{"rowId":"25","code":"AGRI_TECH"},{"rowId":"1","code":"HAIRCUT"}]}}}`,
		`[{"category":"AGRI_TECH","records":134,"peopleServed":631},{"category":"HAIRCUT","records":2611,"peopleServed":6105},{"category":null,"records":1,"peopleServed":2}]`,
	}}
	for _, c := range cases {
		cg, err := c.w.civicgraph([]byte(c.cg))
		if err != nil {
			t.Fatalf("%s civicgraph: %v", c.w.name, err)
		}
		pgl, err := c.w.postgraphile([]byte(c.pgl))
		if err != nil {
			t.Fatalf("%s postgraphile: %v", c.w.name, err)
		}
		if got := string(canonical(cg)); got != c.wantJSON {
			t.Errorf("%s civicgraph:\n got %s\nwant %s", c.w.name, got, c.wantJSON)
		}
		if got := string(canonical(pgl)); got != c.wantJSON {
			t.Errorf("%s postgraphile:\n got %s\nwant %s", c.w.name, got, c.wantJSON)
		}
	}
}

func TestFirstDifference(t *testing.T) {
	got := firstDifference([]byte(`[{"code":"a","n":1},{"code":"b","n":2}]`), []byte(`[{"code":"a","n":1},{"code":"b","n":3}]`))
	if got != "$[1].n: 2 vs 3" {
		t.Errorf("got %q", got)
	}
	if got := firstDifference([]byte(`[1,2]`), []byte(`[1]`)); got != "$: 2 items vs 1" {
		t.Errorf("got %q", got)
	}
}

// -postgraphile is optional (run.sh's smoke run compares civicgraph with the
// SQL only); -civicgraph and -database are not.
func TestUsage(t *testing.T) {
	var out, errOut strings.Builder
	if rc := run(context.Background(), []string{"-database", "postgres://x"}, &out, &errOut); rc != 2 {
		t.Errorf("without -civicgraph: exit %d, want 2", rc)
	}
	if rc := run(context.Background(), []string{"-civicgraph", "http://x"}, &out, &errOut); rc != 2 {
		t.Errorf("without -database: exit %d, want 2", rc)
	}
	// With both, it gets past the usage check and fails to connect (exit 1).
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if rc := run(ctx, []string{"-civicgraph", "http://127.0.0.1:1/graphql", "-database", "postgres://nobody@127.0.0.1:1/x?connect_timeout=1"}, &out, &errOut); rc != 1 {
		t.Errorf("without -postgraphile: exit %d, want 1 (a connection failure, not bad usage): %s", rc, errOut.String())
	}
}
