-- 0011 event audience: whom an event concerns, so that live streams,
-- inboxes and group bots can pick theirs without reading the object again.
-- region_code is the object's region (a staff queue of a street hears the
-- requests of its communities), station_id its station (a station's group
-- bot), account_id the one account it is addressed to (an inbox entry), and
-- data a small JSON object with what a message about it says (title, state).
ALTER TABLE outbox ADD COLUMN region_code TEXT;
ALTER TABLE outbox ADD COLUMN station_id BIGINT;
ALTER TABLE outbox ADD COLUMN account_id BIGINT;
ALTER TABLE outbox ADD COLUMN data TEXT;
CREATE INDEX outbox_account ON outbox(account_id, id) WHERE account_id IS NOT NULL;
