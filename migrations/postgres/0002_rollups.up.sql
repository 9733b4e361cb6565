-- civicgraph roll-ups (PostgreSQL).
-- Roll-ups: pre-aggregated copies of the service records and demands that the
-- dashboards' stats read instead of the base tables when they can (see
-- internal/rollup). A row holds the sums over the base rows of its key: the
-- region path of the community they hang from, the local period in
-- Asia/Shanghai (month 'YYYY-MM' or day 'YYYY-MM-DD') and a few dimensions.
-- Keys may be NULL (a record without category), so there is no primary key:
-- maintenance deletes and recounts whole keys, and `civicgraph rollup verify`
-- checks that no key is held twice. Writes keep them in step in their own
-- transaction; the statements at the end fill them from what is already
-- stored, exactly as `civicgraph rollup rebuild` does.
-- Text columns are COLLATE "C", as everywhere. Measures are integer, whose
-- SUM PostgreSQL adds up as bigint (a SUM of bigint would be numeric, and
-- slower); no key's sum comes near 2^31.

CREATE TABLE service_rollup_community_month (
    region_path   text COLLATE "C" NOT NULL,
    month         text COLLATE "C" NOT NULL,
    community_id  bigint NOT NULL,
    category_id   bigint,
    event_kind    text COLLATE "C",
    records       integer NOT NULL,
    people_served integer NOT NULL,
    resolved      integer NOT NULL
);
CREATE INDEX service_rollup_community_month_path ON service_rollup_community_month (region_path, month);
CREATE INDEX service_rollup_community_month_community ON service_rollup_community_month (community_id, month);

CREATE TABLE service_rollup_region_month (
    region_path   text COLLATE "C" NOT NULL,
    month         text COLLATE "C" NOT NULL,
    category_id   bigint,
    records       integer NOT NULL,
    people_served integer NOT NULL,
    resolved      integer NOT NULL
);
CREATE INDEX service_rollup_region_month_path ON service_rollup_region_month (region_path, month);
CREATE INDEX service_rollup_region_month_month ON service_rollup_region_month (month);

CREATE TABLE service_rollup_region (
    region_path   text COLLATE "C" NOT NULL,
    records       integer NOT NULL,
    people_served integer NOT NULL,
    resolved      integer NOT NULL
);
CREATE INDEX service_rollup_region_path ON service_rollup_region (region_path);

CREATE TABLE service_rollup_provider_month (
    region_path   text COLLATE "C" NOT NULL,
    month         text COLLATE "C" NOT NULL,
    community_id  bigint NOT NULL,
    provider_id   bigint,
    alliance_id   bigint,
    records       integer NOT NULL,
    people_served integer NOT NULL,
    resolved      integer NOT NULL
);
CREATE INDEX service_rollup_provider_month_path ON service_rollup_provider_month (region_path, month);
CREATE INDEX service_rollup_provider_month_community ON service_rollup_provider_month (community_id, month);
CREATE INDEX service_rollup_provider_month_provider ON service_rollup_provider_month (provider_id, month);
CREATE INDEX service_rollup_provider_month_alliance ON service_rollup_provider_month (alliance_id, month);

CREATE TABLE service_rollup_alliance_month (
    region_path   text COLLATE "C" NOT NULL,
    month         text COLLATE "C" NOT NULL,
    alliance_id   bigint,
    records       integer NOT NULL,
    people_served integer NOT NULL,
    resolved      integer NOT NULL
);
CREATE INDEX service_rollup_alliance_month_path ON service_rollup_alliance_month (region_path, month);
CREATE INDEX service_rollup_alliance_month_alliance ON service_rollup_alliance_month (alliance_id, month);

CREATE TABLE service_rollup_community_day (
    region_path   text COLLATE "C" NOT NULL,
    day           text COLLATE "C" NOT NULL,
    community_id  bigint NOT NULL,
    records       integer NOT NULL,
    people_served integer NOT NULL,
    resolved      integer NOT NULL
);
CREATE INDEX service_rollup_community_day_path ON service_rollup_community_day (region_path, day);
CREATE INDEX service_rollup_community_day_community ON service_rollup_community_day (community_id, day);

CREATE TABLE demand_rollup_status (
    region_path text COLLATE "C" NOT NULL,
    status      text COLLATE "C" NOT NULL,
    demands     integer NOT NULL
);
CREATE INDEX demand_rollup_status_path ON demand_rollup_status (region_path, status);

-- Fill from what is stored (the same statements as Rebuild).
INSERT INTO service_rollup_community_month (region_path, month, community_id, category_id, event_kind, records, people_served, resolved) SELECT c0, to_char(c1, 'YYYY-MM') COLLATE "C", c2, c3, c4, c5, c6, c7 FROM (SELECT sr.region_path AS c0, date_trunc('month', sr.occurred_at AT TIME ZONE 'Asia/Shanghai') AS c1, sr.community_id AS c2, sr.category_id AS c3, ev.kind AS c4, COUNT(*) AS c5, SUM(sr.people_served) AS c6, SUM(CASE WHEN sr.resolved THEN 1 ELSE 0 END) AS c7 FROM service_records sr LEFT JOIN service_events ev ON ev.id = sr.event_id GROUP BY 1, 2, 3, 4, 5) c;
INSERT INTO service_rollup_region_month (region_path, month, category_id, records, people_served, resolved) SELECT x.region_path, x.month, x.category_id, SUM(x.records), SUM(x.people_served), SUM(x.resolved) FROM service_rollup_community_month x GROUP BY 1, 2, 3;
INSERT INTO service_rollup_region (region_path, records, people_served, resolved) SELECT x.region_path, SUM(x.records), SUM(x.people_served), SUM(x.resolved) FROM service_rollup_region_month x GROUP BY 1;
INSERT INTO service_rollup_provider_month (region_path, month, community_id, provider_id, alliance_id, records, people_served, resolved) SELECT c0, to_char(c1, 'YYYY-MM') COLLATE "C", c2, c3, c4, c5, c6, c7 FROM (SELECT sr.region_path AS c0, date_trunc('month', sr.occurred_at AT TIME ZONE 'Asia/Shanghai') AS c1, sr.community_id AS c2, sr.provider_id AS c3, sr.alliance_id AS c4, COUNT(*) AS c5, SUM(sr.people_served) AS c6, SUM(CASE WHEN sr.resolved THEN 1 ELSE 0 END) AS c7 FROM service_records sr GROUP BY 1, 2, 3, 4, 5) c;
INSERT INTO service_rollup_alliance_month (region_path, month, alliance_id, records, people_served, resolved) SELECT x.region_path, x.month, x.alliance_id, SUM(x.records), SUM(x.people_served), SUM(x.resolved) FROM service_rollup_provider_month x GROUP BY 1, 2, 3;
INSERT INTO service_rollup_community_day (region_path, day, community_id, records, people_served, resolved) SELECT c0, to_char(c1, 'YYYY-MM-DD') COLLATE "C", c2, c3, c4, c5 FROM (SELECT sr.region_path AS c0, date_trunc('day', sr.occurred_at AT TIME ZONE 'Asia/Shanghai') AS c1, sr.community_id AS c2, COUNT(*) AS c3, SUM(sr.people_served) AS c4, SUM(CASE WHEN sr.resolved THEN 1 ELSE 0 END) AS c5 FROM service_records sr GROUP BY 1, 2, 3) c;
INSERT INTO demand_rollup_status (region_path, status, demands) SELECT d.region_path, d.status, COUNT(*) FROM demands d GROUP BY 1, 2;
