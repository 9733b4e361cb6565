-- Issue 6 workload (b), the plain GROUP BY over the base table: count and sum
-- of people served per category over all live service records, labelled by the
-- category's code. This is what someone without civicgraph's roll-ups writes,
-- and in substance the one statement PostGraphile sends for
-- totals.postgraphile.graphql (which counts with count(DISTINCT id), the only
-- per-group count pg-aggregates offers). No placeholders: runnable as is.
SELECT c.code, g.records, g.people_served FROM (SELECT r.category_id, count(*) AS records, coalesce(sum(r.people_served), 0) AS people_served FROM service_records r WHERE r.archived_at IS NULL GROUP BY r.category_id) g LEFT JOIN service_categories c ON c.id = g.category_id ORDER BY c.code;
