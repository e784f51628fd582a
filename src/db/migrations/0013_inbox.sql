-- 0013 inbox: one account's notifications — an order dispatched to you,
-- accepted, resolved, escalated, rated, reopened, rejected or cancelled, a
-- suggestion that became a project, a notice. Written by the domain in the
-- transaction of the change it tells of (domain/inbox.c), each with an
-- "inbox.added" event addressed to the account, so a live stream shows it
-- the moment it commits. ref_noun/ref_id name the object it is about
-- ("request", 42); read_s is when its owner read it (NULL: unread).
CREATE TABLE inbox (
	id @PK@,
	account_id BIGINT NOT NULL REFERENCES accounts(id),
	kind TEXT NOT NULL,
	ref_noun TEXT,
	ref_id BIGINT,
	title TEXT NOT NULL,
	body TEXT,
	created_s BIGINT NOT NULL,
	read_s BIGINT
);
-- My inbox, newest first (paged by id), and my unread ones alone: the
-- badge's count and the unread filter read only the second, which holds
-- nothing of what was read.
CREATE INDEX inbox_account ON inbox(account_id, id);
CREATE INDEX inbox_unread ON inbox(account_id, id) WHERE read_s IS NULL;
