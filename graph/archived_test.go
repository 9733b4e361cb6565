package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/rollup"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// Archived rows vanish from every read unless a root connection asks for
// them. The test loads the same fixture into two stores: in one, rows of
// many types are archived with plain SQL (and the roll-ups recounted as a
// write recounts them); the other never held them. Every question, asked
// by principals of every kind, must get the same answer from both: root
// connections, totalCount and aggregates, nested connections and lists,
// to-one links, lookups by code, relation filters, lineage, statistics,
// summaries and coverage. The second store is the independent
// expectation: it answers without any archived row to leave out.
//
// What is archived is closed under references, as the write path keeps it
// (a row is archived only once no live row refers to it): archiving a row
// archives every row referring to it. Two references are left dangling on
// purpose, as only plain SQL can leave them: live records of an archived
// event (which must no longer count as a market's) and of an archived
// demand. The second store holds those records without the reference: a
// link to an archived row reads as none.

// archivedRefs are the references of the fixture's lines: type → field →
// referenced type.
var archivedRefs = map[string]map[string]string{
	"Region":          {"parent": "Region"},
	"ServiceCategory": {"parent": "ServiceCategory"},
	"Community":       {"region": "Region"},
	"Organization":    {"region": "Region", "community": "Community", "parent": "Organization"},
	"Person":          {"community": "Community", "organization": "Organization"},
	"Position":        {"person": "Person", "organization": "Organization"},
	"GradeChange":     {"person": "Person"},
	"Alliance":        {"leadCommunity": "Community"},
	"Membership":      {"alliance": "Alliance", "organization": "Organization"},
	"Studio":          {"region": "Region", "leadMentor": "Person", "theoryExpert": "Person"},
	"Mentorship":      {"studio": "Studio", "mentor": "Person", "trainee": "Person"},
	"ResearchTopic":   {"studio": "Studio", "lead": "Person"},
	"Case":            {"studio": "Studio", "lead": "Person"},
	"ServiceEvent":    {"community": "Community", "organizerOrganization": "Organization", "organizerAlliance": "Alliance"},
	"Demand":          {"community": "Community", "alliance": "Alliance", "category": "ServiceCategory", "assignedTo": "Organization"},
	"ServiceRecord": {"community": "Community", "category": "ServiceCategory", "provider": "Organization", "providerPerson": "Person",
		"recipient": "Person", "event": "ServiceEvent", "alliance": "Alliance", "demand": "Demand"},
}

// archivedSets are the set-valued fields: an archived item leaves the set,
// the owner stays.
var archivedSets = map[string]map[string]string{
	"Membership": {"commitments": "ServiceCategory"}, "ResearchTopic": {"members": "Person"}, "Case": {"members": "Person"},
}

// dangling are the references left pointing at archived rows.
var dangling = map[string]bool{"ServiceRecord.event": true, "ServiceRecord.demand": true}

// archivedTable is the table of each type.
var archivedTable = map[string]string{
	"Region": "regions", "ServiceCategory": "service_categories", "Community": "communities", "Organization": "organizations",
	"Person": "people", "Position": "positions", "GradeChange": "grade_changes", "Alliance": "alliances",
	"Membership": "memberships", "Studio": "studios", "Mentorship": "mentorships", "ResearchTopic": "research_topics",
	"Case": "cases", "ServiceEvent": "service_events", "Demand": "demands", "ServiceRecord": "service_records",
}

// lineCode is a line's code, given or derived as the import derives it.
func lineCode(l line) string {
	if c, ok := l["code"].(string); ok {
		return c
	}
	s := func(k string) string { return fmt.Sprint(l[k]) }
	switch l["type"] {
	case "Membership":
		return s("alliance") + "/" + s("organization")
	case "Mentorship":
		return s("studio") + "/" + s("trainee") + "/" + s("cohortYear")
	case "Position":
		return s("person") + "/" + s("organization") + "/" + s("title") + "/" + s("from")
	case "GradeChange":
		return s("person") + "/" + s("effectiveOn")
	}
	panic(fmt.Sprintf("no code for %v", l))
}

