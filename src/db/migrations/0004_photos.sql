-- 0004 photos: pictures people upload, stored as files named by the SHA-256
-- of their (re-encoded) content, and the photos of each station.

-- One row per stored picture. The files are PHOTO_DIR/ab/<sha256>.jpg for
-- the picture and its thumbnail; both were synced to disk before the row was
-- committed, so a row never points at a missing file.
CREATE TABLE photos (
	id @PK@,
	sha256 TEXT NOT NULL UNIQUE,          -- the picture's file
	thumb_sha256 TEXT NOT NULL,           -- its thumbnail's file
	width INTEGER NOT NULL,
	height INTEGER NOT NULL,
	bytes INTEGER NOT NULL,
	created_by BIGINT REFERENCES accounts(id),
	created_s BIGINT NOT NULL
);

-- A station's photos, in the order they are shown.
CREATE TABLE station_photos (
	station_id BIGINT NOT NULL REFERENCES stations(id),
	photo_id BIGINT NOT NULL REFERENCES photos(id),
	position INTEGER NOT NULL,
	caption TEXT NOT NULL DEFAULT '',
	added_by BIGINT REFERENCES accounts(id),
	added_s BIGINT NOT NULL,
	PRIMARY KEY (station_id, photo_id)
);
CREATE INDEX station_photos_photo ON station_photos(photo_id);

-- The photo folders this database wrote to, by the id in the folder's
-- marker file. Stray files are collected only in a folder listed here, so a
-- folder shared with another database is never emptied by mistake.
CREATE TABLE photo_folders (
	marker TEXT PRIMARY KEY,
	created_s BIGINT NOT NULL
);
