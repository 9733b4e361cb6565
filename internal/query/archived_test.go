package query_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/query"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// Archivable names exactly the tables that have archived_at.
func TestArchivableTablesHaveArchivedAt(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		for name, e := range store.Catalog {
			rows, err := db.Query(context.Background(), "SELECT archived_at FROM "+e.Table+" WHERE 1=0")
			if err == nil {
				rows.Close()
			}
			if has := err == nil; has != query.Archivable(e) {
				t.Errorf("%s (%s): archived_at column %v, Archivable %v", name, e.Table, has, query.Archivable(e))
			}
		}
	})
}

// The archiving test world: a district with two streets, a community in
// each, two alliances with one member organization in both, a mentor chain
// M → T1 → T2, a market and a home visit, records and demands.
func archivingWorld() []map[string]any {
	return []map[string]any{
		{"type": "Region", "code": "QP", "name": "省", "level": "PROVINCE"},
		{"type": "Region", "code": "QC", "name": "市", "level": "CITY", "parent": "QP"},
		{"type": "Region", "code": "QD", "name": "区", "level": "DISTRICT", "parent": "QC"},
		{"type": "Region", "code": "QS1", "name": "一街", "level": "STREET", "parent": "QD"},
		{"type": "Region", "code": "QS2", "name": "二街", "level": "STREET", "parent": "QD"},
		{"type": "ServiceCategory", "code": "HEALTH", "name": "健康"},
		{"type": "Community", "code": "C1", "name": "一", "kind": "URBAN", "region": "QS1"},
		{"type": "Community", "code": "C2", "name": "二", "kind": "VILLAGE", "region": "QS2"},
		{"type": "Organization", "code": "O1", "name": "单位一", "kind": "ENTERPRISE", "community": "C1"},
		{"type": "Organization", "code": "O2", "name": "单位二", "kind": "ENTERPRISE", "community": "C2"},
		{"type": "Alliance", "code": "A1", "name": "联盟一", "leadCommunity": "C1"},
		{"type": "Alliance", "code": "A2", "name": "联盟二", "leadCommunity": "C2"},
		{"type": "Membership", "alliance": "A1", "organization": "O1"},
		{"type": "Membership", "alliance": "A2", "organization": "O1"},
		{"type": "Person", "code": "M", "name": "师", "community": "C1"},
		{"type": "Person", "code": "T1", "name": "徒一", "community": "C1"},
		{"type": "Person", "code": "T2", "name": "徒二", "community": "C2"},
		{"type": "Studio", "code": "S1", "name": "工作室", "region": "QS1"},
		{"type": "Mentorship", "studio": "S1", "mentor": "M", "trainee": "T1", "cohortYear": 2020},
		{"type": "Mentorship", "studio": "S1", "mentor": "T1", "trainee": "T2", "cohortYear": 2021},
		{"type": "ServiceEvent", "code": "E1", "kind": "MARKET", "title": "集市", "community": "C1"},
		{"type": "ServiceEvent", "code": "E2", "kind": "HOME_VISIT", "title": "走访", "community": "C1"},
		{"type": "ServiceRecord", "code": "R1", "community": "C1", "occurredAt": "2023-01-01T10:00:00+08:00", "peopleServed": 1,
			"resolved": true, "event": "E1", "provider": "O1", "alliance": "A1"},
		{"type": "ServiceRecord", "code": "R2", "community": "C1", "occurredAt": "2023-01-02T10:00:00+08:00", "peopleServed": 2,
			"resolved": false, "event": "E2"},
		{"type": "ServiceRecord", "code": "R3", "community": "C2", "occurredAt": "2023-01-03T10:00:00+08:00", "peopleServed": 3, "resolved": true},
		{"type": "ServiceRecord", "code": "R4", "community": "C2", "occurredAt": "2023-01-04T10:00:00+08:00", "peopleServed": 4,
			"resolved": false, "provider": "O2", "alliance": "A2"},
	}
}

type archivingStore struct {
	t  *testing.T
	db *store.DB
}

