-- 0017 points (积分): an append-only ledger of each account's points, the
-- rules that award them, their expiry and the verification of the chain
-- that makes tampering visible (domain/points.c, domain/chain.c).
--
-- Every entry is one row of points_entries: an amount (+ earned, − spent),
-- why (reason), what caused it (ref_kind, ref_id), the rule that awarded it
-- (NULL for the code's own postings), the place of the cause (region_code
-- and station_id: a street's statement, a station's monthly summary), who
-- granted it (NULL: the system, by a rule) and a note (a correction's
-- reason). seq numbers one account's entries 1, 2, 3 … and mac is
-- HMAC-SHA256(key, the previous entry's mac ‖ this entry's canonical text),
-- keyed outside the database: an entry changed or removed afterwards no
-- longer matches (`yizhan verify`).
--
-- UNIQUE (reason, ref_kind, ref_id, account_id) is the idempotency of
-- awards: an event delivered twice, or a retried request, posts once.
-- UNIQUE (account_id, seq) is the chain's order and the statement's index
-- (seq grows with id within an account: entries are posted under the
-- account's balance row lock).
CREATE TABLE points_entries (
	id @PK@,
	account_id BIGINT NOT NULL REFERENCES accounts(id),
	amount BIGINT NOT NULL CHECK (amount <> 0),
	reason TEXT NOT NULL CHECK (reason IN ('service', 'report', 'task', 'activity', 'shift',
		'redemption', 'refund', 'expiry', 'correction')),
	ref_kind TEXT NOT NULL,
	ref_id BIGINT NOT NULL,
	rule TEXT,
	region_code TEXT,
	station_id BIGINT,
	granted_by BIGINT REFERENCES accounts(id),
	note TEXT,
	created_s BIGINT NOT NULL,
	seq BIGINT NOT NULL,
	mac TEXT NOT NULL,
	-- earnings and refunds add, redemptions and expiry take away, a
	-- correction goes either way; a correction always says why
	CHECK ((reason IN ('redemption', 'expiry') AND amount < 0)
		OR (reason = 'correction' AND note IS NOT NULL AND note <> '')
		OR (reason NOT IN ('redemption', 'expiry', 'correction') AND amount > 0)),
	UNIQUE (reason, ref_kind, ref_id, account_id),
	UNIQUE (account_id, seq)
);
-- A region's entries, newest first (staff statements).
CREATE INDEX points_entries_region ON points_entries(region_code, id);

-- Each account's balance and the head of its chain (the last seq and its
-- mac, so the removal of the last entry is seen too), kept by the trigger
-- below in the transaction of each entry. The CHECK is the rule "never
-- negative" said by the database itself: an entry that would take the
-- balance below zero fails, whoever inserts it.
CREATE TABLE points_balances (
	account_id BIGINT PRIMARY KEY REFERENCES accounts(id),
	balance BIGINT NOT NULL DEFAULT 0 CHECK (balance >= 0),
	last_seq BIGINT NOT NULL DEFAULT 0,
	head_mac TEXT NOT NULL DEFAULT ''
);

-- Points issued, redeemed (net of refunds), expired and taken back by
-- corrections per month (yyyymm, city time), region and station (0: none),
-- kept by the posting transaction: the monthly summaries read this, never
-- the entries.
CREATE TABLE points_monthly (
	month INTEGER NOT NULL,
	region_code TEXT NOT NULL,
	station_id BIGINT NOT NULL,
	issued BIGINT NOT NULL DEFAULT 0,
	redeemed BIGINT NOT NULL DEFAULT 0,
	expired BIGINT NOT NULL DEFAULT 0,
	corrected BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (month, region_code, station_id)
);

