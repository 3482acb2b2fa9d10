-- sigtrail schema 019: the deaths' tamper-evident hash chain, beside the
-- signal rows' (schema 016). Public: the table death_chain_rows (read by
-- `sigtrail verify`).
--
-- A death row never changes once written, so each extends the chain as it
-- is committed (collector/store/chain.c):
--   hash = SHA-256(the previous death's hash || the row's canonical text)
-- the canonical text being every non-NULL column of the `deaths` view, as
-- "name=value\n" sorted by name (a column a later schema adds, NULL in
-- older rows, changes no old row's hash). The chain starts from
-- SHA-256("sigtrail deaths chain 1 " || instance.uuid). Deaths stored before
-- this version are not chained: the marker below (an anchor at the newest of
-- them, with an empty hash: the start) says where the chain begins.
-- pruned = 1 marks an anchor, as in chain_rows.
CREATE TABLE death_chain_rows (
	id     INTEGER PRIMARY KEY,         -- death_rows.id
	hash   BLOB NOT NULL,               -- 32 bytes; empty: the chain's start
	pruned INTEGER NOT NULL DEFAULT 0   -- 1: an anchor (the row was pruned, or the start)
);
INSERT INTO death_chain_rows(id, hash, pruned)
SELECT coalesce(max(id), 0), X'', 1 FROM death_rows;