func (s archivingStore) archive(table string, codes ...string) {
	s.t.Helper()
	for _, c := range codes {
		res, err := s.db.Exec(context.Background(), "UPDATE "+table+" SET archived_at = ? WHERE code = ?", time.Now(), c)
		if err != nil {
			s.t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			s.t.Fatalf("archive %s %s: %d rows", table, c, n)
		}
	}
}

func (s archivingStore) id(table, code string) int64 {
	s.t.Helper()
	return int64(storetest.QueryInt(s.t, s.db, "SELECT id FROM "+table+" WHERE code = ?", code))
}

// codesOf finds the rows of a root connection.
func codesOf[T any](t *testing.T, ctx context.Context, db *store.DB, entity string, a query.Args, code func(*T) string) []string {
	t.Helper()
	page, err := query.Find[T](ctx, db, store.Catalog[entity], a)
	if err != nil {
		t.Fatalf("find %s: %v", entity, err)
	}
	out := []string{}
	for _, n := range page.Nodes {
		out = append(out, code(n))
	}
	slices.Sort(out)
	return out
}

func communityCode(c *store.Community) string   { return c.Code }
func allianceCode(a *store.Alliance) string     { return a.Code }
func recordCode(r *store.ServiceRecord) string  { return r.Code }
func membershipCode(m *store.Membership) string { return m.Code }

func same(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: %v, want %v", what, got, want)
	}
}

