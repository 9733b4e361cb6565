-- civicgraph partitioned history (PostgreSQL): service_records, changes and
-- audit_log become range-partitioned by month of occurred_at / at, so that a
-- time-filtered query reads only the months it asks for and old months can
-- be detached or dropped whole. The tables are converted in place: each is
-- renamed, a partitioned twin with the same columns (same order), defaults,
-- foreign keys and indexes takes its name, the rows are copied, the id
-- sequence moves to the twin (ids continue where they were) and the old
-- table is dropped. The whole file is one statement batch, hence one
-- transaction: it applies whole or not at all.
--
-- Partition bounds are UTC months, [first instant of the month in UTC, first
-- instant of the next): partitions are named <table>_yYYYYmMM (UTC). A period
-- in local time (Asia/Shanghai months, as the dashboards ask) is at most a
-- few hours off a UTC month, so it still prunes to the months it overlaps,
-- at most one more than a UTC period would.
--
-- Uniqueness of service_records.code. PostgreSQL 15 has no index across
-- partitions, and every UNIQUE index of a partitioned table must include the
-- partition key: UNIQUE (code) cannot stay, and UNIQUE (code, occurred_at)
-- would let a code exist once per instant. So the code moves to a small,
-- unpartitioned key table, service_record_codes (code PRIMARY KEY, id,
-- occurred_at), which owns the uniqueness; options considered:
--   (1) writers maintain it — ingest's upsert first claims its codes there
--       (INSERT ... ON CONFLICT (code), which also row-locks the existing
--       ones until commit, so two writers of the same new code serialize and
--       the second updates the first's row), then writes service_records in
--       a second statement that, READ COMMITTED, sees what the first writer
--       committed;
--   (2) triggers maintain it — they also cover any other writer (plain SQL,
--       psql, a test), but alone they can only refuse a second writer of a
--       code, not turn it into an update as ON CONFLICT did.
-- Both, then: (1) for the upsert, and statement-level triggers with
-- transition tables (one set-based statement per write statement, not a
-- row-by-row function call) that insert the keys of rows written by other
-- means, refuse a code held by another id (unique_violation), follow a
-- record's code or occurred_at when an UPDATE changes them (a cross-month
-- UPDATE moves the row to the other partition, PostgreSQL 15's row
-- movement) and drop the keys of deleted rows. occurred_at in the key table
-- says which partition holds the row, so a write finds a stored record with
-- one index probe (id, occurred_at) instead of one per month.
--
-- No DEFAULT partition. It would take the rows of months nobody created, but
-- those rows defeat pruning (every query reads the default partition), and
-- creating their month later means moving them out under an exclusive lock
-- of the default partition (PostgreSQL refuses the new partition while the
-- default holds rows of its range). Instead every month a writer may need is
-- created before it writes: this migration creates the months of the stored
-- rows and the next ones, store.EnsurePartitions creates the coming months
-- at start-up and daily, and the writers create the month of a row on demand
-- (an import of 2015's records). A row of a month without partition can only
-- come from plain SQL, and it fails loudly ("no partition of relation").
--
-- civicgraph_month_partition creates one month (UTC) of one table unless it
-- exists, and says whether it did. It creates a plain table and ATTACHes it,
-- which locks the parent SHARE UPDATE EXCLUSIVE (readers and writers go on)
-- where CREATE TABLE ... PARTITION OF would lock it ACCESS EXCLUSIVE. That
-- lock conflicts with itself, so it is taken first: two processes racing for
-- the same month create it once, the second finds it (taking a table lock
-- also refreshes what the catalog look-up sees). Should the name exist all
-- the same, the month is there: not an error.

CREATE FUNCTION civicgraph_month_partition(parent text, month date) RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
    first timestamp := date_trunc('month', month::timestamp);
    part  text := format('%s_y%sm%s', parent, to_char(first, 'YYYY'), to_char(first, 'MM'));
BEGIN
    EXECUTE format('LOCK TABLE %I IN SHARE UPDATE EXCLUSIVE MODE', parent);
    IF to_regclass(quote_ident(part)) IS NOT NULL THEN
        RETURN false;
    END IF;
    BEGIN
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS)', part, parent);
    EXCEPTION WHEN duplicate_table OR unique_violation THEN
        RETURN false;
    END;
    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, part,
        first AT TIME ZONE 'UTC', (first + interval '1 month') AT TIME ZONE 'UTC');
    RETURN true;
END
$fn$;

-- civicgraph_month_partitions creates the months of every instant of
-- instants, and of the month before now to three months after: what the
-- conversion below needs for the rows it copies.
CREATE FUNCTION civicgraph_month_partitions(parent text, instants timestamptz[]) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    m date;
BEGIN
    FOR m IN
        SELECT DISTINCT date_trunc('month', i AT TIME ZONE 'UTC')::date FROM unnest(instants) i WHERE i IS NOT NULL
        UNION
        SELECT date_trunc('month', (now() AT TIME ZONE 'UTC') + k * interval '1 month')::date FROM generate_series(-1, 3) k
        ORDER BY 1
    LOOP
        PERFORM civicgraph_month_partition(parent, m);
    END LOOP;
