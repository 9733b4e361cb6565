package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/live"
	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
	"github.com/civicgraph/civicgraph/internal/write"
	"github.com/coder/websocket"
)

// liveWorld is the fixture with two streets under its city, a community in
// each and an open demand in the first, an ANALYST key scoped to the first
// street ("s1"), and a live hub that polls often (on SQLite; PostgreSQL is
// woken by its notifications).
type liveWorld struct {
	*fixture
	hub              *live.Hub
	street1, street2 string // Region global ids
}

func newLiveWorld(t *testing.T, db *store.DB) *liveWorld {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t, db)
	lines := []map[string]any{
		{"type": "Region", "code": "S1", "name": "粤海街道", "level": "STREET", "parent": "440300"},
		{"type": "Region", "code": "S2", "name": "南山街道", "level": "STREET", "parent": "440300"},
		{"type": "Community", "code": "C1", "name": "海珠社区", "kind": "URBAN", "region": "S1"},
		{"type": "Community", "code": "C2", "name": "荔湾社区", "kind": "URBAN", "region": "S2"},
		{"type": "Demand", "code": "D1", "community": "C1", "title": "修路灯", "raisedAt": "2024-01-01T09:00:00+08:00", "status": "OPEN"},
	}
	if _, err := ingest.ImportLines(ctx, db, ingest.Slice(lines), ingest.Options{}); err != nil {
		t.Fatalf("load the streets: %v", err)
	}
	key, _, err := auth.Create(ctx, db, "s1", auth.Analyst, auth.Scope{Kind: auth.ScopeRegion, Code: "S1"}, false)
	if err != nil {
		t.Fatal(err)
	}
	f.keys["s1"] = key
	hub := live.New(db, live.Options{Poll: 20 * time.Millisecond})
	t.Cleanup(hub.Close)
	return &liveWorld{
		fixture: f, hub: hub,
		street1: store.GlobalID("Region", int64(storetest.QueryInt(t, db, "SELECT id FROM regions WHERE code = 'S1'"))),
		street2: store.GlobalID("Region", int64(storetest.QueryInt(t, db, "SELECT id FROM regions WHERE code = 'S2'"))),
	}
}

// record writes a service record as another part of the system would (an
// import, a partner's batch): through package write, not this server.
func (w *liveWorld) record(t *testing.T, code, community string, people int) {
	t.Helper()
	item := map[string]any{"code": code, "community": community, "occurredAt": "2024-01-01T10:00:00+08:00", "peopleServed": people}
	if _, err := (&write.Service{DB: w.db}).RecordServices(context.Background(), []map[string]any{item}, fmt.Sprintf("%s-%d", code, people)); err != nil {
		t.Fatalf("record %s: %v", code, err)
	}
}

// waitFor fails the test unless cond holds before the wait is over.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wsWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still not %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func bearer(key string) http.Header { return http.Header{"Authorization": {"Bearer " + key}} }

func codeOf(data map[string]any, field string) any {
	obj, _ := data[field].(map[string]any)
	return obj["code"]
}