// Rows of archived rows' children stay (only plain SQL leaves them so),
// and what reaches an archived row through them finds nothing: a filter on
// an archived region, withinRegion of it, a link to it (which reads as
// none), a partner's grant through an archived alliance or membership, a
// lineage step or mentor link through an archived mentorship.
func TestArchivedRowsAreLeftOutWhereverReached(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := ingest.ImportLines(ctx, db, ingest.Slice(archivingWorld()), ingest.Options{}); err != nil {
			t.Fatal(err)
		}
		s := archivingStore{t, db}
		s.archive("regions", "QS2")
		s.archive("alliances", "A2")
		s.archive("mentorships", "S1/T1/2020")
		s.archive("service_events", "E1")
		region := func(code string) string { return store.GlobalID("Region", s.id("regions", code)) }

		same(t, "communities", codesOf(t, ctx, db, "Community", query.Args{}, communityCode), "C1", "C2")
		same(t, "communities within the archived street",
			codesOf(t, ctx, db, "Community", query.Args{Where: map[string]any{"withinRegion": region("QS2")}}, communityCode))
		same(t, "communities within the district",
			codesOf(t, ctx, db, "Community", query.Args{Where: map[string]any{"withinRegion": region("QD")}}, communityCode), "C1", "C2")
		same(t, "communities of the archived street",
			codesOf(t, ctx, db, "Community", query.Args{Where: map[string]any{"region": map[string]any{"code": map[string]any{"eq": "QS2"}}}}, communityCode))
		same(t, "communities without a (live) region",
			codesOf(t, ctx, db, "Community", query.Args{Where: map[string]any{"region": nil}}, communityCode), "C2")
		same(t, "communities leading an alliance",
			codesOf(t, ctx, db, "Community", query.Args{Where: map[string]any{"alliances": map[string]any{}}}, communityCode), "C1")
		same(t, "records of a market",
			codesOf(t, ctx, db, "ServiceRecord", query.Args{Where: map[string]any{"event": map[string]any{"kind": map[string]any{"eq": "MARKET"}}}}, recordCode))
		same(t, "records without a (live) event",
			codesOf(t, ctx, db, "ServiceRecord", query.Args{Where: map[string]any{"event": nil}}, recordCode), "R1", "R3", "R4")
		same(t, "records with one",
			codesOf(t, ctx, db, "ServiceRecord", query.Args{Where: map[string]any{"not": map[string]any{"event": nil}}}, recordCode), "R2")

		same(t, "alliances", codesOf(t, ctx, db, "Alliance", query.Args{}, allianceCode), "A1")
		same(t, "alliances with archived ones", codesOf(t, ctx, db, "Alliance", query.Args{IncludeArchived: true}, allianceCode), "A1", "A2")
		for archived, want := range map[bool]int{false: 1, true: 2} {
			tot, err := query.AggregateRoot(ctx, db, store.Catalog["Alliance"], query.Args{IncludeArchived: archived}, nil)
			if err != nil || tot.Count != want {
				t.Errorf("alliances (archived too: %v): %+v, %v; want %d", archived, tot, err, want)
			}
		}
		// The where of a connection with archived rows reads live rows only.
		same(t, "records of a market, archived too", codesOf(t, ctx, db, "ServiceRecord", query.Args{IncludeArchived: true,
			Where: map[string]any{"event": map[string]any{"kind": map[string]any{"eq": "MARKET"}}}}, recordCode))

		// Lineage and mentor links skip the archived mentorship M → T1.
		people := store.Catalog["Person"]
		walks, err := query.Lineage(ctx, db, []int64{s.id("people", "M"), s.id("people", "T1")}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(walks[s.id("people", "M")]) != 0 || len(walks[s.id("people", "T1")]) != 1 {
			t.Errorf("lineages: %+v; want none from M, T1 → T2 from T1", walks)
		}
		mentees, err := query.FindNested[store.Person](ctx, db, people, query.Link{Through: "mentorships", ThroughParent: "mentor_id", ThroughChild: "trainee_id"},
			[]int64{s.id("people", "M"), s.id("people", "T1")}, query.Args{})
		if err != nil {
			t.Fatal(err)
		}
		if len(mentees[s.id("people", "M")].Nodes) != 0 || len(mentees[s.id("people", "T1")].Nodes) != 1 {
			t.Errorf("mentees of M %d, of T1 %d; want 0 and 1", len(mentees[s.id("people", "M")].Nodes), len(mentees[s.id("people", "T1")].Nodes))
		}
		mentors, err := query.ListBy[store.Person](ctx, db, people, query.Link{Through: "mentorships", ThroughParent: "trainee_id", ThroughChild: "mentor_id"},
			[]int64{s.id("people", "T1")}, query.ListOrder{"id"})
		if err != nil || len(mentors[s.id("people", "T1")]) != 0 {
			t.Errorf("mentors of T1: %v, %v; want none", mentors, err)
		}

		// O1's membership of the archived A2 grants nothing: not C2, not its
		// records; O1 still sees A2 and its membership of it (which is
		// live). Its archived membership of A1 is no longer its own.
		partner := func(org string) context.Context {
			return auth.With(ctx, &auth.Principal{Subject: "test", Role: auth.Partner,
				Scope: auth.Scope{Kind: auth.ScopeOrganization, Code: org, ID: s.id("organizations", org)}})
		}
		o1 := partner("O1")
		same(t, "O1's communities", codesOf(t, o1, db, "Community", query.Args{}, communityCode), "C1")
		same(t, "O1's records", codesOf(t, o1, db, "ServiceRecord", query.Args{}, recordCode), "R1", "R2")
		same(t, "O1's alliances, archived too", codesOf(t, o1, db, "Alliance", query.Args{IncludeArchived: true}, allianceCode), "A1", "A2")
		same(t, "O1's memberships, archived too", codesOf(t, o1, db, "Membership", query.Args{IncludeArchived: true}, membershipCode), "A1/O1", "A2/O1")
		s.archive("memberships", "A1/O1")
		same(t, "O1's memberships after one is archived", codesOf(t, o1, db, "Membership", query.Args{IncludeArchived: true}, membershipCode), "A2/O1")
		same(t, "all memberships, archived too", codesOf(t, ctx, db, "Membership", query.Args{IncludeArchived: true}, membershipCode), "A1/O1", "A2/O1")
		same(t, "O1's communities after its membership is archived", codesOf(t, o1, db, "Community", query.Args{}, communityCode))
		same(t, "O1's records after its membership is archived", codesOf(t, o1, db, "ServiceRecord", query.Args{}, recordCode), "R1")
		same(t, "O1's alliances after its membership is archived", codesOf(t, o1, db, "Alliance", query.Args{IncludeArchived: true}, allianceCode), "A2")
	})
}