END
$fn$;

-- service_records -----------------------------------------------------------

ALTER TABLE service_records RENAME TO service_records_unpartitioned;
-- Free the names of its indexes (schema-wide) and constraints for the twin;
-- the rows it hands over satisfy them already.
ALTER TABLE service_records_unpartitioned DROP CONSTRAINT service_records_pkey;
ALTER TABLE service_records_unpartitioned DROP CONSTRAINT service_records_code_key,
    DROP CONSTRAINT service_records_community_id_fkey, DROP CONSTRAINT service_records_category_id_fkey,
    DROP CONSTRAINT service_records_provider_id_fkey, DROP CONSTRAINT service_records_provider_person_id_fkey,
    DROP CONSTRAINT service_records_recipient_id_fkey, DROP CONSTRAINT service_records_event_id_fkey,
    DROP CONSTRAINT service_records_alliance_id_fkey, DROP CONSTRAINT service_records_demand_id_fkey;
DROP INDEX service_records_community_id, service_records_category_id, service_records_provider_id,
    service_records_provider_person_id, service_records_recipient_id, service_records_event_id,
    service_records_alliance_id, service_records_demand_id, service_records_region_path,
    service_records_occurred_at, service_records_people_served, service_records_resolved;

CREATE TABLE service_records (
    id                 bigint NOT NULL DEFAULT nextval('service_records_id_seq'),
    code               text COLLATE "C" NOT NULL,
    community_id       bigint NOT NULL REFERENCES communities (id),
    category_id        bigint REFERENCES service_categories (id),
    occurred_at        timestamptz NOT NULL,
    people_served      integer NOT NULL DEFAULT 0,
    resolved           boolean NOT NULL DEFAULT false,
    provider_id        bigint REFERENCES organizations (id),
    provider_person_id bigint REFERENCES people (id),
    recipient_id       bigint REFERENCES people (id),
    event_id           bigint REFERENCES service_events (id),
    alliance_id        bigint REFERENCES alliances (id),
    demand_id          bigint REFERENCES demands (id),
    region_path        text COLLATE "C" NOT NULL DEFAULT '',
    archived_at        timestamptz,
    PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);
