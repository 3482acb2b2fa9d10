-- sigtrail schema 016: the tamper-evident hash chain of the signal rows.
-- Public: the table chain_rows (read by `sigtrail verify`).
--
-- Each signal row, once sealed (it can no longer change: its coalescing
-- window is over, collector/store/chain.c), extends a SHA-256 chain:
--   hash = SHA-256(the previous chained row's hash || the row's canonical text)
-- where the canonical text is every non-NULL column of the `signals` view
-- but target_disposition (which a later death may fill in), as
-- "name=value\n" sorted by name, so that a column a later schema adds
-- (NULL in older rows) changes no old row's hash. The chain starts from
-- SHA-256("sigtrail chain 1 " || instance.uuid). Rows stored before this
-- version are not chained: the marker below (an anchor at the newest of
-- them, with an empty hash: the start) says where the chain begins.
--
-- pruned = 1 marks an anchor: a chained row the daemon's own pruning
-- deleted (its connection's TEMP trigger marks them, so a row deleted by
-- anyone else leaves its entry unmarked and `sigtrail verify` names it); the
-- pruner keeps only the newest anchor below the oldest remaining row, whose
-- hash the next row extends.
CREATE TABLE chain_rows (
	id     INTEGER PRIMARY KEY,         -- signal_rows.id
	hash   BLOB NOT NULL,               -- 32 bytes; empty: the chain's start
	pruned INTEGER NOT NULL DEFAULT 0   -- 1: an anchor (the row was pruned, or the start)
);
INSERT INTO chain_rows(id, hash, pruned)
SELECT coalesce(max(id), 0), X'', 1 FROM signal_rows;
