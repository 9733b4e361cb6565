package analytics

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/rollup"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// The test world holds rows that are archived once loaded: a street and a
// community in it, people, an alliance and a membership, a studio,
// mentorships, a MARKET event, service records (on the CEDGE edges too)
// and demands. They are not in the world's Go values, so every expectation
// the tests compute from the world (and every hand count) leaves them out,
// and every test that loads the world checks that the stats and the
// roll-ups do too. One live record (SR-EVARCH, in the world) refers to the
// archived event: it is filed under no event kind, as if it had none.

// archivedCodes are the codes of the archived rows, by table.
var archivedCodes = map[string][]string{
	"regions":        {"440304003"},
	"communities":    {"CARCH"},
	"people":         {"P-CARCH-VOL", "P-C01-AVOL", "P-C07-ASEC"},
	"alliances":      {"AL-ARCH"},
	"memberships":    {"AL-ARCH/ORG-02"},
	"studios":        {"ST-ARCH"},
	"mentorships":    {"MS-A1", "MS-A2", "MS-A3"},
	"service_events": {"EV-ARCH"},
	"service_records": {
		"SR-A01", "SR-A02", "SR-A03", "SR-A04", "SR-A05", "SR-A06", "SR-A07", "SR-A08", "SR-A09", "SR-A10", "SR-A11", "SR-A12",
	},
	"demands": {"D-A1", "D-A2", "D-A3", "D-A4"},
}

