-- 0014 group bots: the WeCom (企业微信) and DingTalk (钉钉) group-bot
-- webhooks a station or a street configures, and the deliveries of outbox
-- events to them (domain/bot.c, domain/bot_delivery.c).
--
-- A bot belongs to one station (station_id) or to a region (region_code, a
-- code prefix: a district, street or community), never both. topics is the
-- set of event topics it takes, bit i for the i-th topic of domain/bot.c's
-- table (new topics are only ever appended there). The url is a secret:
-- stored as given, shown masked. failures counts consecutive failed posts;
-- retry_s holds the bot back after one, so a dead bot costs one timeout per
-- retry, not one per message.
CREATE TABLE bots (
	id @PK@,
	name TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('wecom', 'dingtalk')),
	url TEXT NOT NULL,
	secret TEXT,                          -- DingTalk 加签 secret; NULL when none
	station_id BIGINT REFERENCES stations(id) ON DELETE CASCADE,
	region_code TEXT,
	topics BIGINT NOT NULL DEFAULT 0,
	enabled INTEGER NOT NULL DEFAULT 1,
	created_s BIGINT NOT NULL,
	updated_s BIGINT NOT NULL,
	last_ok_s BIGINT,                     -- the last accepted post
	last_error TEXT,                      -- the last failure, cleared by a success
	failures INTEGER NOT NULL DEFAULT 0,
	retry_s BIGINT,
	CHECK ((station_id IS NULL) <> (region_code IS NULL))
);
CREATE INDEX bots_station ON bots(station_id);
CREATE INDEX bots_region ON bots(region_code);

-- One event for one bot. UNIQUE (bot_id, outbox_id) makes a delivery once
-- however often, and by however many servers, an event is scanned. next_s
-- is when a pending delivery is due; a sender that claims one moves it a
-- minute ahead (its lease), so a sender that dies mid-post leaves it due
-- again. outbox_id has no foreign key: outbox rows are deleted after a day,
-- a delivery's topic is kept here for its history.
CREATE TABLE bot_deliveries (
	id @PK@,
	bot_id BIGINT NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
	outbox_id BIGINT NOT NULL,
	topic TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead')),
	attempts INTEGER NOT NULL DEFAULT 0,
	next_s BIGINT NOT NULL,
	last_error TEXT,
	created_s BIGINT NOT NULL,
	sent_s BIGINT,
	UNIQUE (bot_id, outbox_id)
);
CREATE INDEX bot_deliveries_due ON bot_deliveries(state, next_s);
CREATE INDEX bot_deliveries_bot ON bot_deliveries(bot_id, id);

-- How far the scanner has read the outbox: every id up to scanned_id was
-- matched against the bots (or its hole given up); hole_since_s is when the
-- lowest id missing above it was first met (0: none). One row, locked by the
-- scanning transaction on PostgreSQL. What happened before bots existed is
-- not theirs to send.
CREATE TABLE bot_cursor (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	scanned_id BIGINT NOT NULL,
	hole_since_s BIGINT NOT NULL DEFAULT 0
);
INSERT INTO bot_cursor (id, scanned_id, hole_since_s) SELECT 1, COALESCE(MAX(id), 0), 0 FROM outbox;
