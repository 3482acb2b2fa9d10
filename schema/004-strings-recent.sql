-- sigtrail schema version 4: texts that are mostly new (command lines,
-- ancestries) are unique among the recent strings only.
-- Internal only: no view changes, and every view resolves a string id to
-- the same value as before.
--
-- Why: schema 1's UNIQUE(value) index put every new string (most command
-- lines are new: 2.9M distinct in 6M events of genlog's mix) at a random
-- place in a B-tree as large as the whole history. Once that index outgrew
-- SQLite's page cache, each new string cost a page read, and a page write to
-- the WAL and again at the checkpoint, so the store's CPU per event grew
-- with the database (BENCHMARKS.md, "Insert cost and database size").
--
-- Now strings are of two kinds. A name (host, user, comm, executable, unit,
-- container...: few distinct values, a new one is rare) is unique in the
-- whole table, as before: gen is NULL. A text (command line, ancestry,
-- chain key) is unique within its generation, the block of 65,536 ids it
-- was stored in (gen = id >> 16), and the store looks it up in the newest
-- generation only (collector/store/intern.c, store_intern_text()): the
-- index is ordered by generation first, so those lookups and inserts stay
-- in its newest, cached end however large the database grows. A text last
-- stored in an older generation is stored again, under a new id, the first
-- time it recurs: at most one copy per generation, and readers, who go from
-- id to value, cannot tell. Names keep their ids, so a row's references to
-- them stay short.
--
-- Strings stored before this migration are all kept as names. Other writers
-- (the sqlite3 shell, scripts) who insert a value alone insert a name:
-- INSERT OR IGNORE skips a value already stored as one.

-- The rename below must leave the views that read `strings` as they are
-- (they name the table, and will find the new one).
PRAGMA legacy_alter_table = ON;
CREATE TABLE strings_v4 (
	id    INTEGER PRIMARY KEY,
	value TEXT NOT NULL,
	gen   INTEGER              -- NULL: a name; else a text of generation id >> 16
);
INSERT INTO strings_v4(id, value) SELECT id, value FROM strings;
DROP TABLE strings;
ALTER TABLE strings_v4 RENAME TO strings;
PRAGMA legacy_alter_table = OFF;
CREATE UNIQUE INDEX strings_name ON strings(value) WHERE gen IS NULL;
CREATE UNIQUE INDEX strings_text ON strings(gen, value) WHERE gen IS NOT NULL;
