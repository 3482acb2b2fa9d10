-- sigtrail schema version 3: deaths, and who started the sender.
-- Public: the view `deaths` (one row per process that a signal ended, with
-- its cause and the evidence that decided it), the view `ancestry` (the
-- sender's chain of parents of each signal row), and new `signals` columns:
-- sender_ancestry, target_exe, target_cmdline, target_start_time,
-- sender_unit, target_unit, sender_container, target_container.
-- Start times are the kernel's: clock ticks after boot (/proc/PID/stat
-- field 22), which with the pid identify one process across pid reuse.

-- One row per process that ended because of a signal (the proc connector's
-- exit events). Columns ending in _s are strings.id references.
CREATE TABLE death_rows (
	id              INTEGER PRIMARY KEY,
	epoch_ms        INTEGER NOT NULL,  -- when it exited, ms since the epoch (UTC)
	host_s          INTEGER,           -- the collecting host
	pid             INTEGER NOT NULL,
	start_time      INTEGER,           -- clock ticks after boot; NULL unknown
	signal          INTEGER NOT NULL,  -- the signal that ended it
	core_dumped     INTEGER NOT NULL,  -- 1 when the exit status says so
	uid             INTEGER,
	user_s          INTEGER,           -- name of uid at collection time
	comm_s          INTEGER,
	exe_s           INTEGER,
	cmdline_s       INTEGER,           -- full command line, arguments separated by spaces
	ppid            INTEGER,           -- the parent that forked it
	pidns           INTEGER,           -- pid namespace inode
	nspid           INTEGER,           -- its pid inside that namespace (1: its init)
	cause           TEXT NOT NULL
	                CHECK (cause IN ('signal', 'oom', 'crash', 'pidns-teardown', 'kernel')),
	signal_id       INTEGER,           -- signal_rows.id of the deciding signal, else NULL
	evidence        TEXT NOT NULL,     -- what decided the cause, in words
	abend_serial    INTEGER,           -- audit serial of the ANOM_ABEND record (crash)
	oom_constraint_s INTEGER,          -- CONSTRAINT_MEMCG, CONSTRAINT_NONE... (oom)
	oom_memcg_s     INTEGER,           -- the memory cgroup that hit its limit (oom)
	oom_task_memcg_s INTEGER,          -- the victim's memory cgroup (oom)
	oom_rss_kb      INTEGER,           -- anon + file + shmem RSS when killed (oom)
	unit_s          INTEGER,           -- systemd unit
	container_s     INTEGER            -- container id
);
CREATE INDEX death_rows_pid ON death_rows(pid);
CREATE INDEX death_rows_epoch_ms ON death_rows(epoch_ms);
CREATE INDEX death_rows_signal_id ON death_rows(signal_id);

CREATE VIEW deaths AS
SELECT
	d.id,
	strftime('%Y-%m-%dT%H:%M:%S', d.epoch_ms / 1000, 'unixepoch')
		|| printf('.%03dZ', d.epoch_ms % 1000) AS time,
	d.epoch_ms,
	d.pid,
	d.start_time,
	d.signal,
	(SELECT name FROM signal_names WHERE number = d.signal) AS signame,
	d.core_dumped,
	d.uid,
	(SELECT value FROM strings WHERE id = d.user_s) AS user,
	(SELECT value FROM strings WHERE id = d.comm_s) AS comm,
	(SELECT value FROM strings WHERE id = d.exe_s) AS exe,
	(SELECT value FROM strings WHERE id = d.cmdline_s) AS cmdline,
	d.ppid,
	d.cause,
	d.signal_id,
	d.evidence,
	(SELECT value FROM strings WHERE id = d.oom_constraint_s) AS oom_constraint,
	(SELECT value FROM strings WHERE id = d.oom_memcg_s) AS oom_memcg,
	d.oom_rss_kb,
	(SELECT value FROM strings WHERE id = d.unit_s) AS unit,
	(SELECT value FROM strings WHERE id = d.container_s) AS container,
	(SELECT value FROM strings WHERE id = d.host_s) AS host,
	d.pidns,
	d.abend_serial,
	(SELECT value FROM strings WHERE id = d.oom_task_memcg_s) AS oom_task_memcg,
	d.nspid
FROM death_rows AS d;

-- The sender's ancestry of each signal row: depth 0 is the sender itself,
-- 1 the process that forked it, and so on up to pid 1 (16 at most). Kept as
-- it was when the signal was sent: the script that sent it may be long gone.
-- Stored once per distinct chain (a storm from one script is one chain):
-- chain_s is the strings.id of the chain's key, "PID@START/PID@START/...",
-- which with start times names the same processes across pid reuse.
CREATE TABLE ancestry_rows (
	chain_s    INTEGER NOT NULL,  -- strings.id of the chain key; signal_rows.sender_chain_s
	depth      INTEGER NOT NULL,
	pid        INTEGER NOT NULL,
	start_time INTEGER,           -- clock ticks after boot
	comm_s     INTEGER,
	exe_s      INTEGER,
	cmdline_s  INTEGER,
	PRIMARY KEY (chain_s, depth)
) WITHOUT ROWID;

