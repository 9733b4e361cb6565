-- civicgraph authentication (PostgreSQL).
-- api_keys holds API keys as SHA-256 hashes only: the key itself is shown
-- once when it is created and never stored, so a copy of the database does
-- not hand out access. prefix (the key's first 8 characters) lets people
-- tell keys apart in listings. A key is never deleted, only revoked, so that
-- the access log's "key:<id>" subjects keep naming it.
-- api_key_operations is a key's persisted-operation allowlist: the SHA-256
-- hashes of the GraphQL documents it may run. A key with none runs anything.
-- access_log records reads of personal data (who, when, which entity and
-- fields); it is append-only.
-- Text columns are COLLATE "C", as everywhere.

CREATE TABLE api_keys (
    id          bigserial PRIMARY KEY,
    name        text COLLATE "C" NOT NULL UNIQUE,
    role        text COLLATE "C" NOT NULL,
    scope_kind  text COLLATE "C" NOT NULL DEFAULT '',
    scope_code  text COLLATE "C" NOT NULL DEFAULT '',
    pii         boolean NOT NULL DEFAULT false,
    hash        text COLLATE "C" NOT NULL UNIQUE,
    prefix      text COLLATE "C" NOT NULL,
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);

CREATE TABLE api_key_operations (
    key_id      bigint NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    hash        text COLLATE "C" NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (key_id, hash)
);

CREATE TABLE access_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL,
    subject     text COLLATE "C" NOT NULL,
    operation   text COLLATE "C" NOT NULL DEFAULT '',
    entity      text COLLATE "C" NOT NULL,
    entity_id   bigint NOT NULL,
    fields      text COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX access_log_at ON access_log (at);
CREATE INDEX access_log_entity ON access_log (entity, entity_id);
