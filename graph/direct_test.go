package graph_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// directCorpus is what TestDirectAnswersAsGQLGen sends: every construct
// graph.Direct handles, and some it hands to gqlgen (errors, a null in a
// non-null field, introspection).
var directCorpus = []struct {
	name, query string
	vars        map[string]any
}{
	{"issue 6 (a) nested", `query Nested { communities(first: 20, orderBy: [{field: CODE, direction: ASC}]) { nodes { code name
		alliances(orderBy: [{field: CODE, direction: ASC}]) { nodes { code name members(orderBy: [{field: CODE, direction: ASC}]) { nodes { code signedOn organization { code name } } } } } } } }`, nil},
	{"issue 6 (c) window", `query Window($community: String!, $from: Time!, $to: Time!) { serviceRecords(
		where: {community: {code: {eq: $community}}, occurredAt: {gte: $from, lt: $to}}, orderBy: [{field: OCCURRED_AT, direction: ASC}], first: 50) {
		nodes { code occurredAt peopleServed resolved category { code } } } }`,
		map[string]any{"community": "C001", "from": "2022-12-01T00:00:00+08:00", "to": "2023-06-01T00:00:00+08:00"}},
	{"edges, cursors, page info, counts", `{ communities(first: 3, after: null, orderBy: [{field: NAME, direction: DESC}]) {
		totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id code population households kind } } } }`, nil},
	{"last and before", `{ people(last: 4, orderBy: [{field: CODE}]) { nodes { code gender birthYear partyMember roles } pageInfo { hasPreviousPage startCursor } } }`, nil},
	{"aliases and __typename", `{ __typename a: community(code: "C000") { __typename code x: name alliances(first: 1) { __typename nodes { code } } }
		b: community(code: "C001") { code name } none: community(code: "NOPE") { code } }`, nil},
	{"fragments", `fragment C on Community { code name region { ...R } } fragment R on Region { code level parent { code } }
		{ communities(first: 2) { nodes { ...C ... on Community { households } ... { population } } } }`, nil},
	{"skip and include", `query Q($yes: Boolean!, $no: Boolean!) { communities(first: 2) { nodes { code name @include(if: $yes) kind @include(if: $no)
		population @skip(if: $yes) households @skip(if: $no) ... @include(if: $no) { region { code } } } } }`,
		map[string]any{"yes": true, "no": false}},
	{"interfaces", `query N($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Community { code } ... on Region { name level } } }`,
		map[string]any{"ids": []any{"Q29tbXVuaXR5OjE", "UmVnaW9uOjE", "UmVnaW9uOjk5OTk", "bm9wZQ"}}},
	{"union", `{ serviceEvents(first: 4, orderBy: [{field: CODE}]) { nodes { code kind title startsAt endsAt
		organizer { __typename ... on Alliance { code foundedOn } ... on Organization { code kind } } organizerAlliance { name } } } }`, nil},
	{"to-one chains and nulls", `{ serviceRecords(first: 10, orderBy: [{field: CODE}]) { nodes { code occurredAt peopleServed resolved
		community { code region { code parent { code } } } category { code name parent { code } } provider { code parent { code } }
		providerPerson { code name phone } recipient { code name birthYear } event { code } alliance { code } demand { code status } } } }`, nil},
	{"lists", `{ people(first: 6, orderBy: [{field: CODE}]) { nodes { code roles positions { title from organization { code } }
		gradeHistory { tier step effectiveOn } mentors { code } community { code } } } }`, nil},
	{"memberships and commitments", `{ memberships(first: 8, orderBy: [{field: CODE}]) { nodes { code signedOn leftOn alliance { code leadCommunity { code } }
		organization { code community { code } } commitments { code name } } } }`, nil},
	{"aggregates", `{ serviceRecords { totalCount aggregate { count sum { peopleServed } avg { peopleServed } min { peopleServed occurredAt } max { peopleServed occurredAt } } }
		communities { aggregate { count sum { population households } avg { population } min { population } max { households } } }
		alliances { aggregate { count min { foundedOn } max { foundedOn } } } }`, nil},
	{"nested aggregates", `{ communities(first: 3) { nodes { code serviceRecords { totalCount aggregate { sum { peopleServed } } } people(first: 1) { totalCount } } } }`, nil},
	{"mentor lineage", `{ people(first: 3, where: {roles: {has: MENTOR}}) { nodes { code mentees(first: 5) { nodes { code } } mentorLineage(depth: 2) { depth mentor { code } trainee { code } } } } }`, nil},
	{"filters", `query F($kinds: [CommunityKind!], $from: Time) { communities(where: {or: [{kind: {in: $kinds}}, {population: {gte: 1200}}], not: {code: {eq: "C002"}}}) {
		nodes { code kind population } } serviceRecords(where: {occurredAt: {gte: $from}, resolved: {eq: true}, community: {code: {eq: "C001"}}}) { nodes { code } } }`,
		map[string]any{"kinds": []any{"VILLAGE"}, "from": "2023-01-01T00:00:00+08:00"}},
	{"stats", `{ serviceStats(groupBy: [CATEGORY, PERIOD], period: MONTH, from: "2022-12-01T00:00:00+08:00", to: "2023-06-01T00:00:00+08:00") {
		category { code } period { label start end } records peopleServed resolved resolutionRate } }`, nil},
	{"region summary", `{ region(code: "440300") { code ancestors { code } children { nodes { code } } summary { communities villages alliances peopleServed problemsSolved } coverage(asOf: "2023-01-01T00:00:00+08:00") { __typename } } }`, nil},
	{"demands", `{ demands(first: 4, orderBy: [{field: CODE}]) { nodes { code status title raisedAt respondedAt resolvedAt assignedTo { code } category { code } } } }`, nil},
	{"changes", `{ changes(first: 5, types: [COMMUNITY, ALLIANCE]) { nodes { sequence type code operation entity { __typename id } } pageInfo { hasNextPage endCursor } } }`, nil},
	{"error: page too large", `{ communities(first: 5000) { nodes { code } } }`, nil},
	{"error: nested, beside good fields", `{ ok: communities(first: 1) { nodes { code } } bad: communities(first: 1) { nodes { code alliances(first: -1) { nodes { code } } } } }`, nil},
	{"error: bad variable value", `query T($t: Time) { serviceRecords(where: {occurredAt: {gte: $t}}) { nodes { code } } }`, map[string]any{"t": "yesterday"}},
	{"introspection", `{ __type(name: "Community") { name fields { name } } __schema { queryType { name } } }`, nil},
}

