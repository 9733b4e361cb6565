-- Issue 6 workload (b), the database's limit for civicgraph's way: the
-- statements civicgraph itself sends for totals.civicgraph.graphql, verbatim
-- (captured from PostgreSQL's log, bench/README.md "PostGraphile baseline").
-- serviceStats reads the roll-up table service_rollup_region_month (pre-counted
-- per region, month and category), not service_records; totals-groupby.sql is
-- the plain GROUP BY over the records (what PostGraphile sends). One pgbench
-- transaction = one answer.
--
-- A template: bench/cmd/pglcheck fills in
--   :category_ids  the k0 (category_id) values of statement 1's rows, sorted
-- and writes the runnable pgbench script to its -out directory.
SELECT g.k0, o0.code, g.m0, g.m1, g.m2 FROM (SELECT ru.category_id AS k0, SUM(ru.records) AS m0, SUM(ru.people_served) AS m1, SUM(ru.resolved) AS m2 FROM service_rollup_region_month ru WHERE 1=1 GROUP BY 1) g LEFT JOIN service_categories o0 ON o0.id = g.k0;
SELECT t.id, t.code, t.name, t.parent_id, t.archived_at, t.id FROM service_categories t WHERE t.id IN (:category_ids) AND t.archived_at IS NULL;
