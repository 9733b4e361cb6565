package analytics

import (
	"context"
	"fmt"
	"strings"

	"github.com/civicgraph/civicgraph/internal/store"
)

// DemandStat is one group of demands: how many, how many in each status,
// and how fast they were answered. Keys are set as in ServiceStat.
type DemandStat struct {
	RegionID, CommunityID, CategoryID, AllianceID *int64
	// OrganizationID is the organization the demands are assigned to.
	OrganizationID *int64
	Status         *string
	Period         *Period // the local period of raised_at

	Demands                                                     int
	Open, Assigned, InProgress, ResolvedCount, Closed, Reopened int
	// Responded and ResolvedWithTime count the demands with a responded_at
	// and with a resolved_at: the populations of the percentiles below.
	Responded, ResolvedWithTime int
	// Hours from raised_at to responded_at and to resolved_at: the median
	// and 90th percentile with percentile_cont semantics (linear
	// interpolation), nil when no demand of the group has the time. A time
	// before raised_at counts as a negative duration, as recorded.
	MedianHoursToResponse, P90HoursToResponse     *float64
	MedianHoursToResolution, P90HoursToResolution *float64
}

// demandFact is demands: grouped like service records, plus STATUS, with
// ORGANIZATION the assignee and PERIOD by raised_at.
func demandFact() *fact {
	count := func(status string) string {
		return "SUM(CASE WHEN dm.status = '" + status + "' THEN 1 ELSE 0 END)"
	}
	return &fact{
		entity: "Demand", table: "demands", alias: "dm", instant: "raised_at",
		dims: []dimension{
			{name: "REGION", kind: regionKey, codeTable: "regions"},
			{name: "COMMUNITY", kind: entityKey, column: "community_id", codeTable: "communities"},
			{name: "CATEGORY", kind: entityKey, column: "category_id", codeTable: "service_categories"},
			{name: "ORGANIZATION", kind: entityKey, column: "assigned_to_id", codeTable: "organizations"},
			{name: "ALLIANCE", kind: entityKey, column: "alliance_id", codeTable: "alliances"},
			{name: "STATUS", kind: enumKey, column: "status"},
			{name: "PERIOD", kind: periodKey},
		},
		measures: []string{
			"COUNT(*)", count("OPEN"), count("ASSIGNED"), count("IN_PROGRESS"), count("RESOLVED"), count("CLOSED"),
			"COUNT(dm.responded_at)", "COUNT(dm.resolved_at)", count("REOPENED"),
		},
	}
}

// DemandStats groups the demands that where selects inside the window (on
// raised_at) by the dimensions of g: REGION, COMMUNITY, CATEGORY,
// ORGANIZATION (assigned_to), ALLIANCE, STATUS and PERIOD. Counts come from
// one GROUP BY; the percentiles from the demands' times, read in a second
// statement with the same filters and computed in Go, so that both stores
// (SQLite has no percentile functions) give exactly the same numbers.
func (s *Stats) DemandStats(ctx context.Context, where map[string]any, g Grouping, w Window) ([]DemandStat, error) {
	f := demandFact()
	p, err := s.plan(ctx, f, where, g, w)
	if err != nil {
		return nil, err
	}
	rows, err := s.reader(f, p).groups(ctx, s.q, f, p)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return []DemandStat{}, nil
	}
	hours, err := demandHours(ctx, s.q, f, p)
	if err != nil {
		return nil, err
	}
	out := make([]DemandStat, 0, len(rows))
	for _, r := range rows {
		v := r.vals
		st := DemandStat{
			Demands: int(v[0]), Open: int(v[1]), Assigned: int(v[2]), InProgress: int(v[3]),
			ResolvedCount: int(v[4]), Closed: int(v[5]), Responded: int(v[6]), ResolvedWithTime: int(v[7]), Reopened: int(v[8]),
		}
		ids := map[string]**int64{
			"REGION": &st.RegionID, "COMMUNITY": &st.CommunityID, "CATEGORY": &st.CategoryID,
			"ORGANIZATION": &st.OrganizationID, "ALLIANCE": &st.AllianceID,
		}
		if err := setKeys(r, p, ids, map[string]**string{"STATUS": &st.Status}, nil, &st.Period); err != nil {
			return nil, fmt.Errorf("demand stats: %w", err)
		}
		h := hours[groupKey(r.keys)]
		if h == nil {
			h = &durations{}
		}
		st.MedianHoursToResponse, st.P90HoursToResponse = percentileCont(h.response, 0.5), percentileCont(h.response, 0.9)
		st.MedianHoursToResolution, st.P90HoursToResolution = percentileCont(h.resolution, 0.5), percentileCont(h.resolution, 0.9)
		out = append(out, st)
	}
	return out, nil
}

// durations are a group's hours to response and to resolution.
type durations struct{ response, resolution []float64 }

// demandHours reads raised_at, responded_at and resolved_at of every
// selected demand that has either, with its group keys, and returns the
// hours per group. Exact percentiles cannot be added up from parts, so they
// always come from the base table, whatever reader gave the counts. Hours
// are computed from the stored instants in Go (microsecond precision on
// both stores), not by each store's date arithmetic.
func demandHours(ctx context.Context, q store.Querier, f *fact, p *plan) (map[string]*durations, error) {
	b := &sqlBuf{}
	writeSource(b, f, p, []string{"dm.raised_at", "dm.responded_at", "dm.resolved_at"},
		"(dm.responded_at IS NOT NULL OR dm.resolved_at IS NOT NULL)")
	rows, err := q.Query(ctx, b.String(), b.args...)
	if err != nil {
		return nil, fmt.Errorf("demand times: %w", err)
	}
	defer rows.Close()
	out := map[string]*durations{}
	n := len(p.dims)
	dest := make([]any, n+3)
	for i := range dest {
		dest[i] = new(any)
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("demand times: %w", err)
		}
		keys := make([]any, n)
		for i := range keys {
			keys[i] = keyValue(*dest[i].(*any))
		}
		k := groupKey(keys)
		if out[k] == nil {
			out[k] = &durations{}
		}
		raised, err := store.ToTime(*dest[n].(*any))
		if err != nil {
			return nil, fmt.Errorf("demand times: raised_at: %w", err)
		}
		for i, list := range []*[]float64{&out[k].response, &out[k].resolution} {
			v := *dest[n+1+i].(*any)
			if v == nil {
				continue
			}
			t, err := store.ToTime(v)
			if err != nil {
				return nil, fmt.Errorf("demand times: %w", err)
			}
			*list = append(*list, t.Sub(raised).Hours())
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("demand times: %w", err)
	}
	return out, nil
}

// groupKey is a map key for a tuple of group keys.
func groupKey(keys []any) string {
	var sb strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&sb, "%T:%v|", k, k)
	}
	return sb.String()
}
