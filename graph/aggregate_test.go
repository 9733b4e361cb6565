package graph_test

import (
	"encoding/json"
	"fmt"
	"testing"
)

func num(v any) float64 {
	n, ok := v.(json.Number)
	if !ok {
		return -1
	}
	f, _ := n.Float64()
	return f
}

func TestAggregatesCoverTheWholeWhereNotThePage(t *testing.T) {
	fx := fixture(9)
	var count, sum, minV, maxV int
	minV = 1 << 30
	resolved := 0
	for _, l := range fixtureOf(fx, "ServiceRecord") {
		v := l["peopleServed"].(int)
		count++
		sum += v
		minV, maxV = min(minV, v), max(maxV, v)
		if l["resolved"] == true {
			resolved++
		}
	}
	eachBackend(t, fx, func(t *testing.T, a *api) {
		d := a.data(`{ serviceRecords(first: 2) { totalCount aggregate { count sum { peopleServed } avg { peopleServed }
			min { peopleServed occurredAt } max { peopleServed occurredAt } } }
			solved: serviceRecords(where: {resolved: {eq: true}}) { aggregate { count } }
			none: serviceRecords(where: {peopleServed: {gt: 1000}}) { aggregate { count sum { peopleServed } max { occurredAt } } } }`, nil)
		agg := get(d, "serviceRecords", "aggregate")
		if num(get(d, "serviceRecords", "totalCount")) != float64(count) || num(get(agg, "count")) != float64(count) {
			t.Fatalf("count = %v", agg)
		}
		if num(get(agg, "sum", "peopleServed")) != float64(sum) || num(get(agg, "min", "peopleServed")) != float64(minV) || num(get(agg, "max", "peopleServed")) != float64(maxV) {
			t.Fatalf("sum/min/max = %v, want %d %d %d", agg, sum, minV, maxV)
		}
		if got, want := num(get(agg, "avg", "peopleServed")), float64(sum)/float64(count); fmt.Sprintf("%.9f", got) != fmt.Sprintf("%.9f", want) {
			t.Fatalf("avg = %v, want %v", got, want)
		}
		if get(agg, "min", "occurredAt") != "2022-12-31T23:30:00+08:00" {
			t.Fatalf("min occurredAt = %v", get(agg, "min", "occurredAt"))
		}
		if num(get(d, "solved", "aggregate", "count")) != float64(resolved) {
			t.Fatalf("resolved = %v, want %d", get(d, "solved"), resolved)
		}
		if num(get(d, "none", "aggregate", "count")) != 0 || get(d, "none", "aggregate", "sum", "peopleServed") != nil || get(d, "none", "aggregate", "max", "occurredAt") != nil {
			t.Fatalf("empty aggregate = %v", get(d, "none"))
		}
		// Nested aggregates per parent.
		d = a.data(`{ communities(first: 3, orderBy: [{field: CODE}]) { nodes { code serviceRecords { totalCount aggregate { sum { peopleServed } } } } } }`, nil)
		for i, n := range get(d, "communities", "nodes").([]any) {
			want := 0
			for _, l := range fixtureOf(fx, "ServiceRecord") {
				if l["community"] == fmt.Sprintf("C%03d", i) {
					want += l["peopleServed"].(int)
				}
			}
			if num(get(n, "serviceRecords", "aggregate", "sum", "peopleServed")) != float64(want) || num(get(n, "serviceRecords", "totalCount")) != 5 {
				t.Fatalf("community %d nested aggregate = %v, want sum %d", i, get(n, "serviceRecords"), want)
			}
		}
	})
}

func TestMentorLineage(t *testing.T) {
	// P-000-2 trains P-001-2 and P-002-2; P-00k-2 trains P-(2k+1)-2 and P-(2k+2)-2.
	eachBackend(t, fixture(15), func(t *testing.T, a *api) {
		d := a.data(`{ person(code: "P-000-2") { all: mentorLineage { depth mentor { code } trainee { code } mentorship { cohortYear } }
			one: mentorLineage(depth: 1) { trainee { code } } two: mentorLineage(depth: 2) { depth }
			mentees { totalCount nodes { code } } }
			leaf: person(code: "P-014-2") { mentorLineage { depth } mentors { code } } }`, nil)
		all := get(d, "person", "all").([]any)
		if len(all) != 14 {
			t.Fatalf("lineage has %d links, want 14", len(all))
		}
		if get(all[0], "depth") != json.Number("1") || get(all[13], "depth") != json.Number("3") {
			t.Fatalf("lineage depths = %v", all)
		}
		if len(get(d, "person", "one").([]any)) != 2 || len(get(d, "person", "two").([]any)) != 6 {
			t.Fatalf("depth-limited lineage = %v / %v", get(d, "person", "one"), get(d, "person", "two"))
		}
		if num(get(d, "person", "mentees", "totalCount")) != 2 {
			t.Fatalf("mentees = %v", get(d, "person", "mentees"))
		}
		if len(get(d, "leaf", "mentorLineage").([]any)) != 0 || fmt.Sprint(get(d, "leaf", "mentors")) != "[map[code:P-006-2]]" {
			t.Fatalf("leaf = %v", get(d, "leaf"))
		}
	})
}