// archivedFixture is fixture(12) and a street of its own, 440304009, with
// a community and what hangs from it: archiving the street archives all
// of it.
func archivedFixture() []line {
	fx := fixture(12)
	return append(fx,
		line{"type": "Region", "code": "440304009", "name": "撤并街道", "level": "STREET", "parent": "440304"},
		line{"type": "Community", "code": "C900", "name": "社区900", "kind": "VILLAGE", "region": "440304009", "population": 900, "households": 300},
		line{"type": "Organization", "code": "ORG-900-0", "name": "单位900", "kind": "PARTY_COMMITTEE", "region": "440304009", "community": "C900"},
		line{"type": "Person", "code": "P-900-0", "name": "王九", "community": "C900", "partyMember": true, "roles": []string{"PARTY_MEMBER", "VOLUNTEER"}},
		line{"type": "Person", "code": "P-900-1", "name": "王十", "community": "C900", "partyMember": true, "roles": []string{"SECRETARY"}},
		line{"type": "Alliance", "code": "AL-900", "name": "联盟900", "leadCommunity": "C900", "foundedOn": "2020-01-01"},
		line{"type": "Membership", "alliance": "AL-900", "organization": "ORG-000-0", "signedOn": "2021-01-01", "commitments": []string{"HEALTH"}},
		line{"type": "Studio", "code": "ST-900", "name": "工作室900", "region": "440304009", "leadMentor": "P-900-1"},
		line{"type": "Mentorship", "studio": "ST-0", "mentor": "P-000-2", "trainee": "P-900-1", "cohortYear": 2020,
			"startedOn": "2020-03-01", "outcome": "ELECTED_SECRETARY", "outcomeYear": 2022},
		line{"type": "ServiceEvent", "code": "EV-900", "kind": "MARKET", "title": "集市900", "community": "C900",
			"startsAt": "2023-02-01T09:00:00+08:00"},
		line{"type": "ServiceRecord", "code": "SR-900-0", "community": "C900", "category": "HEALTH", "occurredAt": "2023-02-01T10:00:00+08:00",
			"peopleServed": 9, "resolved": true, "provider": "ORG-900-0", "event": "EV-900"},
		line{"type": "ServiceRecord", "code": "SR-900-1", "community": "C900", "category": "REPAIR", "occurredAt": "2023-03-05T10:00:00+08:00",
			"peopleServed": 4, "resolved": false, "provider": "ORG-000-0", "alliance": "AL-900"},
		line{"type": "Demand", "code": "D-900-0", "community": "C900", "title": "需求900", "raisedAt": "2023-02-02T09:00:00+08:00", "status": "OPEN"},
		// A category that is archived while a live membership commits to it.
		line{"type": "ServiceCategory", "code": "OLD_CAT", "name": "旧类别", "parent": "HEALTH"},
		line{"type": "Membership", "alliance": "AL-002", "organization": "ORG-005-0", "signedOn": "2022-01-01", "commitments": []string{"HEALTH", "OLD_CAT"}},
	)
}

// archivedSeeds are the rows archived on purpose; archiveClosure adds
// those that refer to them.
var archivedSeeds = map[string][]string{
	"Region":          {"440304009"},
	"ServiceCategory": {"OLD_CAT"},
	"Community":       {"C011"},
	"Alliance":        {"AL-008"},
	"Person":          {"P-006-1"},
	"Membership":      {"AL-004/ORG-004-0"},
	"Mentorship":      {"ST-1/P-002-2/2018"},
	"ServiceEvent":    {"EV-003"}, // a market in 2023-Q1, whose records stay live
	"ServiceRecord":   {"SR-001-1", "SR-005-3", "SR-007-0"},
	"Demand":          {"D-002-0", "D-003-1"}, // SR-003-1 stays live, naming D-003-1
}

// archiveClosure is the set of archived rows (type → code): the seeds and,
// until nothing changes, every line referring to an archived row (but for
// the dangling references).
func archiveClosure(fx []line, seeds map[string][]string) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for typ, codes := range seeds {
		out[typ] = map[string]bool{}
		for _, c := range codes {
			out[typ][c] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, l := range fx {
			typ := l["type"].(string)
			code := lineCode(l)
			if out[typ][code] {
				continue
			}
			for field, target := range archivedRefs[typ] {
				ref, ok := l[field].(string)
				if !ok || !out[target][ref] || dangling[typ+"."+field] {
					continue
				}
				if out[typ] == nil {
					out[typ] = map[string]bool{}
				}
				out[typ][code], changed = true, true
				break
			}
		}
	}
	return out
}

