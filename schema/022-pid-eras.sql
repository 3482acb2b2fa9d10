-- sigtrail schema migration 022: the target pids of past eras, sorted.
-- Internal only: no view changes.
--
-- Why: since schema 21 a search by target pid seeks once into each block of
-- 65,536 rows (signal_rows_target_pid_block), so its cost grows with the
-- database: 155 blocks at 10M rows, 1,555 at 100M, where `who PID` took
-- 48 ms (BENCHMARKS.md, "Eras of target pids"). An era is 64 blocks, 2^22
-- row ids (era = id >> 22). Once an era is whole (a later row id exists;
-- ids only grow), the writer copies its rows' (target pid, id) into
-- pid_eras, in pid order, at the table's right-hand edge, in steps of a few
-- milliseconds between its commits (collector/store/pid_eras.c), and
-- records the era in pid_eras_done when it has copied it all. A search by
-- pid then seeks once into each done era here, and once into each block of
-- the eras not done (the newest one, and the one being copied), through
-- signal_rows_target_pid_block: the CLI's searches and the deaths'
-- attribution (include/sigtrail/schema.h, SCHEMA_PID_IDS). Rows whose
-- target pid is unknown (ESRCH) have no entry: the ESRCH index finds them.
-- The prune deletes an era's entries when its rows are gone (rows pruned
-- from an era still being read leave entries that match no row: harmless).
-- A search by pid typed into sqlite3 ("select * from signals where
-- target_pid = 4242") keeps its plan through the block index, and its
-- answer.
CREATE TABLE pid_eras (
	era        INTEGER NOT NULL, -- id >> 22
	target_pid INTEGER NOT NULL,
	id         INTEGER NOT NULL, -- signal_rows.id
	PRIMARY KEY (era, target_pid, id)
) WITHOUT ROWID;
CREATE TABLE pid_eras_done (
	era INTEGER PRIMARY KEY -- every row of the era with a target pid is in pid_eras
);
