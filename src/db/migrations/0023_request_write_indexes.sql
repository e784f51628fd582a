-- Indexes every request and every audited write paid for, that no query
-- could use. Requests and audit entries are found by region or scope with
-- LIKE 'prefix%', which neither engine serves from a plain index (SQLite's
-- LIKE ignores case; PostgreSQL's needs the C collation); those lists read
-- the newest rows first through the primary key. A request waiting for
-- someone has no assignee and no team, so their indexes hold only the
-- requests that have one.
DROP INDEX requests_region_state;
DROP INDEX audit_log_scope;
DROP INDEX requests_assignee;
DROP INDEX requests_team;
CREATE INDEX requests_assignee ON requests(assignee_id, id) WHERE assignee_id IS NOT NULL;
CREATE INDEX requests_team ON requests(team_id, state) WHERE team_id IS NOT NULL;
