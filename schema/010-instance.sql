-- sigtrail schema version 10: the database's identity, for the fleet.
-- Public: the table `instance` (one row: this database's uuid) and the
-- column collector_runs.boot_id.
--
-- The central database (schema/central/) keys every forwarded row by the
-- host's ingest role, this uuid and the row's local id: local ids repeat
-- across hosts, and a host whose database was recreated starts its ids
-- again under a new uuid, so nothing it sends collides with what its old
-- database sent. The uuid is made here, once, when the database reaches
-- this version (a random version 4 uuid), and never changes.
CREATE TABLE instance (
	id         INTEGER PRIMARY KEY CHECK (id = 1),  -- one row
	uuid       TEXT NOT NULL,                       -- lower-case 8-4-4-4-12 hex
	created_ms INTEGER NOT NULL                     -- when, ms since the epoch (UTC)
);
INSERT INTO instance(id, uuid, created_ms)
SELECT 1,
	substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' ||
	substr('89ab', 1 + (abs(random()) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12),
	CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
FROM (SELECT lower(hex(randomblob(16))) AS h);

-- The kernel's boot id (/proc/sys/kernel/random/boot_id) of the boot a
-- daemon run recorded in, so that audit serials (which restart at each
-- boot) can be ordered per boot. NULL for imports and for runs recorded
-- before this version.
ALTER TABLE collector_runs ADD COLUMN boot_id TEXT;
