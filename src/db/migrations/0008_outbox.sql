-- 0008 outbox: the events a write records in its own transaction
-- ("station.changed" …), so that what must follow a write (the station
-- snapshot of every server, later live queues and webhooks) follows it
-- after commit, and a reader that keeps its position in this table misses
-- none, even across a crash between commit and delivery. Rows are kept for
-- a day.
CREATE TABLE outbox (
	id @PK@,
	topic TEXT NOT NULL,                 -- "station.changed"
	object_id TEXT NOT NULL,             -- the object's id, or "*" for all of them
	created_s BIGINT NOT NULL
);
CREATE INDEX outbox_created ON outbox(created_s);
