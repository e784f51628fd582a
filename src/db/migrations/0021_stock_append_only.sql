-- Stock moves are a ledger like points entries (0017): written once, never
-- changed or removed, whatever path writes. A correction is a new move
-- (written off, received, returned). The chain (yizhan verify) still
-- reports what someone changed with these triggers out of the way.

-- @sqlite
CREATE TRIGGER stock_moves_no_update BEFORE UPDATE ON stock_moves BEGIN
	SELECT RAISE(ABORT, 'stock moves are append-only');
END;
CREATE TRIGGER stock_moves_no_delete BEFORE DELETE ON stock_moves BEGIN
	SELECT RAISE(ABORT, 'stock moves are append-only');
END;
-- @end

-- @postgres
CREATE FUNCTION stock_moves_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'stock moves are append-only';
END $$;
CREATE TRIGGER stock_moves_frozen BEFORE UPDATE OR DELETE ON stock_moves
	FOR EACH ROW EXECUTE FUNCTION stock_moves_frozen();
-- @end
