package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
)

// The soak's writes are recordServices batches over a fixed set of
// soakSlots × soakBatch service records (SOAK-SR-0000...), each record's
// fields a function of its number only. soak-prime writes them all once
// before the mix is prepared; from then on every write replaces records
// with the values they already have, so
//
//   - the database holds the same records all soak long (it grows only by
//     the change feed, the audit log and the idempotency keys: the soak
//     reports by how much);
//   - the reads' answers stay the ones prepare checked, and every one is
//     still checked byte for byte under the writes: the records are dated
//     2021-06-01, before the seeded data (2022-2024) and so outside (c)'s
//     window, and resolved, so outside unresolved's counts; (b)'s totals
//     count them, and had them already when prepare checked them.
//
// Each write has its own idempotency key, so each is a real write and
// never a replay.
const (
	soakSlots = 40
	soakBatch = 5
)

const recordServicesMutation = `mutation Soak($input: [ServiceRecordInput!]!, $key: String!) {
  recordServices(input: $input, idempotencyKey: $key) { count replayed }
}`

// soakWriter builds the write requests.
type soakWriter struct {
	community, category string
	runID               string // makes the idempotency keys unique across runs
}

// newSoakWriter picks the community and category the records belong to:
// the first live ones by code, the same in every run on the same data.
func newSoakWriter(ctx context.Context, dbURL, runID string) (*soakWriter, error) {
	db, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", dbURL, err)
	}
	defer db.Close(context.WithoutCancel(ctx))
	w := &soakWriter{runID: runID}
	if err := db.QueryRow(ctx, `SELECT code FROM communities WHERE archived_at IS NULL ORDER BY code LIMIT 1`).Scan(&w.community); err != nil {
		return nil, fmt.Errorf("pick the soak's community: %w", err)
	}
	if err := db.QueryRow(ctx, `SELECT code FROM service_categories WHERE archived_at IS NULL ORDER BY code LIMIT 1`).Scan(&w.category); err != nil {
		return nil, fmt.Errorf("pick the soak's category: %w", err)
	}
	return w, nil
}

// body is the n-th write: batch n mod soakSlots, under key seq.
func (w *soakWriter) body(n int64, seq string) []byte {
	slot := int(n % soakSlots)
	at := time.Date(2021, 6, 1, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	input := make([]map[string]any, 0, soakBatch)
	for j := range soakBatch {
		i := slot*soakBatch + j
		input = append(input, map[string]any{
			"code":         fmt.Sprintf("SOAK-SR-%04d", i),
			"community":    w.community,
			"category":     w.category,
			"occurredAt":   at.Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
			"peopleServed": 1 + i%5,
			"resolved":     true,
		})
	}
	b, err := requestBody(recordServicesMutation, map[string]any{"input": input, "key": "soak-" + w.runID + "-" + seq})
	if err != nil {
		panic(err) // plain maps of strings and numbers always marshal
	}
	return b
}

// checkWrite requires the answer to a write: a batch written, not replayed.
func checkWrite(status int, raw []byte, err error) error {
	if err != nil {
		return err
	}
	r, err := checkAnswer(status, raw)
	if err != nil {
		return err
	}
	var d struct {
		RecordServices *struct {
			Count    int
			Replayed bool
		}
	}
	if err := json.Unmarshal(r.Data, &d); err != nil || d.RecordServices == nil {
		return fmt.Errorf("a write's answer without recordServices: %.200s", raw)
	}
	if d.RecordServices.Count != soakBatch || d.RecordServices.Replayed {
		return fmt.Errorf("a write answered count %d, replayed %v (want %d, false)", d.RecordServices.Count, d.RecordServices.Replayed, soakBatch)
	}
	return nil
}

// isRateLimited tells a RATE_LIMITED refusal (HTTP 429, or the code in a
// GraphQL error) from every other failure.
func isRateLimited(status int, raw []byte) bool {
	if status == http.StatusTooManyRequests {
		return true
	}
	var r struct {
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if json.Unmarshal(raw, &r) != nil {
		return false
	}
	for _, e := range r.Errors {
		if e.Extensions.Code == "RATE_LIMITED" {
			return true
		}
	}
	return false
}

// runSoakPrime writes every soak record once (before prepare), with the
// writer key.
func runSoakPrime(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("soak-prime", stderr)
	url := fs.String("url", "", "civicgraph's GraphQL endpoint")
	dbURL := fs.String("database", "", "the PostgreSQL database it serves")
	keysFile := fs.String("keys", "", "the soak's API keys (ROLE NAME SECRET per line); the OPERATOR key writes")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]*string{"url": url, "database": dbURL, "keys": keysFile}); err != nil {
		return err
	}
	keys, err := readSoakKeys(*keysFile)
	if err != nil {
		return err
	}
	writer, ok := soakWriterKey(keys)
	if !ok {
		return fmt.Errorf("%s has no OPERATOR key to write with", *keysFile)
	}
	w, err := newSoakWriter(ctx, *dbURL, fmt.Sprintf("prime-%d-%d", time.Now().Unix(), os.Getpid()))
	if err != nil {
		return err
	}
	c := newPlainClient(*url, 1, time.Minute)
	c.key = writer.Secret
	for n := range int64(soakSlots) {
		status, raw, err := c.post(ctx, w.body(n, fmt.Sprint(n)))
		if err := checkWrite(status, raw, err); err != nil {
			return fmt.Errorf("prime batch %d: %w", n, err)
		}
	}
	fmt.Fprintf(stdout, "soak-prime: %d records SOAK-SR-0000..%04d in community %s, category %s\n",
		soakSlots*soakBatch, soakSlots*soakBatch-1, w.community, w.category)
	return nil
}
