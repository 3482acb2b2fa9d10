-- sigtrail schema version 2: collection coverage and loss accounting, and
-- coalesced storms.
-- Public: the view `coverage` (one row per collector run) and the new
-- `signals` column `count`.

-- One row per collector run. The daemon updates heartbeat_ms and the
-- counters at least every 10 s; a run found still open at the next start
-- died without a clean stop and is closed as 'crashed' at its last heartbeat.
CREATE TABLE collector_runs (
	id               INTEGER PRIMARY KEY,
	started_ms       INTEGER NOT NULL,
	heartbeat_ms     INTEGER NOT NULL,   -- last sign of life
	stopped_ms       INTEGER,            -- clean stop, or the last heartbeat of a crash
	ended            TEXT,               -- NULL while running; 'stopped', 'crashed'
	source           TEXT NOT NULL,      -- 'unicast', 'multicast', 'stdin', 'import'
	host_s           INTEGER,            -- strings.id of the collecting host
	pid              INTEGER,            -- the daemon's pid
	version          TEXT,               -- sigtrail version
	events           INTEGER NOT NULL DEFAULT 0, -- signal events assembled
	rows             INTEGER NOT NULL DEFAULT 0, -- rows committed
	lost_kernel      INTEGER NOT NULL DEFAULT 0, -- kernel `lost` counter delta (unicast)
	lost_socket      INTEGER NOT NULL DEFAULT 0, -- ENOBUFS overruns on the socket (multicast)
	lost_serial_gaps INTEGER NOT NULL DEFAULT 0, -- audit serials never seen (unicast)
	lost_unparsable  INTEGER NOT NULL DEFAULT 0, -- records or lines that could not be parsed
	lost_queue       INTEGER NOT NULL DEFAULT 0, -- events dropped because the writer was behind
	lost_db          INTEGER NOT NULL DEFAULT 0, -- rows SQLite refused (disk full, I/O error)
	pruned_rows      INTEGER NOT NULL DEFAULT 0, -- rows removed by --retention / --max-db-size
	stopped_by       TEXT                -- who sent the stop signal (AUDIT_SIGNAL_INFO), if known
);

CREATE VIEW coverage AS
SELECT
	r.id AS run,
	strftime('%Y-%m-%dT%H:%M:%S', r.started_ms / 1000, 'unixepoch')
		|| printf('.%03dZ', r.started_ms % 1000) AS started,
	CASE WHEN r.stopped_ms IS NULL THEN NULL ELSE
		strftime('%Y-%m-%dT%H:%M:%S', r.stopped_ms / 1000, 'unixepoch')
		|| printf('.%03dZ', r.stopped_ms % 1000) END AS stopped,
	coalesce(r.ended, 'running') AS status,
	r.started_ms,
	coalesce(r.stopped_ms, r.heartbeat_ms) AS until_ms,
	r.source,
	(SELECT value FROM strings WHERE id = r.host_s) AS host,
	r.pid,
	r.version,
	r.events,
	r.rows,
	r.lost_kernel,
	r.lost_socket,
	r.lost_serial_gaps,
	r.lost_unparsable,
	r.lost_queue,
	r.lost_db,
	r.pruned_rows,
	r.stopped_by
FROM collector_runs AS r;

-- Identical signals repeated within a short window (a storm) are one row
-- with a count.
ALTER TABLE signal_rows ADD COLUMN count INTEGER NOT NULL DEFAULT 1;

DROP VIEW signals;
CREATE VIEW signals AS
SELECT
	r.id,
	strftime('%Y-%m-%dT%H:%M:%S', r.epoch_ms / 1000, 'unixepoch')
		|| printf('.%03dZ', r.epoch_ms % 1000) AS time,
	r.epoch_ms,
	r.serial,
	(SELECT value FROM strings WHERE id = r.host_s) AS host,
	(SELECT value FROM strings WHERE id = r.arch_s) AS arch,
	(SELECT value FROM strings WHERE id = r.syscall_s) AS syscall,
	r.signal,
	(SELECT name FROM signal_names WHERE number = r.signal) AS signame,
	r.success,
	(SELECT value FROM strings WHERE id = r.errno_s) AS errno,
	r.target_arg,
	r.sender_pid,
	r.sender_ppid,
	r.sender_uid,
	r.sender_euid,
	r.sender_auid,
	r.sender_ses,
	(SELECT value FROM strings WHERE id = r.sender_user_s) AS sender_user,
	(SELECT value FROM strings WHERE id = r.sender_login_s) AS sender_login,
	(SELECT value FROM strings WHERE id = r.sender_tty_s) AS sender_tty,
	(SELECT value FROM strings WHERE id = r.sender_comm_s) AS sender_comm,
	(SELECT value FROM strings WHERE id = r.sender_exe_s) AS sender_exe,
	(SELECT value FROM strings WHERE id = r.sender_cmdline_s) AS sender_cmdline,
	r.target_pid,
	r.target_uid,
	r.target_auid,
	r.target_ses,
	(SELECT value FROM strings WHERE id = r.target_user_s) AS target_user,
	(SELECT value FROM strings WHERE id = r.target_comm_s) AS target_comm,
	r.count
FROM signal_rows AS r;
