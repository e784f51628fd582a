-- 0005 audit scope: the region each audit row's object lies in, so an admin
-- of a district reads the rows of that district and not the whole city's.
-- NULL: the object belongs to everywhere (read only with a grant of "*").
-- Rows written before this migration get their station's region.
ALTER TABLE audit_log ADD COLUMN scope TEXT;
UPDATE audit_log SET scope = (SELECT region_code FROM stations
	WHERE CAST(stations.id AS TEXT) = audit_log.object_id)
	WHERE object_type = 'station';
CREATE INDEX audit_log_scope ON audit_log(scope);
