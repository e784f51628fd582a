-- The outbox is purged in id order (events_purge: the rows before the first
-- one young enough to keep), which the primary key serves; the index on
-- created_s cost every write that records an event a page for nothing.
DROP INDEX outbox_created;
