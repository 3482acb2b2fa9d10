-- sigtrail schema version 6: a pid-namespace teardown names the init whose
-- exit killed it, by pid and start time. The kernel reuses pid-namespace
-- inode numbers at once, so the namespace number alone can name the init of
-- an earlier namespace that had the same number. Public: two new `deaths`
-- columns, after the existing ones.
--   init_pid         the init (pid in the initial namespace) whose exit
--                    killed it (cause pidns-teardown), else NULL
--   init_start_time  that init's start time (clock ticks after boot); with
--                    init_pid and pidns it names one process: its own row
--                    in `deaths` when it died of a signal
ALTER TABLE death_rows ADD COLUMN init_pid INTEGER;
ALTER TABLE death_rows ADD COLUMN init_start_time INTEGER;

-- Every column of schema 3's view, in the same order, then the new ones.
DROP VIEW deaths;
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
	d.init_start_time
FROM death_rows AS d;