// withoutArchived is the fixture as a store that never held the archived
// rows holds it: without them, and without references to them.
func withoutArchived(fx []line, archived map[string]map[string]bool) []line {
	var out []line
	for _, l := range fx {
		typ := l["type"].(string)
		if archived[typ][lineCode(l)] {
			continue
		}
		c := line{}
		for k, v := range l {
			c[k] = v
		}
		for field, target := range archivedRefs[typ] {
			if ref, ok := l[field].(string); ok && archived[target][ref] {
				if !dangling[typ+"."+field] {
					panic(fmt.Sprintf("%s %s refers to archived %s %s", typ, lineCode(l), target, ref))
				}
				delete(c, field)
			}
		}
		for field, target := range archivedSets[typ] {
			if items, ok := l[field].([]string); ok {
				c[field] = slices.DeleteFunc(slices.Clone(items), func(s string) bool { return archived[target][s] })
			}
		}
		out = append(out, c)
	}
	return out
}

// archiveRows archives the rows with plain SQL and recounts the roll-up
// keys that touches in the same transaction, as a write does (the keys of
// the archived records and of the records of archived events, the paths of
// the archived demands); the roll-ups must then agree with a recount.
func archiveRows(t *testing.T, db *store.DB, archived map[string]map[string]bool) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var c rollup.Changes
		for typ, set := range archived {
			codes := make([]any, 0, len(set))
			for code := range set {
				codes = append(codes, code)
			}
			in := strings.TrimSuffix(strings.Repeat("?, ", len(codes)), ", ")
			var err error
			switch typ {
			case "ServiceRecord":
				err = c.ServiceRecordsWhere(ctx, tx, "sr.code IN ("+in+")", codes...)
			case "ServiceEvent":
				err = c.ServiceRecordsWhere(ctx, tx, "sr.event_id IN (SELECT id FROM service_events WHERE code IN ("+in+"))", codes...)
			case "Demand":
				err = c.DemandsWhere(ctx, tx, "d.code IN ("+in+")", codes...)
			}
			if err != nil {
				return err
			}
			res, err := tx.Exec(ctx, "UPDATE "+archivedTable[typ]+" SET archived_at = ? WHERE code IN ("+in+")", append([]any{at}, codes...)...)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); int(n) != len(codes) {
				return fmt.Errorf("archived %d %s rows, want %d", n, typ, len(codes))
			}
		}
		return rollup.Refresh(ctx, tx, &c)
	})
	if err != nil {
		t.Fatalf("archive: %v", err)
	}
	diffs, err := rollup.Verify(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Errorf("after archiving: %s", d)
	}
}

// The principals: everything, a district, a partner whose only membership
// is archived, a partner of a live alliance, and a partner whose second
// alliance is archived.
var archivedPrincipals = []authzPrincipal{
	{name: "admin", role: auth.Admin, pii: true},
	{name: "analyst-440304", role: auth.Analyst, scope: "region:440304"},
	{name: "partner-ORG-004-0", role: auth.Partner, scope: "organization:ORG-004-0"},
	{name: "partner-ORG-005-1", role: auth.Partner, scope: "organization:ORG-005-1"},
	{name: "partner-ORG-000-0", role: auth.Partner, scope: "organization:ORG-000-0"},
}

// code orders connections by code, so that both stores list rows in the
// same order whatever ids they gave them.
const byCode = `orderBy: [{field: CODE}]`

