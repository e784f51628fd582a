-- 0003 stations: the station registry, the amenity catalog, weekly opening
-- hours with dated exceptions, rooms. Locations are stored in WGS-84.

-- The amenity catalog (GLOSSARY.md). bit is the amenity's position in the
-- in-memory bitset that answers "has a microwave" without a join.
CREATE TABLE amenities (
	code TEXT PRIMARY KEY,
	bit INTEGER NOT NULL UNIQUE CHECK (bit >= 0 AND bit < 64),
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL,
	icon TEXT NOT NULL,
	sort INTEGER NOT NULL DEFAULT 0,
	created_s BIGINT NOT NULL DEFAULT 0
);

INSERT INTO amenities (code, bit, name_zh, name_en, icon, sort) VALUES
	('water', 0, '饮水', 'Drinking water', '💧', 10),
	('rest', 1, '歇脚', 'Seats to rest', '🪑', 20),
	('heating', 2, '取暖', 'Warm room', '🔥', 30),
	('cooling', 3, '纳凉', 'Cool room', '❄️', 40),
	('microwave', 4, '微波炉', 'Microwave', '🍱', 50),
	('fridge', 5, '冰箱', 'Fridge', '🧊', 60),
	('charger', 6, '充电', 'Phone charging', '🔌', 70),
	('power_bank', 7, '充电宝', 'Power bank', '🔋', 80),
	('medicine_kit', 8, '药箱', 'First-aid kit', '🩹', 90),
	('umbrella', 9, '雨伞', 'Umbrella', '☂️', 100),
	('raincoat', 10, '雨衣', 'Raincoat', '🧥', 110),
	('toolbox', 11, '工具箱', 'Toolbox', '🧰', 120),
	('tyre_pump', 12, '打气筒', 'Tyre pump', '🚲', 130),
	('wifi', 13, '无线网络', 'Wi-Fi', '📶', 140),
	('toilet', 14, '卫生间', 'Toilet', '🚻', 150),
	('nursing_room', 15, '母婴室', 'Nursing room', '🍼', 160),
	('books', 16, '图书', 'Books', '📚', 170),
	('sewing_kit', 17, '针线包', 'Sewing kit', '🧵', 180),
	('meeting_room', 18, '会议室', 'Meeting room', '👥', 190),
	('projector', 19, '投影仪', 'Projector', '📽️', 200);

CREATE TABLE stations (
	id @PK@,
	name TEXT NOT NULL,
	level TEXT NOT NULL,                  -- street | community | compound | corner | merchant
	theme TEXT NOT NULL,                  -- general | love | talent | reading | finance | ...
	parent_id BIGINT REFERENCES stations(id),  -- the hub of a "1+N" group
	region_code TEXT NOT NULL,            -- the community (12 digits) or street (9) it serves
	address TEXT NOT NULL,
	lat @REAL@ NOT NULL,
	lng @REAL@ NOT NULL,
	phone TEXT,
	stars INTEGER NOT NULL DEFAULT 0 CHECK (stars >= 0 AND stars <= 5),
	description TEXT,
	closed INTEGER NOT NULL DEFAULT 0,    -- temporarily closed
	closed_reason TEXT,
	closed_until_s BIGINT,                -- NULL: until reopened
	qr_token TEXT NOT NULL UNIQUE,        -- the check-in link's secret
	version INTEGER NOT NULL DEFAULT 1,
	created_s BIGINT NOT NULL,
	updated_s BIGINT NOT NULL
);
CREATE INDEX stations_region ON stations(region_code);
CREATE INDEX stations_parent ON stations(parent_id);

CREATE TABLE station_amenities (
	station_id BIGINT NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
	amenity TEXT NOT NULL REFERENCES amenities(code),
	PRIMARY KEY (station_id, amenity)
);

-- Weekly hours: day 1 (Monday) … 7 (Sunday), minutes after local midnight.
-- close_min <= open_min means the range runs past midnight into the next day;
-- 0–1440 is open all day.
CREATE TABLE station_hours (
	station_id BIGINT NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
	day INTEGER NOT NULL CHECK (day >= 1 AND day <= 7),
	open_min INTEGER NOT NULL CHECK (open_min >= 0 AND open_min < 1440),
	close_min INTEGER NOT NULL CHECK (close_min > 0 AND close_min <= 1440)
);
CREATE INDEX station_hours_station ON station_hours(station_id);

-- A dated exception replaces that day's weekly hours (a holiday, a short day).
CREATE TABLE station_exceptions (
	station_id BIGINT NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
	day TEXT NOT NULL,                    -- YYYY-MM-DD, local date
	closed INTEGER NOT NULL DEFAULT 1,
	open_min INTEGER,
	close_min INTEGER,
	note TEXT,
	PRIMARY KEY (station_id, day)
);

CREATE TABLE station_rooms (
	id @PK@,
	station_id BIGINT NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	capacity INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX station_rooms_station ON station_rooms(station_id);
