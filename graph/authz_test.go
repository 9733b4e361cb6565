package graph_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// The authorization matrix (issue 4, point 6): every principal against
// every root connection, lookup, nested path, statistic, personal field
// and relation filter, on both stores, each answer compared with what the
// model in authz_model_test.go says the principal may see.

// authzPrincipals are the rows of the matrix, each an API key, plus
// requests without a credential (checkUnauthenticated). An ANALYST whose
// region does not exist cannot be given a key (auth.Create refuses it): the
// key is made while its district exists, and the district is deleted before
// any request; and a PARTNER of an organization in no alliance sees next to
// nothing too.
var authzPrincipals = []authzPrincipal{
	{name: "admin", role: auth.Admin, pii: true},
	{name: "analyst-all", role: auth.Analyst},
	{name: "analyst-440304", role: auth.Analyst, scope: "region:440304"},
	{name: "analyst-440304-pii", role: auth.Analyst, scope: "region:440304", pii: true},
	{name: "operator-440305001", role: auth.Operator, scope: "region:440305001"},
	{name: "partner-ORG-001-0", role: auth.Partner, scope: "organization:ORG-001-0"},
	// A member (since left) of AL-001 led by C001, that also provided a
	// record and was assigned a demand in C002, outside its alliances.
	{name: "partner-ORG-002-2", role: auth.Partner, scope: "organization:ORG-002-2"},
	{name: "partner-ORG-LONE", role: auth.Partner, scope: "organization:ORG-LONE"},
	// Scoped to a district that was deleted after the key was made.
	{name: "analyst-deleted-region", role: auth.Analyst, scope: "region:440399"},
}

func TestAuthzMatrix(t *testing.T) {
	fx := authzFixture()
	w := newAuthzWorld(fx)
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		a := newAuthzAPI(t, db, fx, authzPrincipals)
		a.collectIDs(t, w)
		for _, p := range authzPrincipals {
			t.Run(p.name, func(t *testing.T) {
				v := w.visible(p)
				t.Run("roots", func(t *testing.T) { a.checkRoots(t, w, p, v) })
				t.Run("lookups", func(t *testing.T) { a.checkLookups(t, w, p, v) })
				t.Run("nested", func(t *testing.T) { a.checkNested(t, w, p, v) })
				t.Run("lineage", func(t *testing.T) { a.checkLineage(t, w, p, v) })
				t.Run("stats", func(t *testing.T) { a.checkStats(t, w, p, v) })
				t.Run("regionFigures", func(t *testing.T) { a.checkRegionFigures(t, w, p, v) })
				t.Run("personal", func(t *testing.T) { a.checkPersonal(t, w, p, v) })
				t.Run("probes", func(t *testing.T) { a.checkProbes(t, w, p, v) })
			})
		}
		t.Run("unauthenticated", func(t *testing.T) { a.checkUnauthenticated(t, w) })
	})
}

// authzAgg is one aggregate a root connection is checked on: its path in
// the aggregate object and its value over the visible lines.
type authzAgg struct {
	path string
	want func(ls []line) any
	pii  bool // aggregates personal data: only for principals with pii:read
}

// values are the normalized non-null values of a field.
func authzValues(ls []line, field string) []any {
	var out []any
	for _, l := range ls {
		if v, ok := l[field]; ok && v != nil {
			out = append(out, authzNormalize(authzJSON(v)))
		}
	}
	return out
}

// toJSONish turns fixture values into what JSON decoding gives.
func authzJSON(v any) any {
	if n, ok := v.(int); ok {
		return float64(n)
	}
	return v
}

func authzCount() authzAgg {
	return authzAgg{path: "count", want: func(ls []line) any { return float64(len(ls)) }}
}

func authzSum(f string) authzAgg {
	return authzAgg{path: "sum." + f, want: func(ls []line) any {
		vs := authzValues(ls, f)
		if len(vs) == 0 {
			return nil
		}
		s := 0.0
		for _, v := range vs {
			s += v.(float64)
		}
		return s
	}}
}