// archivedQueries are asked of both stores; $district is region 440304's
// id in each.
var archivedQueries = []string{
	// Root connections, totalCount and aggregates.
	`{ r: regions(` + byCode + `) { totalCount aggregate { count } nodes { code level parent { code } } } }`,
	`{ r: communities(` + byCode + `) { totalCount aggregate { count sum { population households } avg { population } min { households } max { population } }
		nodes { code kind region { code } } } }`,
	`{ r: organizations(` + byCode + `) { totalCount aggregate { count } nodes { code community { code } parent { code } } } }`,
	`{ r: alliances(` + byCode + `) { totalCount aggregate { count } nodes { code leadCommunity { code } } } }`,
	`{ r: memberships(` + byCode + `) { totalCount aggregate { count } nodes { code alliance { code } organization { code } commitments { code } } } }`,
	`{ r: people(` + byCode + `) { totalCount aggregate { count } nodes { code community { code } organization { code } positions { code } gradeHistory { code } } } }`,
	`{ r: studios(` + byCode + `) { totalCount aggregate { count } nodes { code leadMentor { code } researchTopics { code members { code } } cases { code members { code } } } } }`,
	`{ r: mentorships(` + byCode + `) { totalCount aggregate { count sum { cohortYear } } nodes { code studio { code } mentor { code } trainee { code } } } }`,
	`{ r: serviceCategories(` + byCode + `) { totalCount aggregate { count } nodes { code children { code } } } }`,
	`{ r: serviceEvents(` + byCode + `) { totalCount aggregate { count } nodes { code organizerAlliance { code } community { code } } } }`,
	`{ r: serviceRecords(` + byCode + `) { totalCount aggregate { count sum { peopleServed } avg { peopleServed } min { occurredAt } max { occurredAt } }
		nodes { code event { code } demand { code } alliance { code } provider { code } providerPerson { code } } } }`,
	`{ r: demands(` + byCode + `) { totalCount aggregate { count min { raisedAt } } nodes { code alliance { code } assignedTo { code } } } }`,
	// Paging.
	`{ r: serviceRecords(first: 7, ` + byCode + `) { totalCount nodes { code } pageInfo { hasNextPage } } }`,
	`{ r: people(last: 5, ` + byCode + `) { totalCount nodes { code } pageInfo { hasPreviousPage } } }`,
	// Nested connections.
	`{ r: regions(` + byCode + `) { nodes { code children(` + byCode + `) { totalCount nodes { code } }
		communities(` + byCode + `) { totalCount aggregate { sum { population } } nodes { code } }
		organizations { totalCount } alliances { totalCount } people { totalCount } studios { totalCount }
		mentorships { totalCount } serviceEvents { totalCount }
		serviceRecords { totalCount aggregate { sum { peopleServed } } } demands { totalCount } } } }`,
	`{ r: communities(` + byCode + `) { nodes { code alliances(` + byCode + `) { totalCount nodes { code } } organizations { totalCount }
		people(` + byCode + `) { nodes { code } } serviceEvents(` + byCode + `) { nodes { code } }
		serviceRecords(` + byCode + `) { totalCount nodes { code } } demands(` + byCode + `) { totalCount nodes { code } } } } }`,
	`{ r: alliances(` + byCode + `) { nodes { code members(` + byCode + `) { totalCount nodes { code organization { code } } }
		demands { totalCount } serviceRecords { totalCount aggregate { sum { peopleServed } } } } } }`,
	`{ r: organizations(` + byCode + `) { nodes { code memberships(` + byCode + `) { totalCount nodes { code } }
		serviceRecords { totalCount } assignedDemands(` + byCode + `) { nodes { code } } } } }`,
	`{ r: people(` + byCode + `) { nodes { code mentors { code } mentees(` + byCode + `) { totalCount nodes { code } }
		traineeships { totalCount } mentorships(` + byCode + `) { totalCount nodes { code } }
		mentorLineage { depth mentor { code } trainee { code } mentorship { code } } } } }`,
	`{ r: studios(` + byCode + `) { nodes { code mentorships(` + byCode + `) { totalCount aggregate { count } nodes { code } } } } }`,
	`{ r: serviceEvents(` + byCode + `) { nodes { code serviceRecords(` + byCode + `) { totalCount nodes { code } } } } }`,
	// Relation filters, to-one and to-many.
	`{ r: serviceRecords(where: {event: {kind: {eq: MARKET}}}, ` + byCode + `) { totalCount aggregate { sum { peopleServed } } nodes { code } } }`,
	`{ r: serviceRecords(where: {event: null}, ` + byCode + `) { totalCount nodes { code } } }`,
	`{ r: serviceRecords(where: {not: {event: null}}, ` + byCode + `) { totalCount nodes { code } } }`,
	`{ r: serviceRecords(where: {demand: {status: {eq: RESOLVED}}}, ` + byCode + `) { totalCount nodes { code } } }`,
	`{ r: serviceRecords(where: {demand: null}) { totalCount } }`,
	`{ r: serviceRecords(where: {community: {kind: {eq: VILLAGE}}}) { totalCount aggregate { sum { peopleServed } } } }`,
	`{ r: serviceRecords(where: {or: [{alliance: {code: {startsWith: "AL-00"}}}, {provider: {kind: {eq: ENTERPRISE}}}]}) { totalCount } }`,
	`{ r: communities(where: {serviceEvents: {kind: {eq: MARKET}}}, ` + byCode + `) { nodes { code } } }`,
	`{ r: communities(where: {alliances: {}}, ` + byCode + `) { totalCount nodes { code } } }`,
	`{ r: communities(where: {not: {demands: {status: {eq: OPEN}}}}, ` + byCode + `) { nodes { code } } }`,
	`{ r: people(where: {traineeships: {outcome: {eq: ELECTED_SECRETARY}}}, ` + byCode + `) { nodes { code } } }`,
	`{ r: people(where: {mentorships: {}}, ` + byCode + `) { nodes { code } } }`,
	`{ r: organizations(where: {memberships: {alliance: {leadCommunity: {kind: {eq: URBAN}}}}}, ` + byCode + `) { nodes { code } } }`,
	`{ r: alliances(where: {members: {organization: {kind: {eq: PARTY_COMMITTEE}}}}, ` + byCode + `) { nodes { code } } }`,
	`{ r: demands(where: {assignedTo: {community: {code: {in: ["C003", "C011", "C008"]}}}}, ` + byCode + `) { nodes { code } } }`,
	`{ r: mentorships(where: {trainee: {community: {region: {code: {eq: "440304002"}}}}}, ` + byCode + `) { nodes { code } } }`,
	`{ r: regions(where: {parent: null}) { nodes { code } } }`,
	`{ r: serviceEvents(where: {serviceRecords: {resolved: {eq: true}}}, ` + byCode + `) { nodes { code } } }`,
	// withinRegion.
	`query($district: ID!) { r: serviceRecords(where: {withinRegion: $district}) { totalCount aggregate { sum { peopleServed } } } }`,
	`query($district: ID!) { r: communities(where: {withinRegion: $district}, ` + byCode + `) { nodes { code } } }`,
	// Lookups by code.
	`{ a: region(code: "440304009") { code } b: community(code: "C011") { code } c: community(code: "C010") { code }
		d: alliance(code: "AL-008") { code } e: person(code: "P-006-1") { code } f: person(code: "P-006-2") { code }
		g: studio(code: "ST-900") { code } h: serviceEvent(code: "EV-003") { code } i: serviceRecord(code: "SR-001-1") { code }
		j: serviceRecord(code: "SR-003-1") { code demand { code } } k: demand(code: "D-002-0") { code } l: organization(code: "ORG-011-0") { code } }`,
	// Statistics.
	`{ r: serviceStats(groupBy: [COMMUNITY]) { community { code } records peopleServed resolved resolutionRate } }`,
	`{ r: serviceStats(groupBy: [REGION, CATEGORY], regionLevel: DISTRICT) { region { code } category { code } records peopleServed resolved } }`,
	`{ r: serviceStats(groupBy: [ALLIANCE, PERIOD], period: YEAR) { alliance { code } period { label } records peopleServed } }`,
	`{ r: serviceStats(groupBy: [ORGANIZATION]) { organization { code } records } }`,
	`{ r: serviceStats(groupBy: [PERIOD], period: DAY) { period { label } records peopleServed resolved } }`,
	`{ r: serviceStats(where: {event: {kind: {eq: MARKET}}}, groupBy: [REGION]) { region { code } records peopleServed } }`,
	`{ r: serviceStats(where: {event: null}, groupBy: [COMMUNITY]) { community { code } records } }`,
	`{ r: serviceStats(where: {resolved: {eq: true}}, groupBy: [CATEGORY]) { category { code } records } }`,
	`{ r: demandStats(groupBy: [STATUS, COMMUNITY]) { status community { code } demands open resolved medianHoursToResponse p90HoursToResolution } }`,
	`{ r: demandStats(groupBy: [ORGANIZATION, ALLIANCE]) { organization { code } alliance { code } demands } }`,
	`{ r: mentorshipStats(groupBy: [STUDIO, OUTCOME]) { studio { code } outcome mentorships trainees } }`,
	`{ r: mentorshipStats(groupBy: [REGION, COHORT_YEAR], regionLevel: DISTRICT) { region { code } cohortYear mentorships trainees } }`,
	`{ r: region(code: "440300") {
		summary { communities villages alliances memberOrganizations partyMembersServing studios trainees electedFromStudios peopleServed problemsSolved openDemands }
		coverage(asOf: "2023-04-15T00:00:00+08:00") { communities withAlliance withGraduateSecretary withMarket allianceShare graduateSecretaryShare marketShare }
		children { nodes { code descendants: children { nodes { code
			summary { communities villages alliances memberOrganizations partyMembersServing studios trainees electedFromStudios peopleServed problemsSolved openDemands }
			coverage(asOf: "2023-04-15T00:00:00+08:00") { communities withAlliance withGraduateSecretary withMarket } } } } } } }`,
}

