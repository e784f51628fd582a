-- 0010 person counts: the ledger's figures (person_count) read each
-- counted person's community, categories and platform. With the three in
-- one index, counting a street of 100,000 people reads that index, a
-- fraction of the rows' size, in an order that groups them without a
-- sort. It begins with region_code, so it serves whatever persons_region
-- served, which goes.
CREATE INDEX persons_counts ON persons(region_code, categories, platform);
DROP INDEX persons_region;
