package analytics

import (
	"context"
	"fmt"
)

// ServiceStat is one group of service records. A key is set only when its
// dimension is grouped by; a grouped key is nil too for rows where it is
// NULL (records without an alliance form their own group, last).
type ServiceStat struct {
	RegionID, CommunityID, CategoryID, OrganizationID, AllianceID *int64
	Period                                                        *Period
	Records, PeopleServed, Resolved                               int
	// ResolutionRate is Resolved / Records.
	ResolutionRate float64
}

// serviceFact is service_records: grouped by the community's region (or its
// ancestor at a level), the community, the category, the providing
// organization, the alliance and the local period of occurred_at.
func serviceFact() *fact {
	return &fact{
		entity: "ServiceRecord", table: "service_records", alias: "sr", instant: "occurred_at",
		dims: []dimension{
			{name: "REGION", kind: regionKey, codeTable: "regions"},
			{name: "COMMUNITY", kind: entityKey, column: "community_id", codeTable: "communities"},
			{name: "CATEGORY", kind: entityKey, column: "category_id", codeTable: "service_categories"},
			{name: "ORGANIZATION", kind: entityKey, column: "provider_id", codeTable: "organizations"},
			{name: "ALLIANCE", kind: entityKey, column: "alliance_id", codeTable: "alliances"},
			{name: "PERIOD", kind: periodKey},
		},
		measures: []string{"COUNT(*)", "COALESCE(SUM(sr.people_served), 0)", "SUM(CASE WHEN sr.resolved THEN 1 ELSE 0 END)"},
	}
}

// ServiceStats groups the service records that where selects (every filter
// of the serviceRecords connection) inside the window by the dimensions of
// g: REGION, COMMUNITY, CATEGORY, ORGANIZATION (the record's provider),
// ALLIANCE and PERIOD (the local period of occurred_at). Records counts
// records, PeopleServed sums people_served, Resolved counts resolved ones.
func (s *Stats) ServiceStats(ctx context.Context, where map[string]any, g Grouping, w Window) ([]ServiceStat, error) {
	f := serviceFact()
	p, err := s.plan(ctx, f, where, g, w)
	if err != nil {
		return nil, err
	}
	rows, err := s.reader(f, p).groups(ctx, s.q, f, p)
	if err != nil {
		return nil, err
	}
	out := make([]ServiceStat, 0, len(rows))
	for _, r := range rows {
		st := ServiceStat{Records: int(r.vals[0]), PeopleServed: int(r.vals[1]), Resolved: int(r.vals[2])}
		st.ResolutionRate = float64(st.Resolved) / float64(st.Records)
		keys := map[string]**int64{
			"REGION": &st.RegionID, "COMMUNITY": &st.CommunityID, "CATEGORY": &st.CategoryID,
			"ORGANIZATION": &st.OrganizationID, "ALLIANCE": &st.AllianceID,
		}
		if err := setKeys(r, p, keys, nil, nil, &st.Period); err != nil {
			return nil, fmt.Errorf("service stats: %w", err)
		}
		out = append(out, st)
	}
	return out, nil
}
