package graph_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// TestBackendsGiveIdenticalAnswers runs the same randomized where / orderBy
// / paging queries on SQLite and PostgreSQL loaded with the same data and
// requires identical answers (codes, values, aggregates, page boundaries).
func TestBackendsGiveIdenticalAnswers(t *testing.T) {
	fx := fixture(20)
	lite := newAPI(t, storetest.Open(t, store.SQLite), fx)
	pg := newAPI(t, storetest.Open(t, store.Postgres), fx)
	regionID := func(code string) string {
		return get(lite.data(`query($c: String!) { region(code: $c) { id } }`, map[string]any{"c": code}), "region", "id").(string)
	}
	regions := []string{regionID("440300"), regionID("440304"), regionID("440305001"), regionID("440305002")}
	rng := rand.New(rand.NewPCG(7, 11))
	gen := &whereGen{rng: rng, regions: regions}
	for i := 0; i < 150; i++ {
		root, fields, order := gen.target()
		where := gen.where(root, 0)
		orderBy := gen.orderBy(order)
		size := 1 + rng.IntN(12)
		q := fmt.Sprintf(`query($n: Int, $c: String) { r: %s(first: $n, after: $c, where: %s, orderBy: %s) { totalCount
			aggregate { count } nodes { %s } pageInfo { hasNextPage endCursor } } }`, root, where, orderBy, fields)
		var curLite, curPG any
		for page := 0; page < 3; page++ {
			a := lite.data(q, map[string]any{"n": size, "c": curLite})
			b := pg.data(q, map[string]any{"n": size, "c": curPG})
			ja, jb := comparable(a), comparable(b)
			if ja != jb {
				t.Fatalf("query %d page %d differs:\n%s\nsqlite:   %s\npostgres: %s", i, page, q, ja, jb)
			}
			if get(a, "r", "pageInfo", "hasNextPage") != true {
				break
			}
			curLite, curPG = get(a, "r", "pageInfo", "endCursor"), get(b, "r", "pageInfo", "endCursor")
		}
	}
}

// comparable renders a response without its cursors, which encode values in
// each store's own way.
func comparable(d map[string]any) string {
	if pi, ok := get(d, "r", "pageInfo").(map[string]any); ok {
		delete(pi, "endCursor")
	}
	b, _ := json.Marshal(d)
	return string(b)
}

type whereGen struct {
	rng     *rand.Rand
	regions []string
}

func (g *whereGen) target() (root, fields string, order []string) {
	switch g.rng.IntN(3) {
	case 0:
		return "serviceRecords", "code occurredAt peopleServed resolved category { code }", []string{"OCCURRED_AT", "PEOPLE_SERVED", "RESOLVED", "CODE"}
	case 1:
		return "communities", "code name population households kind", []string{"NAME", "POPULATION", "HOUSEHOLDS", "KIND", "CODE"}
	default:
		return "people", "code name birthYear gender roles", []string{"NAME", "BIRTH_YEAR", "GENDER", "PARTY_MEMBER", "CODE"}
	}
}

func (g *whereGen) pick(xs ...string) string { return xs[g.rng.IntN(len(xs))] }

func (g *whereGen) leaf(root string) string {
	r := g.rng
	switch root {
	case "serviceRecords":
		switch r.IntN(6) {
		case 0:
			return fmt.Sprintf(`{peopleServed: {%s: %d}}`, g.pick("gt", "gte", "lt", "lte", "eq", "neq"), r.IntN(11))
		case 1:
			return fmt.Sprintf(`{resolved: {eq: %v}}`, r.IntN(2) == 0)
		case 2:
			return fmt.Sprintf(`{occurredAt: {%s: "2023-01-%02dT%02d:00:00+08:00"}}`, g.pick("gt", "gte", "lt", "lte"), 1+r.IntN(28), r.IntN(24))
		case 3:
			return fmt.Sprintf(`{category: {code: {in: ["%s", "%s"]}}}`, g.pick("HEALTH", "REPAIR", "HEALTH_BP"), g.pick("LEGAL_AID", "HAIRCUT", "HEALTH_RX"))
		case 4:
			return fmt.Sprintf(`{community: {kind: {eq: %s}}}`, g.pick("URBAN", "VILLAGE"))
		default:
			return fmt.Sprintf(`{withinRegion: "%s"}`, g.regions[r.IntN(len(g.regions))])
		}
	case "communities":
		switch r.IntN(5) {
		case 0:
			return fmt.Sprintf(`{population: {%s: %d}}`, g.pick("gt", "lt", "gte"), 1000+r.IntN(500))
		case 1:
			return fmt.Sprintf(`{population: {isNull: %v}}`, r.IntN(2) == 0)
		case 2:
			return fmt.Sprintf(`{name: {%s: "%s"}}`, g.pick("contains", "startsWith"), g.pick("社区", "社区00", "1", "社区01"))
		case 3:
			return fmt.Sprintf(`{withinRegion: "%s"}`, g.regions[r.IntN(len(g.regions))])
		default:
			return fmt.Sprintf(`{kind: {in: [%s]}}`, g.pick("URBAN", "VILLAGE"))
		}
	default:
		switch r.IntN(4) {
		case 0:
			return fmt.Sprintf(`{roles: {%s: %s}}`, g.pick("has"), g.pick("MENTOR", "VOLUNTEER", "RESIDENT"))
		case 1:
			if r.IntN(3) == 0 {
				return fmt.Sprintf(`{birthYear: {isNull: %v}}`, r.IntN(2) == 0)
			}
			return fmt.Sprintf(`{birthYear: {%s: %d}}`, g.pick("gt", "lt"), 1960+r.IntN(40))
		case 2:
			return fmt.Sprintf(`{partyMember: {eq: %v}}`, r.IntN(2) == 0)
		default:
			return fmt.Sprintf(`{community: {withinRegion: "%s"}}`, g.regions[r.IntN(len(g.regions))])
		}
	}
}

func (g *whereGen) where(root string, depth int) string {
	if depth >= 2 || g.rng.IntN(3) > 0 {
		return g.leaf(root)
	}
	n := 1 + g.rng.IntN(3)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = g.where(root, depth+1)
	}
	switch g.rng.IntN(3) {
	case 0:
		return fmt.Sprintf(`{and: [%s]}`, strings.Join(parts, ", "))
	case 1:
		return fmt.Sprintf(`{or: [%s]}`, strings.Join(parts, ", "))
	default:
		return fmt.Sprintf(`{not: %s}`, parts[0])
	}
}

func (g *whereGen) orderBy(fields []string) string {
	n := g.rng.IntN(3)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`{field: %s, direction: %s}`, g.pick(fields...), g.pick("ASC", "DESC"))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
