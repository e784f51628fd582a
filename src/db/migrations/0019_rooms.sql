-- 0019 rooms: a station's rooms (会议室, 阅览区, 党员之家 …) become bookable —
-- a kind, opening hours of their own (none: the station's), a longest
-- booking, a note — and residents' groups and party branches book them by
-- time slot (domain/room.c). The rooms stay the rows of station_rooms that
-- the station's "rooms" field already lists, so both name the same rooms.
--
-- Two bookings that hold a room (pending, approved, checked in) never
-- overlap: the database refuses it, whoever writes, however many at once.
-- PostgreSQL says so with an exclusion constraint; SQLite with a trigger
-- before each insert and update (SQLite runs one writer at a time, so the
-- trigger's look at the other bookings cannot race). Ranges are half-open,
-- [starts_s, ends_s): one booking may end when the next starts.

ALTER TABLE station_rooms ADD COLUMN kind TEXT NOT NULL DEFAULT 'meeting_room'
	CHECK (kind IN ('meeting_room', 'reading_space', 'party_home', 'activity_room', 'other'));
ALTER TABLE station_rooms ADD COLUMN bookable INTEGER NOT NULL DEFAULT 1;
ALTER TABLE station_rooms ADD COLUMN note TEXT;
ALTER TABLE station_rooms ADD COLUMN max_minutes INTEGER NOT NULL DEFAULT 240
	CHECK (max_minutes >= 15 AND max_minutes <= 1440);
ALTER TABLE station_rooms ADD COLUMN created_s BIGINT NOT NULL DEFAULT 0;
ALTER TABLE station_rooms ADD COLUMN updated_s BIGINT NOT NULL DEFAULT 0;

-- A room's own weekly hours, in the station hours' form (0003); a room
-- without rows keeps the station's. The station's dated exceptions close or
-- shorten its rooms too.
CREATE TABLE room_hours (
	room_id BIGINT NOT NULL REFERENCES station_rooms(id) ON DELETE CASCADE,
	day INTEGER NOT NULL CHECK (day >= 1 AND day <= 7),
	open_min INTEGER NOT NULL CHECK (open_min >= 0 AND open_min < 1440),
	close_min INTEGER NOT NULL CHECK (close_min > 0 AND close_min <= 1440)
);
CREATE INDEX room_hours_room ON room_hours(room_id);

-- state: pending (asked) › approved (the manager said yes) › checked_in
-- (the group came), or declined, cancelled (by the booker), released (not
-- checked in within 15 minutes of the start).
CREATE TABLE room_bookings (
	id @PK@,
	room_id BIGINT NOT NULL REFERENCES station_rooms(id) ON DELETE CASCADE,
	booker_id BIGINT NOT NULL REFERENCES accounts(id),
	group_name TEXT NOT NULL,             -- the residents' group or party branch
	party_org_id BIGINT REFERENCES party_orgs(id),
	team_id BIGINT REFERENCES teams(id),
	purpose TEXT NOT NULL,
	attendees INTEGER NOT NULL CHECK (attendees >= 1),
	starts_s BIGINT NOT NULL,
	ends_s BIGINT NOT NULL,
	state TEXT NOT NULL DEFAULT 'pending'
		CHECK (state IN ('pending', 'approved', 'declined', 'cancelled', 'released',
				 'checked_in')),
	decided_by BIGINT REFERENCES accounts(id),
	decided_s BIGINT,
	decline_reason TEXT,
	checked_in_s BIGINT,
	version INTEGER NOT NULL DEFAULT 1,
	created_s BIGINT NOT NULL,
	updated_s BIGINT NOT NULL,
	CONSTRAINT room_bookings_ends_after_start CHECK (ends_s > starts_s)
);
CREATE INDEX room_bookings_room ON room_bookings(room_id, starts_s);
CREATE INDEX room_bookings_booker ON room_bookings(booker_id, starts_s);
-- What the release job looks for: held but not yet checked in.
CREATE INDEX room_bookings_unclaimed ON room_bookings(starts_s)
	WHERE state IN ('pending', 'approved');

-- @postgres
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE room_bookings ADD CONSTRAINT room_bookings_no_overlap
	EXCLUDE USING gist (room_id WITH =, int8range(starts_s, ends_s) WITH &&)
	WHERE (state IN ('pending', 'approved', 'checked_in'));
-- @end

-- @sqlite
CREATE TRIGGER room_bookings_no_overlap_insert BEFORE INSERT ON room_bookings
WHEN NEW.state IN ('pending', 'approved', 'checked_in')
BEGIN
	SELECT RAISE(ABORT, 'room_bookings_no_overlap')
	WHERE EXISTS (SELECT 1 FROM room_bookings b WHERE b.room_id = NEW.room_id
		AND b.state IN ('pending', 'approved', 'checked_in')
		AND b.starts_s < NEW.ends_s AND NEW.starts_s < b.ends_s);
END;
CREATE TRIGGER room_bookings_no_overlap_update BEFORE UPDATE ON room_bookings
WHEN NEW.state IN ('pending', 'approved', 'checked_in')
BEGIN
	SELECT RAISE(ABORT, 'room_bookings_no_overlap')
	WHERE EXISTS (SELECT 1 FROM room_bookings b WHERE b.room_id = NEW.room_id
		AND b.id <> NEW.id
		AND b.state IN ('pending', 'approved', 'checked_in')
		AND b.starts_s < NEW.ends_s AND NEW.starts_s < b.ends_s);
END;
-- @end
