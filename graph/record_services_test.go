package graph_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// recordServices: keyed, idempotent batches of service records.

const recordMutation = `mutation($in: [ServiceRecordInput!]!, $key: String!) {
  recordServices(input: $in, idempotencyKey: $key) { count replayed idempotencyKey records { code peopleServed community { code } } }
}`

// recordItems makes n service record inputs with codes prefix-0000, ...,
// spread over the fixture's four communities and a year of months.
func recordItems(prefix string, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{
			"code": fmt.Sprintf("%s-%04d", prefix, i), "community": fmt.Sprintf("C%03d", i%4),
			"occurredAt":   fmt.Sprintf("2023-%02d-%02dT%02d:30:00+08:00", 1+i%12, 1+i%28, i%24),
			"peopleServed": i % 7, "resolved": i%2 == 0, "category": []string{"HEALTH", "REPAIR", "HAIRCUT"}[i%3],
		}
	}
	return out
}

// recordCodes lists the codes of a recordServices answer, in order.
func recordCodes(d map[string]any) []string {
	var out []string
	for _, r := range get(d, "recordServices", "records").([]any) {
		out = append(out, str(get(r, "code")))
	}
	return out
}

func TestRecordServicesIdempotency(t *testing.T) {
	eachWriteBackend(t, fixture(4), func(t *testing.T, w *writeAPI) {
		items := recordItems("SR-K", 5)
		d := w.data("admin", recordMutation, map[string]any{"in": items, "key": "batch-1"})
		want := []string{"SR-K-0000", "SR-K-0001", "SR-K-0002", "SR-K-0003", "SR-K-0004"}
		if got := recordCodes(d); !slices.Equal(got, want) || get(d, "recordServices", "replayed") != false ||
			wnum(t, get(d, "recordServices", "count")) != 5 || get(d, "recordServices", "idempotencyKey") != "batch-1" {
			t.Fatalf("first call: %v", d)
		}
		if n := w.count("SELECT COUNT(*) FROM service_records WHERE code LIKE 'SR-K-%'"); n != 5 {
			t.Fatalf("%d records written, want 5", n)
		}
		if n := w.count("SELECT COUNT(*) FROM audit_log WHERE operation = 'RECORD_SERVICES'"); n != 5 {
			t.Fatalf("%d audit entries, want one per record", n)
		}

		// The same call again, and the same records spelled another way
		// (inline, fields in another order): the first result, nothing
		// written.
		before := w.state()
		d = w.data("admin", recordMutation, map[string]any{"in": items, "key": "batch-1"})
		if got := recordCodes(d); !slices.Equal(got, want) || get(d, "recordServices", "replayed") != true ||
			wnum(t, get(d, "recordServices", "count")) != 5 {
			t.Fatalf("retry: %v", d)
		}
		var inline []string
		for _, it := range items {
			m := it.(map[string]any)
			inline = append(inline, fmt.Sprintf(`{resolved: %v, peopleServed: %d, occurredAt: %q, community: %q, code: %q, category: %q}`,
				m["resolved"], m["peopleServed"], m["occurredAt"], m["community"], m["code"], m["category"]))
		}
		d = w.data("admin", `mutation { recordServices(idempotencyKey: "batch-1", input: [`+strings.Join(inline, ", ")+`]) { replayed records { code } } }`, nil)
		if get(d, "recordServices", "replayed") != true || !slices.Equal(recordCodes(d), want) {
			t.Fatalf("retry spelled otherwise: %v", d)
		}
		w.unchanged("a replay", before)

		// The same key with other records: CONFLICT, nothing written.
		other := recordItems("SR-K", 5)
		other[2].(map[string]any)["peopleServed"] = 99
		errs := w.fail("admin", "CONFLICT", recordMutation, map[string]any{"in": other, "key": "batch-1"})
		if !strings.Contains(errs[0].Message, "batch-1") {
			t.Errorf("conflict message: %s", errs[0].Message)
		}
		w.fail("admin", "CONFLICT", recordMutation, map[string]any{"in": items[:4], "key": "batch-1"})
		w.unchanged("a reused key", before)

		// Keys are each principal's own: another key may use the same
		// string for its own batch.
		d = w.data("admin2", recordMutation, map[string]any{"in": other, "key": "batch-1"})
		if get(d, "recordServices", "replayed") != false || wnum(t, get(d, "recordServices", "records", 2, "peopleServed")) != 99 {
			t.Fatalf("another principal's key: %v", d)
		}
		partnerItems := []any{map[string]any{"code": "SR-KP", "community": "C000", "occurredAt": "2023-05-05T10:00:00+08:00", "provider": "ORG-000-2"}}
		d = w.data("partner", recordMutation, map[string]any{"in": partnerItems, "key": "batch-1"})
		if get(d, "recordServices", "replayed") != false {
			t.Fatalf("the partner's key: %v", d)
		}
		if n := w.count("SELECT COUNT(*) FROM idempotency_keys WHERE key = 'batch-1'"); n != 3 {
			t.Fatalf("%d keys named batch-1, want one per principal (3)", n)
		}

		// At most 1000 records: 1001 is refused with the maximum named,
		// 1000 go through, and their retry replays.
		before = w.state()
		errs = w.fail("admin", "BAD_USER_INPUT", recordMutation, map[string]any{"in": recordItems("SR-M", 1001), "key": "big"})
		if !strings.Contains(errs[0].Message, "1000") {
			t.Errorf("the refusal does not name the maximum: %s", errs[0].Message)
		}
		w.unchanged("an oversized batch", before)
		big := recordItems("SR-M", 1000)
		d = w.data("admin", recordMutation, map[string]any{"in": big, "key": "big"})
		if wnum(t, get(d, "recordServices", "count")) != 1000 {
			t.Fatalf("1000 records: count %v", get(d, "recordServices", "count"))
		}
		if n := w.count("SELECT COUNT(*) FROM changes WHERE code LIKE 'SR-M-%'"); n != 1000 {
			t.Fatalf("%d changes for 1000 records", n)
		}
		before = w.state()
		d = w.data("admin", recordMutation, map[string]any{"in": big, "key": "big"})
		if wnum(t, get(d, "recordServices", "count")) != 1000 || get(d, "recordServices", "replayed") != true {
			t.Fatalf("1000 records again: %v %v", get(d, "recordServices", "count"), get(d, "recordServices", "replayed"))
		}
		w.unchanged("replaying 1000 records", before)

		// A code given twice in one batch is one row.
		d = w.data("admin", recordMutation, map[string]any{"key": "twice", "in": []any{
			map[string]any{"code": "SR-TWICE", "community": "C000", "occurredAt": "2023-05-05T10:00:00+08:00", "peopleServed": 1},
			map[string]any{"code": "SR-TWICE", "community": "C000", "occurredAt": "2023-05-05T10:00:00+08:00", "peopleServed": 2},
		}})
		if n := w.count("SELECT COUNT(*) FROM service_records WHERE code = 'SR-TWICE'"); n != 1 {
			t.Fatalf("a code given twice wrote %d rows", n)
		}
	})
}

