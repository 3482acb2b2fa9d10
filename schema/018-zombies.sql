-- sigtrail schema version 18: zombies, processes that exited and were not
-- reaped by their parent. Public: the view `zombies`, and the coverage
-- column lost_zombies.
--
-- The daemon (collector/proc/zombies.c) checks each process that exited:
-- one still unreaped after --zombie-delay (10 s by default) is a row here,
-- and its reaping, seen later, a row of zombie_reaps. Both tables are
-- insert-only, so a row never changes after it is written (the forwarder
-- sends each once); the view shows the latest state.
--
-- epoch_ms is when the process exited, from the kernel's exit event
-- (exit_seen = 1). A zombie found by a scan of /proc whose exit was not
-- seen (it exited before the daemon started, or while too many exits were
-- waiting to be checked) has exit_seen = 0, and epoch_ms is when it was
-- first seen: it exited then or before.
CREATE TABLE zombie_rows (
	id                INTEGER PRIMARY KEY,
	epoch_ms          INTEGER NOT NULL,
	exit_seen         INTEGER NOT NULL,   -- 1: epoch_ms is the exit; 0: first seen then
	host_s            INTEGER,
	boot_s            INTEGER,            -- the kernel's boot id (pids are per boot)
	pid               INTEGER NOT NULL,
	start_time        INTEGER,            -- clock ticks after boot; NULL unknown
	comm_s            INTEGER,
	cmdline_s         INTEGER,            -- as it was before the exit; NULL not known
	exit_status       INTEGER,            -- the exit code; NULL when a signal ended it
	signal            INTEGER,            -- the signal that ended it; NULL for an exit
	ppid              INTEGER,            -- the parent that does not reap it
	parent_start_time INTEGER,
	parent_comm_s     INTEGER,
	parent_cmdline_s  INTEGER,
	parent_is_init    INTEGER NOT NULL,   -- 1: the parent is pid 1 of its pid namespace
	unit_s            INTEGER,
	container_s       INTEGER
);
CREATE INDEX zombie_rows_pid ON zombie_rows(pid);
CREATE INDEX zombie_rows_epoch_ms ON zombie_rows(epoch_ms);

CREATE TABLE zombie_reaps (
	id        INTEGER PRIMARY KEY,      -- in the order reapings were seen (the forwarder's position)
	zombie_id INTEGER NOT NULL UNIQUE,  -- zombie_rows.id
	epoch_ms  INTEGER NOT NULL          -- when it was seen gone (within a second)
);

CREATE VIEW zombies AS
SELECT
	z.id,
	strftime('%Y-%m-%dT%H:%M:%S', z.epoch_ms / 1000, 'unixepoch')
		|| printf('.%03dZ', z.epoch_ms % 1000) AS time,
	z.epoch_ms,
	z.pid,
	z.start_time,
	(SELECT value FROM strings WHERE id = z.comm_s) AS comm,
	(SELECT value FROM strings WHERE id = z.cmdline_s) AS cmdline,
	z.exit_status,
	z.signal,
	z.ppid,
	(SELECT value FROM strings WHERE id = z.parent_comm_s) AS parent_comm,
	(SELECT value FROM strings WHERE id = z.parent_cmdline_s) AS parent_cmdline,
	z.parent_is_init,
	(SELECT value FROM strings WHERE id = z.unit_s) AS unit,
	(SELECT value FROM strings WHERE id = z.container_s) AS container,
	(SELECT value FROM strings WHERE id = z.host_s) AS host,
	(SELECT strftime('%Y-%m-%dT%H:%M:%S', r.epoch_ms / 1000, 'unixepoch')
		|| printf('.%03dZ', r.epoch_ms % 1000) FROM zombie_reaps AS r
		WHERE r.zombie_id = z.id) AS reaped_at,
	(SELECT r.epoch_ms FROM zombie_reaps AS r WHERE r.zombie_id = z.id) AS reaped_epoch_ms,
	z.exit_seen,
	z.parent_start_time,
	(SELECT value FROM strings WHERE id = z.boot_s) AS boot_id
FROM zombie_rows AS z;

-- Zombies the daemon could not track (more unreaped at once than it keeps:
-- sigtrail/zombie.h), not recorded.
ALTER TABLE collector_runs ADD COLUMN lost_zombies INTEGER NOT NULL DEFAULT 0;

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
	r.lost_deaths,
	r.lost_targets,
	r.lost_kernel_log,
	r.lost_abends,
	r.lost_process_facts,
	r.untracked_processes,
	r.redactions,
	r.lost_zombies
FROM collector_runs AS r;

-- string_refs gains the zombies' string columns.
DROP VIEW string_refs;
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
UNION SELECT target_container_s FROM signal_rows UNION SELECT target_disposition_s FROM signal_rows
UNION SELECT requested_by_cmdline_s FROM signal_rows UNION SELECT requested_by_user_s FROM signal_rows
UNION SELECT requested_by_login_s FROM signal_rows UNION SELECT requested_by_tty_s FROM signal_rows
UNION SELECT request_evidence_s FROM signal_rows UNION SELECT sender_chain_s FROM signal_rows
UNION SELECT host_s FROM death_rows UNION SELECT user_s FROM death_rows
UNION SELECT comm_s FROM death_rows UNION SELECT exe_s FROM death_rows
UNION SELECT cmdline_s FROM death_rows UNION SELECT oom_constraint_s FROM death_rows
UNION SELECT oom_memcg_s FROM death_rows UNION SELECT oom_task_memcg_s FROM death_rows
UNION SELECT unit_s FROM death_rows UNION SELECT container_s FROM death_rows
UNION SELECT chain_s FROM ancestry_rows UNION SELECT comm_s FROM ancestry_rows UNION SELECT exe_s FROM ancestry_rows
UNION SELECT cmdline_s FROM ancestry_rows
UNION SELECT host_s FROM zombie_rows UNION SELECT boot_s FROM zombie_rows
UNION SELECT comm_s FROM zombie_rows UNION SELECT cmdline_s FROM zombie_rows
UNION SELECT parent_comm_s FROM zombie_rows UNION SELECT parent_cmdline_s FROM zombie_rows
UNION SELECT unit_s FROM zombie_rows UNION SELECT container_s FROM zombie_rows;
