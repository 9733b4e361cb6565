-- The change feed looks up a row's last change (package changes: a row that
-- moved to another region leaves a tombstone under the path readers last
-- saw it at).
CREATE INDEX changes_entity ON changes (type, entity_id, sequence);
