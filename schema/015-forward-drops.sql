-- sigtrail schema 015: rows dropped before forwarding.
-- Public: the view `forward_drops`.
--
-- The fleet's forwarder (sigtrail forward) writes the position the centre
-- acknowledged to a file (its state_dir/position), and the daemon's pruning
-- honours it: retention keeps a row not forwarded yet. Only the disk cap
-- (--max-db-size) deletes such rows, and when it does it says so here, one
-- row per table and prune step: which local ids went (first_id..last_id,
-- `rows` of them), of which times, and when. These rows are forwarded too
-- (central view forward_drops), so a loss before forwarding is data at the
-- centre, not a silent gap. Few and small: never pruned.
CREATE TABLE forward_drop_rows (
	id       INTEGER PRIMARY KEY,
	epoch_ms INTEGER NOT NULL,  -- when the prune dropped them, ms since the epoch (UTC)
	stream   TEXT NOT NULL CHECK (stream IN ('signals', 'deaths')), -- of signal_rows or death_rows
	first_id INTEGER NOT NULL,  -- the lowest local id dropped
	last_id  INTEGER NOT NULL,  -- the highest
	rows     INTEGER NOT NULL,  -- how many (ids between them may have been forwarded or never used)
	first_ms INTEGER,           -- epoch_ms of the oldest row dropped
	last_ms  INTEGER            -- of the newest
);

CREATE VIEW forward_drops AS
SELECT
	id,
	strftime('%Y-%m-%dT%H:%M:%S', epoch_ms / 1000, 'unixepoch')
		|| printf('.%03dZ', epoch_ms % 1000) AS time,
	epoch_ms, stream, first_id, last_id, rows, first_ms, last_ms
FROM forward_drop_rows;
