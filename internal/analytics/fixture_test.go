package analytics

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/store"
)

// The test world: a small administrative tree with the shapes that matter to
// grouping (a community hanging straight from a district, a city with no
// province above it, a province in another time zone and one with daylight
// saving time), every entity the stats read, NULLs in every optional key,
// and records placed on the calendar edges the stats must cut right. The
// same world is kept as Go values, from which the tests compute their
// expectations independently of the SQL.

type fRegion struct{ code, level, parent, tz string }
type fCommunity struct{ code, kind, region string }
type fPerson struct {
	code, community string
	party           bool
	roles           []string
}
type fAlliance struct{ code, lead string }
type fMembership struct{ alliance, org, left string }
type fStudio struct{ code, region string }
type fMentorship struct {
	studio, trainee, outcome, started string
	outcomeYear, cohortYear           int // 0: null
}
type fEvent struct {
	code, kind, community string
	starts                time.Time
}
type fRecord struct {
	code, community, category, provider, alliance, event string // "": null
	at                                                   time.Time
	people                                               int
	resolved                                             bool
}
type fDemand struct {
	code, community, alliance, category, assignee, status string
	raised                                                time.Time
	responded, resolved                                   *time.Time
}

type world struct {
	regions     []fRegion
	communities []fCommunity
	categories  []string
	orgs        []string
	people      []fPerson
	alliances   []fAlliance
	memberships []fMembership
	studios     []fStudio
	mentorships []fMentorship
	events      []fEvent
	records     []fRecord
	demands     []fDemand
}

var cst = time.FixedZone("CST", 8*3600)

// at is a local time in China Standard Time.
func at(y int, m time.Month, d, hh, mm, ss, us int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, us*1000, cst)
}

