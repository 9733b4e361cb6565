-- civicgraph data version: one counter that every write transaction raises
-- (store.BumpDataVersion), so that a cached answer can tell in one cheap
-- read whether anything it was computed from may have changed — including
-- writes by another process, such as `civicgraph import` next to a running
-- server.
CREATE TABLE data_version (
    id      integer PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO data_version (id, version) VALUES (1, 1);
