-- 0006 login throttle: failed sign-ins counted per (number, client address)
-- instead of per account. After a few failures from one address, that
-- address must wait before its next try, a wait that doubles with each
-- further failure; every other address can still sign in to the account.
-- Numbers that belong to no account are counted the same way, so no answer
-- tells a registered number from an unknown one. The counts live here, not
-- in a server's memory, so that several servers on one PostgreSQL database
-- share them: a client cannot reset its wait by reaching another server.
--
-- The account-wide lockout is gone: accounts.failed_logins and
-- accounts.locked_until_s are no longer read or written. They stay in the
-- table so that servers of the previous version, still running during a
-- rolling upgrade, keep working.

CREATE TABLE login_throttle (
	phone TEXT NOT NULL,                 -- as signed in with: 11 digits, or the text given
	ip TEXT NOT NULL,                    -- the client's address
	failures INTEGER NOT NULL,           -- failed sign-ins since the last success or a long pause
	last_failed_s BIGINT NOT NULL,
	blocked_until_ms BIGINT NOT NULL DEFAULT 0, -- no try from this address before then (Unix ms)
	PRIMARY KEY (phone, ip)
);
-- Forgotten rows are removed by age; the primary key serves the per-number
-- count of failing addresses.
CREATE INDEX login_throttle_last_failed ON login_throttle(last_failed_s);
