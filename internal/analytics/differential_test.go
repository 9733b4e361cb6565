package analytics

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// TestDifferential loads the same world into SQLite and PostgreSQL and asks
// both the same randomized questions (groupings, levels, units, filters,
// windows, clocks), requiring identical answers: same rows, same order,
// same keys (as codes: the stores' ids may differ), same periods and
// bit-identical floats.
func TestDifferential(t *testing.T) {
	lite := load(t, storetest.Open(t, store.SQLite))
	pg := load(t, storetest.Open(t, store.Postgres))
	ctx := context.Background()
	r := rand.New(rand.NewPCG(42, 43))
	w := lite.w

	same := func(q refQuery, kind string, a, b []string, errA, errB error) {
		t.Helper()
		if errA != nil || errB != nil {
			t.Fatalf("%s %s: sqlite %v, postgres %v", kind, q, errA, errB)
		}
		diff(t, kind+" "+q.String()+" (postgres vs sqlite)", b, a)
	}
	for i := 0; i < 300; i++ {
		q, f := randomQuery(r, w.recordFilters(), lite.gid, serviceDims, w.recordInstants())
		a, errA := New(lite.db, fixed(q.clock)).ServiceStats(ctx, q.where, q.g, q.w)
		qp := q
		qp.where = f.where(pg.gid)
		b, errB := New(pg.db, fixed(q.clock)).ServiceStats(ctx, qp.where, q.g, q.w)
		same(q, "service", exactServices(lite.codes, a), exactServices(pg.codes, b), errA, errB)
	}
	for i := 0; i < 200; i++ {
		q, f := randomQuery(r, w.demandFilters(), lite.gid, demandDims, w.demandInstants())
		a, errA := New(lite.db, fixed(q.clock)).DemandStats(ctx, q.where, q.g, q.w)
		b, errB := New(pg.db, fixed(q.clock)).DemandStats(ctx, f.where(pg.gid), q.g, q.w)
		same(q, "demand", exactDemands(lite.codes, a), exactDemands(pg.codes, b), errA, errB)
	}
	for i := 0; i < 150; i++ {
		q, f := randomQuery(r, w.mentorshipFilters(), lite.gid, mentorshipDims, w.mentorshipInstants())
		a, errA := New(lite.db, fixed(q.clock)).MentorshipStats(ctx, q.where, q.g, q.w)
		b, errB := New(pg.db, fixed(q.clock)).MentorshipStats(ctx, f.where(pg.gid), q.g, q.w)
		same(q, "mentorship", renderMentorships(lite.codes, a), renderMentorships(pg.codes, b), errA, errB)
	}
	for _, clock := range append(clocks, at(2024, 5, 10, 12, 0, 0, 0), at(2023, 6, 30, 23, 59, 0, 0)) {
		q := refQuery{name: "summaries and coverages", clock: clock}
		a, errA := regionFigures(ctx, lite, clock)
		b, errB := regionFigures(ctx, pg, clock)
		same(q, "regions", a, b, errA, errB)
	}
}

func exactServices(cb codebook, stats []ServiceStat) []string {
	out := renderServices(cb, stats)
	for i, s := range stats {
		out[i] += fmt.Sprintf(" exact=%v", s.ResolutionRate)
	}
	return out
}

func exactDemands(cb codebook, stats []DemandStat) []string {
	out := renderDemands(cb, stats)
	v := func(f *float64) string {
		if f == nil {
			return "-"
		}
		return fmt.Sprint(*f)
	}
	for i, s := range stats {
		out[i] += fmt.Sprintf(" exact=%s/%s/%s/%s", v(s.MedianHoursToResponse), v(s.P90HoursToResponse),
			v(s.MedianHoursToResolution), v(s.P90HoursToResolution))
	}
	return out
}

// regionFigures renders the summary and coverage of every region.
func regionFigures(ctx context.Context, l *loaded, clock time.Time) ([]string, error) {
	s := New(l.db, fixed(clock))
	codes := make([]string, 0, len(l.ids["regions"]))
	ids := []int64{}
	for code, id := range l.ids["regions"] {
		codes = append(codes, code)
		ids = append(ids, id)
	}
	sort.Strings(codes)
	sums, err := s.Summaries(ctx, ids)
	if err != nil {
		return nil, err
	}
	covs, err := s.Coverages(ctx, ids, nil)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, code := range codes {
		id := l.ids["regions"][code]
		c := covs[id]
		out = append(out, fmt.Sprintf("%s %+v %d/%d/%d/%d %v/%v/%v [%s, %s)", code, *sums[id], c.Communities, c.WithAlliance,
			c.WithGraduateSecretary, c.WithMarket, c.AllianceShare, c.GraduateSecretaryShare, c.MarketShare,
			c.MarketFrom.Format(time.RFC3339), c.MarketTo.Format(time.RFC3339)))
	}
	if len(out) != len(l.w.regions) || !slices.IsSorted(codes) {
		return nil, fmt.Errorf("%d regions, want %d", len(out), len(l.w.regions))
	}
	return out, nil
}
