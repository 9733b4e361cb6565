package rollup_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/rollup"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// The maintenance tests' world: a small tree (a community hanging straight
// from a district), records on local month and day edges, in China's
// summer times of 1988 and 1945 and in Shanghai's local mean time before
// 1901, with and without category, provider, alliance and event, and
// demands in every status.

var ctx = context.Background()

type line = map[string]any

var cst = time.FixedZone("CST", 8*3600)

// specialTimes are instants whose local month depends on the zone's
// history: summer time (UTC+9) and local mean time (UTC+8:05:43).
var specialTimes = []time.Time{
	time.Date(1988, 7, 31, 15, 30, 0, 0, time.UTC), // 1988-08-01 00:30 local
	time.Date(1945, 6, 30, 15, 30, 0, 0, time.UTC), // 1945-07-01 00:30 local
	time.Date(1900, 6, 30, 15, 57, 0, 0, time.UTC), // 1900-07-01 00:02:43 local
	time.Date(2023, 12, 31, 16, 0, 0, 0, time.UTC), // 2024-01-01 00:00 local
	time.Date(2023, 12, 31, 15, 59, 59, 999999000, time.UTC),
}

func structure() []line {
	ls := []line{
		{"type": "Region", "code": "P", "name": "省", "level": "PROVINCE"},
		{"type": "Region", "code": "CITY", "name": "市", "level": "CITY", "parent": "P"},
		{"type": "Region", "code": "D1", "name": "一区", "level": "DISTRICT", "parent": "CITY"},
		{"type": "Region", "code": "D2", "name": "二区", "level": "DISTRICT", "parent": "CITY"},
		{"type": "Region", "code": "S1", "name": "一街", "level": "STREET", "parent": "D1"},
		{"type": "Region", "code": "S2", "name": "二街", "level": "STREET", "parent": "D1"},
		{"type": "Region", "code": "S3", "name": "三街", "level": "STREET", "parent": "D2"},
		{"type": "ServiceCategory", "code": "A", "name": "甲"},
		{"type": "ServiceCategory", "code": "B", "name": "乙"},
		{"type": "ServiceCategory", "code": "B1", "name": "乙一", "parent": "B"},
	}
	for _, c := range [][2]string{{"C1", "S1"}, {"C2", "S1"}, {"C3", "S2"}, {"C4", "S3"}, {"CD", "D2"}} {
		ls = append(ls, line{"type": "Community", "code": c[0], "name": "社区" + c[0], "kind": "URBAN", "region": c[1]})
	}
	for i, c := range []string{"C1", "C2", "C3", "C4"} {
		ls = append(ls, line{"type": "Organization", "code": fmt.Sprintf("O%d", i+1), "name": "单位", "kind": "ENTERPRISE", "community": c})
	}
	ls = append(ls,
		line{"type": "Alliance", "code": "AL1", "name": "联盟一", "leadCommunity": "C1"},
		line{"type": "Alliance", "code": "AL2", "name": "联盟二", "leadCommunity": "C3"},
		line{"type": "ServiceEvent", "code": "EV1", "kind": "MARKET", "title": "集市", "community": "C1"},
		line{"type": "ServiceEvent", "code": "EV2", "kind": "HOME_VISIT", "title": "走访", "community": "C3"},
		line{"type": "ServiceEvent", "code": "EV3", "kind": "LECTURE", "title": "讲堂", "community": "C4"},
	)
	return ls
}

func pick(r *rand.Rand, opts ...string) string { return opts[r.IntN(len(opts))] }

