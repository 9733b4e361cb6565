-- civicgraph authentication (SQLite).
-- api_keys holds API keys as SHA-256 hashes only: the key itself is shown
-- once when it is created and never stored, so a copy of the database does
-- not hand out access. prefix (the key's first 8 characters) lets people
-- tell keys apart in listings. A key is never deleted, only revoked, so that
-- the access log's "key:<id>" subjects keep naming it.
-- api_key_operations is a key's persisted-operation allowlist: the SHA-256
-- hashes of the GraphQL documents it may run. A key with none runs anything.
-- access_log records reads of personal data (who, when, which entity and
-- fields); it is append-only.
-- Times are text in the fixed-width UTC format of 0001; booleans are 0/1.

CREATE TABLE api_keys (
    id          INTEGER PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    role        text NOT NULL,
    scope_kind  text NOT NULL DEFAULT '',
    scope_code  text NOT NULL DEFAULT '',
    pii         integer NOT NULL DEFAULT 0,
    hash        text NOT NULL UNIQUE,
    prefix      text NOT NULL,
    created_at  text NOT NULL,
    revoked_at  text
);

CREATE TABLE api_key_operations (
    key_id      integer NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    hash        text NOT NULL,
    created_at  text NOT NULL,
    PRIMARY KEY (key_id, hash)
);

CREATE TABLE access_log (
    id          INTEGER PRIMARY KEY,
    at          text NOT NULL,
    subject     text NOT NULL,
    operation   text NOT NULL DEFAULT '',
    entity      text NOT NULL,
    entity_id   integer NOT NULL,
    fields      text NOT NULL DEFAULT ''
);
CREATE INDEX access_log_at ON access_log (at);
CREATE INDEX access_log_entity ON access_log (entity, entity_id);
