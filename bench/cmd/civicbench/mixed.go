package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// mixed is a weighted mix of read requests, as a busy analytics frontend
// sends them: issue 6's three workloads and two typical small queries, per
// 100 requests
//
//	30  (c) window: one community's records in a 6-month window
//	15  (a) nested: communities → alliances → members → organization
//	10  (b) totals: records and people served per category
//	25  card: one community by code with its street (5 communities, 5 each)
//	20  unresolved: a community's unresolved records, newest 10, with
//	    totalCount (the same 5 communities, 4 each)
//
// sent in a fixed interleaved order (smooth weighted round-robin), each
// client starting at its own place in it. The city dashboard is left out:
// uncached it costs ~100 times any of these and would be the whole mix; it
// is measured on its own.
//
// The baseline is one pgbench run over the same parts at the same weights
// (pgbench -f FILE@WEIGHT): civicgraph's own SQL for (a), (b) and (c) (as
// pglcheck filled it in), and for card and unresolved hand-written SQL that
// answers the same (checked here against civicgraph's answers).
type mixed struct{}

func (mixed) Title() string {
	return "mixed read: 30% (c) window, 15% (a) nested, 10% (b) totals, 25% community card, 20% unresolved records of a community"
}

const (
	mixWindow, mixNested, mixTotals = 30, 15, 10
	mixCards                        = 5 // communities for card and unresolved
	mixCardWeight                   = 5 // per community
	mixUnresolvedWeight             = 4 // per community
)

const cardQuery = `query Card($code: String!) {
  community(code: $code) { code name kind population households region { code name } }
}`

const unresolvedQuery = `query Unresolved($code: String!) {
  serviceRecords(where: {community: {code: {eq: $code}}, resolved: {eq: false}},
                 orderBy: [{field: OCCURRED_AT, direction: DESC}], first: 10) {
    totalCount
    nodes { code occurredAt peopleServed }
  }
}`

// cardSQL and unresolvedSQL answer the same in plain SQL (one pgbench
// transaction each); %s is the community's code as a literal.
const cardSQL = `SELECT c.code, c.name, c.kind, c.population, c.households, r.code AS region_code, r.name AS region_name
FROM communities c JOIN regions r ON r.id = c.region_id
WHERE c.code = %s AND c.archived_at IS NULL`

var unresolvedSQL = []string{
	`SELECT count(*) FROM service_records r JOIN communities c ON c.id = r.community_id
WHERE c.code = %s AND c.archived_at IS NULL AND r.archived_at IS NULL AND NOT r.resolved`,
	`SELECT r.code, r.occurred_at, r.people_served FROM service_records r JOIN communities c ON c.id = r.community_id
WHERE c.code = %s AND c.archived_at IS NULL AND r.archived_at IS NULL AND NOT r.resolved
ORDER BY r.occurred_at DESC, r.id ASC LIMIT 10`,
}

// mixPart is one entry of the mix: a request and its baseline script.
type mixPart struct {
	label  string
	weight int
	req    plannedRequest
	script sqlScript
}

