package analytics

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

func (l *loaded) checkMentorships(t *testing.T, q refQuery, pred func(fMentorship) bool) []MentorshipStat {
	t.Helper()
	got, err := New(l.db, fixed(q.clock)).MentorshipStats(context.Background(), q.where, q.g, q.w)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	diff(t, q.String(), renderMentorships(l.codes, got), l.w.refMentorships(q, pred))
	return got
}

func TestMentorshipStats(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		l := load(t, db)
		all := func(fMentorship) bool { return true }
		now := clocks[0]
		t.Run("every dimension alone", func(t *testing.T) {
			for _, d := range mentorshipDims {
				l.checkMentorships(t, refQuery{name: d, g: Grouping{By: []string{d}}, clock: now}, all)
			}
			for _, lv := range levels {
				l.checkMentorships(t, refQuery{name: "level " + lv, g: Grouping{By: []string{"REGION"}, RegionLevel: lv}, clock: now}, all)
			}
		})
		t.Run("studio without a region", func(t *testing.T) {
			// ST-4 has no region: a NULL region key of its own, last; at a
			// level it has no ancestor, so no group.
			got := l.checkMentorships(t, refQuery{name: "own region", g: Grouping{By: []string{"REGION"}}, clock: now}, all)
			if n := len(got); n == 0 || got[n-1].RegionID != nil || got[n-1].Mentorships != 1 {
				t.Errorf("by own region: %v, want a last row without region holding ST-4's mentorship", renderMentorships(l.codes, got))
			}
			got = l.checkMentorships(t, refQuery{name: "streets", g: Grouping{By: []string{"REGION"}, RegionLevel: "STREET"}, clock: now}, all)
			for _, s := range got {
				if s.RegionID == nil {
					t.Errorf("by street: a row without region: %v", renderMentorships(l.codes, got))
				}
			}
		})
		t.Run("distinct trainees", func(t *testing.T) {
			got := l.checkMentorships(t, refQuery{name: "total", clock: now}, all)
			if len(got) != 1 || got[0].Mentorships != 9 || got[0].Trainees != 8 {
				t.Errorf("total: got %v, want 9 mentorships of 8 trainees", renderMentorships(l.codes, got))
			}
		})
		t.Run("outcomes by name, null last", func(t *testing.T) {
			got := l.checkMentorships(t, refQuery{name: "outcome", g: Grouping{By: []string{"OUTCOME"}}, clock: now}, all)
			want := []string{"ELECTED_DEPUTY_SECRETARY", "ELECTED_SECRETARY", "IN_TRAINING", "PROMOTED", "RESERVE_CADRE", "-"}
			for i, s := range got {
				if i >= len(want) || renderStr(s.Outcome) != want[i] {
					t.Errorf("row %d: %v, want outcome %v", i, renderMentorships(l.codes, got[i:i+1]), want)
				}
			}
		})
		t.Run("start date window", func(t *testing.T) {
			// [2021-01-01, 2023-01-01) local: ST-2's 2021-01-01 and ST-3's 2022-06-15;
			// ST-2's 2020-12-31 and ST-4's 2023-01-01 are out, as is the one with no date.
			q := refQuery{name: "window", clock: now, w: Window{From: timePtr(at(2021, 1, 1, 0, 0, 0, 0)), To: timePtr(at(2023, 1, 1, 0, 0, 0, 0))}}
			got := l.checkMentorships(t, q, all)
			if len(got) != 1 || got[0].Mentorships != 2 {
				t.Errorf("window: got %v, want 2 mentorships", renderMentorships(l.codes, got))
			}
			// THIS_YEAR from January 2024 holds nothing; LAST_YEAR holds the two 2023 starts.
			q = refQuery{name: "last year", clock: now, w: Window{Relative: "LAST_YEAR"}}
			if got := l.checkMentorships(t, q, all); len(got) != 1 || got[0].Mentorships != 2 {
				t.Errorf("last year: got %v, want 2 mentorships", renderMentorships(l.codes, got))
			}
		})
		t.Run("filters", func(t *testing.T) {
			for _, f := range l.w.mentorshipFilters() {
				q := refQuery{name: f.name, where: f.where(l.gid), within: f.within, clock: now,
					g: Grouping{By: []string{"STUDIO", "OUTCOME_YEAR"}}}
				l.checkMentorships(t, q, f.pred)
			}
		})
		t.Run("random questions", func(t *testing.T) {
			r := rand.New(rand.NewPCG(8, 9))
			fs := l.w.mentorshipFilters()
			for i := 0; i < 120; i++ {
				q, f := randomQuery(r, fs, l.gid, mentorshipDims, l.w.mentorshipInstants())
				l.checkMentorships(t, q, f.pred)
			}
		})
	})
}
