-- 0001 foundation: accounts, roles, sessions, API tokens, idempotency keys
-- and the audit log. One text for both engines: @PK@ becomes SQLite's
-- INTEGER PRIMARY KEY or PostgreSQL's identity column. Times are Unix
-- seconds (UTC); booleans are integers.

CREATE TABLE accounts (
	id @PK@,
	phone TEXT NOT NULL UNIQUE,          -- 11 digits, normalized
	name TEXT NOT NULL,
	pw_hash TEXT,                        -- Argon2id string; NULL: cannot log in
	failed_logins INTEGER NOT NULL DEFAULT 0,
	locked_until_s BIGINT NOT NULL DEFAULT 0,
	disabled INTEGER NOT NULL DEFAULT 0,
	created_s BIGINT NOT NULL,
	updated_s BIGINT NOT NULL
);

-- A role held within a scope: "*" (everything), a region code prefix
-- ("61", "6103", "610302", "610302004", "610302004003") or "station:ID".
CREATE TABLE role_grants (
	id @PK@,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	role TEXT NOT NULL,
	scope TEXT NOT NULL,
	granted_by BIGINT REFERENCES accounts(id),
	created_s BIGINT NOT NULL,
	UNIQUE (account_id, role, scope)
);
CREATE INDEX role_grants_account ON role_grants(account_id);

CREATE TABLE sessions (
	id @PK@,
	token_hash TEXT NOT NULL UNIQUE,     -- SHA-256 of the cookie value, hex
	csrf_hash TEXT NOT NULL,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	created_s BIGINT NOT NULL,
	last_seen_s BIGINT NOT NULL,
	expires_s BIGINT NOT NULL,           -- absolute lifetime
	ip TEXT,
	revoked_s BIGINT
);
CREATE INDEX sessions_account ON sessions(account_id);

CREATE TABLE api_tokens (
	id @PK@,
	token_hash TEXT NOT NULL UNIQUE,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	created_by BIGINT REFERENCES accounts(id),
	created_s BIGINT NOT NULL,
	last_used_s BIGINT,
	revoked_s BIGINT
);

-- A write's answer, kept so a retry with the same key gets the same answer.
CREATE TABLE idempotency_keys (
	principal TEXT NOT NULL,             -- "a:ID" for an account, "ip:ADDR" when anonymous
	idem_key TEXT NOT NULL,
	request_hash TEXT NOT NULL,          -- method, path and body
	status INTEGER NOT NULL,
	content_type TEXT NOT NULL,
	body TEXT NOT NULL,
	location TEXT,
	created_s BIGINT NOT NULL,
	PRIMARY KEY (principal, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_s);

CREATE TABLE audit_log (
	id @PK@,
	at_s BIGINT NOT NULL,
	actor_id BIGINT,                     -- NULL for the system or an anonymous caller
	actor_label TEXT NOT NULL,           -- masked phone, "cli" or "system"
	action TEXT NOT NULL,                -- "account.create", "role.grant", ...
	object_type TEXT NOT NULL,
	object_id TEXT,
	ip TEXT,
	request_id TEXT,
	detail TEXT                          -- JSON, phone numbers masked
);
CREATE INDEX audit_log_at ON audit_log(at_s);
CREATE INDEX audit_log_object ON audit_log(object_type, object_id);
CREATE INDEX audit_log_actor ON audit_log(actor_id);
