// Package analytics answers the dashboards' grouped questions: service,
// demand and mentorship figures for any region subtree, grouped by region
// (rolled up to any level of the administrative tree), community, category,
// organization, alliance, status, outcome and local calendar period; and a
// region's headline summary and programme coverage.
//
// Every question is planned once (validated grouping, resolved window, time
// zone, the where translated by package query) and then read by a
// groupReader: one GROUP BY statement over the base tables, or over a
// pre-aggregated roll-up table (package rollup) when one holds everything
// the question looks at (rollupread.go says exactly when). The choice is
// made in one place, Stats.reader, and the public API and the ordering,
// period and NULL-key semantics below never depend on where the numbers
// came from; BaseTablesOnly rules the roll-ups out. Region summaries sum
// people served, problems solved and open demands from roll-ups too.
//
// Semantics shared by all stats:
//
//   - Local time. Periods, relative windows and "today" are cut in the time
//     zone of the region named by where.withinRegion (top level of the where
//     only), or of its nearest ancestor with a time zone; Asia/Shanghai
//     otherwise. PostgreSQL converts with AT TIME ZONE; SQLite has no zone
//     database, so it adds the zone's UTC offset, switching offsets at the
//     zone's transitions inside the window (1800–2100 when the window is
//     open): exact for China, which has had a fixed offset since 1991.
//   - Windows are half-open [From, To) on the fact's instant (occurred_at,
//     raised_at); relative windows are whole calendar units in the zone.
//   - Archived rows count nowhere: not the facts (records, demands,
//     mentorships), not the rows a where reaches (package query's
//     Condition keeps live rows only), not the communities, alliances,
//     people, studios, memberships and events of summaries and coverage,
//     and not in the roll-ups (package rollup counts live rows only). An
//     archived region has no figures.
//   - Groups with no rows are absent, also the single total row of an empty
//     grouping. Rows are ordered by the group keys in the order of
//     Grouping.By: entities by their code, NULL keys last; periods by start;
//     enum values by name; years ascending, NULL last.
package analytics
