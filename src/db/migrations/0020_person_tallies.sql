-- The ledger's counts, kept by the database as people are written: a
-- street's figures (everyone, per category, platform and community, those
-- registered, those checked in within 30 days, per volunteer role) are then
-- read from a few hundred rows instead of a pass over every person of the
-- street. Triggers keep them, so every path that writes people (a form, an
-- import, a check-in, a registration, an anonymisation) keeps them right.
-- A person without a community or platform counts under ''.

-- People per community, categories and platform, and how many of them
-- have an account.
CREATE TABLE person_tallies (
	region_code TEXT NOT NULL,
	categories BIGINT NOT NULL,
	platform TEXT NOT NULL,
	n BIGINT NOT NULL,
	registered BIGINT NOT NULL,
	PRIMARY KEY (region_code, categories, platform)
) @WITHOUT_ROWID@;

-- People per community by the city's day (UTC+8, days since 1970) of their
-- last check-in.
CREATE TABLE person_checkin_tallies (
	region_code TEXT NOT NULL,
	day BIGINT NOT NULL,
	n BIGINT NOT NULL,
	PRIMARY KEY (region_code, day)
) @WITHOUT_ROWID@;

-- Holders of each volunteer role per community.
CREATE TABLE person_role_tallies (
	region_code TEXT NOT NULL,
	role_code TEXT NOT NULL,
	n BIGINT NOT NULL,
	PRIMARY KEY (region_code, role_code)
) @WITHOUT_ROWID@;

-- What is there already.
INSERT INTO person_tallies (region_code, categories, platform, n, registered)
SELECT COALESCE(region_code, ''), categories, COALESCE(platform, ''), COUNT(*),
	COUNT(account_id)
FROM persons GROUP BY COALESCE(region_code, ''), categories, COALESCE(platform, '');

INSERT INTO person_checkin_tallies (region_code, day, n)
SELECT COALESCE(region_code, ''), (last_checkin_s + 28800) / 86400, COUNT(*)
FROM persons WHERE last_checkin_s IS NOT NULL
GROUP BY COALESCE(region_code, ''), (last_checkin_s + 28800) / 86400;

INSERT INTO person_role_tallies (region_code, role_code, n)
SELECT COALESCE(p.region_code, ''), r.role_code, COUNT(*)
FROM person_roles r JOIN persons p ON p.id = r.person_id
GROUP BY COALESCE(p.region_code, ''), r.role_code;

-- @sqlite
CREATE TRIGGER persons_tally_insert AFTER INSERT ON persons
BEGIN
	INSERT INTO person_tallies (region_code, categories, platform, n, registered)
	VALUES (COALESCE(NEW.region_code, ''), NEW.categories, COALESCE(NEW.platform, ''), 1,
		NEW.account_id IS NOT NULL)
	ON CONFLICT (region_code, categories, platform)
	DO UPDATE SET n = n + 1, registered = registered + excluded.registered;
	INSERT INTO person_checkin_tallies (region_code, day, n)
	SELECT COALESCE(NEW.region_code, ''), (NEW.last_checkin_s + 28800) / 86400, 1
	WHERE NEW.last_checkin_s IS NOT NULL
	ON CONFLICT (region_code, day) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER persons_tally_update AFTER UPDATE OF region_code, categories, platform,
	account_id ON persons
WHEN OLD.region_code IS NOT NEW.region_code OR OLD.categories IS NOT NEW.categories
	OR OLD.platform IS NOT NEW.platform
	OR (OLD.account_id IS NULL) IS NOT (NEW.account_id IS NULL)
BEGIN
	UPDATE person_tallies SET n = n - 1, registered = registered - (OLD.account_id IS NOT NULL)
	WHERE region_code = COALESCE(OLD.region_code, '') AND categories = OLD.categories
		AND platform = COALESCE(OLD.platform, '');
	INSERT INTO person_tallies (region_code, categories, platform, n, registered)
	VALUES (COALESCE(NEW.region_code, ''), NEW.categories, COALESCE(NEW.platform, ''), 1,
		NEW.account_id IS NOT NULL)
	ON CONFLICT (region_code, categories, platform)
	DO UPDATE SET n = n + 1, registered = registered + excluded.registered;
END;

CREATE TRIGGER persons_tally_checkin AFTER UPDATE OF region_code, last_checkin_s ON persons
WHEN OLD.region_code IS NOT NEW.region_code
	OR (OLD.last_checkin_s + 28800) / 86400 IS NOT (NEW.last_checkin_s + 28800) / 86400
BEGIN
	UPDATE person_checkin_tallies SET n = n - 1
	WHERE region_code = COALESCE(OLD.region_code, '')
		AND day = (OLD.last_checkin_s + 28800) / 86400;
	INSERT INTO person_checkin_tallies (region_code, day, n)
	SELECT COALESCE(NEW.region_code, ''), (NEW.last_checkin_s + 28800) / 86400, 1
	WHERE NEW.last_checkin_s IS NOT NULL
	ON CONFLICT (region_code, day) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER persons_tally_roles_move AFTER UPDATE OF region_code ON persons
