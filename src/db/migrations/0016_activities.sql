-- 0016 activities: trainings, party lessons and meetings (三会一课), free
-- clinics, cultural events, volunteer projects, after-hours service desks
-- (延时流动办公桌) and deliberation meetings (板凳会). People sign up (a
-- waitlist when the seats are taken), come and are marked by scanning the
-- activity's code or by the organiser; calendars follow them (iCalendar).

CREATE TABLE activities (
	id @PK@,
	kind TEXT NOT NULL CHECK (kind IN ('training', 'party_lesson', 'party_meeting', 'clinic',
	                                   'event', 'project', 'service_desk', 'deliberation')),
	title TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	station_id BIGINT REFERENCES stations(id),
	place TEXT,                          -- where, when not at a station (or which room)
	region_code TEXT NOT NULL,           -- the station's, or the one given
	starts_s BIGINT NOT NULL,
	ends_s BIGINT NOT NULL,
	signup_cutoff_s BIGINT NOT NULL,     -- sign-ups and cancellations until then
	capacity INTEGER NOT NULL CHECK (capacity >= 1),
	-- Seats held by the signed-up and the attended: the database itself
	-- refuses an overbooking, whatever the code does.
	seats_taken INTEGER NOT NULL DEFAULT 0,
	signup_seq BIGINT NOT NULL DEFAULT 0, -- the last sign-up's place in line
	audience TEXT NOT NULL DEFAULT 'everyone'
		CHECK (audience IN ('everyone', 'workers', 'party', 'team', 'party_org')),
	audience_ref BIGINT,                 -- the team or party organisation
	points INTEGER NOT NULL DEFAULT 0 CHECK (points >= 0),
	organiser_id BIGINT NOT NULL REFERENCES accounts(id),
	state TEXT NOT NULL DEFAULT 'draft'
		CHECK (state IN ('draft', 'published', 'cancelled', 'done')),
	sequence INTEGER NOT NULL DEFAULT 0, -- iCalendar SEQUENCE: bumped by each change people see
	attend_token TEXT NOT NULL UNIQUE,   -- the secret in the activity's QR code
	project_id BIGINT REFERENCES projects(id),
	-- party meetings
	party_org_id BIGINT REFERENCES party_orgs(id),
	minutes TEXT,
	-- deliberation meetings
	topic TEXT,
	participants TEXT,
	outcome TEXT,
	cancel_reason TEXT,
	closed_s BIGINT,                     -- the no-shows marked
	created_s BIGINT NOT NULL,
	updated_s BIGINT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1,
	CHECK (ends_s > starts_s),
	CHECK (signup_cutoff_s <= starts_s),
	CHECK (seats_taken >= 0 AND seats_taken <= capacity)
);
CREATE INDEX activities_station ON activities(station_id, starts_s);
CREATE INDEX activities_region ON activities(region_code, starts_s);
CREATE INDEX activities_state_start ON activities(state, starts_s);

-- Sign-ups: one row per person and activity. position is the place in
-- line (the waitlist is promoted by it).
CREATE TABLE activity_signups (
	id @PK@,
	activity_id BIGINT NOT NULL REFERENCES activities(id),
	account_id BIGINT NOT NULL REFERENCES accounts(id),
	state TEXT NOT NULL
		CHECK (state IN ('signed', 'waitlisted', 'cancelled', 'attended', 'no_show')),
	position BIGINT NOT NULL,
	walk_in INTEGER NOT NULL DEFAULT 0,  -- came without signing up (a free seat)
	how TEXT CHECK (how IN ('scan', 'organiser')),
	created_s BIGINT NOT NULL,
	updated_s BIGINT NOT NULL,
	attended_s BIGINT,
	reminded_day INTEGER NOT NULL DEFAULT 0,  -- the reminders sent, claimed once each
	reminded_hour INTEGER NOT NULL DEFAULT 0,
	UNIQUE (activity_id, account_id)
);
CREATE INDEX activity_signups_account ON activity_signups(account_id, activity_id);
CREATE INDEX activity_signups_line ON activity_signups(activity_id, state, position);

-- An after-hours desk: the government service items it offers and how many
-- people each served.
CREATE TABLE activity_desk_items (
	activity_id BIGINT NOT NULL REFERENCES activities(id),
	item TEXT NOT NULL,
	served INTEGER NOT NULL DEFAULT 0 CHECK (served >= 0),
	sort INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (activity_id, item)
) @WITHOUT_ROWID@;

-- A deliberation meeting's problems, each solved or not, each optionally
-- opened as a request (linked both ways: the request's note names it).
CREATE TABLE activity_problems (
	id @PK@,
	activity_id BIGINT NOT NULL REFERENCES activities(id),
	text TEXT NOT NULL,
	solved INTEGER NOT NULL DEFAULT 0,
	request_id BIGINT REFERENCES requests(id),
	created_s BIGINT NOT NULL
);
CREATE INDEX activity_problems_activity ON activity_problems(activity_id, id);

-- A person's private calendar feed: calendar apps send no cookies, so the
-- address carries a token (stored hashed).
CREATE TABLE activity_feeds (
	account_id BIGINT PRIMARY KEY REFERENCES accounts(id),
	token_hash TEXT NOT NULL UNIQUE,
	created_s BIGINT NOT NULL
);