// Subscriptions end to end on both stores, over graphql-transport-ws: each
// receives the writes made after it started, scoped like queries (a region
// filter keeps its subtree, a region-scoped ANALYST never sees another
// region's records), each event resolved afresh; and when the
// subscriptions and connections end, so does everything they started.
func TestSubscriptions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		w := newLiveWorld(t, db)
		s := w.serve(t, server.Config{Live: w.hub, RateLimit: -1})
		before := runtime.NumGoroutine()

		admin := mustDialWS(t, s.url, nil)
		admin.initBearer(w.keys["admin"]) // the credential in connection_init
		analyst := mustDialWS(t, s.url, bearer(w.keys["s1"]))
		analyst.init(nil) // the credential on the upgrade request

		admin.subscribe("all", `subscription { serviceRecorded { code peopleServed community { code name } } }`, nil)
		admin.subscribe("s2", `subscription($r: ID) { serviceRecorded(withinRegion: $r) { code } }`, map[string]any{"r": w.street2})
		admin.subscribe("demands", `subscription { demandChanged { code status assignedTo { code } } }`, nil)
		admin.subscribe("feed", `subscription { changed(types: [DEMAND]) { type operation code entity { ... on Demand { status } } } }`, nil)
		analyst.subscribe("mine", `subscription { serviceRecorded { code } }`, nil)
		analyst.subscribe("hidden", `subscription($r: ID) { serviceRecorded(withinRegion: $r) { code } }`, map[string]any{"r": w.street2})
		analyst.refused("hidden", "NOT_FOUND") // S2 is outside the analyst's scope
		admin.subscribe("bad", `subscription { serviceRecorded(withinRegion: "nope") { code } }`, nil)
		admin.refused("bad", "BAD_USER_INPUT")
		waitFor(t, "following", func() bool { return w.hub.Followers() == 5 })

		w.record(t, "SR-LIVE-1", "C2", 2) // street S2
		w.record(t, "SR-LIVE-2", "C1", 3) // street S1
		d := admin.next("all")
		rec := d["serviceRecorded"].(map[string]any)
		if rec["code"] != "SR-LIVE-1" || rec["community"].(map[string]any)["code"] != "C2" {
			t.Fatalf("first record: %v", d)
		}
		if got := codeOf(admin.next("all"), "serviceRecorded"); got != "SR-LIVE-2" {
			t.Fatalf("second record: %v", got)
		}
		if got := codeOf(admin.next("s2"), "serviceRecorded"); got != "SR-LIVE-1" {
			t.Fatalf("within S2: %v", got)
		}
		if got := codeOf(analyst.next("mine"), "serviceRecorded"); got != "SR-LIVE-2" {
			t.Fatalf("the S1 analyst's first record is %v, want SR-LIVE-2 (SR-LIVE-1 is in S2)", got)
		}
		w.record(t, "SR-LIVE-3", "C2", 2)
		w.record(t, "SR-LIVE-4", "C1", 2)
		if got := codeOf(admin.next("s2"), "serviceRecorded"); got != "SR-LIVE-3" {
			t.Fatalf("within S2 after SR-LIVE-1: %v, want SR-LIVE-3", got)
		}
		if got := codeOf(analyst.next("mine"), "serviceRecorded"); got != "SR-LIVE-4" {
			t.Fatalf("the S1 analyst after SR-LIVE-2: %v, want SR-LIVE-4", got)
		}

		// Each event resolves with loaders of its own: the same record
		// written again shows its community as it is now.
		admin.next("all")
		admin.next("all")
		ctx := context.Background()
		if _, err := (&write.Service{DB: db}).Update(ctx, "Community", "C2", map[string]any{"name": "新荔湾社区"}); err != nil {
			t.Fatal(err)
		}
		w.record(t, "SR-LIVE-1", "C2", 5)
		d = admin.next("all")
		rec = d["serviceRecorded"].(map[string]any)
		if rec["code"] != "SR-LIVE-1" || rec["community"].(map[string]any)["name"] != "新荔湾社区" {
			t.Fatalf("SR-LIVE-1 again: %v; want its community's new name", d)
		}

		// The demand workflow: demandChanged and the pushed feed.
		if _, err := (&write.Service{DB: db}).TransitionDemand(ctx, write.Transition{Code: "D1", To: "ASSIGNED", Organization: "ORG-0001"}); err != nil {
			t.Fatal(err)
		}
		d = admin.next("demands")
		if dm := d["demandChanged"].(map[string]any); dm["code"] != "D1" || dm["status"] != "ASSIGNED" || codeOf(dm, "assignedTo") != "ORG-0001" {
			t.Fatalf("demandChanged: %v", d)
		}
		d = admin.next("feed")
		if c := d["changed"].(map[string]any); c["type"] != "DEMAND" || c["operation"] != "UPSERT" || c["code"] != "D1" || c["entity"].(map[string]any)["status"] != "ASSIGNED" {
			t.Fatalf("changed: %v", d)
		}

		// A query may travel over the connection too.
		admin.subscribe("q", `{ communities { totalCount } }`, nil)
		if d := admin.next("q"); d["communities"].(map[string]any)["totalCount"] == nil {
			t.Fatalf("query over the websocket: %v", d)
		}
		if m := admin.message("q"); m.Type != "complete" {
			t.Fatalf("after the query's answer: %s", m.Type)
		}

		// Completing a subscription stops its follower; closing the
		// connections stops the rest, and the hub stops watching.
		admin.complete("all")
		waitFor(t, "down to 4 followers", func() bool { return w.hub.Followers() == 4 })
		admin.conn.Close(websocket.StatusNormalClosure, "")
		analyst.conn.Close(websocket.StatusNormalClosure, "")
		waitFor(t, "stopped", func() bool { return w.hub.Followers() == 0 && !w.hub.Watching() })
		waitFor(t, "back to the goroutines from before", func() bool { return runtime.NumGoroutine() <= before })
	})
}

// A connection authenticates before anything runs on it: without a valid
// credential it is closed with 4403 (graphql-transport-ws's Forbidden);
// a bad credential on the upgrade request is refused with 401 at once; the
// demo server (no authenticator) lets everyone in as its reader.
func TestSubscriptionAuthentication(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	f := newFixture(t, db)
	strict, err := auth.NewAuthenticator(auth.Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(server.Config{DB: db, Auth: strict, RateLimit: -1}))
	t.Cleanup(srv.Close)
	url := srv.URL + "/graphql"

	c := mustDialWS(t, url, nil)
	c.send(wsMessage{Type: "connection_init"})
	if reason := c.closed(4403); !strings.Contains(reason, "missing credentials") {
		t.Errorf("close reason %q", reason)
	}
	c = mustDialWS(t, url, nil)
	c.send(wsMessage{Type: "connection_init", Payload: []byte(`{"Authorization":"Bearer cg_nope"}`)})
	c.closed(4403)

	if _, res, err := dialWS(t, url, bearer("cg_nope")); err == nil || res == nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("upgrade with a bad key: %v %v; want 401", res, err)
	}

	c = mustDialWS(t, url, nil)
	c.initBearer(f.keys["analyst"])
	c.subscribe("q", `{ regions { totalCount } }`, nil)
	c.next("q")

	demo := httptest.NewServer(server.New(server.Config{DB: db, RateLimit: -1}))
	t.Cleanup(demo.Close)
	c = mustDialWS(t, demo.URL+"/graphql", nil)
	c.init(nil)
	c.subscribe("q", `{ regions { totalCount } }`, nil)
	c.next("q")
}

// Each operation over a connection takes a rate-limit token from its
// principal's bucket, like the connection itself did.
func TestSubscriptionRateLimit(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	f := newFixture(t, db)
	hub := live.New(db, live.Options{})
	t.Cleanup(hub.Close) // after the server, before the store
	s := f.serve(t, server.Config{RateLimit: 0.001, RateBurst: 3, Live: hub})
	c := mustDialWS(t, s.url, bearer(f.keys["admin"])) // token 1
	c.init(nil)
	c.subscribe("a", `subscription { serviceRecorded { code } }`, nil) // token 2
	c.subscribe("b", `{ __typename }`, nil)                            // token 3
	c.next("b")
	c.subscribe("c", `subscription { serviceRecorded { code } }`, nil)
	c.refused("c", "RATE_LIMITED")
}
