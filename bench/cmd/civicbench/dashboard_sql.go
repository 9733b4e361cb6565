package main

import (
	"strings"
)

// The dashboard's baseline: the same figures as plain SQL over the base
// tables, as someone without civicgraph would write them. Three statements
// (one pgbench transaction is one dashboard):
//
//  1. serviceStats: service_records joined to communities, rolled up to
//     the district whose path prefixes the community's region path, the
//     local month by AT TIME ZONE, grouped with GROUP BY;
//  2. summary: one aggregate per table over the city's subtree (the rows
//     whose region_path starts with the city's path — an index range scan
//     on the text column, which is COLLATE "C");
//  3. coverage: the city's communities with EXISTS probes.
//
// Values are literals (checked codes, paths and instants), so the script
// runs under pgbench as it is.

// dashWindow is everything the baseline statements are written for.
type dashWindow struct {
	city                 city
	from, to             string // serviceStats window, RFC 3339
	marketFrom, marketTo string // coverage's last quarter, RFC 3339
	zone                 string
}

// baseline returns the three statements.
func (w dashWindow) baseline() []string {
	r := strings.NewReplacer(
		"{zone}", sqlLiteral(w.zone),
		"{from}", sqlLiteral(w.from),
		"{to}", sqlLiteral(w.to),
		"{subtree}", sqlLiteral(w.city.path+"%"),
		"{marketFrom}", sqlLiteral(w.marketFrom),
		"{marketTo}", sqlLiteral(w.marketTo),
	)
	return []string{r.Replace(dashStatsSQL), r.Replace(dashSummarySQL), r.Replace(dashCoverageSQL)}
}

const dashStatsSQL = `-- serviceStats(groupBy: [REGION, PERIOD, CATEGORY], regionLevel: DISTRICT, period: MONTH, from, to)
SELECT d.code AS region, d.name AS region_name,
       to_char(sr.occurred_at AT TIME ZONE {zone}, 'YYYY-MM') AS month,
       cat.code AS category, cat.name AS category_name,
       count(*) AS records,
       coalesce(sum(sr.people_served), 0) AS people_served,
       count(*) FILTER (WHERE sr.resolved) AS resolved,
       (count(*) FILTER (WHERE sr.resolved))::float8 / count(*) AS resolution_rate
FROM service_records sr
JOIN communities c ON c.id = sr.community_id
JOIN regions d ON d.level = 'DISTRICT' AND c.region_path LIKE d.path || '%'
LEFT JOIN service_categories cat ON cat.id = sr.category_id
WHERE sr.occurred_at >= {from} AND sr.occurred_at < {to}
GROUP BY d.code, d.name, month, cat.code, cat.name
ORDER BY d.code, month, cat.code;`

const dashSummarySQL = `-- region(code: city) { summary { ... } }
SELECT c.communities, c.villages, a.alliances, m.member_organizations, p.party_members_serving,
       s.studios, t.trainees, t.elected_from_studios, r.people_served, r.problems_solved, d.open_demands
FROM (SELECT count(*) AS communities, count(*) FILTER (WHERE kind = 'VILLAGE') AS villages
        FROM communities WHERE region_path LIKE {subtree}) c,
     (SELECT count(*) AS alliances FROM alliances WHERE region_path LIKE {subtree}) a,
     (SELECT count(DISTINCT organization_id) AS member_organizations FROM memberships
        WHERE region_path LIKE {subtree}
          AND (left_on IS NULL OR left_on > (now() AT TIME ZONE {zone})::date)) m,
     (SELECT count(*) AS party_members_serving FROM people pe
        WHERE pe.region_path LIKE {subtree} AND pe.party_member
          AND EXISTS (SELECT 1 FROM person_roles pr WHERE pr.person_id = pe.id AND pr.role = 'VOLUNTEER')) p,
     (SELECT count(*) AS studios FROM studios WHERE region_path LIKE {subtree}) s,
     (SELECT count(DISTINCT trainee_id) AS trainees,
             count(DISTINCT trainee_id) FILTER (WHERE outcome IN ('ELECTED_SECRETARY', 'ELECTED_DEPUTY_SECRETARY')) AS elected_from_studios
        FROM mentorships WHERE region_path LIKE {subtree}) t,
     (SELECT coalesce(sum(people_served), 0) AS people_served, count(*) FILTER (WHERE resolved) AS problems_solved
        FROM service_records WHERE region_path LIKE {subtree}) r,
     (SELECT count(*) AS open_demands FROM demands
        WHERE region_path LIKE {subtree} AND status NOT IN ('RESOLVED', 'CLOSED')) d;`

const dashCoverageSQL = `-- region(code: city) { coverage(asOf) { ... } }
SELECT communities, with_alliance, with_graduate_secretary, with_market,
       coalesce(with_alliance::float8 / nullif(communities, 0), 0) AS alliance_share,
       coalesce(with_graduate_secretary::float8 / nullif(communities, 0), 0) AS graduate_secretary_share,
       coalesce(with_market::float8 / nullif(communities, 0), 0) AS market_share
FROM (
  SELECT count(*) AS communities,
         count(*) FILTER (WHERE EXISTS (SELECT 1 FROM alliances a WHERE a.lead_community_id = c.id)) AS with_alliance,
         count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM people p JOIN person_roles sec ON sec.person_id = p.id AND sec.role = 'SECRETARY'
           WHERE p.community_id = c.id AND EXISTS (SELECT 1 FROM mentorships m WHERE m.trainee_id = p.id))) AS with_graduate_secretary,
         count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM service_events e
           WHERE e.community_id = c.id AND e.kind = 'MARKET'
             AND e.starts_at >= {marketFrom} AND e.starts_at < {marketTo})) AS with_market
  FROM communities c WHERE c.region_path LIKE {subtree}
) x;`