ALTER SEQUENCE service_records_id_seq OWNED BY service_records.id;
-- Look-ups by code (the resolver, the API's serviceRecord(code:)) probe
-- each month's index; uniqueness is service_record_codes' business.
CREATE INDEX service_records_code ON service_records (code);
CREATE INDEX service_records_community_id ON service_records (community_id, occurred_at);
CREATE INDEX service_records_category_id ON service_records (category_id, occurred_at);
CREATE INDEX service_records_provider_id ON service_records (provider_id, occurred_at);
CREATE INDEX service_records_provider_person_id ON service_records (provider_person_id);
CREATE INDEX service_records_recipient_id ON service_records (recipient_id);
CREATE INDEX service_records_event_id ON service_records (event_id);
CREATE INDEX service_records_alliance_id ON service_records (alliance_id, occurred_at);
CREATE INDEX service_records_demand_id ON service_records (demand_id);
CREATE INDEX service_records_region_path ON service_records (region_path, occurred_at);
CREATE INDEX service_records_occurred_at ON service_records (occurred_at);
CREATE INDEX service_records_people_served ON service_records (people_served);
CREATE INDEX service_records_resolved ON service_records (resolved);

SELECT civicgraph_month_partitions('service_records', ARRAY(
    SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' FROM service_records_unpartitioned));
INSERT INTO service_records SELECT * FROM service_records_unpartitioned;
DROP TABLE service_records_unpartitioned;

CREATE TABLE service_record_codes (
    code        text COLLATE "C" PRIMARY KEY,
    id          bigint NOT NULL UNIQUE,
    occurred_at timestamptz NOT NULL
);
INSERT INTO service_record_codes (code, id, occurred_at) SELECT code, id, occurred_at FROM service_records;

-- The triggers keeping service_record_codes in step with writers other than
-- ingest's upsert (which claims its codes itself; for its rows they find
-- the keys already there and do nothing). The planner knows nothing of a
-- transition table's size and would hash-join it to every key: the
-- functions probe the key table's indexes row by row instead (a batch of
-- 5,000 into 350,000 keys: milliseconds, not a scan of them all).
CREATE FUNCTION service_record_codes_insert() RETURNS trigger
LANGUAGE plpgsql SET enable_hashjoin = off SET enable_mergejoin = off SET enable_seqscan = off AS $fn$
DECLARE
    taken text;
BEGIN
    INSERT INTO service_record_codes (code, id, occurred_at)
    SELECT n.code, n.id, n.occurred_at FROM new_rows n
    ON CONFLICT (code) DO NOTHING;
    SELECT n.code INTO taken FROM new_rows n JOIN service_record_codes k ON k.code = n.code
    WHERE k.id <> n.id LIMIT 1;
    IF taken IS NOT NULL THEN
        RAISE EXCEPTION 'duplicate key value violates unique constraint "service_record_codes_pkey"'
            USING ERRCODE = 'unique_violation', CONSTRAINT = 'service_record_codes_pkey',
                  DETAIL = format('Key (code)=(%s) already exists.', taken);
    END IF;
    RETURN NULL;
END
$fn$;
CREATE TRIGGER service_record_codes_insert AFTER INSERT ON service_records
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION service_record_codes_insert();

CREATE FUNCTION service_record_codes_update() RETURNS trigger
LANGUAGE plpgsql SET enable_hashjoin = off SET enable_mergejoin = off SET enable_seqscan = off AS $fn$
BEGIN
    UPDATE service_record_codes k SET code = n.code, occurred_at = n.occurred_at
    FROM new_rows n
    WHERE k.id = n.id AND (k.code <> n.code OR k.occurred_at <> n.occurred_at);
    RETURN NULL;
END
$fn$;
CREATE TRIGGER service_record_codes_update AFTER UPDATE ON service_records
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION service_record_codes_update();

CREATE FUNCTION service_record_codes_delete() RETURNS trigger
LANGUAGE plpgsql SET enable_hashjoin = off SET enable_mergejoin = off SET enable_seqscan = off AS $fn$
BEGIN
    DELETE FROM service_record_codes k USING old_rows o WHERE k.id = o.id;
    RETURN NULL;
END
$fn$;
CREATE TRIGGER service_record_codes_delete AFTER DELETE ON service_records
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION service_record_codes_delete();

-- changes -------------------------------------------------------------------

ALTER TABLE changes RENAME TO changes_unpartitioned;
ALTER TABLE changes_unpartitioned DROP CONSTRAINT changes_pkey;
DROP INDEX changes_type, changes_region_path, changes_entity;

-- sequence stays unique without an index of its own: the writers number
-- changes from MAX(sequence) under the data_version row lock (package
-- changes).
CREATE TABLE changes (
    sequence    bigint NOT NULL,
    type        text COLLATE "C" NOT NULL,
    entity_id   bigint NOT NULL,
    code        text COLLATE "C" NOT NULL,
    operation   text COLLATE "C" NOT NULL,
    at          timestamptz NOT NULL,
    region_path text COLLATE "C" NOT NULL DEFAULT '',
    PRIMARY KEY (sequence, at)
) PARTITION BY RANGE (at);
CREATE INDEX changes_type ON changes (type, sequence);
CREATE INDEX changes_region_path ON changes (region_path, sequence);
CREATE INDEX changes_entity ON changes (type, entity_id, sequence);

SELECT civicgraph_month_partitions('changes', ARRAY(
    SELECT DISTINCT date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' FROM changes_unpartitioned));
INSERT INTO changes SELECT * FROM changes_unpartitioned;
DROP TABLE changes_unpartitioned;

-- audit_log -----------------------------------------------------------------

ALTER TABLE audit_log RENAME TO audit_log_unpartitioned;
ALTER TABLE audit_log_unpartitioned DROP CONSTRAINT audit_log_pkey;
DROP INDEX audit_log_at, audit_log_entity, audit_log_subject;

CREATE TABLE audit_log (
    id          bigint NOT NULL DEFAULT nextval('audit_log_id_seq'),
    at          timestamptz NOT NULL,
    subject     text COLLATE "C" NOT NULL,
    actor       text COLLATE "C" NOT NULL DEFAULT '',
    role        text COLLATE "C" NOT NULL DEFAULT '',
    operation   text COLLATE "C" NOT NULL,
    entity      text COLLATE "C" NOT NULL,
    entity_id   bigint NOT NULL,
    code        text COLLATE "C" NOT NULL,
    before      text COLLATE "C" NOT NULL DEFAULT '',
    after       text COLLATE "C" NOT NULL DEFAULT '',
    request     text COLLATE "C" NOT NULL DEFAULT '',
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
ALTER SEQUENCE audit_log_id_seq OWNED BY audit_log.id;
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_subject ON audit_log (subject, at);

SELECT civicgraph_month_partitions('audit_log', ARRAY(
    SELECT DISTINCT date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' FROM audit_log_unpartitioned));
INSERT INTO audit_log SELECT * FROM audit_log_unpartitioned;
DROP TABLE audit_log_unpartitioned;

-- The copies changed every row: fresh statistics for the planner.
ANALYZE service_records;
ANALYZE service_record_codes;
ANALYZE changes;
ANALYZE audit_log;
