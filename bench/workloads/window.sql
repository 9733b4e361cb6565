-- Issue 6 workload (c), the database's limit: the statements civicgraph itself
-- sends for window.civicgraph.graphql, verbatim (captured from PostgreSQL's log,
-- bench/README.md "PostGraphile baseline"). One pgbench transaction = one answer;
-- parameters as literals.
--
-- A template: bench/cmd/pglcheck fills in
--   :community, :from, :to  the workload's parameters (SQL literals)
--   :category_ids           the distinct category_id of statement 1's first 50
--                           rows (the 51st only tells civicgraph there is a
--                           next page), sorted ascending
-- and writes the runnable pgbench script to its -out directory.
SELECT t.id, t.code, t.community_id, t.category_id, t.occurred_at, t.people_served, t.resolved, t.provider_id, t.provider_person_id, t.recipient_id, t.event_id, t.alliance_id, t.demand_id, t.region_path, t.archived_at, t.occurred_at AS __k0, t.id AS __k1 FROM service_records t WHERE 1=1 AND t.archived_at IS NULL AND (t.community_id = (SELECT t1.id FROM communities t1 WHERE t1.archived_at IS NULL AND ((t1.code = :community))) AND (t.occurred_at >= :from AND t.occurred_at < :to)) ORDER BY t.occurred_at ASC NULLS LAST, t.id ASC NULLS LAST LIMIT 51;
SELECT t.id, t.code, t.name, t.parent_id, t.archived_at, t.id FROM service_categories t WHERE t.id IN (:category_ids) AND t.archived_at IS NULL;
