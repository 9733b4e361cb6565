package analytics

import (
	"context"
	"time"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/rollup"
	"github.com/civicgraph/civicgraph/internal/store"
)

// Summary is a region's headline figures over its whole subtree.
type Summary struct {
	// Communities and Villages (communities of kind VILLAGE) under the region.
	Communities, Villages int
	// Alliances led by a community under the region.
	Alliances int
	// MemberOrganizations counts distinct organizations with a current
	// membership in those alliances: left_on empty or after today (in the
	// region's zone).
	MemberOrganizations int
	// PartyMembersServing counts people under the region who are party
	// members and have the VOLUNTEER role.
	PartyMembersServing int
	// Studios under the region; Trainees, the distinct trainees of their
	// mentorships; ElectedFromStudios, the distinct trainees with an outcome
	// ELECTED_SECRETARY or ELECTED_DEPUTY_SECRETARY.
	Studios, Trainees, ElectedFromStudios int
	// PeopleServed sums people_served and ProblemsSolved counts the resolved
	// service records of communities under the region.
	PeopleServed, ProblemsSolved int
	// OpenDemands counts demands not RESOLVED or CLOSED.
	OpenDemands int
}

// Summary returns the figures of one region's subtree; an unknown region is
// NOT_FOUND.
func (s *Stats) Summary(ctx context.Context, regionID int64) (*Summary, error) {
	all, err := s.Summaries(ctx, []int64{regionID})
	if err != nil {
		return nil, err
	}
	sum, ok := all[regionID]
	if !ok {
		return nil, apperr.New(apperr.NotFound, "no region with id %d", regionID)
	}
	return sum, nil
}

// Summaries returns the figures of many regions' subtrees at once (a list of
// regions in one GraphQL request): one statement per table for all of them,
// each an index range scan on region_path per region; unknown regions are
// absent from the result. People served, problems solved and open demands
// are summed from the roll-ups (which have no time here, so any region's
// zone will do).
func (s *Stats) Summaries(ctx context.Context, regionIDs []int64) (map[int64]*Summary, error) {
	regions, err := s.regions(ctx, regionIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*Summary, len(regions))
	if len(regions) == 0 {
		return out, nil
	}
	ids := idsOf(regions)
	for _, id := range ids {
		out[id] = &Summary{}
	}
	type figure struct {
		subtreeQuery
		set func(*Summary, []int64)
	}
	fig := func(table string, cols []string, cond string, args []any, set func(*Summary, []int64)) figure {
		return figure{subtreeQuery{table: table, cols: cols, cond: cond, condArgs: args}, set}
	}
	served, open := s.servedAndOpen()
	figures := []figure{
		fig("communities", []string{"COUNT(*)", "SUM(CASE WHEN x.kind = 'VILLAGE' THEN 1 ELSE 0 END)"}, "", nil,
			func(m *Summary, v []int64) { m.Communities, m.Villages = int(v[0]), int(v[1]) }),
		fig("alliances", []string{"COUNT(*)"}, "", nil,
			func(m *Summary, v []int64) { m.Alliances = int(v[0]) }),
		fig("people", []string{"COUNT(*)"},
			"x.party_member = ? AND EXISTS (SELECT 1 FROM person_roles v WHERE v.person_id = x.id AND v.role = 'VOLUNTEER')",
			[]any{true}, func(m *Summary, v []int64) { m.PartyMembersServing = int(v[0]) }),
		fig("studios", []string{"COUNT(*)"}, "", nil,
			func(m *Summary, v []int64) { m.Studios = int(v[0]) }),
		fig("mentorships", []string{"COUNT(DISTINCT x.trainee_id)",
			"COUNT(DISTINCT CASE WHEN x.outcome IN ('ELECTED_SECRETARY', 'ELECTED_DEPUTY_SECRETARY') THEN x.trainee_id END)"}, "", nil,
			func(m *Summary, v []int64) { m.Trainees, m.ElectedFromStudios = int(v[0]), int(v[1]) }),
		{served, func(m *Summary, v []int64) { m.PeopleServed, m.ProblemsSolved = int(v[0]), int(v[1]) }},
		{open, func(m *Summary, v []int64) { m.OpenDemands = int(v[0]) }},
	}
	for _, f := range figures {
		got, err := s.subtreeFigures(ctx, ids, f.subtreeQuery)
		if err != nil {
			return nil, err
		}
		for id, v := range got {
			f.set(out[id], v)
		}
	}
	if err := s.memberOrganizations(ctx, regions, out); err != nil {
		return nil, err
	}
	return out, nil
}

// servedAndOpen are the figures of people served and problems solved, and
// of open demands: summed from the roll-ups (a few rows per street instead
// of every record and demand of the subtree), or counted from the base
// tables when s reads only those.
func (s *Stats) servedAndOpen() (served, open subtreeQuery) {
	open.cond = "x.status NOT IN ('RESOLVED', 'CLOSED')"
	if s.baseOnly {
		served.table, served.cols = "service_records", []string{"COALESCE(SUM(x.people_served), 0)", "SUM(CASE WHEN x.resolved THEN 1 ELSE 0 END)"}
		open.table, open.cols = "demands", []string{"COUNT(*)"}
		return served, open
	}
	served.table, served.cols = rollup.RegionTotal.Name, []string{"COALESCE(SUM(x.people_served), 0)", "SUM(x.resolved)"}
	open.table, open.cols = rollup.DemandStatus.Name, []string{"SUM(x.demands)"}
	return served, open
}

// memberOrganizations fills in MemberOrganizations. "Current" depends on
// today's date in each region's zone, so the regions are taken in groups of
// the same date: one statement per distinct date, which is one in practice.
// A membership's region_path is its alliance's, so the subtree scan finds
// the memberships of alliances led from under the region.
func (s *Stats) memberOrganizations(ctx context.Context, regions map[int64]*regionInfo, out map[int64]*Summary) error {
	byDay := map[store.Date][]int64{}
	now := s.now()
	for _, id := range idsOf(regions) {
		day := store.Date(now.In(regions[id].zone).Format(time.DateOnly))
		byDay[day] = append(byDay[day], id)
	}
	for day, ids := range byDay {
		got, err := s.subtreeFigures(ctx, ids, subtreeQuery{table: "memberships", cols: []string{"COUNT(DISTINCT x.organization_id)"},
			cond: "(x.left_on IS NULL OR x.left_on > ?)", condArgs: []any{day}})
		if err != nil {
			return err
		}
		for id, v := range got {
			out[id].MemberOrganizations = int(v[0])
		}
	}
	return nil
}
