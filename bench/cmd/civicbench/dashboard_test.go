package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

const dashboardAnswer = `{"data":{"serviceStats":[
 {"region":{"code":"910101","name":"桥平区"},"period":{"label":"2024-01","start":"2024-01-01T00:00:00+08:00","end":"2024-02-01T00:00:00+08:00"},"category":{"code":"AGRI_TECH","name":"农技指导"},"records":4,"peopleServed":9,"resolved":3,"resolutionRate":0.75},
 {"region":{"code":"910101","name":"桥平区"},"period":{"label":"2024-02","start":"2024-02-01T00:00:00+08:00","end":"2024-03-01T00:00:00+08:00"},"category":null,"records":1,"peopleServed":1,"resolved":0,"resolutionRate":0}],
 "region":{"code":"910100","name":"瑞云市",
  "summary":{"communities":48,"villages":0,"alliances":48,"memberOrganizations":249,"partyMembersServing":803,"studios":30,"trainees":384,"electedFromStudios":55,"peopleServed":126829,"problemsSolved":37057,"openDemands":15},
  "coverage":{"communities":48,"withAlliance":48,"withGraduateSecretary":0,"withMarket":20,"allianceShare":1,"graduateSecretaryShare":0,"marketShare":0.4166666666666667,"marketFrom":"2024-10-01T00:00:00+08:00","marketTo":"2025-01-01T00:00:00+08:00"}}}}`

func TestDecodeAndCompareDashboard(t *testing.T) {
	got, err := decodeDashboard([]byte(dashboardAnswer))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.stats) != 2 || got.stats[0] != (dashStat{"910101", "2024-01", "AGRI_TECH", 4, 9, 3, 0.75}) || got.stats[1].Category != "" {
		t.Fatalf("stats = %+v", got.stats)
	}
	if got.summary.MemberOrganizations != 249 || got.summary.OpenDemands != 15 || got.coverage.WithMarket != 20 {
		t.Fatalf("summary %+v coverage %+v", got.summary, got.coverage)
	}
	same := *got
	same.stats = append([]dashStat(nil), got.stats...)
	same.coverage.MarketShare = 20.0 / 48 // computed the other way round
	if d := compareDashboards(got, &same); d != "" {
		t.Errorf("identical figures differ: %s", d)
	}
	other := same
	other.stats = append([]dashStat(nil), got.stats...)
	other.stats[1].Records = 2
	if d := compareDashboards(got, &other); !strings.Contains(d, "group 1") {
		t.Errorf("a changed count gives %q", d)
	}
	other = same
	other.summary.Trainees++
	if d := compareDashboards(got, &other); !strings.HasPrefix(d, "summary") {
		t.Errorf("a changed summary gives %q", d)
	}
}

func TestLastQuarter(t *testing.T) {
	zone, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ at, from, to string }{
		{"2025-01-01T00:00:00+08:00", "2024-10-01T00:00:00+08:00", "2025-01-01T00:00:00+08:00"},
		{"2024-12-31T16:30:00Z", "2024-10-01T00:00:00+08:00", "2025-01-01T00:00:00+08:00"}, // 2025-01-01 00:30 local
		{"2024-05-15T12:00:00+08:00", "2024-01-01T00:00:00+08:00", "2024-04-01T00:00:00+08:00"},
	}
	for _, c := range cases {
		at, _ := time.Parse(time.RFC3339, c.at)
		from, to := lastQuarter(at, zone)
		if from.Format(time.RFC3339) != c.from || to.Format(time.RFC3339) != c.to {
			t.Errorf("lastQuarter(%s) = %s .. %s, want %s .. %s", c.at, from.Format(time.RFC3339), to.Format(time.RFC3339), c.from, c.to)
		}
	}
}

var placeholder = regexp.MustCompile(`\{[a-zA-Z]+\}`)

func TestBaselineQuotesLiterals(t *testing.T) {
	w := dashWindow{city: city{code: "910100", path: "/1/2/"}, from: dashFrom, to: dashTo,
		marketFrom: "2024-10-01T00:00:00+08:00", marketTo: dashTo, zone: dashZone}
	stmts := w.baseline()
	if len(stmts) != 3 {
		t.Fatalf("%d statements", len(stmts))
	}
	for _, s := range stmts {
		if placeholder.MatchString(s) {
			t.Errorf("unreplaced placeholder in %s", s)
		}
		if !strings.HasSuffix(s, ";") {
			t.Errorf("statement does not end with ';' (pgbench needs it): %s", s)
		}
	}
	if !strings.Contains(stmts[1], "LIKE '/1/2/%'") || !strings.Contains(stmts[0], "AT TIME ZONE 'Asia/Shanghai'") {
		t.Errorf("literals missing:\n%s\n%s", stmts[0], stmts[1])
	}
	if sqlLiteral("a'b") != "'a''b'" {
		t.Errorf("sqlLiteral does not double quotes")
	}
}
