-- 0009 people: the workers' ledger (台账). A person is someone the city
-- keeps in its ledger — a courier, a rider, a resident, a party member —
-- with or without an account. Around them: the platforms they work for,
-- the volunteer roles they claim (七大员), work sites, community grids,
-- teams, party organisations, instructors' contacts, and check-ins at
-- stations. Regions are the official codes (0002); a person's region_code
-- is their home community (12 digits) or, until one is known, a street
-- (9 digits), or NULL.

-- Employers and platforms (美团, 饿了么, 顺丰 …): an editable list.
CREATE TABLE platforms (
	code TEXT PRIMARY KEY,
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL,
	sort INTEGER NOT NULL DEFAULT 0
);
INSERT INTO platforms (code, name_zh, name_en, sort) VALUES
	('meituan', '美团', 'Meituan', 10),
	('eleme', '饿了么', 'Ele.me', 20),
	('sf', '顺丰', 'SF Express', 30),
	('jd', '京东', 'JD Logistics', 40),
	('zto', '中通', 'ZTO Express', 50),
	('yto', '圆通', 'YTO Express', 60),
	('sto', '申通', 'STO Express', 70),
	('yunda', '韵达', 'Yunda', 80),
	('ems', '中国邮政', 'China Post / EMS', 90),
	('jitu', '极兔', 'J&T Express', 100),
	('didi', '滴滴出行', 'DiDi', 110),
	('huolala', '货拉拉', 'Lalamove', 120),
	('other', '其他', 'Other', 1000);

