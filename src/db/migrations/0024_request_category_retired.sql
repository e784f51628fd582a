-- The request catalog is edited by the city's admins: a category can be
-- added, renamed, given other deadlines, and retired. A retired category is
-- offered for no new request; the requests filed under it keep it, so it is
-- never deleted.
ALTER TABLE request_categories ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;