// archivedLines are the rows archivedCodes names, as import lines.
func archivedLines() []map[string]any {
	rec := func(code, community string, t time.Time, people int, resolved bool, extra ...string) map[string]any {
		m := map[string]any{"type": "ServiceRecord", "code": code, "community": community,
			"occurredAt": t.Format(time.RFC3339Nano), "peopleServed": people, "resolved": resolved}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	raised := at(2023, 6, 1, 9, 0, 0, 0)
	answered := raised.Add(5 * time.Hour).Format(time.RFC3339Nano)
	return []map[string]any{
		{"type": "Region", "code": "440304003", "name": "地区440304003", "level": "STREET", "parent": "440304"},
		{"type": "Community", "code": "CARCH", "name": "社区CARCH", "kind": "VILLAGE", "region": "440304003"},
		{"type": "Person", "code": "P-CARCH-VOL", "name": "人", "community": "CARCH", "partyMember": true, "roles": []string{"PARTY_MEMBER", "VOLUNTEER"}},
		{"type": "Person", "code": "P-C01-AVOL", "name": "人", "community": "C01", "partyMember": true, "roles": []string{"PARTY_MEMBER", "VOLUNTEER"}},
		{"type": "Person", "code": "P-C07-ASEC", "name": "人", "community": "C07", "partyMember": true, "roles": []string{"SECRETARY", "PARTY_MEMBER"}},
		{"type": "Alliance", "code": "AL-ARCH", "name": "联盟", "leadCommunity": "C05"},
		{"type": "Membership", "alliance": "AL-ARCH", "organization": "ORG-02", "signedOn": "2021-01-01"},
		{"type": "Studio", "code": "ST-ARCH", "name": "工作室", "region": "440304001"},
		{"type": "Mentorship", "code": "MS-A1", "studio": "ST-1", "trainee": "P-C04-SEC", "outcome": "ELECTED_SECRETARY",
			"outcomeYear": 2022, "startedOn": "2020-03-01", "cohortYear": 2020},
		{"type": "Mentorship", "code": "MS-A2", "studio": "ST-1", "trainee": "P-C07-ASEC", "outcome": "ELECTED_DEPUTY_SECRETARY",
			"outcomeYear": 2023, "startedOn": "2021-03-01", "cohortYear": 2021},
		{"type": "Mentorship", "code": "MS-A3", "studio": "ST-ARCH", "trainee": "P-C01-RES", "outcome": "RESERVE_CADRE",
			"startedOn": "2022-01-01", "cohortYear": 2022},
		{"type": "ServiceEvent", "code": "EV-ARCH", "kind": "MARKET", "title": "集市", "community": "C03",
			"startsAt": at(2024, 2, 15, 9, 0, 0, 0).Format(time.RFC3339Nano)},
		rec("SR-A01", "CEDGE", edgeTimes[0], 3, true, "category", "HEALTH", "provider", "ORG-01"),
		rec("SR-A02", "CEDGE", edgeTimes[1], 5, false, "alliance", "AL-1"),
		rec("SR-A03", "CEDGE", edgeTimes[8], 1, true, "event", "EV-1"),
		rec("SR-A04", "CEDGE", edgeTimes[9], 7, false, "category", "REPAIR"),
		rec("SR-A05", "CEDGE", edgeTimes[10], 2, true),
		rec("SR-A06", "CEDGE", edgeTimes[12], 9, true, "provider", "ORG-03"),
		rec("SR-A07", "CARCH", at(2023, 5, 1, 0, 0, 0, 0), 4, true, "category", "HAIRCUT"),
		rec("SR-A08", "CARCH", at(2024, 1, 10, 12, 0, 0, 0), 6, false, "alliance", "AL-ARCH"),
		rec("SR-A09", "C01", at(2024, 2, 10, 10, 0, 0, 0), 8, true, "event", "EV-1", "alliance", "AL-1", "category", "HEALTH"),
		rec("SR-A10", "C01", at(2023, 3, 3, 3, 0, 0, 0), 10, false, "event", "EV-ARCH", "alliance", "AL-ARCH"),
		rec("SR-A11", "C03", at(2024, 2, 15, 10, 0, 0, 0), 11, true, "event", "EV-ARCH", "provider", "ORG-04"),
		rec("SR-A12", "C10", nyTimes[0], 2, true, "category", "LEGAL_AID"),
		{"type": "Demand", "code": "D-A1", "community": "C01", "title": "需求", "raisedAt": raised.Format(time.RFC3339Nano), "status": "OPEN",
			"category": "HEALTH", "alliance": "AL-1"},
		{"type": "Demand", "code": "D-A2", "community": "C05", "title": "需求", "raisedAt": raised.Format(time.RFC3339Nano), "status": "ASSIGNED",
			"assignedTo": "ORG-01", "respondedAt": answered},
		{"type": "Demand", "code": "D-A3", "community": "CARCH", "title": "需求", "raisedAt": raised.Format(time.RFC3339Nano), "status": "OPEN"},
		{"type": "Demand", "code": "D-A4", "community": "C08", "title": "需求", "raisedAt": raised.Format(time.RFC3339Nano), "status": "RESOLVED",
			"respondedAt": answered, "resolvedAt": answered},
	}
}

// setArchived archives the rows codes names (or restores them) and
// recounts the roll-up keys that touches, in one transaction, as a write
// that archives them does: the records' keys, those of the records of the
// events, and the demands' region paths.
func setArchived(t testing.TB, db *store.DB, codes map[string][]string, archived bool) {
	t.Helper()
	ctx := context.Background()
	var at any
	if archived {
		at = time.Date(2024, 6, 1, 8, 0, 0, 0, time.UTC)
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var c rollup.Changes
		for table, list := range codes {
			in, args := placeholders(list)
			switch table {
			case "service_records":
				if err := c.ServiceRecordsWhere(ctx, tx, "sr.code IN ("+in+")", args...); err != nil {
					return err
				}
			case "service_events":
				if err := c.ServiceRecordsWhere(ctx, tx, "sr.event_id IN (SELECT id FROM service_events WHERE code IN ("+in+"))", args...); err != nil {
					return err
				}
			case "demands":
				if err := c.DemandsWhere(ctx, tx, "d.code IN ("+in+")", args...); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, "UPDATE "+table+" SET archived_at = ? WHERE code IN ("+in+")", append([]any{at}, args...)...); err != nil {
				return err
			}
		}
		return rollup.Refresh(ctx, tx, &c)
	})
	if err != nil {
		t.Fatalf("archive %v: %v", archived, err)
	}
}

func placeholders(list []string) (string, []any) {
	args := make([]any, len(list))
	for i, s := range list {
		args[i] = s
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(list)), ", "), args
}

// requireExactRollups fails the test when a roll-up differs from the base
// tables' live rows.
func requireExactRollups(t testing.TB, db *store.DB, when string) {
	t.Helper()
	diffs, err := rollup.Verify(context.Background(), db)
	if err != nil {
		t.Fatalf("%s: verify: %v", when, err)
	}
	for _, d := range diffs {
		t.Errorf("%s: %s", when, d)
	}
}