// ByCode and ByIDs find live rows; ByCodeAny, ByIDAny and ByIDsAny find
// archived ones too, within the principal's scope.
func TestLookupsOfArchivedRows(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := ingest.ImportLines(ctx, db, ingest.Slice(archivingWorld()), ingest.Options{}); err != nil {
			t.Fatal(err)
		}
		s := archivingStore{t, db}
		s.archive("alliances", "A2")
		e := store.Catalog["Alliance"]
		a1, a2 := s.id("alliances", "A1"), s.id("alliances", "A2")
		if got, err := query.ByCode[store.Alliance](ctx, db, e, "A2"); got != nil || err != nil {
			t.Errorf("ByCode of an archived alliance: %+v, %v", got, err)
		}
		got, err := query.ByCodeAny[store.Alliance](ctx, db, e, "A2")
		if err != nil || got == nil || got.Code != "A2" || got.ArchivedAt == nil {
			t.Errorf("ByCodeAny of an archived alliance: %+v, %v", got, err)
		}
		if got, err := query.ByCodeAny[store.Alliance](ctx, db, e, "A1"); err != nil || got == nil || got.ArchivedAt != nil {
			t.Errorf("ByCodeAny of a live alliance: %+v, %v", got, err)
		}
		byID, err := query.ByIDs[store.Alliance](ctx, db, e, []int64{a1, a2})
		if err != nil || len(byID) != 1 || byID[a1] == nil {
			t.Errorf("ByIDs: %v, %v; want A1 only", byID, err)
		}
		if got, err := query.ByIDAny[store.Alliance](ctx, db, e, a2); err != nil || got == nil || got.Code != "A2" {
			t.Errorf("ByIDAny of an archived alliance: %+v, %v", got, err)
		}
		if got, err := query.ByIDsAny[store.Alliance](ctx, db, e, []int64{a1, a2}); err != nil || len(got) != 2 {
			t.Errorf("ByIDsAny: %v, %v; want both", got, err)
		}
		// O2 is a member of neither alliance: archived or not, it finds none.
		o2 := auth.With(ctx, &auth.Principal{Subject: "test", Role: auth.Partner,
			Scope: auth.Scope{Kind: auth.ScopeOrganization, Code: "O2", ID: s.id("organizations", "O2")}})
		if got, err := query.ByCodeAny[store.Alliance](o2, db, e, "A2"); got != nil || err != nil {
			t.Errorf("ByCodeAny out of scope: %+v, %v", got, err)
		}
		if got, err := query.ByIDAny[store.Alliance](o2, db, e, a2); got != nil || err != nil {
			t.Errorf("ByIDAny out of scope: %+v, %v", got, err)
		}
	})
}

// Condition keeps live rows of archivable tables, and says nothing of
// archiving on a table that has no archived_at (the logs, the roll-ups).
func TestConditionKeepsLiveRows(t *testing.T) {
	cond, _, err := query.Condition(nil, store.SQLite, store.Catalog["ServiceRecord"], "sr",
		map[string]any{"community": map[string]any{"kind": map[string]any{"eq": "VILLAGE"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cond, "sr.archived_at IS NULL") || strings.Count(cond, "archived_at IS NULL") != 2 {
		t.Errorf("condition on records of villages: %s; want sr and the communities live", cond)
	}
	cond, _, err = query.Condition(nil, store.SQLite, store.Catalog["AccessLogEntry"], "t", nil)
	if err != nil || strings.Contains(cond, "archived_at") {
		t.Errorf("condition on the access log: %s, %v", cond, err)
	}
	if query.Live("x") != "x.archived_at IS NULL" {
		t.Errorf("Live: %s", query.Live("x"))
	}
}