// newWorld builds the world deterministically.
func newWorld() *world {
	w := &world{}
	w.regions = []fRegion{
		{"440000", "PROVINCE", "", ""},
		{"440300", "CITY", "440000", ""},
		{"440304", "DISTRICT", "440300", ""},
		{"440304001", "STREET", "440304", ""},
		{"440304002", "STREET", "440304", ""},
		{"440305", "DISTRICT", "440300", ""},
		{"440305001", "STREET", "440305", ""},
		{"440400", "CITY", "440000", ""},
		{"440402", "DISTRICT", "440400", ""},
		{"440402001", "STREET", "440402", ""},
		{"440402002", "STREET", "440402", ""}, // no communities
		{"650000", "PROVINCE", "", "Asia/Urumqi"},
		{"650100", "CITY", "650000", ""},
		{"650102", "DISTRICT", "650100", ""},
		{"650102001", "STREET", "650102", ""},
		{"110100", "CITY", "", ""}, // a municipality's city level with no province above
		{"110101", "DISTRICT", "110100", ""},
		{"110101001", "STREET", "110101", ""},
		{"990000", "PROVINCE", "", "America/New_York"}, // a liaison office abroad: daylight saving time
		{"990100", "CITY", "990000", ""},
		{"990101", "DISTRICT", "990100", ""},
		{"990101001", "STREET", "990101", ""},
	}
	w.communities = []fCommunity{
		{"C01", "URBAN", "440304001"}, {"C02", "VILLAGE", "440304001"}, {"C03", "URBAN", "440304002"},
		{"C04", "VILLAGE", "440304002"}, {"C05", "URBAN", "440305001"}, {"C06", "VILLAGE", "440305"},
		{"C07", "URBAN", "440402001"}, {"C08", "VILLAGE", "650102001"}, {"C09", "URBAN", "110101001"},
		{"C10", "URBAN", "990101001"}, {"CEDGE", "URBAN", "440305001"},
	}
	w.categories = []string{"HEALTH", "LEGAL_AID", "HAIRCUT", "REPAIR", "HEALTH_BP"}
	w.orgs = []string{"ORG-01", "ORG-02", "ORG-03", "ORG-04", "ORG-05", "ORG-06"}
	w.addPeople()
	w.alliances = []fAlliance{{"AL-1", "C01"}, {"AL-2", "C03"}, {"AL-3", "C08"}, {"AL-4", "C06"}, {"AL-5", "C01"}}
	w.memberships = []fMembership{
		{"AL-1", "ORG-01", ""}, {"AL-1", "ORG-02", "2023-06-30"}, {"AL-1", "ORG-03", "2099-01-01"},
		{"AL-2", "ORG-01", ""}, {"AL-2", "ORG-04", "2024-05-10"}, {"AL-2", "ORG-05", "2024-05-11"},
		{"AL-3", "ORG-06", ""}, {"AL-4", "ORG-06", ""},
	}
	w.studios = []fStudio{{"ST-1", "440304001"}, {"ST-2", "440305001"}, {"ST-3", "650102001"}, {"ST-4", ""}}
	w.mentorships = []fMentorship{
		{"ST-1", "P-C01-SEC", "ELECTED_SECRETARY", "2018-03-01", 2021, 2018},
		{"ST-1", "P-C02-SEC", "RESERVE_CADRE", "2019-03-01", 0, 2019},
		{"ST-1", "P-C03-RES", "ELECTED_DEPUTY_SECRETARY", "2019-03-01", 2021, 2019},
		{"ST-2", "P-C03-RES", "ELECTED_SECRETARY", "2021-01-01", 2023, 2021}, // the same trainee again
		{"ST-2", "P-C05-SEC", "", "2020-12-31", 0, 2020},
		{"ST-2", "P-C05-VOL", "IN_TRAINING", "", 0, 0},
		{"ST-3", "P-C08-SEC", "ELECTED_SECRETARY", "2022-06-15", 2023, 2022},
		{"ST-4", "P-C09-SEC", "PROMOTED", "2023-01-01", 2024, 2023},
		{"ST-1", "P-C04-VOL", "RESERVE_CADRE", "2023-12-31", 0, 2023},
	}
	w.events = []fEvent{
		{"EV-1", "MARKET", "C01", at(2024, 2, 10, 9, 0, 0, 0)},   // in 2024-Q1
		{"EV-2", "MARKET", "C02", at(2023, 12, 31, 23, 0, 0, 0)}, // 2023-Q4
		{"EV-3", "HOME_VISIT", "C03", at(2024, 3, 1, 9, 0, 0, 0)},
		{"EV-4", "MARKET", "C05", at(2024, 1, 1, 0, 0, 0, 0)}, // first instant of 2024-Q1
		{"EV-5", "MARKET", "C08", at(2024, 3, 31, 23, 30, 0, 0)},
		{"EV-6", "MARKET", "C07", at(2024, 4, 1, 0, 0, 0, 0)}, // 2024-Q2
	}
	w.addRecords()
	// A live record of an event that is archived once loaded (see
	// archived_test.go): it counts, under no event kind.
	w.records = append(w.records, fRecord{code: "SR-EVARCH", community: "C03", category: "HEALTH", provider: "ORG-01",
		alliance: "AL-2", event: "EV-ARCH", at: at(2024, 2, 15, 11, 0, 0, 0), people: 4, resolved: true})
	w.addDemands()
	return w
}

// addPeople gives every community a secretary (party member), a party
// member who volunteers, a volunteer outside the party and a resident.
func (w *world) addPeople() {
	for _, c := range w.communities {
		p := func(suffix string, party bool, roles ...string) {
			w.people = append(w.people, fPerson{"P-" + c.code + "-" + suffix, c.code, party, roles})
		}
		p("SEC", true, "SECRETARY", "PARTY_MEMBER")
		p("VOL", true, "PARTY_MEMBER", "VOLUNTEER")
		p("NPV", false, "VOLUNTEER")
		p("RES", false, "RESIDENT")
	}
	// A secretary without a community and a party member who stopped volunteering.
	w.people = append(w.people, fPerson{"P-LOOSE", "", true, []string{"SECRETARY", "VOLUNTEER"}})
}

