package graph

import (
	"context"
	"time"

	"github.com/civicgraph/civicgraph/graph/model"
	"github.com/civicgraph/civicgraph/internal/analytics"
	"github.com/civicgraph/civicgraph/internal/loader"
	"github.com/civicgraph/civicgraph/internal/store"
)

// stats returns the analytics service over the resolver's store and clock.
func (r *Resolver) stats() *analytics.Stats {
	now := r.Now
	if now == nil {
		now = time.Now
	}
	return analytics.New(r.DB, now)
}

// grouping and window bundle the stats arguments.
func grouping(by []string, level *string, period *string) analytics.Grouping {
	return analytics.Grouping{By: by, RegionLevel: deref(level), Period: deref(period)}
}

func window(from, to *time.Time, relative *string) analytics.Window {
	return analytics.Window{From: from, To: to, Relative: deref(relative)}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// refs are the entity keys of one stats group (nil: not grouped by, or a
// null key).
type refs struct{ region, community, category, org, alliance, studio *int64 }

// loaded is every entity a stats result names, one statement per entity
// type, registered as sibling groups so fields asked of them batch too.
type loaded struct {
	regions     map[int64]*store.Region
	communities map[int64]*store.Community
	categories  map[int64]*store.ServiceCategory
	orgs        map[int64]*store.Organization
	alliances   map[int64]*store.Alliance
	studios     map[int64]*store.Studio
}

func ids(all []refs, key func(refs) *int64) []int64 {
	var out []int64
	for _, r := range all {
		if id := key(r); id != nil {
			out = append(out, *id)
		}
	}
	return out
}

func loadRefs(ctx context.Context, all []refs) (*loaded, error) {
	var l loaded
	var err error
	if l.regions, err = loader.ByIDs[store.Region](ctx, "Region", ids(all, func(r refs) *int64 { return r.region })); err != nil {
		return nil, err
	}
	if l.communities, err = loader.ByIDs[store.Community](ctx, "Community", ids(all, func(r refs) *int64 { return r.community })); err != nil {
		return nil, err
	}
	if l.categories, err = loader.ByIDs[store.ServiceCategory](ctx, "ServiceCategory", ids(all, func(r refs) *int64 { return r.category })); err != nil {
		return nil, err
	}
	if l.orgs, err = loader.ByIDs[store.Organization](ctx, "Organization", ids(all, func(r refs) *int64 { return r.org })); err != nil {
		return nil, err
	}
	if l.alliances, err = loader.ByIDs[store.Alliance](ctx, "Alliance", ids(all, func(r refs) *int64 { return r.alliance })); err != nil {
		return nil, err
	}
	if l.studios, err = loader.ByIDs[store.Studio](ctx, "Studio", ids(all, func(r refs) *int64 { return r.studio })); err != nil {
		return nil, err
	}
	return &l, nil
}

// pick returns the loaded row of a key, nil for a nil key.
func pick[T any](m map[int64]*T, id *int64) *T {
	if id == nil {
		return nil
	}
	return m[*id]
}

// adapt turns analytics rows into GraphQL stats: the entities every row
// names are loaded once for all rows, then build makes each result.
func adapt[S, M any](ctx context.Context, rows []S, err error, refsOf func(S) refs, build func(S, *loaded) *M) ([]*M, error) {
	if err != nil {
		return nil, err
	}
	all := make([]refs, len(rows))
	for i, s := range rows {
		all[i] = refsOf(s)
	}
	l, err := loadRefs(ctx, all)
	if err != nil {
		return nil, err
	}
	out := make([]*M, len(rows))
	for i, s := range rows {
		out[i] = build(s, l)
	}
	return out, nil
}

func serviceStats(ctx context.Context, r *Resolver, where map[string]any, g analytics.Grouping, w analytics.Window) ([]*model.ServiceStat, error) {
	rows, err := r.stats().ServiceStats(ctx, where, g, w)
	return adapt(ctx, rows, err, func(s analytics.ServiceStat) refs {
		return refs{region: s.RegionID, community: s.CommunityID, category: s.CategoryID, org: s.OrganizationID, alliance: s.AllianceID}
	}, func(s analytics.ServiceStat, l *loaded) *model.ServiceStat {
		return &model.ServiceStat{
			Region: pick(l.regions, s.RegionID), Community: pick(l.communities, s.CommunityID),
			Category: pick(l.categories, s.CategoryID), Organization: pick(l.orgs, s.OrganizationID),
			Alliance: pick(l.alliances, s.AllianceID), Period: s.Period,
			Records: s.Records, PeopleServed: s.PeopleServed, Resolved: s.Resolved, ResolutionRate: s.ResolutionRate,
		}
	})
}

func demandStats(ctx context.Context, r *Resolver, where map[string]any, g analytics.Grouping, w analytics.Window) ([]*model.DemandStat, error) {
	rows, err := r.stats().DemandStats(ctx, where, g, w)
	return adapt(ctx, rows, err, func(s analytics.DemandStat) refs {
		return refs{region: s.RegionID, community: s.CommunityID, category: s.CategoryID, org: s.OrganizationID, alliance: s.AllianceID}
	}, func(s analytics.DemandStat, l *loaded) *model.DemandStat {
		return &model.DemandStat{
			Region: pick(l.regions, s.RegionID), Community: pick(l.communities, s.CommunityID),
			Category: pick(l.categories, s.CategoryID), Organization: pick(l.orgs, s.OrganizationID),
			Alliance: pick(l.alliances, s.AllianceID), Status: s.Status, Period: s.Period,
			Demands: s.Demands, Open: s.Open, Assigned: s.Assigned, InProgress: s.InProgress,
			Resolved: s.ResolvedCount, Closed: s.Closed, Reopened: s.Reopened,
			MedianHoursToResponse: s.MedianHoursToResponse, P90HoursToResponse: s.P90HoursToResponse,
			MedianHoursToResolution: s.MedianHoursToResolution, P90HoursToResolution: s.P90HoursToResolution,
		}
	})
}

func mentorshipStats(ctx context.Context, r *Resolver, where map[string]any, g analytics.Grouping, w analytics.Window) ([]*model.MentorshipStat, error) {
	rows, err := r.stats().MentorshipStats(ctx, where, g, w)
	return adapt(ctx, rows, err, func(s analytics.MentorshipStat) refs {
		return refs{region: s.RegionID, studio: s.StudioID}
	}, func(s analytics.MentorshipStat, l *loaded) *model.MentorshipStat {
		return &model.MentorshipStat{
			Region: pick(l.regions, s.RegionID), Studio: pick(l.studios, s.StudioID), Outcome: s.Outcome,
			OutcomeYear: s.OutcomeYear, CohortYear: s.CohortYear, Mentorships: s.Mentorships, Trainees: s.Trainees,
		}
	})
}

// summary computes Region.summary for the region's whole sibling group.
func summary(ctx context.Context, r *Resolver, obj *store.Region) (*analytics.Summary, error) {
	return loader.Group(ctx, "Region.summary", "Region", obj, nil, func(ids []int64) (map[int64]*analytics.Summary, error) {
		return r.stats().Summaries(ctx, ids)
	})
}

// coverage computes Region.coverage for the region's whole sibling group.
func coverage(ctx context.Context, r *Resolver, obj *store.Region, asOf *time.Time) (*analytics.Coverage, error) {
	return loader.Group(ctx, "Region.coverage", "Region", obj, asOf, func(ids []int64) (map[int64]*analytics.Coverage, error) {
		return r.stats().Coverages(ctx, ids, asOf)
	})
}
