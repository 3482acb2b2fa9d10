-- sigtrail schema 019: the tamper-evident hash chains of the deaths and of
-- the zombies, beside the signal rows' (schema 016). Public: the tables
-- death_chain_rows and zombie_chain_rows (read by `sigtrail verify`).
--
-- A death, and a zombie as it was found, never change once written, so
-- each extends its chain as it is committed (collector/store/chain.c):
--   hash = SHA-256(the previous row's hash || the row's canonical text)
-- the canonical text being every non-NULL column of the `deaths` view (of
-- the `zombies` view but reaped_at and reaped_epoch_ms, which its reaping,
-- a row of its own, fills in later), as "name=value\n" sorted by name (a
-- column a later schema adds, NULL in older rows, changes no old row's
-- hash). The chains start from SHA-256("sigtrail deaths chain 1 " || uuid)
-- and SHA-256("sigtrail zombies chain 1 " || uuid). Deaths stored before
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

CREATE TABLE zombie_chain_rows (
	id     INTEGER PRIMARY KEY,         -- zombie_rows.id
	hash   BLOB NOT NULL,
	pruned INTEGER NOT NULL DEFAULT 0
);
INSERT INTO zombie_chain_rows(id, hash, pruned)
SELECT coalesce(max(id), 0), X'', 1 FROM zombie_rows;