// edgeTimes are the calendar edges of the CEDGE community's records.
var edgeTimes = []time.Time{
	at(2022, 12, 31, 23, 30, 0, 0),                // day 2022-12-31, 2022-W52, 2022-12, 2022-Q4, 2022
	at(2023, 1, 1, 0, 30, 0, 0),                   // 2022-12-31T16:30Z: day 2023-01-01, still 2022-W52
	at(2020, 12, 31, 23, 59, 59, 999999),          // 2020-W53, 2020
	at(2021, 1, 1, 0, 0, 0, 0),                    // 2021 but 2020-W53
	at(2021, 1, 3, 23, 59, 59, 0),                 // last second of 2020-W53
	at(2021, 1, 4, 0, 0, 0, 0),                    // 2021-W01
	at(2022, 3, 31, 23, 59, 59, 999999),           // 2022-Q1
	at(2022, 4, 1, 0, 0, 0, 0),                    // 2022-Q2
	at(2023, 12, 31, 23, 59, 59, 0),               // clock tests: last second of 2023
	at(2024, 1, 1, 0, 0, 0, 0),                    // first instant of 2024
	at(2024, 1, 31, 23, 59, 59, 0),                // last second of January
	at(2024, 2, 1, 0, 0, 0, 0),                    // February
	at(2023, 2, 1, 0, 0, 0, 0),                    // first instant of LAST_12_MONTHS from January 2024
	at(2023, 1, 31, 23, 59, 59, 999999),           // just before it
	at(2023, 11, 1, 0, 0, 0, 0),                   // first instant of LAST_3_MONTHS from January 2024
	at(2023, 10, 31, 23, 59, 59, 999999),          // just before it
	time.Date(1988, 7, 1, 15, 30, 0, 0, time.UTC), // China's summer time: 1988-07-02 00:30 in Shanghai
}

// nyTimes are records of the community abroad, around New York's 2021
// daylight saving changes and local midnights.
var nyTimes = []time.Time{
	time.Date(2021, 3, 14, 6, 59, 59, 0, time.UTC),
	time.Date(2021, 3, 14, 7, 0, 0, 0, time.UTC),
	time.Date(2021, 3, 14, 4, 30, 0, 0, time.UTC), // 2021-03-13 23:30 EST
	time.Date(2021, 11, 7, 4, 30, 0, 0, time.UTC), // 2021-11-07 00:30 EDT
	time.Date(2021, 11, 7, 6, 0, 0, 0, time.UTC),
	time.Date(2021, 6, 30, 3, 59, 59, 0, time.UTC), // 2021-06-29 23:59:59 EDT, Q2
	time.Date(2021, 7, 1, 4, 0, 0, 0, time.UTC),    // 2021-07-01 00:00 EDT, Q3
	time.Date(2021, 12, 31, 23, 30, 0, 0, time.UTC),
}

func pick(r *rand.Rand, opts []string, nullOneIn int) string {
	if nullOneIn > 0 && r.IntN(nullOneIn) == 0 {
		return ""
	}
	return opts[r.IntN(len(opts))]
}

// addRecords places service records: edge records in CEDGE, DST records in
// C10 and random ones everywhere else, half of them near local midnight.
func (w *world) addRecords() {
	r := rand.New(rand.NewPCG(7, 11))
	n := 0
	add := func(c string, t time.Time) {
		n++
		rec := fRecord{code: fmt.Sprintf("SR-%04d", n), community: c, at: t,
			category: pick(r, w.categories, 6), provider: pick(r, w.orgs, 5), people: r.IntN(12), resolved: r.IntN(3) == 0}
		if r.IntN(3) > 0 {
			rec.alliance = pick(r, []string{"AL-1", "AL-2", "AL-3", "AL-4", "AL-5"}, 0)
		}
		if r.IntN(4) == 0 {
			rec.event = pick(r, []string{"EV-1", "EV-2", "EV-3", "EV-4", "EV-5", "EV-6"}, 0)
		}
		w.records = append(w.records, rec)
	}
	for _, t := range edgeTimes {
		add("CEDGE", t)
	}
	for _, t := range nyTimes {
		add("C10", t)
	}
	start := at(2019, 1, 1, 0, 0, 0, 0)
	days := int(at(2025, 1, 1, 0, 0, 0, 0).Sub(start).Hours() / 24)
	for _, c := range w.communities {
		if c.code == "CEDGE" {
			continue
		}
		for i := 0; i < 30; i++ {
			day := start.AddDate(0, 0, r.IntN(days))
			var t time.Time
			switch r.IntN(4) {
			case 0:
				t = day // local midnight
			case 1:
				t = day.Add(24*time.Hour - time.Duration(1+r.IntN(90))*time.Minute) // just before midnight
			default:
				t = day.Add(time.Duration(r.Int64N(int64(24 * time.Hour))).Truncate(time.Microsecond))
			}
			add(c.code, t)
		}
	}
}

