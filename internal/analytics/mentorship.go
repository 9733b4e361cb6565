package analytics

import (
	"context"
	"fmt"
)

// MentorshipStat is one group of mentorships (one trainee in one studio
// cohort each). Keys are set as in ServiceStat.
type MentorshipStat struct {
	RegionID, StudioID      *int64
	Outcome                 *string
	OutcomeYear, CohortYear *int
	Mentorships             int
	// Trainees counts distinct trainees in the group: a person trained in
	// two cohorts counts once.
	Trainees int
}

// mentorshipFact is mentorships, which hang from their studio's region.
// They have a start date, not an instant: the window compares started_on.
func mentorshipFact() *fact {
	return &fact{
		entity: "Mentorship", table: "mentorships", alias: "ms", date: "started_on",
		dims: []dimension{
			{name: "REGION", kind: regionKey, codeTable: "regions"},
			{name: "STUDIO", kind: entityKey, column: "studio_id", codeTable: "studios"},
			{name: "OUTCOME", kind: enumKey, column: "outcome"},
			{name: "OUTCOME_YEAR", kind: yearKey, column: "outcome_year"},
			{name: "COHORT_YEAR", kind: yearKey, column: "cohort_year"},
		},
		measures: []string{"COUNT(*)", "COUNT(DISTINCT ms.trainee_id)"},
	}
}

// MentorshipStats groups the mentorships that where selects by the
// dimensions of g: REGION (the studio's region, rolled up by RegionLevel),
// STUDIO, OUTCOME, OUTCOME_YEAR and COHORT_YEAR. A window filters on
// started_on as local dates: started_on >= the local date of From and <
// the local date of To, in the zone; mentorships without a start date fall
// outside every window.
func (s *Stats) MentorshipStats(ctx context.Context, where map[string]any, g Grouping, w Window) ([]MentorshipStat, error) {
	f := mentorshipFact()
	p, err := s.plan(ctx, f, where, g, w)
	if err != nil {
		return nil, err
	}
	rows, err := s.reader(f, p).groups(ctx, s.q, f, p)
	if err != nil {
		return nil, err
	}
	out := make([]MentorshipStat, 0, len(rows))
	for _, r := range rows {
		st := MentorshipStat{Mentorships: int(r.vals[0]), Trainees: int(r.vals[1])}
		ids := map[string]**int64{"REGION": &st.RegionID, "STUDIO": &st.StudioID}
		years := map[string]**int{"OUTCOME_YEAR": &st.OutcomeYear, "COHORT_YEAR": &st.CohortYear}
		if err := setKeys(r, p, ids, map[string]**string{"OUTCOME": &st.Outcome}, years, nil); err != nil {
			return nil, fmt.Errorf("mentorship stats: %w", err)
		}
		out = append(out, st)
	}
	return out, nil
}