-- Volunteer roles a person may claim (七大员 and the city's own).
CREATE TABLE volunteer_roles (
	code TEXT PRIMARY KEY,
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL,
	sort INTEGER NOT NULL DEFAULT 0
);
INSERT INTO volunteer_roles (code, name_zh, name_en, sort) VALUES
	('guard', '值守员', 'Station guard', 10),
	('publicity', '宣传员', 'Publicity', 20),
	('civility', '文明监督员', 'Civility monitor', 30),
	('opinion', '民意收集员', 'Opinion collector', 40),
	('safety', '安全巡查员', 'Safety patrol', 50),
	('mediator', '矛盾调解员', 'Mediator', 60),
	('elder_care', '助老服务员', 'Elder care', 70);

-- Community grids (网格): the smallest management cell in a community.
CREATE TABLE grids (
	id @PK@,
	region_code TEXT NOT NULL,           -- the community (12 digits)
	name TEXT NOT NULL,
	created_s BIGINT NOT NULL,
	UNIQUE (region_code, name)
);

-- Courier depots and delivery hubs (快递站点, 外卖站点).
CREATE TABLE work_sites (
	id @PK@,
	name TEXT NOT NULL,
	platform TEXT REFERENCES platforms(code),
	address TEXT NOT NULL,
	lat @REAL@,
	lng @REAL@,
	region_code TEXT NOT NULL,           -- the community or street it lies in
	manager_name TEXT,
	manager_phone TEXT,
	created_s BIGINT NOT NULL,
	updated_s BIGINT NOT NULL
);
CREATE INDEX work_sites_region ON work_sites(region_code);

-- Party organisations (行业党委 › 联合党支部 › 党小组), a tree.
CREATE TABLE party_orgs (
	id @PK@,
	parent_id BIGINT REFERENCES party_orgs(id),
	kind TEXT NOT NULL CHECK (kind IN ('committee', 'branch', 'group')),
	name TEXT NOT NULL,
	region_code TEXT NOT NULL,
	secretary_id BIGINT,                 -- a person
	created_s BIGINT NOT NULL
);
CREATE INDEX party_orgs_region ON party_orgs(region_code);

-- The people. categories is a bit set of the fixed list in
-- domain/person.c (courier, rider, …); phone is unique when given.
CREATE TABLE persons (
	id @PK@,
	name TEXT NOT NULL,
	phone TEXT UNIQUE,
	categories BIGINT NOT NULL DEFAULT 0,
	platform TEXT REFERENCES platforms(code),
	work_site_id BIGINT REFERENCES work_sites(id),
	region_code TEXT,
	grid_id BIGINT REFERENCES grids(id),
	party_org_id BIGINT REFERENCES party_orgs(id),
	instructor_id BIGINT REFERENCES accounts(id),
	account_id BIGINT UNIQUE REFERENCES accounts(id),
	consent_version TEXT,
	consent_s BIGINT,
	last_checkin_s BIGINT,
	last_contact_s BIGINT,
	deleted_s BIGINT,                    -- anonymised on request: counts stay
	created_s BIGINT NOT NULL,
	updated_s BIGINT NOT NULL
);
CREATE INDEX persons_region ON persons(region_code);
CREATE INDEX persons_work_site ON persons(work_site_id);
CREATE INDEX persons_party_org ON persons(party_org_id);

CREATE TABLE person_roles (
	person_id BIGINT NOT NULL REFERENCES persons(id),
	role_code TEXT NOT NULL REFERENCES volunteer_roles(code),
	PRIMARY KEY (person_id, role_code)
);
CREATE INDEX person_roles_role ON person_roles(role_code);

-- Volunteer teams and service brands (红色先锋队, 新渭骑士 …).
CREATE TABLE teams (
	id @PK@,
	name TEXT NOT NULL,
	station_id BIGINT REFERENCES stations(id),
	region_code TEXT NOT NULL,
	leader_id BIGINT REFERENCES persons(id),
	created_s BIGINT NOT NULL,
	UNIQUE (region_code, name)
);
CREATE TABLE team_members (
	id @PK@,
	team_id BIGINT NOT NULL REFERENCES teams(id),
	person_id BIGINT NOT NULL REFERENCES persons(id),
	joined_s BIGINT NOT NULL,
	left_s BIGINT
);
CREATE INDEX team_members_person ON team_members(person_id);
CREATE INDEX team_members_team ON team_members(team_id);

-- An instructor's contacts with a worker (党建指导员).
CREATE TABLE instructor_contacts (
	id @PK@,
	person_id BIGINT NOT NULL REFERENCES persons(id),
	account_id BIGINT NOT NULL REFERENCES accounts(id),
	at_s BIGINT NOT NULL,
	channel TEXT NOT NULL,
	notes TEXT
);
CREATE INDEX instructor_contacts_person ON instructor_contacts(person_id, at_s);

-- Check-ins at stations (报到). The same person at the same station within
-- ten minutes is one check-in; region_code is the station's at the time.
-- client_ip is removed after the retention period (privacy).
CREATE TABLE checkins (
	id @PK@,
	person_id BIGINT NOT NULL REFERENCES persons(id),
	station_id BIGINT NOT NULL REFERENCES stations(id),
	purpose TEXT NOT NULL,
	region_code TEXT NOT NULL,
	at_s BIGINT NOT NULL,
	day TEXT NOT NULL,                   -- the city's date, YYYY-MM-DD
	client_ip TEXT
);
CREATE INDEX checkins_person_station ON checkins(person_id, station_id, at_s);
CREATE INDEX checkins_station_day ON checkins(station_id, day);
CREATE INDEX checkins_region_day ON checkins(region_code, day);

-- One-time sign-up codes, hashed; a row per code sent.
CREATE TABLE signup_codes (
	id @PK@,
	phone TEXT NOT NULL,
	code_hash TEXT NOT NULL,
	client_ip TEXT,
	created_s BIGINT NOT NULL,
	expires_s BIGINT NOT NULL,
	tries INTEGER NOT NULL DEFAULT 0,
	used_s BIGINT
);
CREATE INDEX signup_codes_phone ON signup_codes(phone, created_s);
CREATE INDEX signup_codes_ip ON signup_codes(client_ip, created_s);