// addDemands raises demands in every status, some answered, some not.
func (w *world) addDemands() {
	r := rand.New(rand.NewPCG(3, 5))
	statuses := []string{"OPEN", "ASSIGNED", "IN_PROGRESS", "RESOLVED", "CLOSED"}
	n := 0
	for _, c := range w.communities {
		for i := 0; i < 12; i++ {
			n++
			raised := at(2021, 1, 1, 0, 0, 0, 0).Add(time.Duration(r.Int64N(int64(4 * 365 * 24 * time.Hour)))).Truncate(time.Second)
			d := fDemand{code: fmt.Sprintf("D-%04d", n), community: c.code, raised: raised,
				alliance: pick(r, []string{"AL-1", "AL-2", "AL-3"}, 3), category: pick(r, w.categories, 5),
				assignee: pick(r, w.orgs, 3), status: statuses[r.IntN(len(statuses))]}
			if r.IntN(4) > 0 {
				t := raised.Add(time.Duration(r.IntN(100*60)) * time.Minute)
				d.responded = &t
			}
			if d.status == "RESOLVED" || d.status == "CLOSED" || r.IntN(5) == 0 {
				t := raised.Add(time.Duration(r.IntN(400*60)) * time.Minute)
				d.resolved = &t
			}
			w.demands = append(w.demands, d)
		}
	}
}

// lines are the world as import lines, each after what it refers to.
func (w *world) lines() []map[string]any {
	var ls []map[string]any
	add := func(m map[string]any) { ls = append(ls, m) }
	w.structureLines(add)
	w.activityLines(add)
	return ls
}