// answer is a response as text: its data and its errors' codes and paths,
// every list sorted (the stores may order ties by their own ids).
func answer(r authzResponse) string {
	var errs []string
	for _, e := range r.Errors {
		errs = append(errs, fmt.Sprintf("%v at %v", e.Extensions["code"], e.Path))
	}
	b, _ := json.Marshal(map[string]any{"data": sortedLists(r.Data), "errors": errs})
	return string(b)
}

func sortedLists(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = sortedLists(e)
		}
		return out
	case []any:
		items := make([]string, len(x))
		for i, e := range x {
			b, _ := json.Marshal(sortedLists(e))
			items[i] = string(b)
		}
		sort.Strings(items)
		return items
	}
	return v
}

// regionID is a region's global id in a store, read as ADMIN.
func (a *authzAPI) regionID(t *testing.T, code string) string {
	d := a.data(t, "admin", "region id", `query($c: String!) { region(code: $c) { id } }`, map[string]any{"c": code})
	id, _ := get(d, "region", "id").(string)
	return id
}

func TestArchivedRowsVanish(t *testing.T) {
	fx := archivedFixture()
	archived := archiveClosure(fx, archivedSeeds)
	live := withoutArchived(fx, archived)
	n := 0
	for _, set := range archived {
		n += len(set)
	}
	if n < 50 || len(archived) < 14 {
		t.Fatalf("the closure archives %d rows of %d types; want many of most types: %v", n, len(archived), archived)
	}
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		a := newAuthzAPI(t, db, fx, archivedPrincipals)
		b := newAuthzAPI(t, storetest.Open(t, db.Dialect()), live, archivedPrincipals)

		// Before archiving: the answers of root connections with
		// includeArchived, and the global ids of archived rows.
		roots := archivedRoots()
		before := map[string]string{}
		for _, p := range archivedPrincipals {
			for _, q := range roots {
				_, r := a.ask(t, p.name, q, nil)
				before[p.name+q] = answer(r)
			}
		}
		ids := archivedIDs(t, a, archived)
		districtA := a.regionID(t, "440304")
		archivedStreet := a.regionID(t, "440304009")
		if streetRecords := num(get(a.data(t, "admin", "street", `query($r: ID!) { serviceRecords(where: {withinRegion: $r}) { totalCount } }`,
			map[string]any{"r": archivedStreet}), "serviceRecords", "totalCount")); streetRecords != 2 {
			t.Fatalf("street 440304009 holds %v records before archiving, want 2", streetRecords)
		}

		archiveRows(t, db, archived)

		t.Run("same answers as a store without the archived rows", func(t *testing.T) {
			varsA := map[string]any{"district": districtA}
			varsB := map[string]any{"district": b.regionID(t, "440304")}
			for _, p := range archivedPrincipals {
				for _, q := range archivedQueries {
					_, ra := a.ask(t, p.name, q, varsA)
					_, rb := b.ask(t, p.name, q, varsB)
					if len(ra.Errors) > 0 && p.role != auth.Partner {
						t.Errorf("as %s: %s: %s", p.name, authzShort(q), authzErrors(ra.Errors))
					}
					if got, want := answer(ra), answer(rb); got != want {
						t.Errorf("as %s: %s\n%s", p.name, authzShort(q), firstDifference(got, want))
					}
				}
			}
		})

		t.Run("totals are the live rows of the fixture", func(t *testing.T) {
			for typ, root := range map[string]string{"Community": "communities", "Membership": "memberships", "Person": "people",
				"Mentorship": "mentorships", "ServiceEvent": "serviceEvents", "ServiceRecord": "serviceRecords", "Demand": "demands", "Region": "regions"} {
				want := len(fixtureOf(live, typ))
				d := a.data(t, "admin", root, `{ r: `+root+` { totalCount aggregate { count } } }`, nil)
				if num(get(d, "r", "totalCount")) != float64(want) || num(get(d, "r", "aggregate", "count")) != float64(want) {
					t.Errorf("%s: %v, want %d live rows (of %d)", root, d, want, len(fixtureOf(fx, typ)))
				}
			}
		})

		t.Run("archived rows have no node and no code", func(t *testing.T) {
			q := `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`
			d := a.data(t, "admin", "nodes", q, map[string]any{"ids": ids})
			for i, n := range get(d, "nodes").([]any) {
				if n != nil {
					t.Errorf("nodes: archived %s resolves to %v", ids[i], n)
				}
			}
			for _, id := range ids[:5] {
				d := a.data(t, "admin", "node", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
				if get(d, "node") != nil {
					t.Errorf("node(%s) = %v, want null", id, get(d, "node"))
				}
			}
			d = a.data(t, "admin", "withinRegion", `query($r: ID!) { serviceRecords(where: {withinRegion: $r}) { totalCount } communities(where: {withinRegion: $r}) { totalCount } }`,
				map[string]any{"r": archivedStreet})
			if num(get(d, "serviceRecords", "totalCount")) != 0 || num(get(d, "communities", "totalCount")) != 0 {
				t.Errorf("withinRegion of an archived street: %v, want nothing", d)
			}
		})

		t.Run("includeArchived brings them back on root connections", func(t *testing.T) {
			// Whoever sees as much as before archiving (not the partners
			// whose grants were archived) gets the rows of before.
			for _, p := range archivedPrincipals {
				if p.name == "partner-ORG-004-0" || p.name == "partner-ORG-000-0" {
					continue
				}
				for _, q := range roots {
					_, r := a.ask(t, p.name, q, nil)
					if got := answer(r); got != before[p.name+q] {
						t.Errorf("as %s: %s\n%s (want the answer of before archiving)", p.name, authzShort(q), firstDifference(got, before[p.name+q]))
					}
				}
			}
			// archivedAt says which rows are archived.
			d := a.data(t, "admin", "archivedAt", `{ serviceRecords(includeArchived: true, `+byCode+`) { nodes { code archivedAt } } }`, nil)
			for _, rec := range get(d, "serviceRecords", "nodes").([]any) {
				code := get(rec, "code").(string)
				if (get(rec, "archivedAt") != nil) != archived["ServiceRecord"][code] {
					t.Errorf("%s: archivedAt %v, archived %v", code, get(rec, "archivedAt"), archived["ServiceRecord"][code])
				}
			}
			// The where still reads live rows only: with an archived market,
			// includeArchived brings back archived records of live markets
			// but no record of the archived one.
			want := []string{}
			kind := map[string]string{}
			for _, e := range fixtureOf(fx, "ServiceEvent") {
				if !archived["ServiceEvent"][e["code"].(string)] {
					kind[e["code"].(string)] = e["kind"].(string)
				}
			}
			for _, r := range fixtureOf(fx, "ServiceRecord") {
				if ev, _ := r["event"].(string); kind[ev] == "MARKET" {
					want = append(want, r["code"].(string))
				}
			}
			sort.Strings(want)
			d = a.data(t, "admin", "markets", `{ r: serviceRecords(includeArchived: true, where: {event: {kind: {eq: MARKET}}}, `+byCode+`) { totalCount nodes { code } } }`, nil)
			if got := codes(get(d, "r")); !slices.Equal(got, want) || num(get(d, "r", "totalCount")) != float64(len(want)) {
				t.Errorf("records of live markets, archived or not: %v (%v), want %v", got, get(d, "r", "totalCount"), want)
			}
			// An archived row shows the rows it links to, archived or not:
			// its required links resolve (AL-008's memberships, C900's
			// mentorship of ST-0, ST-900 leaves no mentorship behind).
			d = a.data(t, "admin", "links of archived rows", `{
				m: memberships(includeArchived: true, `+byCode+`) { nodes { code archivedAt alliance { code archivedAt } organization { code } } }
				s: mentorships(includeArchived: true, `+byCode+`) { nodes { code studio { code } trainee { code } } }
				r: serviceRecords(includeArchived: true, where: {code: {in: ["SR-900-0", "SR-003-0", "SR-011-1"]}}, `+byCode+`) {
					nodes { code community { code } event { code } provider { code } } } }`, nil)
			links := map[string]string{}
			for _, root := range []string{"m", "s", "r"} {
				for _, n := range get(d, root, "nodes").([]any) {
					b, _ := json.Marshal(n)
					links[get(n, "code").(string)] = string(b)
				}
			}
			for code, want := range map[string]string{
				"AL-008/ORG-008-0":  `"alliance":{"archivedAt":"2024-03-01T17:00:00+08:00","code":"AL-008"}`,
				"AL-004/ORG-004-0":  `"alliance":{"archivedAt":null,"code":"AL-004"}`,
				"ST-0/P-900-1/2020": `"studio":{"code":"ST-0"},"trainee":{"code":"P-900-1"}`,
				"SR-900-0":          `"community":{"code":"C900"},"event":{"code":"EV-900"},"provider":{"code":"ORG-900-0"}`,
				"SR-011-1":          `"community":{"code":"C011"}`,
				"SR-003-0":          `"community":{"code":"C003"},"event":null`, // a live record: its archived event reads as none
			} {
				if !strings.Contains(links[code], want) {
					t.Errorf("%s: %s, want %s", code, links[code], want)
				}
			}
			// Still scoped: the partner whose only membership is archived is
			// a member of nothing, archived rows or not; it still sees its
			// organization and the records it provided, archived too.
			d = a.data(t, "partner-ORG-004-0", "partner", `{ m: memberships(includeArchived: true) { totalCount nodes { alliance { code } } }
				a: alliances(includeArchived: true) { totalCount } c: communities(includeArchived: true) { totalCount }
				o: organizations(includeArchived: true) { nodes { code } } r: serviceRecords(includeArchived: true, `+byCode+`) { nodes { code } } }`, nil)
			if num(get(d, "m", "totalCount")) != 0 || num(get(d, "a", "totalCount")) != 0 || num(get(d, "c", "totalCount")) != 0 ||
				!slices.Equal(codes(get(d, "o")), []string{"ORG-004-0"}) || !slices.Equal(codes(get(d, "r")), []string{"SR-004-0", "SR-004-3"}) {
				t.Errorf("partner of an archived membership, with archived rows: %v", d)
			}
			// The partner of ORG-005-1 sees its alliance's archived record.
			d = a.data(t, "partner-ORG-005-1", "partner", `{ r: serviceRecords(includeArchived: true, where: {community: {code: {eq: "C005"}}}, `+byCode+`) {
				nodes { code archivedAt } } m: memberships(includeArchived: true) { nodes { code alliance { code } } } }`, nil)
			if got := codes(get(d, "r")); !slices.Contains(got, "SR-005-3") || len(got) != 5 {
				t.Errorf("records of C005 for its alliance's partner, archived too: %v", got)
			}
		})
	})
}