// Retries racing each other: one writes, every other replays its result.
func TestRecordServicesConcurrentRetries(t *testing.T) {
	eachWriteBackend(t, fixture(4), func(t *testing.T, w *writeAPI) {
		items := recordItems("SR-RACE", 50)
		const callers = 8
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			written int
			replays int
			fails   []string
		)
		start := make(chan struct{})
		for range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r, err := w.try("admin", "", recordMutation, map[string]any{"in": items, "key": "race"})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err != nil:
					fails = append(fails, err.Error())
				case len(r.Errors) > 0:
					fails = append(fails, fmt.Sprintf("%+v", r.Errors))
				case get(r.Data, "recordServices", "replayed") == true:
					replays++
				default:
					written++
				}
				if err == nil && len(r.Errors) == 0 && len(get(r.Data, "recordServices", "records").([]any)) != 50 {
					fails = append(fails, "an answer without the 50 records")
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(fails) > 0 || written != 1 || replays != callers-1 {
			t.Fatalf("%d wrote, %d replayed, failures %v; want 1 and %d", written, replays, fails, callers-1)
		}
		if n := w.count("SELECT COUNT(*) FROM changes WHERE code LIKE 'SR-RACE-%'"); n != 50 {
			t.Fatalf("%d changes, want 50", n)
		}
		if n := w.count("SELECT COUNT(*) FROM audit_log WHERE code LIKE 'SR-RACE-%'"); n != 50 {
			t.Fatalf("%d audit entries, want 50", n)
		}
	})
}