func authzAvg(f string) authzAgg {
	a := authzSum(f)
	return authzAgg{path: "avg." + f, want: func(ls []line) any {
		s := a.want(ls)
		if s == nil {
			return nil
		}
		return s.(float64) / float64(len(authzValues(ls, f)))
	}}
}

func authzExtreme(kind, f string) authzAgg {
	return authzAgg{path: kind + "." + f, want: func(ls []line) any {
		vs := authzValues(ls, f)
		if len(vs) == 0 {
			return nil
		}
		best := vs[0]
		for _, v := range vs[1:] {
			var c int
			if fv, ok := v.(float64); ok {
				c = authzCmp(fv, best.(float64))
			} else {
				c = strings.Compare(v.(string), best.(string))
			}
			if (kind == "min" && c < 0) || (kind == "max" && c > 0) {
				best = v
			}
		}
		return best
	}}
}

func authzCmp(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func authzPII(a authzAgg) authzAgg { a.pii = true; return a }

// authzRoots are the root connections and what each is checked on.
var authzRoots = []struct {
	field, typ string
	aggs       []authzAgg
}{
	{"regions", "Region", []authzAgg{authzCount()}},
	{"communities", "Community", []authzAgg{authzCount(), authzSum("population"), authzSum("households"), authzAvg("population"), authzExtreme("min", "population"), authzExtreme("max", "households")}},
	{"organizations", "Organization", []authzAgg{authzCount()}},
	{"alliances", "Alliance", []authzAgg{authzCount(), authzExtreme("min", "foundedOn"), authzExtreme("max", "foundedOn")}},
	{"memberships", "Membership", []authzAgg{authzCount(), authzExtreme("min", "signedOn"), authzExtreme("max", "leftOn")}},
	{"people", "Person", []authzAgg{authzCount(), authzPII(authzSum("birthYear")), authzPII(authzAvg("birthYear")), authzPII(authzExtreme("max", "birthYear"))}},
	{"studios", "Studio", []authzAgg{authzCount(), authzExtreme("min", "foundedOn"), authzExtreme("max", "foundedOn")}},
	{"mentorships", "Mentorship", []authzAgg{authzCount(), authzSum("cohortYear"), authzSum("outcomeYear"), authzAvg("cohortYear"), authzExtreme("min", "startedOn")}},
	{"serviceCategories", "ServiceCategory", []authzAgg{authzCount()}},
	{"serviceEvents", "ServiceEvent", []authzAgg{authzCount(), authzExtreme("min", "startsAt"), authzExtreme("max", "endsAt")}},
	{"serviceRecords", "ServiceRecord", []authzAgg{authzCount(), authzSum("peopleServed"), authzAvg("peopleServed"), authzExtreme("max", "peopleServed"), authzExtreme("min", "occurredAt")}},
	{"demands", "Demand", []authzAgg{authzCount(), authzExtreme("max", "raisedAt"), authzExtreme("min", "respondedAt"), authzExtreme("max", "resolvedAt")}},
}

// aggSelection writes the aggregate selection of paths: "count sum { a }".
func authzAggSelection(aggs []authzAgg) string {
	var order []string
	groups := map[string][]string{}
	for _, a := range aggs {
		head, tail, nested := strings.Cut(a.path, ".")
		if _, seen := groups[head]; !seen {
			order = append(order, head)
			groups[head] = nil
		}
		if nested {
			groups[head] = append(groups[head], tail)
		}
	}
	var b strings.Builder
	for _, h := range order {
		b.WriteString(h + " ")
		if len(groups[h]) > 0 {
			b.WriteString("{ " + strings.Join(groups[h], " ") + " } ")
		}
	}
	return b.String()
}

// checkRoots pages through every root connection: the codes, totalCount and
// aggregates must be the model's.
func (a *authzAPI) checkRoots(t *testing.T, w *authzWorld, p authzPrincipal, v authzVis) {
	for _, r := range authzRoots {
		var aggs []authzAgg
		for _, ag := range r.aggs {
			if !ag.pii || p.pii {
				aggs = append(aggs, ag)
			}
		}
		want := v.seenCodes(r.typ)
		visible := w.lines(v, r.typ)
		q := fmt.Sprintf(`query($after: String) { %s(first: 17, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { code } aggregate { %s } } }`,
			r.field, authzAggSelection(aggs))
		var got []string
		var after any
		for page := 0; page < 20; page++ {
			d := a.data(t, p.name, r.field, q, map[string]any{"after": after})
			if d == nil {
				break
			}
			c := get(d, r.field)
			got = append(got, codes(c)...)
			if page == 0 {
				if n := num(get(c, "totalCount")); n != float64(len(want)) {
					t.Errorf("%s.totalCount = %v, want %d", r.field, n, len(want))
				}
				for _, ag := range aggs {
					path := []any{"aggregate"}
					for _, s := range strings.Split(ag.path, ".") {
						path = append(path, s)
					}
					g, wv := authzNormalize(get(c, path...)), ag.want(visible)
					if !authzSame(wv, g) {
						t.Errorf("%s.aggregate.%s = %v, want %v (over %d visible rows)", r.field, ag.path, g, wv, len(visible))
					}
				}
			}
			if get(c, "pageInfo", "hasNextPage") != true {
				break
			}
			after = get(c, "pageInfo", "endCursor")
		}
		sorted := slices.Clone(got)
		sort.Strings(sorted)
		if len(slices.Compact(slices.Clone(sorted))) != len(sorted) {
			t.Errorf("%s: paging returned a row twice: %v", r.field, got)
		}
		if !slices.Equal(sorted, want) {
			t.Errorf("%s: got %d rows, want %d\n%s", r.field, len(sorted), len(want), authzSetDiff(want, sorted))
		}
	}
}

// setDiff describes how two sorted code lists differ.
func authzSetDiff(want, got []string) string {
	in := func(l []string, s string) bool { _, ok := slices.BinarySearch(l, s); return ok }
	var missing, extra []string
	for _, s := range want {
		if !in(got, s) {
			missing = append(missing, s)
		}
	}
	for _, s := range got {
		if !in(want, s) {
			extra = append(extra, s)
		}
	}
	return fmt.Sprintf("  expected, not returned: %v\n  returned, not expected: %v", missing, extra)
}

// authzLookups are the lookups by code at the root.
var authzLookups = []struct{ field, typ string }{
	{"region", "Region"}, {"community", "Community"}, {"organization", "Organization"}, {"alliance", "Alliance"},
	{"person", "Person"}, {"studio", "Studio"}, {"serviceCategory", "ServiceCategory"}, {"serviceEvent", "ServiceEvent"},
	{"serviceRecord", "ServiceRecord"}, {"demand", "Demand"},
}

// nodeFragment reads any node's type and code.
func authzNodeFragment() string {
	var b strings.Builder
	b.WriteString("fragment N on Node { __typename")
	for _, typ := range authzTypes {
		fmt.Fprintf(&b, " ... on %s { code }", typ)
	}
	b.WriteString(" }")
	return b.String()
}

// collectIDs reads every row's global id as ADMIN, and checks that the
// model names exactly the rows the store holds.
func (a *authzAPI) collectIDs(t *testing.T, w *authzWorld) {
	q := `{ regions { nodes { id code } } communities { nodes { id code } } organizations { nodes { id code } }
		alliances { nodes { id code } } memberships { nodes { id code } } serviceCategories { nodes { id code } }
		people { nodes { id code positions { id code } gradeHistory { id code } } }
		studios { nodes { id code researchTopics { id code } cases { id code } } } mentorships { nodes { id code } }
		serviceEvents { nodes { id code } } serviceRecords { nodes { id code } } demands { nodes { id code } } }`
	d := a.data(t, "admin", "ids", q, nil)
	if d == nil {
		t.Fatal("ADMIN cannot read the ids")
	}
	a.ids = map[string]map[string]string{}
	add := func(typ string, n any) {
		if a.ids[typ] == nil {
			a.ids[typ] = map[string]string{}
		}
		a.ids[typ][authzStr(get(n, "code"))] = authzStr(get(n, "id"))
	}
	for _, r := range authzRoots {
		for _, n := range get(d, r.field, "nodes").([]any) {
			add(r.typ, n)
			for field, typ := range map[string]string{"positions": "Position", "gradeHistory": "GradeChange", "researchTopics": "ResearchTopic", "cases": "Case"} {
				if l, ok := get(n, field).([]any); ok {
					for _, c := range l {
						add(typ, c)
					}
				}
			}
		}
	}
	for _, typ := range authzTypes {
		var got []string
		for c := range a.ids[typ] {
			got = append(got, c)
		}
		sort.Strings(got)
		if want := w.codes(typ); !slices.Equal(got, want) {
			t.Fatalf("the model's %s rows are not the store's (the model is wrong):\n%s", typ, authzSetDiff(want, got))
		}
	}
}

// checkLookups asks for every row by code, by node and by nodes: visible
// rows come back, hidden ones are null with no error.
func (a *authzAPI) checkLookups(t *testing.T, w *authzWorld, p authzPrincipal, v authzVis) {
	for _, l := range authzLookups {
		var b strings.Builder
		b.WriteString("{ unknown: " + l.field + `(code: "NO-SUCH-CODE") { code }`)
		all := w.codes(l.typ)
		for i, c := range all {
			fmt.Fprintf(&b, " r%d: %s(code: %q) { __typename code }", i, l.field, c)
		}
		b.WriteString(" }")
		d := a.data(t, p.name, l.field+"(code:)", b.String(), nil)
		if d == nil {
			continue
		}
		if get(d, "unknown") != nil {
			t.Errorf("%s(code: unknown) = %v, want null", l.field, get(d, "unknown"))
		}
		var leaked, lost []string
		for i, c := range all {
			got := get(d, fmt.Sprintf("r%d", i))
			switch {
			case v.sees(l.typ, c) && get(got, "code") != c:
				lost = append(lost, c)
			case !v.sees(l.typ, c) && got != nil:
				leaked = append(leaked, c)
			}
		}
		if len(leaked)+len(lost) > 0 {
			t.Errorf("%s(code:): hidden rows returned %v; visible rows not returned %v", l.field, leaked, lost)
		}
	}

	// nodes(ids:) over every row of every type, and node(id:) over a
	// sample: per type, the first visible and the first hidden rows.
	var ids, idType, idCode []string
	var sample []int
	for _, typ := range authzTypes {
		seen, hidden := 0, 0
		for _, c := range w.codes(typ) {
			ids, idType, idCode = append(ids, a.ids[typ][c]), append(idType, typ), append(idCode, c)
			if v.sees(typ, c) && seen < 2 {
				seen++
				sample = append(sample, len(ids)-1)
			} else if !v.sees(typ, c) && hidden < 2 {
				hidden++
				sample = append(sample, len(ids)-1)
			}
		}
	}
	check := func(what string, i int, got any) string {
		typ, c := idType[i], idCode[i]
		switch {
		case v.sees(typ, c) && (get(got, "__typename") != typ || get(got, "code") != c):
			return fmt.Sprintf("%s(%s %s) = %v, want the row", what, typ, c, got)
		case !v.sees(typ, c) && got != nil:
			return fmt.Sprintf("%s(%s %s) = %v, want null (hidden)", what, typ, c, got)
		}
		return ""
	}
	d := a.data(t, p.name, "nodes(ids:)", `query($ids: [ID!]!) { nodes(ids: $ids) { ...N } } `+authzNodeFragment(), map[string]any{"ids": ids})
	if d != nil {
		got, _ := get(d, "nodes").([]any)
		if len(got) != len(ids) {
			t.Errorf("nodes(ids:) returned %d entries for %d ids", len(got), len(ids))
		} else {
			var bad []string
			for i := range ids {
				if s := check("nodes", i, got[i]); s != "" {
					bad = append(bad, s)
				}
			}
			if len(bad) > 0 {
				t.Errorf("nodes(ids:): %d wrong entries, e.g.\n  %s", len(bad), strings.Join(bad[:min(len(bad), 8)], "\n  "))
			}
		}
	}
	var b strings.Builder
	b.WriteString("{")
	for _, i := range sample {
		fmt.Fprintf(&b, " n%d: node(id: %q) { ...N }", i, ids[i])
	}
	b.WriteString(" } " + authzNodeFragment())
	if d := a.data(t, p.name, "node(id:)", b.String(), nil); d != nil {
		for _, i := range sample {
			if s := check("node", i, get(d, fmt.Sprintf("n%d", i))); s != "" {
				t.Error(s)
			}
		}
	}
}

// authzNestedQueries walk every nested connection and to-one link of every
// type; every entity object carries __typename and code for the oracle.
func authzNestedQueries() [][2]string {
	e, c := authzE, authzConn
	return [][2]string{
		{"Region.links", `{ regions { nodes { ` + e + ` parent { ` + e + ` } ancestors { ` + e + ` } children ` + c("") + ` } } }`},
		{"Region.subtree", `{ regions { nodes { ` + e + ` communities ` + c("") + ` organizations ` + c("") + ` alliances ` + c("") +
			` people ` + c("") + ` studios ` + c("") + ` mentorships ` + c("") + ` serviceEvents ` + c("") +
			` serviceRecords ` + c("") + ` demands ` + c("") + ` } } }`},
		{"Community.region", `{ communities { nodes { ` + e + ` region { ` + e + ` parent { ` + e + ` } } } } }`},
		{"Community.connections", `{ communities { nodes { ` + e + ` alliances ` + c("leadCommunity { "+e+" }") + ` organizations ` + c("") +
			` people ` + c("") + ` serviceRecords ` + c("") + ` serviceEvents ` + c("") + ` demands ` + c("") + ` } } }`},
		{"Organization.links", `{ organizations { nodes { ` + e + ` region { ` + e + ` } community { ` + e + ` } parent { ` + e + ` } } } }`},
		{"Organization.connections", `{ organizations { nodes { ` + e + ` memberships ` + c("alliance { "+e+" }") +
			` serviceRecords ` + c("") + ` assignedDemands ` + c("") + ` } } }`},
		{"Alliance.leadCommunity", `{ alliances { nodes { ` + e + ` leadCommunity { ` + e + ` } } } }`},
		{"Alliance.connections", `{ alliances { nodes { ` + e + ` members ` + c("organization { "+e+" } commitments { "+e+" }") +
			` demands ` + c("") + ` serviceRecords ` + c("") + ` } } }`},
		{"Membership.links", `{ memberships { nodes { ` + e + ` alliance { ` + e + ` } organization { ` + e + ` } commitments { ` + e + ` parent { ` + e + ` } } } } }`},
		{"Person.links", `{ people { nodes { ` + e + ` community { ` + e + ` } organization { ` + e + ` } positions { ` + e + ` person { ` + e + ` } organization { ` + e + ` } }
			gradeHistory { ` + e + ` person { ` + e + ` } } mentors { ` + e + ` } } } }`},
		{"Person.connections", `{ people { nodes { ` + e + ` mentees ` + c("") + ` traineeships ` + c("") + ` mentorships ` + c("") + ` } } }`},
		{"Studio.links", `{ studios { nodes { ` + e + ` region { ` + e + ` } leadMentor { ` + e + ` } theoryExpert { ` + e + ` }
			researchTopics { ` + e + ` studio { ` + e + ` } lead { ` + e + ` } members { ` + e + ` } } cases { ` + e + ` studio { ` + e + ` } lead { ` + e + ` } members { ` + e + ` } } } } }`},
		{"Studio.mentorships", `{ studios { nodes { ` + e + ` mentorships ` + c("") + ` } } }`},
		{"Mentorship.studio", `{ mentorships { nodes { ` + e + ` studio { ` + e + ` } } } }`},
		{"Mentorship.mentor", `{ mentorships { nodes { ` + e + ` mentor { ` + e + ` } } } }`},
		{"Mentorship.trainee", `{ mentorships { nodes { ` + e + ` trainee { ` + e + ` } } } }`},
		{"ServiceCategory.links", `{ serviceCategories { nodes { ` + e + ` parent { ` + e + ` } children { ` + e + ` } } } }`},
		{"ServiceEvent.links", `{ serviceEvents { nodes { ` + e + ` community { ` + e + ` } organizer { __typename ... on Organization { code } ... on Alliance { code } }
			organizerOrganization { ` + e + ` } organizerAlliance { ` + e + ` } serviceRecords ` + c("") + ` } } }`},
		{"ServiceRecord.community", `{ serviceRecords { nodes { ` + e + ` community { ` + e + ` } } } }`},
		{"ServiceRecord.links", `{ serviceRecords { nodes { ` + e + ` category { ` + e + ` } provider { ` + e + ` } providerPerson { ` + e + ` }
			event { ` + e + ` } alliance { ` + e + ` } demand { ` + e + ` } } } }`},
		{"Demand.community", `{ demands { nodes { ` + e + ` community { ` + e + ` } } } }`},
		{"Demand.links", `{ demands { nodes { ` + e + ` alliance { ` + e + ` } category { ` + e + ` } assignedTo { ` + e + ` } } } }`},
		{"deep.alliance", `{ alliances { nodes { ` + e + ` members { nodes { ` + e + ` organization { ` + e +
			` memberships ` + c("alliance { "+e+" leadCommunity { "+e+" } }") + ` serviceRecords ` + c("event { "+e+" } demand { "+e+" }") + ` } } } } } }`},
		{"deep.community", `{ communities { nodes { ` + e + ` people { nodes { ` + e + ` traineeships ` + c("studio { "+e+" }") +
			` positions { ` + e + ` person { ` + e + ` } } } } organizations { nodes { ` + e + ` assignedDemands ` + c("alliance { "+e+" }") + ` } } } } }`},
	}
}

// adminAnswer is ADMIN's normalized answer to a nested query (cached).
func (a *authzAPI) adminAnswer(t *testing.T, name, q string) map[string]any {
	if d, ok := a.adminAnswers[name]; ok {
		return d
	}
	d := a.data(t, "admin", name, q, nil)
	if d == nil {
		return nil
	}
	n := authzNormalize(d).(map[string]any)
	a.adminAnswers[name] = n
	return n
}

// checkNested runs each nested query as ADMIN and as the principal: the
// principal's answer must be ADMIN's filtered by the model.
func (a *authzAPI) checkNested(t *testing.T, w *authzWorld, p authzPrincipal, v authzVis) {
	o := authzOracle{w: w, v: v}
	for _, nq := range authzNestedQueries() {
		name, q := nq[0], nq[1]
		admin := a.adminAnswer(t, name, q)
		if admin == nil {
			continue
		}
		_, r := a.ask(t, p.name, q, nil)
		if len(r.Errors) > 0 {
			t.Errorf("%s: %d errors, first %s", name, len(r.Errors), authzErrors(r.Errors))
			continue
		}
		want, got := o.filter(admin), authzNormalize(r.Data)
		var diffs []string
		authzDiff(name, want, got, &diffs, 6)
		if len(diffs) > 0 {
			t.Errorf("%s differs from ADMIN's answer filtered by the model:\n  %s", name, strings.Join(diffs, "\n  "))
		}
	}
}

// checkLineage compares each visible person's mentor lineage with the
// model's walk through the mentorships the principal sees: no link may
// name a hidden mentorship or person, and every link between visible
// people must be there.
func (a *authzAPI) checkLineage(t *testing.T, w *authzWorld, p authzPrincipal, v authzVis) {
	for _, depth := range []int{0, 1, 2} {
		arg := ""
		if depth > 0 {
			arg = fmt.Sprintf("(depth: %d)", depth)
		}
		q := `{ people { nodes { code mentorLineage` + arg + ` { depth mentor { code } trainee { code } mentorship { code } } } } }`
		d := a.data(t, p.name, "mentorLineage"+arg, q, nil)
		if d == nil {
			continue
		}
		for _, n := range get(d, "people", "nodes").([]any) {
			root := authzStr(get(n, "code"))
			want := w.lineage(v, root, depth)
			returned := map[string]bool{}
			for _, l := range get(n, "mentorLineage").([]any) {
				via := authzStr(get(l, "mentorship", "code"))
				returned[via] = true
				wl, ok := want[via]
				switch {
				case !ok:
					t.Errorf("%s.mentorLineage%s has a link through %s, which the principal may not see or cannot reach", root, arg, via)
					continue
				case num(get(l, "depth")) != float64(wl.depth):
					t.Errorf("%s.mentorLineage%s: %s at depth %v, want %d", root, arg, via, get(l, "depth"), wl.depth)
				}
				for _, side := range [][2]string{{"mentor", wl.mentor}, {"trainee", wl.trainee}} {
					got := get(l, side[0], "code")
					if got != nil && (got != side[1] || !v.sees("Person", side[1])) {
						t.Errorf("%s.mentorLineage%s: %s.%s = %v (want %s, visible %v)", root, arg, via, side[0], got, side[1], v.sees("Person", side[1]))
					}
				}
			}
			for via, wl := range want {
				if !returned[via] && v.sees("Person", wl.mentor) && v.sees("Person", wl.trainee) {
					t.Errorf("%s.mentorLineage%s lacks the visible link %s (depth %d)", root, arg, via, wl.depth)
				}
			}
		}
	}
}

// checkUnauthenticated sends every kind of query without a credential and
// with a bad one: 401 UNAUTHENTICATED and no data, whatever the query.
func (a *authzAPI) checkUnauthenticated(t *testing.T, w *authzWorld) {
	var qs []string
	for _, r := range authzRoots {
		qs = append(qs, fmt.Sprintf("{ %s { totalCount nodes { code } } }", r.field))
	}
	for _, l := range authzLookups {
		qs = append(qs, fmt.Sprintf("{ %s(code: %q) { code } }", l.field, w.codes(l.typ)[0]))
	}
	for _, nq := range authzNestedQueries() {
		qs = append(qs, nq[1])
	}
	qs = append(qs,
		fmt.Sprintf(`{ node(id: %q) { id } }`, a.ids["Community"]["C000"]),
		`{ serviceStats(groupBy: [CATEGORY]) { records } }`,
		`{ demandStats(groupBy: [STATUS]) { demands } }`,
		`{ mentorshipStats(groupBy: [STUDIO]) { mentorships } }`,
		`{ __typename }`,
	)
	for _, q := range qs {
		status, r := a.ask(t, "nobody", q, nil)
		code := ""
		if len(r.Errors) > 0 {
			code, _ = r.Errors[0].Extensions["code"].(string)
		}
		if status != 401 || code != "UNAUTHENTICATED" || r.Data != nil {
			t.Errorf("no credential: status %d, code %q, data %v for %s", status, code, r.Data, authzShort(q))
		}
	}
	a.keys["forged"] = auth.KeyPrefix + strings.Repeat("a", 52)
	status, r := a.ask(t, "forged", qs[0], nil)
	if status != 401 || len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "UNAUTHENTICATED" || r.Data != nil {
		t.Errorf("forged key: status %d, errors %v, data %v", status, r.Errors, r.Data)
	}
	delete(a.keys, "forged")
}
