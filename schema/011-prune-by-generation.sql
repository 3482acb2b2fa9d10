-- sigtrail schema version 11: pruning costs what it deletes.
-- Internal only: no view changes.
--
-- Why: after deleting rows, the pruner dropped every string no row referred
-- to any more with `DELETE FROM strings WHERE id NOT IN (SELECT v FROM
-- string_refs)`, which reads every remaining row: about 35 s on 10M rows,
-- whether the prune deleted a thousand rows or a million, and the writer
-- records nothing meanwhile (BENCHMARKS.md, "Retention").
--
-- Now the store keeps an order (collector/store/intern.c): a row refers only
-- to texts (command lines, ancestries, chain keys: schema 4) of the
-- generation that was the newest when it was written, so the oldest
-- generation any remaining row refers to is the one its oldest remaining row
-- (by id) refers to, and every older generation of texts is garbage, deleted
-- by a range of its index (collector/store/prune.c). Names (gen NULL: few)
-- are kept.
--
-- Rows written before this migration did not keep that order (a text's id
-- stayed in a cache across generations). For them this table says, for each
-- generation their texts belong to, the newest signal row and death row
-- that refer to one of them (directly, or through the ancestry of the
-- row's chain): the generation is garbage only once those rows are gone.
-- Computed once here (one pass over the rows); the pruner deletes a line
-- when its generation goes.
CREATE TABLE legacy_text_gens (
	gen         INTEGER PRIMARY KEY,  -- strings.id >> 16
	last_signal INTEGER NOT NULL,     -- highest signal_rows.id referring to it, -1 none
	last_death  INTEGER NOT NULL      -- highest death_rows.id referring to it, -1 none
);
INSERT INTO legacy_text_gens(gen, last_signal, last_death)
SELECT g, max(s), max(d) FROM (
	SELECT sender_cmdline_s >> 16 AS g, id AS s, -1 AS d FROM signal_rows
		WHERE sender_cmdline_s IS NOT NULL
	UNION ALL SELECT sender_ancestry_s >> 16, id, -1 FROM signal_rows
		WHERE sender_ancestry_s IS NOT NULL
	UNION ALL SELECT target_cmdline_s >> 16, id, -1 FROM signal_rows
		WHERE target_cmdline_s IS NOT NULL
	UNION ALL SELECT sender_chain_s >> 16, id, -1 FROM signal_rows
		WHERE sender_chain_s IS NOT NULL
	UNION ALL SELECT a.cmdline_s >> 16, r.id, -1 FROM signal_rows AS r
		JOIN ancestry_rows AS a ON a.chain_s = r.sender_chain_s WHERE a.cmdline_s IS NOT NULL
	UNION ALL SELECT cmdline_s >> 16, -1, id FROM death_rows WHERE cmdline_s IS NOT NULL
) GROUP BY g;