// opt sets an optional field when it has a value.
func opt(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// structureLines are the tree, the units and the people.
func (w *world) structureLines(add func(map[string]any)) {
	for _, r := range w.regions {
		m := map[string]any{"type": "Region", "code": r.code, "name": "地区" + r.code, "level": r.level}
		opt(m, "parent", r.parent)
		opt(m, "timeZone", r.tz)
		add(m)
	}
	for _, c := range w.categories {
		m := map[string]any{"type": "ServiceCategory", "code": c, "name": "类别" + c}
		if c == "HEALTH_BP" {
			m["parent"] = "HEALTH"
		}
		add(m)
	}
	for _, c := range w.communities {
		add(map[string]any{"type": "Community", "code": c.code, "name": "社区" + c.code, "kind": c.kind, "region": c.region})
	}
	for i, o := range w.orgs {
		add(map[string]any{"type": "Organization", "code": o, "name": "单位" + o, "kind": "ENTERPRISE", "region": w.regions[3+i%3].code})
	}
	for _, p := range w.people {
		m := map[string]any{"type": "Person", "code": p.code, "name": "人" + p.code, "partyMember": p.party, "roles": p.roles}
		opt(m, "community", p.community)
		add(m)
	}
	for _, a := range w.alliances {
		add(map[string]any{"type": "Alliance", "code": a.code, "name": "联盟" + a.code, "leadCommunity": a.lead})
	}
	for _, m := range w.memberships {
		l := map[string]any{"type": "Membership", "alliance": m.alliance, "organization": m.org, "signedOn": "2021-01-01"}
		opt(l, "leftOn", m.left)
		add(l)
	}
}

// activityLines are the studios' mentorships, events, demands and records.
func (w *world) activityLines(add func(map[string]any)) {
	for _, s := range w.studios {
		m := map[string]any{"type": "Studio", "code": s.code, "name": "工作室" + s.code}
		opt(m, "region", s.region)
		add(m)
	}
	for i, ms := range w.mentorships {
		m := map[string]any{"type": "Mentorship", "code": fmt.Sprintf("MS-%02d", i), "studio": ms.studio, "trainee": ms.trainee}
		opt(m, "outcome", ms.outcome)
		opt(m, "startedOn", ms.started)
		if ms.outcomeYear != 0 {
			m["outcomeYear"] = ms.outcomeYear
		}
		if ms.cohortYear != 0 {
			m["cohortYear"] = ms.cohortYear
		}
		add(m)
	}
	for _, e := range w.events {
		add(map[string]any{"type": "ServiceEvent", "code": e.code, "kind": e.kind, "title": "活动" + e.code,
			"community": e.community, "startsAt": e.starts.Format(time.RFC3339Nano)})
	}
	for _, d := range w.demands {
		m := map[string]any{"type": "Demand", "code": d.code, "community": d.community, "title": "需求" + d.code,
			"raisedAt": d.raised.Format(time.RFC3339Nano), "status": d.status}
		opt(m, "alliance", d.alliance)
		opt(m, "category", d.category)
		opt(m, "assignedTo", d.assignee)
		if d.responded != nil {
			m["respondedAt"] = d.responded.Format(time.RFC3339Nano)
		}
		if d.resolved != nil {
			m["resolvedAt"] = d.resolved.Format(time.RFC3339Nano)
		}
		add(m)
	}
	for _, rec := range w.records {
		m := map[string]any{"type": "ServiceRecord", "code": rec.code, "community": rec.community,
			"occurredAt": rec.at.Format(time.RFC3339Nano), "peopleServed": rec.people, "resolved": rec.resolved}
		opt(m, "category", rec.category)
		opt(m, "provider", rec.provider)
		opt(m, "alliance", rec.alliance)
		opt(m, "event", rec.event)
		add(m)
	}
}

// load imports the world into db, with the rows that are then archived
// (archived_test.go), which count nowhere.
func (w *world) load(t testing.TB, db *store.DB) {
	t.Helper()
	var ls, records []map[string]any
	for _, l := range w.lines() {
		if l["type"] == "ServiceRecord" {
			records = append(records, l)
		} else {
			ls = append(ls, l)
		}
	}
	ls = append(append(ls, archivedLines()...), records...) // SR-EVARCH refers to EV-ARCH
	_, err := ingest.ImportLines(context.Background(), db, ingest.Slice(ls), ingest.Options{})
	if err != nil {
		t.Fatalf("import the test world: %v", err)
	}
	setArchived(t, db, archivedCodes, true)
}

// region returns the region with the code.
func (w *world) region(code string) fRegion {
	for _, r := range w.regions {
		if r.code == code {
			return r
		}
	}
	panic("no region " + code)
}

func (w *world) community(code string) fCommunity {
	for _, c := range w.communities {
		if c.code == code {
			return c
		}
	}
	panic("no community " + code)
}

// ancestorAt is the region at level above (or at) the region, "" if none.
func (w *world) ancestorAt(code, level string) string {
	for code != "" {
		r := w.region(code)
		if r.level == level {
			return code
		}
		code = r.parent
	}
	return ""
}

// under says whether region code is anc or below it.
func (w *world) under(code, anc string) bool {
	for code != "" {
		if code == anc {
			return true
		}
		code = w.region(code).parent
	}
	return false
}

// zone is the region's zone: its own or its nearest ancestor's, else Shanghai.
func (w *world) zone(code string) *time.Location {
	for code != "" {
		r := w.region(code)
		if r.tz != "" {
			loc, err := time.LoadLocation(r.tz)
			if err != nil {
				panic(err)
			}
			return loc
		}
		code = r.parent
	}
	return store.Shanghai
}