// record is service record n, drawn from the seed.
func record(r *rand.Rand, n int) line {
	l := line{"type": "ServiceRecord", "code": fmt.Sprintf("SR-%04d", n),
		"community": pick(r, "C1", "C2", "C3", "C4", "CD"), "peopleServed": r.IntN(9), "resolved": r.IntN(2) == 0}
	var at time.Time
	if n < len(specialTimes) {
		at = specialTimes[n]
	} else {
		day := time.Date(2021, 1, 1, 0, 0, 0, 0, cst).AddDate(0, 0, r.IntN(4*365))
		switch r.IntN(3) {
		case 0:
			at = day // a local midnight, often a month's first instant
		case 1:
			at = day.Add(-time.Duration(1+r.IntN(90)) * time.Second)
		default:
			at = day.Add(time.Duration(r.Int64N(int64(24 * time.Hour)))).Truncate(time.Microsecond)
		}
	}
	l["occurredAt"] = at.Format(time.RFC3339Nano)
	opt := func(key string, opts ...string) {
		if v := pick(r, opts...); v != "" {
			l[key] = v
		}
	}
	opt("category", "A", "B", "B1", "")
	opt("provider", "O1", "O2", "O3", "O4", "")
	opt("alliance", "AL1", "AL2", "", "")
	opt("event", "EV1", "EV2", "EV3", "", "", "")
	return l
}

func demand(r *rand.Rand, n int) line {
	return line{"type": "Demand", "code": fmt.Sprintf("D-%03d", n), "community": pick(r, "C1", "C2", "C3", "C4", "CD"),
		"title": "需求", "raisedAt": "2023-03-01T10:00:00+08:00",
		"status": pick(r, "OPEN", "ASSIGNED", "IN_PROGRESS", "RESOLVED", "CLOSED")}
}

// world is the structure, records service records and demands demands.
func world(seed uint64, records, demands int) []line {
	r := rand.New(rand.NewPCG(seed, 1))
	ls := structure()
	for n := range records {
		ls = append(ls, record(r, n))
	}
	for n := range demands {
		ls = append(ls, demand(r, n))
	}
	return ls
}

func importLines(t *testing.T, db *store.DB, ls []line) {
	t.Helper()
	_, err := ingest.ImportLines(ctx, db, ingest.Slice(ls), ingest.Options{})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
}

// requireExact fails the test when any roll-up differs from the base tables.
func requireExact(t *testing.T, db *store.DB, when string) {
	t.Helper()
	diffs, err := rollup.Verify(ctx, db)
	if err != nil {
		t.Fatalf("%s: verify: %v", when, err)
	}
	for _, d := range diffs {
		t.Errorf("%s: %s", when, d)
	}
}

func count(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	return storetest.QueryInt(t, db, q, args...)
}

// archive sets archived_at on the rows of table with the codes (clears it
// with archived false) and recounts the roll-up keys that touches, in one
// transaction, as a write that archives or restores them does: the keys of
// the records (of an event: the records of the event, whose kind they are
// filed under) and the paths of the demands.
func archive(t *testing.T, db *store.DB, table string, codes []string, archived bool) {
	t.Helper()
	var at any
	if archived {
		at = time.Date(2024, 6, 1, 8, 0, 0, 0, time.UTC)
	}
	in := strings.TrimSuffix(strings.Repeat("?, ", len(codes)), ", ")
	args := make([]any, len(codes))
	for i, c := range codes {
		args[i] = c
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var c rollup.Changes
		var err error
		switch table {
		case "service_records":
			err = c.ServiceRecordsWhere(ctx, tx, "sr.code IN ("+in+")", args...)
		case "service_events":
			err = c.ServiceRecordsWhere(ctx, tx, "sr.event_id IN (SELECT id FROM service_events WHERE code IN ("+in+"))", args...)
		case "demands":
			err = c.DemandsWhere(ctx, tx, "d.code IN ("+in+")", args...)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE "+table+" SET archived_at = ? WHERE code IN ("+in+")", append([]any{at}, args...)...); err != nil {
			return err
		}
		return rollup.Refresh(ctx, tx, &c)
	})
	if err != nil {
		t.Fatalf("archive %s %v: %v", table, codes, err)
	}
}

// codesOf lists the codes of the lines of a type whose index among them
// is n modulo every.
func codesOf(ls []line, typ string, every, n int) []string {
	var out []string
	i := 0
	for _, l := range ls {
		if l["type"] != typ {
			continue
		}
		if i%every == n {
			out = append(out, l["code"].(string))
		}
		i++
	}
	return out
}