// archivedRoots are root connections with includeArchived (without where:
// their own rows, archived or not, are the rows before archiving).
func archivedRoots() []string {
	var out []string
	for _, root := range []string{"regions", "communities", "organizations", "alliances", "memberships", "people", "studios",
		"mentorships", "serviceCategories", "serviceEvents", "serviceRecords", "demands"} {
		out = append(out, `{ r: `+root+`(includeArchived: true, `+byCode+`) { totalCount aggregate { count } nodes { code } } }`)
	}
	out = append(out, `{ r: serviceRecords(includeArchived: true, first: 10, `+byCode+`) { totalCount aggregate { sum { peopleServed } } nodes { code peopleServed } pageInfo { hasNextPage } } }`)
	return out
}

// archivedIDs reads the global ids of the archived rows of the types that
// have a root connection, before they are archived.
func archivedIDs(t *testing.T, a *authzAPI, archived map[string]map[string]bool) []string {
	t.Helper()
	var out []string
	for typ, root := range map[string]string{"Region": "regions", "Community": "communities", "Organization": "organizations",
		"Alliance": "alliances", "Membership": "memberships", "Person": "people", "Studio": "studios", "Mentorship": "mentorships",
		"ServiceEvent": "serviceEvents", "ServiceRecord": "serviceRecords", "Demand": "demands"} {
		d := a.data(t, "admin", root, `{ r: `+root+` { nodes { id code } } }`, nil)
		for _, n := range get(d, "r", "nodes").([]any) {
			if archived[typ][get(n, "code").(string)] {
				out = append(out, get(n, "id").(string))
			}
		}
	}
	sort.Strings(out)
	if len(out) < 30 {
		t.Fatalf("%d archived ids, want the archived rows of every type", len(out))
	}
	return out
}

// firstDifference shows where two answers part.
func firstDifference(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(0, i-200)
	cut := func(s string) string { return s[lo:min(len(s), i+200)] }
	return fmt.Sprintf(" got  ...%s...\n want ...%s...", cut(got), cut(want))
}
