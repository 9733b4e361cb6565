-- civicgraph roll-ups (SQLite).
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
-- Local periods are cut with the offsets of Asia/Shanghai's whole history, as
-- internal/rollup/label.go generates them.

CREATE TABLE service_rollup_community_month (
    region_path   text NOT NULL,
    month         text NOT NULL,
    community_id  integer NOT NULL,
    category_id   integer,
    event_kind    text,
    records       integer NOT NULL,
    people_served integer NOT NULL,
    resolved      integer NOT NULL
);
CREATE INDEX service_rollup_community_month_path ON service_rollup_community_month (region_path, month);
CREATE INDEX service_rollup_community_month_community ON service_rollup_community_month (community_id, month);

CREATE TABLE service_rollup_region_month (
    region_path   text NOT NULL,
    month         text NOT NULL,
    category_id   integer,
    records       integer NOT NULL,
    people_served integer NOT NULL,
    resolved      integer NOT NULL
);
CREATE INDEX service_rollup_region_month_path ON service_rollup_region_month (region_path, month);
CREATE INDEX service_rollup_region_month_month ON service_rollup_region_month (month);

CREATE TABLE service_rollup_region (
    region_path   text NOT NULL,
    records       integer NOT NULL,
    people_served integer NOT NULL,
    resolved      integer NOT NULL
);
CREATE INDEX service_rollup_region_path ON service_rollup_region (region_path);

CREATE TABLE service_rollup_provider_month (
    region_path   text NOT NULL,
    month         text NOT NULL,
    community_id  integer NOT NULL,
    provider_id   integer,
    alliance_id   integer,
    records       integer NOT NULL,
    people_served integer NOT NULL,
    resolved      integer NOT NULL
);
CREATE INDEX service_rollup_provider_month_path ON service_rollup_provider_month (region_path, month);
CREATE INDEX service_rollup_provider_month_community ON service_rollup_provider_month (community_id, month);
CREATE INDEX service_rollup_provider_month_provider ON service_rollup_provider_month (provider_id, month);
CREATE INDEX service_rollup_provider_month_alliance ON service_rollup_provider_month (alliance_id, month);

CREATE TABLE service_rollup_alliance_month (
    region_path   text NOT NULL,
    month         text NOT NULL,
    alliance_id   integer,
    records       integer NOT NULL,
    people_served integer NOT NULL,
    resolved      integer NOT NULL
);
CREATE INDEX service_rollup_alliance_month_path ON service_rollup_alliance_month (region_path, month);
CREATE INDEX service_rollup_alliance_month_alliance ON service_rollup_alliance_month (alliance_id, month);

CREATE TABLE service_rollup_community_day (
    region_path   text NOT NULL,
    day           text NOT NULL,
    community_id  integer NOT NULL,
    records       integer NOT NULL,
    people_served integer NOT NULL,
    resolved      integer NOT NULL
);
CREATE INDEX service_rollup_community_day_path ON service_rollup_community_day (region_path, day);
CREATE INDEX service_rollup_community_day_community ON service_rollup_community_day (community_id, day);

CREATE TABLE demand_rollup_status (
    region_path text NOT NULL,
    status      text NOT NULL,
    demands     integer NOT NULL
);
CREATE INDEX demand_rollup_status_path ON demand_rollup_status (region_path, status);