WHEN OLD.region_code IS NOT NEW.region_code
BEGIN
	UPDATE person_role_tallies SET n = n - 1
	WHERE region_code = COALESCE(OLD.region_code, '')
		AND role_code IN (SELECT role_code FROM person_roles WHERE person_id = NEW.id);
	INSERT INTO person_role_tallies (region_code, role_code, n)
	SELECT COALESCE(NEW.region_code, ''), role_code, 1 FROM person_roles
	WHERE person_id = NEW.id
	ON CONFLICT (region_code, role_code) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER person_roles_tally_insert AFTER INSERT ON person_roles
BEGIN
	INSERT INTO person_role_tallies (region_code, role_code, n)
	SELECT COALESCE(region_code, ''), NEW.role_code, 1 FROM persons WHERE id = NEW.person_id
	ON CONFLICT (region_code, role_code) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER person_roles_tally_delete AFTER DELETE ON person_roles
BEGIN
	UPDATE person_role_tallies SET n = n - 1
	WHERE role_code = OLD.role_code AND region_code =
		(SELECT COALESCE(region_code, '') FROM persons WHERE id = OLD.person_id);
END;
-- @end

-- @postgres
CREATE FUNCTION persons_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND (OLD.region_code IS DISTINCT FROM NEW.region_code
		OR OLD.categories IS DISTINCT FROM NEW.categories
		OR OLD.platform IS DISTINCT FROM NEW.platform
		OR (OLD.account_id IS NULL) <> (NEW.account_id IS NULL)) THEN
		UPDATE person_tallies SET n = n - 1,
			registered = registered - CASE WHEN OLD.account_id IS NULL THEN 0 ELSE 1 END
		WHERE region_code = COALESCE(OLD.region_code, '') AND categories = OLD.categories
			AND platform = COALESCE(OLD.platform, '');
	END IF;
	IF TG_OP = 'INSERT' OR OLD.region_code IS DISTINCT FROM NEW.region_code
		OR OLD.categories IS DISTINCT FROM NEW.categories
		OR OLD.platform IS DISTINCT FROM NEW.platform
		OR (OLD.account_id IS NULL) <> (NEW.account_id IS NULL) THEN
		INSERT INTO person_tallies AS t (region_code, categories, platform, n, registered)
		VALUES (COALESCE(NEW.region_code, ''), NEW.categories, COALESCE(NEW.platform, ''), 1,
			CASE WHEN NEW.account_id IS NULL THEN 0 ELSE 1 END)
		ON CONFLICT (region_code, categories, platform)
		DO UPDATE SET n = t.n + 1, registered = t.registered + excluded.registered;
	END IF;
	IF TG_OP = 'INSERT' OR OLD.region_code IS DISTINCT FROM NEW.region_code
		OR (OLD.last_checkin_s + 28800) / 86400
			IS DISTINCT FROM (NEW.last_checkin_s + 28800) / 86400 THEN
		IF TG_OP = 'UPDATE' AND OLD.last_checkin_s IS NOT NULL THEN
			UPDATE person_checkin_tallies SET n = n - 1
			WHERE region_code = COALESCE(OLD.region_code, '')
				AND day = (OLD.last_checkin_s + 28800) / 86400;
		END IF;
		IF NEW.last_checkin_s IS NOT NULL THEN
			INSERT INTO person_checkin_tallies AS t (region_code, day, n)
			VALUES (COALESCE(NEW.region_code, ''), (NEW.last_checkin_s + 28800) / 86400, 1)
			ON CONFLICT (region_code, day) DO UPDATE SET n = t.n + 1;
		END IF;
	END IF;
	IF TG_OP = 'UPDATE' AND OLD.region_code IS DISTINCT FROM NEW.region_code THEN
		UPDATE person_role_tallies SET n = n - 1
		WHERE region_code = COALESCE(OLD.region_code, '')
			AND role_code IN (SELECT role_code FROM person_roles WHERE person_id = NEW.id);
		INSERT INTO person_role_tallies AS t (region_code, role_code, n)
		SELECT COALESCE(NEW.region_code, ''), role_code, 1 FROM person_roles
		WHERE person_id = NEW.id
		ON CONFLICT (region_code, role_code) DO UPDATE SET n = t.n + 1;
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER persons_tally AFTER INSERT OR UPDATE ON persons
	FOR EACH ROW EXECUTE FUNCTION persons_tally();

CREATE FUNCTION person_roles_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO person_role_tallies AS t (region_code, role_code, n)
		SELECT COALESCE(region_code, ''), NEW.role_code, 1 FROM persons
		WHERE id = NEW.person_id
		ON CONFLICT (region_code, role_code) DO UPDATE SET n = t.n + 1;
	ELSE
		UPDATE person_role_tallies SET n = n - 1
		WHERE role_code = OLD.role_code AND region_code =
			(SELECT COALESCE(region_code, '') FROM persons WHERE id = OLD.person_id);
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER person_roles_tally AFTER INSERT OR DELETE ON person_roles
	FOR EACH ROW EXECUTE FUNCTION person_roles_tally();
-- @end
