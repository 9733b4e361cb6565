package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// dashboard is issue 3's "city dashboard": in one request, service figures
// by district, month and category over the last 12 months, plus the city's
// summary and coverage.
//
// The synthetic data covers 2022-01-01..2024-12-31 (+08:00) and the clock
// says it is later, so relative: LAST_12_MONTHS would select nothing; the
// window is the data's last 12 months given as from/to, and coverage is
// asked as of the end of the data (its "last quarter" is 2024-Q4).
type dashboard struct{}

const (
	dashFrom = "2024-01-01T00:00:00+08:00"
	dashTo   = "2025-01-01T00:00:00+08:00"
	dashAsOf = "2025-01-01T00:00:00+08:00"
	// dashZone is the zone periods are cut in: the seeded regions have no
	// time_zone, so civicgraph uses its default.
	dashZone = "Asia/Shanghai"
)

func (dashboard) Title() string {
	return "city dashboard: serviceStats by district × month × category (12 months) + Region.summary + Region.coverage"
}

// dashboardQuery is the request every client sends.
const dashboardQuery = `query CityDashboard($city: String!, $from: Time!, $to: Time!, $asOf: Time!) {
  serviceStats(groupBy: [REGION, PERIOD, CATEGORY], regionLevel: DISTRICT, period: MONTH, from: $from, to: $to) {
    region { code name }
    period { label start end }
    category { code name }
    records peopleServed resolved resolutionRate
  }
  region(code: $city) {
    code name
    summary {
      communities villages alliances memberOrganizations partyMembersServing studios
      trainees electedFromStudios peopleServed problemsSolved openDemands
    }
    coverage(asOf: $asOf) {
      communities withAlliance withGraduateSecretary withMarket
      allianceShare graduateSecretaryShare marketShare marketFrom marketTo
    }
  }
}`

// cityQuery finds the city the dashboard is about.
const cityQuery = `{ regions(where: {level: {eq: CITY}}, first: 1) { nodes { code name } } }`

// Codes and paths go into the baseline SQL as literals; they are checked
// to be of this shape first.
var (
	safeCode = regexp.MustCompile(`^[0-9A-Za-z_-]+$`)
	safePath = regexp.MustCompile(`^/([0-9]+/)+$`)
)

func (d dashboard) Prepare(ctx context.Context, e *env) (*plan, error) {
	city, err := findCity(ctx, e)
	if err != nil {
		return nil, err
	}
	zone, err := time.LoadLocation(dashZone)
	if err != nil {
		return nil, err
	}
	asOf, err := time.Parse(time.RFC3339, dashAsOf)
	if err != nil {
		return nil, err
	}
	qFrom, qTo := lastQuarter(asOf, zone)
	w := dashWindow{city: city, from: dashFrom, to: dashTo, marketFrom: qFrom.Format(time.RFC3339), marketTo: qTo.Format(time.RFC3339), zone: dashZone}

	body, err := requestBody(dashboardQuery, map[string]any{"city": city.code, "from": dashFrom, "to": dashTo, "asOf": dashAsOf})
	if err != nil {
		return nil, err
	}
	raw, expect, err := expectOf(ctx, e.gql, body)
	if err != nil {
		return nil, fmt.Errorf("the dashboard request: %w", err)
	}
	got, err := decodeDashboard(raw)
	if err != nil {
		return nil, err
	}
	stmts := w.baseline()
	want, err := runDashboardBaseline(ctx, e.db, stmts)
	if err != nil {
		return nil, fmt.Errorf("the baseline SQL: %w", err)
	}
	p := &plan{
		Title: d.Title(),
		Query: dashboardQuery,
		Params: []param{
			{"city", fmt.Sprintf("%s %s (region path %s)", city.code, city.name, city.path)},
			{"window", fmt.Sprintf("from %s to %s (half-open; the data's last 12 months)", dashFrom, dashTo)},
			{"coverage asOf", fmt.Sprintf("%s (last quarter: %s .. %s)", dashAsOf, w.marketFrom, w.marketTo)},
			{"time zone", dashZone},
			{"answer", fmt.Sprintf("%d serviceStats groups, %d bytes", len(got.stats), len(raw))},
		},
		Requests: []plannedRequest{{Label: "dashboard", Body: body, Expect: expect}},
		Baselines: []sqlBaseline{{
			Name:    "plain",
			Title:   "plain SQL over the base tables, as written by hand (issue 3's baseline)",
			Scripts: []sqlScript{{Weight: 1, Statements: trimSemicolons(stmts), Header: "-- the city dashboard in plain SQL (bench/cmd/civicbench/dashboard_sql.go)\n"}},
		}},
		Mismatch: compareDashboards(got, want),
	}
	p.Check = fmt.Sprintf("civicgraph and the baseline agree on all %d groups (%d records, %d people served) and on the 11 summary and 7 coverage figures",
		len(got.stats), got.totalRecords(), got.totalPeopleServed())
	if expect == "" {
		p.Check += "; two identical requests got different answers, so under load answers are only checked for errors"
	} else {
		p.Check += "; under load every answer must be byte-identical to the checked one"
	}
	return p, nil
}

// city is the region the dashboard is about.
type city struct{ code, name, path string }

// findCity asks civicgraph for the first CITY region and the database for
// its materialized path (the baseline's subtree prefix).
func findCity(ctx context.Context, e *env) (city, error) {
	body, err := requestBody(cityQuery, nil)
	if err != nil {
		return city{}, err
	}
	var ans struct {
		Regions struct {
			Nodes []struct{ Code, Name string }
		}
	}
	if _, err := e.gql.query(ctx, body, &ans); err != nil {
		return city{}, fmt.Errorf("find the city: %w", err)
	}
	if len(ans.Regions.Nodes) == 0 {
		return city{}, fmt.Errorf("find the city: the database has no region of level CITY (was it seeded with --scale?)")
	}
	c := city{code: ans.Regions.Nodes[0].Code, name: ans.Regions.Nodes[0].Name}
	if !safeCode.MatchString(c.code) {
		return city{}, fmt.Errorf("find the city: unexpected code %q", c.code)
	}
	if err := e.db.QueryRow(ctx, "SELECT path FROM regions WHERE code = $1", c.code).Scan(&c.path); err != nil {
		return city{}, fmt.Errorf("find the path of region %s: %w", c.code, err)
	}
	if !safePath.MatchString(c.path) {
		return city{}, fmt.Errorf("region %s has an unexpected path %q", c.code, c.path)
	}
	return c, nil
}

// lastQuarter is the last full calendar quarter before at in zone, as
// Region.coverage defines it: for any moment of 2025-Q1, 2024-Q4.
func lastQuarter(at time.Time, zone *time.Location) (from, to time.Time) {
	local := at.In(zone)
	first := time.Month((int(local.Month())-1)/3*3 + 1)
	to = time.Date(local.Year(), first, 1, 0, 0, 0, 0, zone)
	return to.AddDate(0, -3, 0), to
}

// trimSemicolons drops each statement's final ";" (sqlScript adds it).
func trimSemicolons(stmts []string) []string {
	out := make([]string, len(stmts))
	for i, s := range stmts {
		out[i] = strings.TrimSuffix(strings.TrimSpace(s), ";")
	}
	return out
}
