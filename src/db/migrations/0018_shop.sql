-- 0018 the love supermarket (爱心超市) and distributions (暖新大礼包, 送清凉).
-- A station sells goods for points: items with a stock, a price and a limit
-- per person per month. Every change of an item's stock is a row of its
-- stock ledger (stock_moves), numbered per item and chained with an HMAC
-- keyed outside the database, and the item's stock column is the ledger's
-- running sum, kept with it in one transaction. A redemption takes stock
-- and points at once and gives a pick-up code; a distribution takes a batch
-- from the same stock for a list of people, each handed over once.

CREATE TABLE shop_items (
	id @PK@,
	station_id BIGINT NOT NULL REFERENCES stations(id),
	name TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	photo_id BIGINT REFERENCES photos(id),
	price_points BIGINT NOT NULL CHECK (price_points > 0),
	monthly_limit INTEGER NOT NULL DEFAULT 0 CHECK (monthly_limit >= 0), -- per person; 0: none
	active INTEGER NOT NULL DEFAULT 1,
	-- The sum of the item's stock_moves, changed only with a move.
	stock BIGINT NOT NULL DEFAULT 0 CHECK (stock >= 0),
	-- The head of its chain of moves: the last move's number and mac, so
	-- that removing the last moves is seen too.
	seq BIGINT NOT NULL DEFAULT 0,
	head_mac TEXT NOT NULL DEFAULT '',
	created_s BIGINT NOT NULL,
	updated_s BIGINT NOT NULL
);
CREATE INDEX shop_items_station ON shop_items(station_id, id);

-- The stock ledger: received (+), redeemed (−, a redemption), handed_out
-- (−, a distribution's batch taken for its people), written_off (−, with a
-- note), returned (+, a refunded redemption or a distribution's leftovers).
-- Append-only; seq counts each item's moves from 1 and mac chains them.
CREATE TABLE stock_moves (
	id @PK@,
	item_id BIGINT NOT NULL REFERENCES shop_items(id),
	seq BIGINT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('received', 'redeemed', 'handed_out', 'written_off', 'returned')),
	qty BIGINT NOT NULL CHECK (qty <> 0),
	stock_after BIGINT NOT NULL CHECK (stock_after >= 0),
	ref_kind TEXT,                       -- 'redemption', 'distribution'
	ref_id BIGINT,
	account_id BIGINT REFERENCES accounts(id),
	note TEXT,
	created_s BIGINT NOT NULL,
	mac TEXT NOT NULL,
	UNIQUE (item_id, seq)
);
CREATE INDEX stock_moves_ref ON stock_moves(ref_kind, ref_id);

CREATE TABLE redemptions (
	id @PK@,
	item_id BIGINT NOT NULL REFERENCES shop_items(id),
	station_id BIGINT NOT NULL REFERENCES stations(id),
	account_id BIGINT NOT NULL REFERENCES accounts(id),
	qty INTEGER NOT NULL CHECK (qty > 0),
	points BIGINT NOT NULL CHECK (points > 0),
	state TEXT NOT NULL CHECK (state IN ('reserved', 'handed_over', 'refunded')),
	-- The pick-up code is derived from code_nonce with the key outside the
	-- database (shown to the redeemer alone); code_hash, keyed the same
	-- way, finds it when a manager scans or types it.
	code_nonce TEXT NOT NULL,
	code_hash TEXT NOT NULL UNIQUE,
	created_s BIGINT NOT NULL,
	handed_s BIGINT,
	handed_by BIGINT REFERENCES accounts(id),
	refunded_s BIGINT
);
CREATE INDEX redemptions_account ON redemptions(account_id, item_id, created_s);
CREATE INDEX redemptions_station ON redemptions(station_id, id);
CREATE INDEX redemptions_due ON redemptions(state, created_s);

-- A person's own code, shown as a QR on their profile and scanned at a
-- station when something is handed to them. People entered by staff may
-- have no account: the code belongs to the person.
CREATE TABLE person_codes (
	person_id BIGINT PRIMARY KEY REFERENCES persons(id),
	token TEXT NOT NULL UNIQUE,
	created_s BIGINT NOT NULL
);

CREATE TABLE distributions (
	id @PK@,
	title TEXT NOT NULL,
	station_id BIGINT NOT NULL REFERENCES stations(id),
	region_code TEXT NOT NULL,           -- where its people were chosen
	item_id BIGINT NOT NULL REFERENCES shop_items(id),
	qty_each INTEGER NOT NULL CHECK (qty_each > 0),
	people INTEGER NOT NULL CHECK (people >= 0),
	handed INTEGER NOT NULL DEFAULT 0 CHECK (handed >= 0 AND handed <= people),
	state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
	note TEXT,
	created_by BIGINT REFERENCES accounts(id),
	created_s BIGINT NOT NULL,
	closed_s BIGINT,
	closed_by BIGINT REFERENCES accounts(id),
	returned BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX distributions_station ON distributions(station_id, id);

CREATE TABLE distribution_people (
	distribution_id BIGINT NOT NULL REFERENCES distributions(id),
	person_id BIGINT NOT NULL REFERENCES persons(id),
	state TEXT NOT NULL CHECK (state IN ('due', 'handed_over')),
	handed_s BIGINT,
	handed_by BIGINT REFERENCES accounts(id),
	PRIMARY KEY (distribution_id, person_id)
);
CREATE INDEX distribution_people_person ON distribution_people(person_id);
