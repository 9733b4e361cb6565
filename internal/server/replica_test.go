package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/metrics"
	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// The read replica tests run on a real PostgreSQL primary and hot standby
// (storetest.NewPair: built here, or the one scripts/replica-pair.sh
// built), one pair for all of them: building it is the slow part.
func TestReplicas(t *testing.T) {
	pair := storetest.NewPair(t)
	primaryURL, standbyURL := pair.NewDatabase(t)
	ctx := context.Background()
	db, err := store.Open(ctx, primaryURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, 0); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, db)
	pair.WaitReplayed(t)
	standby, err := store.Open(ctx, standbyURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { standby.Close() })
	// A lag limit far above the test's pauses: a paused replica must stay
	// in service for the stale reads below.
	if err := db.OpenReplicas([]string{standbyURL}, store.ReplicaOptions{MaxLag: time.Minute, CheckEvery: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	awaitReplica(t, db, true)
	m := metrics.New()
	s := f.serve(t, server.Config{Metrics: m})
	ready := server.Readiness(db, func() bool { return true })

	regionQuery := func(code string) string { return fmt.Sprintf(`{ region(code: %q) { code } }`, code) }
	found := func(r reply) bool {
		var data struct{ Region *struct{ Code string } }
		if err := json.Unmarshal(r.ok(t).Data, &data); err != nil {
			t.Fatal(err)
		}
		return data.Region != nil
	}
	// reads runs send and returns how many queries the primary and the
	// replica served meanwhile.
	reads := func(send func()) (primary, replica int64) {
		p0, r0 := db.Reads()
		send()
		p1, r1 := db.Reads()
		return p1 - p0, r1 - r0
	}

	t.Run("a query operation reads from the replica", func(t *testing.T) {
		_, onReplica := reads(func() { s.query("analyst", regionQuery("440300")) })
		if onReplica == 0 {
			t.Errorf("the replica served none of the query's reads")
		}
		if !found(s.query("analyst", regionQuery("440300"))) {
			t.Errorf("the replica lacks the fixture's region")
		}
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		_, replicaReads := db.Reads()
		for _, want := range []string{
			fmt.Sprintf(`civicgraph_sql_reads_total{target="replica"} %d`, replicaReads),
			`civicgraph_replica_healthy{replica="` + store.RedactURL(standbyURL) + `"} 1`,
		} {
			if !strings.Contains(rec.Body.String(), want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})

	t.Run("read your writes with replay paused", func(t *testing.T) {
		execSQL(t, standby, "SELECT pg_wal_replay_pause()")
		t.Cleanup(func() { execSQL(t, standby, "SELECT pg_wal_replay_resume()") })
		awaitTrue(t, "replay to pause", func() bool {
			return queryString(t, standby, "SELECT pg_get_wal_replay_pause_state()") == "paused"
		})

		res := s.query("admin", `mutation { createRegion(input: {code: "440301", name: "福田区", level: DISTRICT, parent: "440300"}) { code } }`)
		res.ok(t)
		seq, err := strconv.ParseInt(res.header.Get(server.HeaderSequence), 10, 64)
		if err != nil || seq <= 0 {
			t.Fatalf("the mutation's answer has %s %q, want a sequence", server.HeaderSequence, res.header.Get(server.HeaderSequence))
		}
		var last int64
		if err := db.Bun.DB.QueryRowContext(ctx, "SELECT max(sequence) FROM changes").Scan(&last); err != nil || last != seq {
			t.Errorf("%s %d, the feed's last sequence %d (%v)", server.HeaderSequence, seq, last, err)
		}

		// Another principal, without the header: the paused replica
		// answers, without the new region.
		var stale bool
		_, onReplica := reads(func() { stale = !found(s.query("analyst", regionQuery("440301"))) })
		if onReplica == 0 || !stale {
			t.Errorf("another principal's read: %d replica reads, stale %v; want a stale read from the replica", onReplica, stale)
		}
		// With the header: the replica has not replayed seq, so the
		// primary answers, with the region.
		var fresh bool
		onPrimary, onReplica := reads(func() {
			fresh = found(s.do(withHeader(t, s, "analyst", regionQuery("440301"), server.HeaderMinSequence, strconv.FormatInt(seq, 10))))
		})
		if !fresh || onReplica != 0 || onPrimary == 0 {
			t.Errorf("a read with %s %d: found %v, %d primary and %d replica reads; want the primary's fresh answer", server.HeaderMinSequence, seq, fresh, onPrimary, onReplica)
		}
		// The writer, without the header: this process remembers what it
		// wrote.
		if !found(s.query("admin", regionQuery("440301"))) {
			t.Errorf("the writer does not see its own write without the header")
		}
		// A header below what the replica has is no reason to skip it.
		_, onReplica = reads(func() {
			s.do(withHeader(t, s, "analyst", regionQuery("440301"), server.HeaderMinSequence, "1")).ok(t)
		})
		if onReplica == 0 {
			t.Errorf("a read needing sequence 1 did not go to the replica")
		}

		execSQL(t, standby, "SELECT pg_wal_replay_resume()")
		awaitTrue(t, "the replica to catch up", func() bool { return found(s.query("analyst", regionQuery("440301"))) })
		if _, onReplica := reads(func() { s.query("analyst", regionQuery("440301")).ok(t) }); onReplica == 0 {
			t.Errorf("after catching up, reads no longer go to the replica")
		}
	})

	t.Run("a batch reads its own mutation and answers with its sequence", func(t *testing.T) {
		execSQL(t, standby, "SELECT pg_wal_replay_pause()")
		defer execSQL(t, standby, "SELECT pg_wal_replay_resume()")
		awaitTrue(t, "replay to pause", func() bool {
			return queryString(t, standby, "SELECT pg_get_wal_replay_pause_state()") == "paused"
		})
		// operator, not admin: no earlier write of its own to remember.
		res := s.post("operator", `[{"query": "mutation { createRegion(input: {code: \"440302\", name: \"罗湖区\", level: DISTRICT, parent: \"440300\"}) { code } }"},
			{"query": "{ region(code: \"440302\") { code } }"}]`)
		var answers []gqlResult
		if err := json.Unmarshal(res.body, &answers); err != nil || len(answers) != 2 || len(answers[0].Errors)+len(answers[1].Errors) > 0 {
			t.Fatalf("the batch: %d %s (%v)", res.status, res.body, err)
		}
		if !strings.Contains(string(answers[1].Data), "440302") {
			t.Errorf("the batch's query misses the batch's mutation: %s", answers[1].Data)
		}
		if seq, err := strconv.ParseInt(res.header.Get(server.HeaderSequence), 10, 64); err != nil || seq <= 0 {
			t.Errorf("the batch's answer has %s %q", server.HeaderSequence, res.header.Get(server.HeaderSequence))
		}
		if found(s.query("analyst", regionQuery("440302"))) {
			t.Errorf("the paused replica has the batch's write: the batch's read proves nothing")
		}
	})

	t.Run("answers read from a replica are not cached", func(t *testing.T) {
		// The cache keys answers by the primary's data version, which a
		// replica may not have replayed: it keeps the primary's answers
		// only.
		srv := httptest.NewServer(server.New(server.Config{DB: db, Auth: f.authn}))
		defer srv.Close()
		c := &testServer{t: t, db: db, keys: f.keys, url: srv.URL + "/graphql"}
		for i := range 2 {
			res := c.query("analyst", regionQuery("440300"))
			if res.ok(t); res.header.Get("X-Civicgraph-Cache") != "miss" {
				t.Errorf("read %d from the replica: cache %q; want a miss every time", i, res.header.Get("X-Civicgraph-Cache"))
			}
		}
		seq := strconv.FormatInt(queryInt64(t, db, "SELECT max(sequence) FROM changes")+1, 10) // beyond any replica
		var got []string
		for range 2 {
			got = append(got, c.do(withHeader(t, c, "analyst", regionQuery("440300"), server.HeaderMinSequence, seq)).header.Get("X-Civicgraph-Cache"))
		}
		if got[0] != "miss" || got[1] != "hit" {
			t.Errorf("reads from the primary: cache %q; want a miss, then a hit", got)
		}
	})

	t.Run("a malformed Civicgraph-Min-Sequence runs nothing", func(t *testing.T) {
		for _, v := range []string{"x", "-1", "1.5", ""} {
			s.ranNothing(t, "analyst", func() {
				s.do(withHeader(t, s, "analyst", regionQuery("440300"), server.HeaderMinSequence, v)).
					refused(t, http.StatusBadRequest, "BAD_USER_INPUT", server.HeaderMinSequence)
			})
		}
	})

	t.Run("a stopped replica is skipped, then used again", func(t *testing.T) {
		pair.StopStandby()
		for range 5 { // the first may meet the replica before a check does
			if !found(s.query("analyst", regionQuery("440301"))) {
				t.Errorf("with the replica down, a read misses the region")
			}
		}
		awaitReplica(t, db, false)
		status, rep, body := getReadiness(t, ready)
		if status != http.StatusOK || !rep.Ready || len(rep.Replicas) != 1 || rep.Replicas[0].Healthy || rep.Replicas[0].Error == "" {
			t.Errorf("/readyz with the replica down: %d %s", status, body)
		}
		if _, onReplica := reads(func() { s.query("analyst", regionQuery("440300")).ok(t) }); onReplica != 0 {
			t.Errorf("a read went to the stopped replica")
		}

		pair.StartStandby()
		awaitReplica(t, db, true)
		if _, onReplica := reads(func() { s.query("analyst", regionQuery("440300")).ok(t) }); onReplica == 0 {
			t.Errorf("the restarted replica serves no reads")
		}
		status, rep, body = getReadiness(t, ready)
		if status != http.StatusOK || len(rep.Replicas) != 1 || !rep.Replicas[0].Healthy || rep.Replicas[0].Sequence == 0 ||
			strings.Contains(string(body), "password") {
			t.Errorf("/readyz with the replica back: %d %s", status, body)
		}
	})

	t.Run("a replica that fails is skipped at once and the read retried on the primary", func(t *testing.T) {
		// A store of its own whose checks come too rarely to notice the
		// outage: the failing query itself must.
		db2, err := store.Open(ctx, primaryURL)
		if err != nil {
			t.Fatal(err)
		}
		defer db2.Close()
		if err := db2.OpenReplicas([]string{standbyURL}, store.ReplicaOptions{CheckEvery: time.Hour}); err != nil {
			t.Fatal(err)
		}
		awaitReplica(t, db2, true)
		pair.StopStandby()
		defer pair.StartStandby()
		rows, err := db2.Query(store.ReadOnly(ctx, 0), "SELECT count(*) FROM regions")
		if err != nil {
			t.Fatalf("a read with the replica gone: %v", err)
		}
		rows.Close()
		primary, replica := db2.Reads()
		if replica != 1 || primary != 1 || db2.Replicas()[0].Healthy {
			t.Errorf("reads: primary %d, replica %d; replica %+v: want one failed replica read, retried on the primary, and the replica out", primary, replica, db2.Replicas()[0])
		}
	})
}

// withHeader is a POST of query as principal with one header set.
func withHeader(t *testing.T, s *testServer, principal, query, name, value string) *http.Request {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, err := http.NewRequest(http.MethodPost, s.url, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set(name, value)
	s.authorize(req, principal)
	return req
}

// awaitReplica waits until db's only replica is healthy, or not.
func awaitReplica(t *testing.T, db *store.DB, healthy bool) {
	t.Helper()
	awaitTrue(t, fmt.Sprintf("the replica's health to be %v", healthy), func() bool {
		rs := db.Replicas()
		return len(rs) == 1 && rs[0].Healthy == healthy && !rs[0].CheckedAt.IsZero()
	})
}

// awaitTrue polls cond for at most 20 s.
func awaitTrue(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("waited 20 s for %s", what)
}

func execSQL(t *testing.T, db *store.DB, q string) {
	t.Helper()
	if _, err := db.Bun.DB.ExecContext(context.Background(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func queryInt64(t *testing.T, db *store.DB, q string) int64 {
	t.Helper()
	var n int64
	if err := db.Bun.DB.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func queryString(t *testing.T, db *store.DB, q string) string {
	t.Helper()
	var s string
	if err := db.Bun.DB.QueryRowContext(context.Background(), q).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}