-- What the process table knew of the sender and the target.
ALTER TABLE signal_rows ADD COLUMN sender_ancestry_s INTEGER;  -- "sh[1400] ← cron[812] ← systemd[1]"
ALTER TABLE signal_rows ADD COLUMN sender_chain_s INTEGER;     -- ancestry_rows.chain_s
-- The audit serial of the last event coalesced into the row (count > 1), so
-- that an import of the same audit log recognises every one of them.
ALTER TABLE signal_rows ADD COLUMN last_serial INTEGER;
ALTER TABLE signal_rows ADD COLUMN target_exe_s INTEGER;
ALTER TABLE signal_rows ADD COLUMN target_cmdline_s INTEGER;
ALTER TABLE signal_rows ADD COLUMN target_start_time INTEGER;  -- clock ticks after boot
ALTER TABLE signal_rows ADD COLUMN sender_unit_s INTEGER;
ALTER TABLE signal_rows ADD COLUMN target_unit_s INTEGER;
ALTER TABLE signal_rows ADD COLUMN sender_container_s INTEGER;
ALTER TABLE signal_rows ADD COLUMN target_container_s INTEGER;

-- Every column of schema 2's view, in the same order, then the new ones.
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
	r.count,
	(SELECT value FROM strings WHERE id = r.sender_ancestry_s) AS sender_ancestry,
	(SELECT value FROM strings WHERE id = r.target_exe_s) AS target_exe,
	(SELECT value FROM strings WHERE id = r.target_cmdline_s) AS target_cmdline,
	r.target_start_time,
	(SELECT value FROM strings WHERE id = r.sender_unit_s) AS sender_unit,
	(SELECT value FROM strings WHERE id = r.target_unit_s) AS target_unit,
	(SELECT value FROM strings WHERE id = r.sender_container_s) AS sender_container,
	(SELECT value FROM strings WHERE id = r.target_container_s) AS target_container
FROM signal_rows AS r;

-- Coverage of the process table, per run: whether deaths and ancestry were
-- recorded at all, and what was lost.
ALTER TABLE collector_runs ADD COLUMN processes TEXT;  -- 'on', or 'off: why'; NULL before schema 3
ALTER TABLE collector_runs ADD COLUMN deaths INTEGER NOT NULL DEFAULT 0;
ALTER TABLE collector_runs ADD COLUMN lost_process_events INTEGER NOT NULL DEFAULT 0;
ALTER TABLE collector_runs ADD COLUMN lost_deaths INTEGER NOT NULL DEFAULT 0;

-- Every column of schema 2's view, in the same order, then the new ones.
DROP VIEW coverage;
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
	r.stopped_by,
	r.processes,
	r.deaths,
	r.lost_process_events,
	r.lost_deaths
FROM collector_runs AS r;

-- One row per member of each signal row's sender ancestry.
CREATE VIEW ancestry AS
SELECT
	r.id AS signal_id,
	a.depth,
	a.pid,
	a.start_time,
	(SELECT value FROM strings WHERE id = a.comm_s) AS comm,
	(SELECT value FROM strings WHERE id = a.exe_s) AS exe,
	(SELECT value FROM strings WHERE id = a.cmdline_s) AS cmdline
FROM signal_rows AS r JOIN ancestry_rows AS a ON a.chain_s = r.sender_chain_s;

-- Every reference into `strings`, for the pruner's garbage collection of
-- unused strings (each later migration that adds a _s column redefines it).
-- Internal.
CREATE VIEW string_refs AS
SELECT host_s AS v FROM collector_runs
UNION SELECT host_s FROM signal_rows UNION SELECT arch_s FROM signal_rows
UNION SELECT syscall_s FROM signal_rows UNION SELECT errno_s FROM signal_rows
UNION SELECT sender_user_s FROM signal_rows UNION SELECT sender_login_s FROM signal_rows
UNION SELECT sender_tty_s FROM signal_rows UNION SELECT sender_comm_s FROM signal_rows
UNION SELECT sender_exe_s FROM signal_rows UNION SELECT sender_cmdline_s FROM signal_rows
UNION SELECT target_user_s FROM signal_rows UNION SELECT target_comm_s FROM signal_rows
UNION SELECT sender_ancestry_s FROM signal_rows UNION SELECT target_exe_s FROM signal_rows
UNION SELECT target_cmdline_s FROM signal_rows UNION SELECT sender_unit_s FROM signal_rows
UNION SELECT target_unit_s FROM signal_rows UNION SELECT sender_container_s FROM signal_rows
UNION SELECT target_container_s FROM signal_rows UNION SELECT sender_chain_s FROM signal_rows
UNION SELECT host_s FROM death_rows UNION SELECT user_s FROM death_rows
UNION SELECT comm_s FROM death_rows UNION SELECT exe_s FROM death_rows
UNION SELECT cmdline_s FROM death_rows UNION SELECT oom_constraint_s FROM death_rows
UNION SELECT oom_memcg_s FROM death_rows UNION SELECT oom_task_memcg_s FROM death_rows
UNION SELECT unit_s FROM death_rows UNION SELECT container_s FROM death_rows
UNION SELECT chain_s FROM ancestry_rows UNION SELECT comm_s FROM ancestry_rows UNION SELECT exe_s FROM ancestry_rows
UNION SELECT cmdline_s FROM ancestry_rows;