func (m mixed) Prepare(ctx context.Context, e *env) (*plan, error) {
	// The three workloads, as they prepare themselves (civicgraph only:
	// PostGraphile has no card or unresolved documents).
	civic := *e
	civic.pgl = nil
	var parts []mixPart
	var params []param
	for _, c := range []struct {
		name   string
		weight int
	}{{"window", mixWindow}, {"nested", mixNested}, {"totals", mixTotals}} {
		p, err := checked{name: c.name}.Prepare(ctx, &civic)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		if p.Mismatch != "" {
			return nil, fmt.Errorf("%s: %s", c.name, p.Mismatch)
		}
		script := p.Baselines[0].Scripts[0]
		script.Label = c.name
		parts = append(parts, mixPart{label: c.name, weight: c.weight, req: p.Requests[0], script: script})
	}

	codes, err := mixCommunities(ctx, e)
	if err != nil {
		return nil, err
	}
	params = append(params, param{"communities (card, unresolved)", strings.Join(codes, ", ") + ": spread evenly over the live communities by code"})
	var cardRecords, unresolvedTotal int64
	for i, code := range codes {
		card, err := prepareCard(ctx, e, code)
		if err != nil {
			return nil, err
		}
		card.label = fmt.Sprintf("card-%d", i+1)
		card.script.Label = card.label
		parts = append(parts, card)
		cardRecords++
		un, total, err := prepareUnresolved(ctx, e, code)
		if err != nil {
			return nil, err
		}
		un.label = fmt.Sprintf("unresolved-%d", i+1)
		un.script.Label = un.label
		parts = append(parts, un)
		unresolvedTotal += total
	}

	seq := interleave(parts)
	p := &plan{
		Title:  m.Title(),
		Query:  "# window, nested, totals: bench/workloads/*.civicgraph.graphql\n\n" + cardQuery + "\n\n" + unresolvedQuery,
		Params: params,
	}
	for _, i := range seq {
		r := parts[i].req
		r.Label = parts[i].label
		p.Requests = append(p.Requests, r)
	}
	bl := sqlBaseline{Name: "sql", Title: "the parts' SQL at the same weights: civicgraph's own SQL for (a), (b), (c); hand-written SQL for card and unresolved"}
	for _, part := range parts {
		s := part.script
		s.Weight = part.weight
		bl.Scripts = append(bl.Scripts, s)
	}
	p.Baselines = []sqlBaseline{bl}
	p.Params = append(p.Params, param{"weights", mixWeights(parts)})
	p.Check = fmt.Sprintf("(a), (b), (c) as checked by pglcheck; card and unresolved: civicgraph's answers equal the SQL's for each of the %d communities (%d unresolved records in all); under load every answer must be byte-identical to the checked one", cardRecords, unresolvedTotal)
	return p, nil
}

