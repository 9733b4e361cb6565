-- civicgraph writes (postgres): archiving, the change feed, the audit trail, the
-- demand workflow's history and idempotent ingestion.
--
-- archived_at: a row archived by a mutation stays in its table (the change
-- feed and the audit trail keep naming it, and it can be restored) but
-- vanishes from queries and statistics unless a query asks for archived
-- rows. NULL means live.
ALTER TABLE regions ADD COLUMN archived_at timestamptz;
ALTER TABLE service_categories ADD COLUMN archived_at timestamptz;
ALTER TABLE communities ADD COLUMN archived_at timestamptz;
ALTER TABLE organizations ADD COLUMN archived_at timestamptz;
ALTER TABLE people ADD COLUMN archived_at timestamptz;
ALTER TABLE positions ADD COLUMN archived_at timestamptz;
ALTER TABLE grade_changes ADD COLUMN archived_at timestamptz;
ALTER TABLE alliances ADD COLUMN archived_at timestamptz;
ALTER TABLE memberships ADD COLUMN archived_at timestamptz;
ALTER TABLE studios ADD COLUMN archived_at timestamptz;
ALTER TABLE mentorships ADD COLUMN archived_at timestamptz;
ALTER TABLE research_topics ADD COLUMN archived_at timestamptz;
ALTER TABLE cases ADD COLUMN archived_at timestamptz;
ALTER TABLE service_events ADD COLUMN archived_at timestamptz;
ALTER TABLE demands ADD COLUMN archived_at timestamptz;
ALTER TABLE service_records ADD COLUMN archived_at timestamptz;

-- changes is the change feed: one row per entity row a write transaction
-- changed, numbered by sequence. The sequence is assigned at the end of the
-- writing transaction, after it has locked the data_version row, so that
-- writers take numbers in the order they commit: a reader that has seen
-- sequence N never later sees a smaller one appear (gap-free, resumable).
-- operation is UPSERT or ARCHIVE (a tombstone); code and region_path are
-- copied so that a tombstone names its row without a join.
CREATE TABLE changes (
    sequence    bigint PRIMARY KEY,
    type        text COLLATE "C" NOT NULL,
    entity_id   bigint NOT NULL,
    code        text COLLATE "C" NOT NULL,
    operation   text COLLATE "C" NOT NULL,
    at          timestamptz NOT NULL,
    region_path text COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX changes_type ON changes (type, sequence);
CREATE INDEX changes_region_path ON changes (region_path, sequence);

-- audit_log: every write by a principal, one row per entity row written,
-- with the row as it was and as it became (import-format JSON lines; ''
-- when it did not exist). Append-only.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
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
    request     text COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_subject ON audit_log (subject, at);

-- demand_transitions: a demand's workflow, one row per change of status,
-- with when and by whom.
CREATE TABLE demand_transitions (
    id          bigserial PRIMARY KEY,
    demand_id   bigint NOT NULL REFERENCES demands (id),
    from_status text COLLATE "C" NOT NULL DEFAULT '',
    to_status   text COLLATE "C" NOT NULL,
    at          timestamptz NOT NULL,
    subject     text COLLATE "C" NOT NULL,
    actor       text COLLATE "C" NOT NULL DEFAULT '',
    organization_id bigint REFERENCES organizations (id),
    note        text COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX demand_transitions_demand_id ON demand_transitions (demand_id, id);

-- idempotency_keys: the first result of a keyed write (recordServices),
-- per principal, with a hash of its payload: a retry with the same key and
-- payload gets the stored result and writes nothing; the same key with
-- another payload is a conflict.
CREATE TABLE idempotency_keys (
    subject      text COLLATE "C" NOT NULL,
    key          text COLLATE "C" NOT NULL,
    operation    text COLLATE "C" NOT NULL,
    payload_hash text COLLATE "C" NOT NULL,
    result       text COLLATE "C" NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (subject, key)
);
