-- 0015 requests: the service loop. A resident orders a service, a rider
-- posts a micro-wish or a photo report, a resident drops a suggestion,
-- a mediation studio records a dispute, staff hand riders a publicity task
-- or a community worker a home visit: seven kinds, one lifecycle
-- (submitted › dispatched › accepted › in_progress › resolved › rated, and
-- rejected, cancelled, reopened, closed), each step a row of its history.

-- The categories of each kind, editable per city, with their deadlines:
-- hours until someone accepts, and until it is resolved.
CREATE TABLE request_categories (
	kind TEXT NOT NULL,
	code TEXT NOT NULL,
	name_zh TEXT NOT NULL,
	name_en TEXT NOT NULL,
	respond_h INTEGER NOT NULL,
	resolve_h INTEGER NOT NULL,
	sort INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (kind, code)
);
INSERT INTO request_categories (kind, code, name_zh, name_en, respond_h, resolve_h, sort) VALUES
	('order', 'repair', '维修帮办', 'Repairs', 4, 48, 10),
	('order', 'elderly', '助老服务', 'Help for the elderly', 4, 24, 20),
	('order', 'errand', '代办跑腿', 'Errands', 2, 24, 30),
	('order', 'legal', '法律咨询', 'Legal advice', 24, 72, 40),
	('order', 'health', '健康义诊', 'Health check', 24, 168, 50),
	('wish', 'daily', '生活所需', 'Daily needs', 24, 168, 10),
	('wish', 'study', '学习成长', 'Study', 24, 336, 20),
	('wish', 'family', '关爱家人', 'Family care', 24, 336, 30),
	('report', 'road', '道路设施', 'Roads and fixtures', 4, 72, 10),
	('report', 'safety', '安全隐患', 'Safety hazard', 2, 24, 20),
	('report', 'environment', '环境卫生', 'Cleanliness', 8, 72, 30),
	('report', 'traffic', '交通秩序', 'Traffic', 4, 48, 40),
	('report', 'parking', '充电停车', 'Charging and parking', 8, 72, 50),
	('suggestion', 'station', '驿站服务', 'Station services', 72, 336, 10),
	('suggestion', 'community', '社区治理', 'Community affairs', 72, 336, 20),
	('suggestion', 'rights', '权益保障', 'Workers'' rights', 72, 336, 30),
	('mediation', 'neighbour', '邻里纠纷', 'Neighbours', 24, 168, 10),
	('mediation', 'labour', '劳资纠纷', 'Wages and work', 24, 168, 20),
	('mediation', 'traffic', '交通事故', 'Road accidents', 24, 168, 30),
	('mediation', 'consumer', '消费纠纷', 'Consumer disputes', 24, 168, 40),
	('task', 'publicity', '宣传派发', 'Publicity', 24, 168, 10),
	('task', 'survey', '走访摸排', 'Survey', 24, 168, 20),
	('task', 'patrol', '巡查上报', 'Patrol', 24, 72, 30),
	('visit', 'six', '六必访', 'Six visits', 24, 168, 10),
	('visit', 'care', '关爱走访', 'Care visit', 24, 168, 20);

-- Service projects made from suggestions (and, later, with sign-ups).
CREATE TABLE projects (
	id @PK@,
	title TEXT NOT NULL,
	starts_on TEXT NOT NULL,             -- YYYY-MM-DD, the city's date
	region_code TEXT NOT NULL,
	station_id BIGINT REFERENCES stations(id),
	created_by BIGINT REFERENCES accounts(id),
	created_s BIGINT NOT NULL
);
CREATE INDEX projects_region ON projects(region_code);

CREATE TABLE requests (
	id @PK@,
	kind TEXT NOT NULL,
	category TEXT NOT NULL,
	title TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL,
	lat @REAL@,                          -- WGS-84, when given
	lng @REAL@,
	station_id BIGINT REFERENCES stations(id),
	region_code TEXT NOT NULL,           -- the community (or street) it belongs to
	requester_id BIGINT NOT NULL REFERENCES accounts(id),
	assignee_id BIGINT REFERENCES accounts(id),
	team_id BIGINT REFERENCES teams(id), -- dispatched to a team: whoever takes it first
	rating INTEGER,
	rating_comment TEXT,
	-- kind-specific
	parties TEXT,                        -- mediation: the parties, as staff wrote them
	major INTEGER NOT NULL DEFAULT 0,    -- mediation: a major case
	settled INTEGER,                     -- mediation: the outcome (NULL: not yet)
	household TEXT,                      -- visit: whom
	reason TEXT,                         -- visit: why
	record TEXT,                         -- visit: what was found and done
	proof_count INTEGER,                 -- task: how many handed out, visited …
	project_id BIGINT REFERENCES projects(id), -- suggestion: the project it became
	-- deadlines and escalation
	respond_due_s BIGINT NOT NULL,
	resolve_due_s BIGINT NOT NULL,
	escalation INTEGER NOT NULL DEFAULT 0, -- 0 none, 1 the street, 2 the district
	escalated_s BIGINT,
	created_s BIGINT NOT NULL,
	updated_s BIGINT NOT NULL,
	dispatched_s BIGINT,
	accepted_s BIGINT,
	resolved_s BIGINT,
	closed_s BIGINT,
	version INTEGER NOT NULL DEFAULT 1,
	FOREIGN KEY (kind, category) REFERENCES request_categories(kind, code)
);
CREATE INDEX requests_region_state ON requests(region_code, state);
CREATE INDEX requests_state_due ON requests(state, respond_due_s);
CREATE INDEX requests_requester ON requests(requester_id, id);
CREATE INDEX requests_assignee ON requests(assignee_id, id);
CREATE INDEX requests_team ON requests(team_id, state);
CREATE INDEX requests_kind_category ON requests(kind, category, state, created_s);

-- The history: every transition, by whom, when, with a note.
CREATE TABLE request_events (
	id @PK@,
	request_id BIGINT NOT NULL REFERENCES requests(id),
	at_s BIGINT NOT NULL,
	actor_id BIGINT REFERENCES accounts(id), -- NULL: the system (escalation)
	actor_label TEXT NOT NULL,
	action TEXT NOT NULL,                -- submit, dispatch, accept …
	from_state TEXT,
	to_state TEXT NOT NULL,
	note TEXT
);
CREATE INDEX request_events_request ON request_events(request_id, id);

-- Pictures of a request: what the requester saw, and the proof of a task.
CREATE TABLE request_photos (
	request_id BIGINT NOT NULL REFERENCES requests(id),
	photo_id BIGINT NOT NULL REFERENCES photos(id),
	role TEXT NOT NULL,                  -- 'request' or 'proof'
	added_by BIGINT REFERENCES accounts(id),
	added_s BIGINT NOT NULL,
	PRIMARY KEY (request_id, photo_id)
);

-- Others who met the same problem and joined a report instead of filing anew.
CREATE TABLE request_followers (
	request_id BIGINT NOT NULL REFERENCES requests(id),
	account_id BIGINT NOT NULL REFERENCES accounts(id),
	created_s BIGINT NOT NULL,
	PRIMARY KEY (request_id, account_id)
);