// mixCommunities picks mixCards live communities spread evenly by code.
func mixCommunities(ctx context.Context, e *env) ([]string, error) {
	rows, err := e.db.Query(ctx, `SELECT code FROM (
		SELECT code, row_number() OVER (ORDER BY code) - 1 AS i, count(*) OVER () AS n
		FROM communities WHERE archived_at IS NULL) x
		WHERE i % greatest(n / $1, 1) = 0 ORDER BY code LIMIT $1`, mixCards)
	if err != nil {
		return nil, fmt.Errorf("pick communities: %w", err)
	}
	defer rows.Close()
	var codes []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		if !safeCode.MatchString(c) {
			return nil, fmt.Errorf("unexpected community code %q", c)
		}
		codes = append(codes, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(codes) == 0 {
		return nil, fmt.Errorf("the database has no live community")
	}
	return codes, nil
}

type cardShape struct {
	Code, Name, Kind       string
	Population, Households *int64
	RegionCode, RegionName string
}

func prepareCard(ctx context.Context, e *env, code string) (mixPart, error) {
	body, err := requestBody(cardQuery, map[string]any{"code": code})
	if err != nil {
		return mixPart{}, err
	}
	raw, expect, err := expectOf(ctx, e.gql, body)
	if err != nil {
		return mixPart{}, fmt.Errorf("card %s: %w", code, err)
	}
	var ans struct {
		Community *struct {
			Code, Name, Kind       string
			Population, Households *int64
			Region                 struct{ Code, Name string }
		}
	}
	if err := dataOf(raw, &ans); err != nil || ans.Community == nil {
		return mixPart{}, fmt.Errorf("card %s: no community in the answer (%v)", code, err)
	}
	c := ans.Community
	got := cardShape{c.Code, c.Name, c.Kind, c.Population, c.Households, c.Region.Code, c.Region.Name}
	stmt := fmt.Sprintf(cardSQL, sqlLiteral(code))
	var want cardShape
	var pop, hh *int32
	if err := e.db.QueryRow(ctx, stmt).Scan(&want.Code, &want.Name, &want.Kind, &pop, &hh, &want.RegionCode, &want.RegionName); err != nil {
		return mixPart{}, fmt.Errorf("card %s in SQL: %w", code, err)
	}
	want.Population, want.Households = widen(pop), widen(hh)
	if a, b := mustJSON(got), mustJSON(want); a != b {
		return mixPart{}, fmt.Errorf("card %s: civicgraph %s, SQL %s", code, a, b)
	}
	if expect == "" {
		return mixPart{}, fmt.Errorf("card %s: two answers differ", code)
	}
	return mixPart{weight: mixCardWeight, req: plannedRequest{Body: body, Expect: expect},
		script: sqlScript{Header: "-- community card " + code + "\n", Statements: []string{stmt}}}, nil
}

type unresolvedShape struct {
	Total   int64
	Records []unresolvedRecord
}

type unresolvedRecord struct {
	Code         string
	OccurredAt   string // RFC 3339, UTC
	PeopleServed int64
}

func prepareUnresolved(ctx context.Context, e *env, code string) (mixPart, int64, error) {
	body, err := requestBody(unresolvedQuery, map[string]any{"code": code})
	if err != nil {
		return mixPart{}, 0, err
	}
	raw, expect, err := expectOf(ctx, e.gql, body)
	if err != nil {
		return mixPart{}, 0, fmt.Errorf("unresolved %s: %w", code, err)
	}
	var ans struct {
		ServiceRecords struct {
			TotalCount int64
			Nodes      []struct {
				Code         string
				OccurredAt   string
				PeopleServed int64
			}
		}
	}
	if err := dataOf(raw, &ans); err != nil {
		return mixPart{}, 0, fmt.Errorf("unresolved %s: %w", code, err)
	}
	got := unresolvedShape{Total: ans.ServiceRecords.TotalCount, Records: []unresolvedRecord{}}
	for _, n := range ans.ServiceRecords.Nodes {
		t, err := time.Parse(time.RFC3339Nano, n.OccurredAt)
		if err != nil {
			return mixPart{}, 0, fmt.Errorf("unresolved %s: %w", code, err)
		}
		got.Records = append(got.Records, unresolvedRecord{n.Code, t.UTC().Format(time.RFC3339Nano), n.PeopleServed})
	}
	stmts := []string{fmt.Sprintf(unresolvedSQL[0], sqlLiteral(code)), fmt.Sprintf(unresolvedSQL[1], sqlLiteral(code))}
	want := unresolvedShape{Records: []unresolvedRecord{}}
	if err := e.db.QueryRow(ctx, stmts[0]).Scan(&want.Total); err != nil {
		return mixPart{}, 0, fmt.Errorf("unresolved %s in SQL: %w", code, err)
	}
	rows, err := e.db.Query(ctx, stmts[1])
	if err != nil {
		return mixPart{}, 0, fmt.Errorf("unresolved %s in SQL: %w", code, err)
	}
	for rows.Next() {
		var r unresolvedRecord
		var at time.Time
		var served int32
		if err := rows.Scan(&r.Code, &at, &served); err != nil {
			rows.Close()
			return mixPart{}, 0, err
		}
		r.OccurredAt, r.PeopleServed = at.UTC().Format(time.RFC3339Nano), int64(served)
		want.Records = append(want.Records, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return mixPart{}, 0, err
	}
	if a, b := mustJSON(got), mustJSON(want); a != b {
		return mixPart{}, 0, fmt.Errorf("unresolved %s: civicgraph %s, SQL %s", code, a, b)
	}
	if expect == "" {
		return mixPart{}, 0, fmt.Errorf("unresolved %s: two answers differ", code)
	}
	return mixPart{weight: mixUnresolvedWeight, req: plannedRequest{Body: body, Expect: expect},
		script: sqlScript{Header: "-- unresolved records of community " + code + "\n", Statements: stmts}}, got.Total, nil
}

// interleave orders the parts by smooth weighted round-robin: over
// sum(weights) picks, part i comes weight_i times, spread out (nginx's
// algorithm; ties go to the earlier part).
func interleave(parts []mixPart) []int {
	total := 0
	for _, p := range parts {
		total += p.weight
	}
	current := make([]int, len(parts))
	seq := make([]int, 0, total)
	for range total {
		best := -1
		for i, p := range parts {
			current[i] += p.weight
			if best < 0 || current[i] > current[best] {
				best = i
			}
		}
		current[best] -= total
		seq = append(seq, best)
	}
	return seq
}

// mixWeights describes the weights, grouped by kind of part.
func mixWeights(parts []mixPart) string {
	sums := map[string]int{}
	var kinds []string
	for _, p := range parts {
		k, _, _ := strings.Cut(p.label, "-")
		if _, ok := sums[k]; !ok {
			kinds = append(kinds, k)
		}
		sums[k] += p.weight
	}
	slices.SortStableFunc(kinds, func(a, b string) int { return cmp.Compare(sums[b], sums[a]) })
	var out []string
	for _, k := range kinds {
		out = append(out, fmt.Sprintf("%s %d", k, sums[k]))
	}
	return strings.Join(out, ", ") + " (per 100 requests; pgbench -f FILE@WEIGHT for the baseline)"
}

func widen(v *int32) *int64 {
	if v == nil {
		return nil
	}
	n := int64(*v)
	return &n
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