// The archived rows are in the store and would change every figure: the
// world's answers hold while they are archived, change when they are
// restored (roll-ups recounted as a write recounts them), and hold again
// when they are archived again.
func TestArchivedRowsCountNowhere(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		l := load(t, db)
		ctx := context.Background()
		n := 0
		for _, list := range archivedCodes {
			n += len(list)
		}
		tables := []string{}
		for table := range archivedCodes {
			tables = append(tables, "SELECT COUNT(*) AS n FROM "+table+" WHERE archived_at IS NOT NULL")
		}
		if got := storetest.QueryInt(t, db, "SELECT SUM(n) FROM ("+strings.Join(tables, " UNION ALL ")+") x"); got != n {
			t.Fatalf("%d archived rows in the store, want %d", got, n)
		}
		requireExactRollups(t, db, "after archiving")
		clock := at(2024, 5, 10, 12, 0, 0, 0)
		s := New(db, fixed(clock))
		id := l.ids["regions"]["440300"]
		figures := func() (Summary, Coverage) {
			t.Helper()
			sum, err := s.Summary(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			cov, err := s.Coverage(ctx, id, nil)
			if err != nil {
				t.Fatal(err)
			}
			return *sum, *cov
		}
		coverage := func(n, alliance, secretary, market int) Coverage {
			c := Coverage{Communities: n, WithAlliance: alliance, WithGraduateSecretary: secretary, WithMarket: market,
				AllianceShare: float64(alliance) / float64(n), GraduateSecretaryShare: float64(secretary) / float64(n),
				MarketShare: float64(market) / float64(n)}
			c.MarketFrom, c.MarketTo = at(2024, 1, 1, 0, 0, 0, 0), at(2024, 4, 1, 0, 0, 0, 0)
			return c
		}
		check := func(when string, wantSum Summary, wantCov Coverage) {
			t.Helper()
			sum, cov := figures()
			if sum != wantSum {
				t.Errorf("summary of 440300 %s:\n got  %+v\n want %+v", when, sum, wantSum)
			}
			if !cov.MarketFrom.Equal(wantCov.MarketFrom) || !cov.MarketTo.Equal(wantCov.MarketTo) {
				t.Errorf("coverage of 440300 %s: quarter [%s, %s)", when, cov.MarketFrom, cov.MarketTo)
			}
			cov.MarketFrom, cov.MarketTo, wantCov.MarketFrom, wantCov.MarketTo = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if cov != wantCov {
				t.Errorf("coverage of 440300 %s:\n got  %+v\n want %+v", when, cov, wantCov)
			}
		}
		people, solved, open := l.w.served("440300")
		archived := Summary{Communities: 7, Villages: 3, Alliances: 4, MemberOrganizations: 4, PartyMembersServing: 7, Studios: 2,
			Trainees: 6, ElectedFromStudios: 2, PeopleServed: people, ProblemsSolved: solved, OpenDemands: open}
		check("with the rows archived", archived, coverage(7, 3, 3, 2))
		services := func() []string {
			t.Helper()
			st, err := s.ServiceStats(ctx, nil, Grouping{By: []string{"COMMUNITY"}}, Window{})
			if err != nil {
				t.Fatal(err)
			}
			return renderServices(l.codes, st)
		}
		all := func(fRecord) bool { return true }
		diff(t, "services by community with the rows archived", services(), l.w.refServices(refQuery{g: Grouping{By: []string{"COMMUNITY"}}, clock: clock}, all))

		// Restored, every archived row counts: CARCH and its street, AL-ARCH
		// (led by C05) and ORG-02's membership, two volunteers, ST-ARCH and
		// three trainees (two elected), EV-ARCH in Q1 (C03's market),
		// C04's secretary graduated by MS-A1, records SR-A01..A11 and
		// demands D-A1..A3 under 440300.
		setArchived(t, db, archivedCodes, false)
		requireExactRollups(t, db, "after restoring")
		restored := archived
		restored.Communities, restored.Villages, restored.Alliances, restored.MemberOrganizations = 8, 4, 5, 5
		restored.PartyMembersServing, restored.Studios, restored.Trainees, restored.ElectedFromStudios = 9, 3, 9, 4
		restored.PeopleServed += 3 + 5 + 1 + 7 + 2 + 9 + 4 + 6 + 8 + 10 + 11
		restored.ProblemsSolved += 7 // A01, A03, A05, A06, A07, A09, A11
		restored.OpenDemands += 3
		check("with the rows restored", restored, coverage(8, 4, 4, 3))
		if got := services(); strings.Join(got, "\n") == strings.Join(l.w.refServices(refQuery{g: Grouping{By: []string{"COMMUNITY"}}, clock: clock}, all), "\n") {
			t.Error("service stats did not change when the rows were restored")
		}

		setArchived(t, db, archivedCodes, true)
		requireExactRollups(t, db, "after archiving again")
		check("after archiving again", archived, coverage(7, 3, 3, 2))
		diff(t, "services by community after archiving again", services(), l.w.refServices(refQuery{g: Grouping{By: []string{"COMMUNITY"}}, clock: clock}, all))
	})
}
