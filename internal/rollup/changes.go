package rollup

import (
	"context"
	"fmt"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
)

// Changes are the roll-up keys a write touched: what Refresh must recount.
// A write adds the keys of every row it changes as they were before and as
// they are after, and may add a key more than once or one that did not
// change: Refresh recounts each once, and recounting a key that did not
// change rewrites the same rows. The zero value is empty and ready to use;
// a Changes belongs to one transaction.
type Changes struct {
	records map[recordKey]struct{} // service records of a community (under a path) in a local month
	paths   map[string]struct{}    // everything under a region path: records of any month, demands
	demands map[string]struct{}    // the demands under a region path
}

// recordKey is where a service record is counted: its community, the
// region path the community hangs from, and its local month, counted from
// year 0 (year*12 + month-1), so that noting a record formats nothing.
type recordKey struct {
	community int64
	path      string
	month     int
}

func monthNumber(t time.Time) int { return t.Year()*12 + int(t.Month()) - 1 }

// monthLabel spells a month number as the roll-ups do.
func monthLabel(n int) string { return fmt.Sprintf("%04d-%02d", n/12, n%12+1) }

// ServiceRecord notes a service record of the community, which hangs from
// the region path, at the instant, as it was before a write or is after
// it. An instant within a day of a month's edge notes both months, so that
// the key is right even where a store's zone rules and Go's disagree by
// some hours.
func (c *Changes) ServiceRecord(community int64, path string, at time.Time) {
	l := at.In(Zone)
	c.record(recordKey{community, path, monthNumber(l)})
	if d := l.Day(); d > 1 && d < 28 {
		return
	}
	for _, near := range []time.Time{at.Add(-24 * time.Hour), at.Add(24 * time.Hour)} {
		c.record(recordKey{community, path, monthNumber(near.In(Zone))})
	}
}

func (c *Changes) record(k recordKey) {
	if c.records == nil {
		c.records = map[recordKey]struct{}{}
	}
	c.records[k] = struct{}{}
}

// Demand notes a demand hanging under the region path, before or after a
// write.
func (c *Changes) Demand(path string) {
	if c.demands == nil {
		c.demands = map[string]struct{}{}
	}
	c.demands[path] = struct{}{}
}

// Path notes that anything hanging under the region path may have changed:
// a community moved to or from it, or a region's path was renamed from or
// to it. Every roll-up row of the path is recounted.
func (c *Changes) Path(path string) {
	if c.paths == nil {
		c.paths = map[string]struct{}{}
	}
	c.paths[path] = struct{}{}
}

// Empty says whether nothing was noted.
func (c *Changes) Empty() bool {
	return len(c.records) == 0 && len(c.paths) == 0 && len(c.demands) == 0
}

// ServiceRecordsWhere notes the keys of the service records (alias sr) that
// cond selects, as they are now: a write calls it before it overwrites
// them, or for the records of an event whose kind it changes.
func (c *Changes) ServiceRecordsWhere(ctx context.Context, q store.Querier, cond string, args ...any) error {
	rows, err := q.Query(ctx, "SELECT DISTINCT sr.community_id, sr.region_path, "+label(q.Dialect(), "month", "sr.occurred_at")+
		" FROM service_records sr WHERE "+cond, args...)
	if err != nil {
		return fmt.Errorf("read roll-up keys of service records: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k recordKey
		var month string
		if err := rows.Scan(&k.community, &k.path, &month); err != nil {
			return fmt.Errorf("read roll-up keys of service records: %w", err)
		}
		start, _, err := monthBounds(month)
		if err != nil {
			return err
		}
		k.month = monthNumber(start)
		c.record(k)
	}
	return rows.Err()
}

// DemandsWhere notes the keys of the demands (alias d) that cond selects,
// as they are now.
func (c *Changes) DemandsWhere(ctx context.Context, q store.Querier, cond string, args ...any) error {
	rows, err := q.Query(ctx, "SELECT DISTINCT d.region_path FROM demands d WHERE "+cond, args...)
	if err != nil {
		return fmt.Errorf("read roll-up keys of demands: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var path string
		if err := rows.Scan(&path); err != nil {
			return fmt.Errorf("read roll-up keys of demands: %w", err)
		}
		c.Demand(path)
	}
	return rows.Err()
}
