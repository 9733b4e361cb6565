package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"
)

// The dashboard's figures, from civicgraph's answer or from the baseline
// SQL, in a form both can be compared in.

type dashFigures struct {
	stats    []dashStat
	summary  dashSummary
	coverage dashCoverage
}

type dashStat struct {
	Region, Month, Category         string // codes and the month label; "" for a null key
	Records, PeopleServed, Resolved int64
	ResolutionRate                  float64
}

// dashSummary's and dashCoverage's fields are named as in the GraphQL
// schema (JSON decoding matches them case-insensitively) and are scanned
// from the baseline's columns in this order.
type dashSummary struct {
	Communities, Villages, Alliances, MemberOrganizations, PartyMembersServing int64
	Studios, Trainees, ElectedFromStudios, PeopleServed, ProblemsSolved        int64
	OpenDemands                                                                int64
}

type dashCoverage struct {
	Communities, WithAlliance, WithGraduateSecretary, WithMarket int64
	AllianceShare, GraduateSecretaryShare, MarketShare           float64
}

func (f *dashFigures) totalRecords() (n int64) {
	for _, s := range f.stats {
		n += s.Records
	}
	return n
}

func (f *dashFigures) totalPeopleServed() (n int64) {
	for _, s := range f.stats {
		n += s.PeopleServed
	}
	return n
}

// decodeDashboard reads civicgraph's answer.
func decodeDashboard(raw []byte) (*dashFigures, error) {
	type keyed struct{ Code, Label string }
	var ans struct {
		Data struct {
			ServiceStats []struct {
				Region, Period, Category        *keyed
				Records, PeopleServed, Resolved int64
				ResolutionRate                  float64
			}
			Region *struct {
				Summary  dashSummary
				Coverage dashCoverage
			}
		}
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		return nil, fmt.Errorf("decode the dashboard answer: %w", err)
	}
	if ans.Data.Region == nil {
		return nil, fmt.Errorf("the dashboard answer has no region (unknown city code?)")
	}
	f := &dashFigures{summary: ans.Data.Region.Summary, coverage: ans.Data.Region.Coverage}
	key := func(k *keyed, label bool) string {
		switch {
		case k == nil:
			return ""
		case label:
			return k.Label
		default:
			return k.Code
		}
	}
	for _, s := range ans.Data.ServiceStats {
		f.stats = append(f.stats, dashStat{
			Region: key(s.Region, false), Month: key(s.Period, true), Category: key(s.Category, false),
			Records: s.Records, PeopleServed: s.PeopleServed, Resolved: s.Resolved, ResolutionRate: s.ResolutionRate,
		})
	}
	return f, nil
}

// runDashboardBaseline runs the three baseline statements once and reads
// their figures.
func runDashboardBaseline(ctx context.Context, db *pgx.Conn, stmts []string) (*dashFigures, error) {
	f := &dashFigures{}
	rows, err := db.Query(ctx, stmts[0])
	if err != nil {
		return nil, fmt.Errorf("serviceStats: %w", err)
	}
	for rows.Next() {
		var s dashStat
		var region, month, category, regionName, categoryName *string
		if err := rows.Scan(&region, &regionName, &month, &category, &categoryName, &s.Records, &s.PeopleServed, &s.Resolved, &s.ResolutionRate); err != nil {
			rows.Close()
			return nil, fmt.Errorf("serviceStats: %w", err)
		}
		s.Region, s.Month, s.Category = deref(region), deref(month), deref(category)
		f.stats = append(f.stats, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("serviceStats: %w", err)
	}
	m := &f.summary
	if err := db.QueryRow(ctx, stmts[1]).Scan(&m.Communities, &m.Villages, &m.Alliances, &m.MemberOrganizations, &m.PartyMembersServing,
		&m.Studios, &m.Trainees, &m.ElectedFromStudios, &m.PeopleServed, &m.ProblemsSolved, &m.OpenDemands); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	c := &f.coverage
	if err := db.QueryRow(ctx, stmts[2]).Scan(&c.Communities, &c.WithAlliance, &c.WithGraduateSecretary, &c.WithMarket,
		&c.AllianceShare, &c.GraduateSecretaryShare, &c.MarketShare); err != nil {
		return nil, fmt.Errorf("coverage: %w", err)
	}
	return f, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// compareDashboards returns the first difference between civicgraph's
// figures (got) and the baseline's (want), or "".
func compareDashboards(got, want *dashFigures) string {
	if len(got.stats) != len(want.stats) {
		return fmt.Sprintf("serviceStats: civicgraph has %d groups (%d records), the baseline %d (%d records)",
			len(got.stats), got.totalRecords(), len(want.stats), want.totalRecords())
	}
	for i := range got.stats {
		g, w := got.stats[i], want.stats[i]
		if g.Region != w.Region || g.Month != w.Month || g.Category != w.Category ||
			g.Records != w.Records || g.PeopleServed != w.PeopleServed || g.Resolved != w.Resolved ||
			!closeEnough(g.ResolutionRate, w.ResolutionRate) {
			return fmt.Sprintf("serviceStats group %d: civicgraph %+v, baseline %+v", i, g, w)
		}
	}
	if got.summary != want.summary {
		return fmt.Sprintf("summary: civicgraph %+v, baseline %+v", got.summary, want.summary)
	}
	gc, wc := got.coverage, want.coverage
	if gc.Communities != wc.Communities || gc.WithAlliance != wc.WithAlliance || gc.WithGraduateSecretary != wc.WithGraduateSecretary ||
		gc.WithMarket != wc.WithMarket || !closeEnough(gc.AllianceShare, wc.AllianceShare) ||
		!closeEnough(gc.GraduateSecretaryShare, wc.GraduateSecretaryShare) || !closeEnough(gc.MarketShare, wc.MarketShare) {
		return fmt.Sprintf("coverage: civicgraph %+v, baseline %+v", gc, wc)
	}
	return ""
}

func closeEnough(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}
