-- Issue 6 workload (a), the database's limit: the statements civicgraph itself
-- sends for nested.civicgraph.graphql, verbatim (captured from PostgreSQL's log
-- with log_min_duration_statement = 0, bench/README.md "PostGraphile baseline").
-- One pgbench transaction = one answer. civicgraph sends them as prepared
-- statements with parameters; here the parameters are literals.
--
-- A template: bench/cmd/pglcheck fills the placeholders from the rows of the
-- statements before them, as civicgraph's loaders do, and writes the runnable
-- pgbench script to its -out directory:
--   :community_ids     the ids of statement 1's first 20 rows (the 21st only
--                      tells civicgraph there is a next page)
--   :alliance_ids      the ids of statement 2's rows
--   :organization_ids  the distinct organization_id of statement 3's rows
-- (each list sorted ascending, as civicgraph sends it).
SELECT t.id, t.code, t.name, t.kind, t.region_id, t.population, t.households, t.region_path, t.archived_at, t.code AS __k0, t.id AS __k1 FROM communities t WHERE 1=1 AND t.archived_at IS NULL AND 1=1 ORDER BY t.code ASC NULLS LAST, t.id ASC NULLS LAST LIMIT 21;
SELECT * FROM (SELECT t.id, t.code, t.name, t.lead_community_id, t.founded_on, t.region_path, t.archived_at, t.code AS __k0, t.id AS __k1, t.lead_community_id AS __parent, ROW_NUMBER() OVER (PARTITION BY t.lead_community_id ORDER BY t.code ASC NULLS LAST, t.id ASC NULLS LAST) AS __rn FROM alliances t WHERE t.lead_community_id IN (:community_ids) AND t.archived_at IS NULL AND 1=1) x WHERE __rn <= 1001 ORDER BY __parent, __rn;
SELECT * FROM (SELECT t.id, t.code, t.alliance_id, t.organization_id, t.signed_on, t.left_on, t.region_path, t.archived_at, t.code AS __k0, t.id AS __k1, t.alliance_id AS __parent, ROW_NUMBER() OVER (PARTITION BY t.alliance_id ORDER BY t.code ASC NULLS LAST, t.id ASC NULLS LAST) AS __rn FROM memberships t WHERE t.alliance_id IN (:alliance_ids) AND t.archived_at IS NULL AND 1=1) x WHERE __rn <= 1001 ORDER BY __parent, __rn;
SELECT t.id, t.code, t.name, t.kind, t.region_id, t.community_id, t.parent_id, t.region_path, t.archived_at, t.id FROM organizations t WHERE t.id IN (:organization_ids) AND t.archived_at IS NULL;
