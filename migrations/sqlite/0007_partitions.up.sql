-- civicgraph partitioned history (SQLite): nothing to do. On PostgreSQL this
-- version range-partitions service_records, changes and audit_log by month
-- (postgres/0007_partitions.up.sql); SQLite has no partitioning, and its
-- UNIQUE (code) on service_records stays. The migration exists so that both
-- dialects number their schema alike (`civicgraph migrate --to 7`, the
-- readiness report's applied/known counts).
SELECT 1;
