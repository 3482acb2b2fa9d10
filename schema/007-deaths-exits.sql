-- sigtrail schema version 7: processes that ended by themselves. Public:
-- the `deaths` view gains the cause 'exit' (a process that exited on its own,
-- recorded under sigtraild's exit policy: --exit-min-age, --no-exits) and the
-- column exit_status (its exit code, 0-255; NULL for deaths by signal), after
-- the existing ones. `signal` is NULL for an exit. death_rows had a CHECK on
-- cause and a NOT NULL signal, which SQLite cannot alter: the table is rebuilt
-- with the same rows and ids.
DROP VIEW deaths;
DROP VIEW string_refs;
CREATE TABLE death_rows_7 (
	id              INTEGER PRIMARY KEY,
	epoch_ms        INTEGER NOT NULL,  -- when it exited, ms since the epoch (UTC)
	host_s          INTEGER,           -- the collecting host
	pid             INTEGER NOT NULL,
	start_time      INTEGER,           -- clock ticks after boot; NULL unknown
	signal          INTEGER,           -- the signal that ended it; NULL: it exited (exit_status)
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
	                CHECK (cause IN ('signal', 'oom', 'crash', 'pidns-teardown', 'kernel', 'exit')),
	signal_id       INTEGER,           -- signal_rows.id of the deciding signal, else NULL
	evidence        TEXT NOT NULL,     -- what decided the cause, in words
	abend_serial    INTEGER,           -- audit serial of the ANOM_ABEND record (crash)
	oom_constraint_s INTEGER,          -- CONSTRAINT_MEMCG, CONSTRAINT_NONE... (oom)
	oom_memcg_s     INTEGER,           -- the memory cgroup that hit its limit (oom)
	oom_task_memcg_s INTEGER,          -- the victim's memory cgroup (oom)
	oom_rss_kb      INTEGER,           -- anon + file + shmem RSS when killed (oom)
	unit_s          INTEGER,           -- systemd unit
	container_s     INTEGER,           -- container id
	init_pid        INTEGER,           -- pidns-teardown: the init whose exit killed it
	init_start_time INTEGER,           -- that init's start time
	exit_status     INTEGER,           -- exit: its exit code; NULL for deaths by signal
	CHECK ((signal IS NULL) = (cause = 'exit'))
);
INSERT INTO death_rows_7(id, epoch_ms, host_s, pid, start_time, signal, core_dumped, uid, user_s,
	comm_s, exe_s, cmdline_s, ppid, pidns, nspid, cause, signal_id, evidence, abend_serial,
	oom_constraint_s, oom_memcg_s, oom_task_memcg_s, oom_rss_kb, unit_s, container_s, init_pid,
	init_start_time)
SELECT id, epoch_ms, host_s, pid, start_time, signal, core_dumped, uid, user_s,
	comm_s, exe_s, cmdline_s, ppid, pidns, nspid, cause, signal_id, evidence, abend_serial,
	oom_constraint_s, oom_memcg_s, oom_task_memcg_s, oom_rss_kb, unit_s, container_s, init_pid,
	init_start_time
FROM death_rows;
DROP TABLE death_rows;
ALTER TABLE death_rows_7 RENAME TO death_rows;
CREATE INDEX death_rows_pid ON death_rows(pid);
CREATE INDEX death_rows_epoch_ms ON death_rows(epoch_ms);
CREATE INDEX death_rows_signal_id ON death_rows(signal_id);

-- Every column of schema 6's view, in the same order, then the new one.
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
	d.nspid,
	d.init_pid,
	d.init_start_time,
	d.exit_status
FROM death_rows AS d;

-- As schema 3 (and 4) had it: the rebuilt table has the same string columns.
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