// TestDirectAnswersAsGQLGen: the same requests to a server with graph.Direct
// and to one without give byte-identical answers (errors included), run
// the same number of statements when Direct answers, and log the same
// reads of personal data; with and without pii:read.
func TestDirectAnswersAsGQLGen(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		newAPI(t, db, fixture(6))
		ctx := context.Background()
		authn, err := auth.NewAuthenticator(auth.Config{DB: db})
		if err != nil {
			t.Fatal(err)
		}
		start := func(mode string) string {
			t.Setenv("CIVICGRAPH_DIRECT", mode)
			srv := httptest.NewServer(server.New(server.Config{DB: db, Auth: authn, RateLimit: -1, ResponseCacheBytes: -1}))
			t.Cleanup(srv.Close)
			return srv.URL + "/graphql"
		}
		direct, plain := start("on"), start("off")
		keys := map[string]string{}
		for name, pii := range map[string]bool{"unmasked": true, "masked": false} {
			k, _, err := auth.Create(ctx, db, "direct-"+name, auth.Admin, auth.Scope{}, pii)
			if err != nil {
				t.Fatal(err)
			}
			keys[name] = k
		}
		post := func(url, key, query string, vars map[string]any) (int, []byte) {
			return postAsKey(t, url, key, query, vars)
		}
		logged := func() int { return storetest.QueryInt(t, db, "SELECT count(*) FROM access_log") }
		for who, key := range keys {
			for _, c := range directCorpus {
				// Warm what each server caches about the key (its allowlist).
				post(plain, key, c.query, c.vars)
				post(direct, key, c.query, c.vars)
				s0, l0 := db.Statements(), logged()
				status, want := post(plain, key, c.query, c.vars)
				s1, l1 := db.Statements(), logged()
				gotStatus, got := post(direct, key, c.query, c.vars)
				s2, l2 := db.Statements(), logged()
				if gotStatus != status || !bytes.Equal(got, want) {
					t.Errorf("%s, %s: Direct answered %d\n%s\ngqlgen %d\n%s", who, c.name, gotStatus, got, status, want)
					continue
				}
				failed := bytes.Contains(want, []byte(`"errors"`))
				if failed != strings.HasPrefix(c.name, "error:") {
					t.Errorf("%s, %s: errors %v, want %v: %s", who, c.name, failed, !failed, want)
				}
				if !failed && s2-s1 != s1-s0 {
					t.Errorf("%s, %s: Direct ran %d statements, gqlgen %d", who, c.name, s2-s1, s1-s0)
				}
				if l2-l1 != l1-l0 {
					t.Errorf("%s, %s: Direct logged %d reads of personal data, gqlgen %d", who, c.name, l2-l1, l1-l0)
				}
			}
		}
	})
}