-- Fill from what is stored (the same statements as Rebuild).
INSERT INTO service_rollup_community_month (region_path, month, community_id, category_id, event_kind, records, people_served, resolved) SELECT sr.region_path, strftime('%Y-%m', sr.occurred_at, CASE WHEN sr.occurred_at >= '1991-09-14T17:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1991-04-13T18:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1990-09-15T17:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1990-04-14T18:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1989-09-16T17:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1989-04-15T18:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1988-09-10T17:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1988-04-16T18:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1987-09-12T17:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1987-04-11T18:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1986-09-13T17:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1986-05-03T18:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1949-05-27T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1949-04-30T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1948-09-30T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1948-04-30T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1947-10-31T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1947-04-14T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1946-09-30T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1946-05-14T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1945-09-01T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1942-01-30T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1941-11-01T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1941-03-14T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1940-10-12T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1940-05-31T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1919-09-30T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1919-04-12T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1900-12-31T15:54:17.000000Z' THEN '+28800 seconds' ELSE '+29143 seconds' END), sr.community_id, sr.category_id, ev.kind, COUNT(*), SUM(sr.people_served), SUM(CASE WHEN sr.resolved THEN 1 ELSE 0 END) FROM service_records sr LEFT JOIN service_events ev ON ev.id = sr.event_id GROUP BY 1, 2, 3, 4, 5;
INSERT INTO service_rollup_region_month (region_path, month, category_id, records, people_served, resolved) SELECT x.region_path, x.month, x.category_id, SUM(x.records), SUM(x.people_served), SUM(x.resolved) FROM service_rollup_community_month x GROUP BY 1, 2, 3;
INSERT INTO service_rollup_region (region_path, records, people_served, resolved) SELECT x.region_path, SUM(x.records), SUM(x.people_served), SUM(x.resolved) FROM service_rollup_region_month x GROUP BY 1;
INSERT INTO service_rollup_provider_month (region_path, month, community_id, provider_id, alliance_id, records, people_served, resolved) SELECT sr.region_path, strftime('%Y-%m', sr.occurred_at, CASE WHEN sr.occurred_at >= '1991-09-14T17:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1991-04-13T18:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1990-09-15T17:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1990-04-14T18:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1989-09-16T17:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1989-04-15T18:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1988-09-10T17:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1988-04-16T18:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1987-09-12T17:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1987-04-11T18:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1986-09-13T17:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1986-05-03T18:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1949-05-27T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1949-04-30T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1948-09-30T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1948-04-30T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1947-10-31T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1947-04-14T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1946-09-30T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1946-05-14T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1945-09-01T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1942-01-30T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1941-11-01T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1941-03-14T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1940-10-12T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1940-05-31T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1919-09-30T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1919-04-12T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1900-12-31T15:54:17.000000Z' THEN '+28800 seconds' ELSE '+29143 seconds' END), sr.community_id, sr.provider_id, sr.alliance_id, COUNT(*), SUM(sr.people_served), SUM(CASE WHEN sr.resolved THEN 1 ELSE 0 END) FROM service_records sr GROUP BY 1, 2, 3, 4, 5;
INSERT INTO service_rollup_alliance_month (region_path, month, alliance_id, records, people_served, resolved) SELECT x.region_path, x.month, x.alliance_id, SUM(x.records), SUM(x.people_served), SUM(x.resolved) FROM service_rollup_provider_month x GROUP BY 1, 2, 3;
INSERT INTO service_rollup_community_day (region_path, day, community_id, records, people_served, resolved) SELECT sr.region_path, strftime('%Y-%m-%d', sr.occurred_at, CASE WHEN sr.occurred_at >= '1991-09-14T17:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1991-04-13T18:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1990-09-15T17:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1990-04-14T18:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1989-09-16T17:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1989-04-15T18:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1988-09-10T17:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1988-04-16T18:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1987-09-12T17:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1987-04-11T18:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1986-09-13T17:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1986-05-03T18:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1949-05-27T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1949-04-30T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1948-09-30T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1948-04-30T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1947-10-31T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1947-04-14T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1946-09-30T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1946-05-14T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1945-09-01T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1942-01-30T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1941-11-01T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1941-03-14T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1940-10-12T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1940-05-31T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1919-09-30T15:00:00.000000Z' THEN '+28800 seconds' WHEN sr.occurred_at >= '1919-04-12T16:00:00.000000Z' THEN '+32400 seconds' WHEN sr.occurred_at >= '1900-12-31T15:54:17.000000Z' THEN '+28800 seconds' ELSE '+29143 seconds' END), sr.community_id, COUNT(*), SUM(sr.people_served), SUM(CASE WHEN sr.resolved THEN 1 ELSE 0 END) FROM service_records sr GROUP BY 1, 2, 3;
INSERT INTO demand_rollup_status (region_path, status, demands) SELECT d.region_path, d.status, COUNT(*) FROM demands d GROUP BY 1, 2;