-- The earning rules: what a kind of cause (a request kind, "activity",
-- "shift") of a category ('*': any) earns, for whom. basis 'fixed' is
-- amount once, 'per_hour' amount per hour of service (accepted → resolved,
-- at most 24 h) with bonuses for the share of it at night (22:00–06:00
-- city time) and on holidays, 'event' the points the event itself names (an
-- activity's). monthly_cap (0: none) bounds what one account earns from the
-- rule in a calendar month.
CREATE TABLE points_rules (
	code TEXT PRIMARY KEY,
	kind TEXT NOT NULL,
	category TEXT NOT NULL DEFAULT '*',
	reason TEXT NOT NULL CHECK (reason IN ('service', 'report', 'task', 'activity', 'shift')),
	basis TEXT NOT NULL CHECK (basis IN ('fixed', 'per_hour', 'event')),
	amount BIGINT NOT NULL CHECK (amount >= 0),
	night_bonus_pct INTEGER NOT NULL DEFAULT 0 CHECK (night_bonus_pct BETWEEN 0 AND 1000),
	holiday_bonus_pct INTEGER NOT NULL DEFAULT 0 CHECK (holiday_bonus_pct BETWEEN 0 AND 1000),
	monthly_cap BIGINT NOT NULL DEFAULT 0 CHECK (monthly_cap >= 0),
	beneficiary TEXT NOT NULL CHECK (beneficiary IN ('assignee', 'requester', 'participant')),
	enabled INTEGER NOT NULL DEFAULT 1,
	updated_s BIGINT NOT NULL DEFAULT 0,
	UNIQUE (kind, category)
);
INSERT INTO points_rules (code, kind, category, reason, basis, amount, night_bonus_pct,
	holiday_bonus_pct, monthly_cap, beneficiary, enabled) VALUES
	('order', 'order', '*', 'service', 'per_hour', 1, 50, 50, 0, 'assignee', 1),
	('wish', 'wish', '*', 'service', 'fixed', 5, 0, 0, 0, 'assignee', 1),
	('visit', 'visit', '*', 'service', 'fixed', 3, 0, 0, 0, 'assignee', 1),
	('mediation', 'mediation', '*', 'service', 'fixed', 10, 0, 0, 0, 'assignee', 1),
	('task', 'task', '*', 'task', 'fixed', 5, 0, 0, 0, 'assignee', 1),
	('report', 'report', '*', 'report', 'fixed', 2, 0, 0, 20, 'requester', 1),
	('activity', 'activity', '*', 'activity', 'event', 0, 0, 0, 0, 'participant', 1),
	('shift', 'shift', '*', 'shift', 'per_hour', 1, 50, 100, 0, 'participant', 0);

-- Holidays beyond weekends (法定节假日), for the holiday bonus; editable.
CREATE TABLE points_holidays (
	day TEXT PRIMARY KEY,                -- YYYY-MM-DD, city time
	name TEXT NOT NULL
);
INSERT INTO points_holidays (day, name) VALUES
	('2026-01-01', '元旦'), ('2026-02-16', '春节'), ('2026-02-17', '春节'),
	('2026-02-18', '春节'), ('2026-02-19', '春节'), ('2026-02-20', '春节'),
	('2026-04-05', '清明节'), ('2026-05-01', '劳动节'), ('2026-06-19', '端午节'),
	('2026-09-25', '中秋节'), ('2026-10-01', '国庆节'), ('2026-10-02', '国庆节'),
	('2026-10-03', '国庆节');

-- How far the awarding consumer has read the outbox (as bot_cursor: every
-- id up to scanned_id applied, hole_since_s when the lowest missing id
-- above it was first met). One row, locked by the scan on PostgreSQL.
CREATE TABLE points_cursor (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	scanned_id BIGINT NOT NULL,
	hole_since_s BIGINT NOT NULL DEFAULT 0
);
INSERT INTO points_cursor (id, scanned_id, hole_since_s) SELECT 1, COALESCE(MAX(id), 0), 0 FROM outbox;

-- The years whose points have expired for every account (the expiry job
-- looks no more at them).
CREATE TABLE points_expiry_years (
	year INTEGER PRIMARY KEY,
	done_s BIGINT NOT NULL
);

-- Each run of `yizhan verify` (or the server's periodic one): when, how
-- many entries it checked, how many problems it found and the first of
-- them in words. /metrics shows the last.
CREATE TABLE ledger_verify_runs (
	id @PK@,
	started_s BIGINT NOT NULL,
	finished_s BIGINT NOT NULL,
	entries BIGINT NOT NULL,
	problems BIGINT NOT NULL,
	detail TEXT
);

-- The balance follows each entry in its own statement, and the entry must
-- continue its account's chain (seq = last_seq + 1). Entries are never
-- changed nor deleted: a correction is a new entry.
-- @sqlite
CREATE TRIGGER points_entries_post BEFORE INSERT ON points_entries BEGIN
	SELECT RAISE(ABORT, 'points entry out of sequence')
	WHERE NEW.seq <> COALESCE((SELECT last_seq FROM points_balances
		WHERE account_id = NEW.account_id), 0) + 1;
	INSERT INTO points_balances (account_id) VALUES (NEW.account_id)
	ON CONFLICT (account_id) DO NOTHING;
	UPDATE points_balances SET balance = balance + NEW.amount, last_seq = NEW.seq,
		head_mac = NEW.mac WHERE account_id = NEW.account_id;
END;
CREATE TRIGGER points_entries_no_update BEFORE UPDATE ON points_entries BEGIN
	SELECT RAISE(ABORT, 'points entries are append-only');
END;
CREATE TRIGGER points_entries_no_delete BEFORE DELETE ON points_entries BEGIN
	SELECT RAISE(ABORT, 'points entries are append-only');
END;
-- @end
-- @postgres
CREATE FUNCTION points_entries_post() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.seq <> COALESCE((SELECT last_seq FROM points_balances
		WHERE account_id = NEW.account_id), 0) + 1 THEN
		RAISE EXCEPTION 'points entry out of sequence';
	END IF;
	INSERT INTO points_balances (account_id) VALUES (NEW.account_id)
	ON CONFLICT (account_id) DO NOTHING;
	UPDATE points_balances SET balance = balance + NEW.amount, last_seq = NEW.seq,
		head_mac = NEW.mac WHERE account_id = NEW.account_id;
	RETURN NEW;
END $$;
CREATE TRIGGER points_entries_post BEFORE INSERT ON points_entries
	FOR EACH ROW EXECUTE FUNCTION points_entries_post();
CREATE FUNCTION points_entries_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'points entries are append-only';
END $$;
CREATE TRIGGER points_entries_frozen BEFORE UPDATE OR DELETE ON points_entries
	FOR EACH ROW EXECUTE FUNCTION points_entries_frozen();
-- @end
