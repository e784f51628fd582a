-- 0012 check-in speed: a check-in writes as few pages as it can.
-- The count of each station's check-ins per day is kept by the check-in's
-- own transaction, so a check-in answers with the day's count without
-- counting the day's rows, and the (station, day) index of check-ins goes.
-- The audit log is listed by id, never through its time index, which goes
-- too: every audited write was paying for it.
CREATE TABLE checkin_days (
	station_id BIGINT NOT NULL REFERENCES stations(id),
	day TEXT NOT NULL,                   -- the city's date, YYYY-MM-DD
	n BIGINT NOT NULL,
	PRIMARY KEY (station_id, day)
) @WITHOUT_ROWID@;
INSERT INTO checkin_days (station_id, day, n)
	SELECT station_id, day, COUNT(*) FROM checkins GROUP BY station_id, day;
DROP INDEX checkins_station_day;
DROP INDEX audit_log_at;
