-- sigtrail schema version 12: who asked. When a supervisor (systemd,
-- containerd-shim, runc, crun, conmon, dockerd, the kubelet, supervisord,
-- runsv) sends a signal, the request that made it act, from the execs the
-- process table watched (collector/requests/; sigtrail-schema(5) gives the
-- rule and the window). Public: the `signals` columns, after the existing
-- ones:
--   requested_by_pid      the request's process (`systemctl stop nginx`)
--   requested_by_cmdline  its command line
--   requested_by_user     its user (uid's name)
--   requested_by_login    its login user (auid's name)
--   requested_by_tty      its terminal ("pts/1")
--   request_evidence      in words: what matched and how far apart in time;
--                         "no request seen: ..." and what was looked for when
--                         nothing matched (the requested_by_* columns NULL);
--                         a SIGKILL after the supervisor's own SIGTERM names
--                         that stop. NULL for every sender that is not a
--                         supervisor, as are all six.
ALTER TABLE signal_rows ADD COLUMN requested_by_pid INTEGER;
ALTER TABLE signal_rows ADD COLUMN requested_by_cmdline_s INTEGER;
ALTER TABLE signal_rows ADD COLUMN requested_by_user_s INTEGER;
ALTER TABLE signal_rows ADD COLUMN requested_by_login_s INTEGER;
ALTER TABLE signal_rows ADD COLUMN requested_by_tty_s INTEGER;
ALTER TABLE signal_rows ADD COLUMN request_evidence_s INTEGER;

-- Every column of schema 9's view, in the same order, then the new ones.
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
	(SELECT value FROM strings WHERE id = r.target_container_s) AS target_container,
	(SELECT value FROM strings WHERE id = r.target_disposition_s) AS target_disposition,
	r.requested_by_pid,
	(SELECT value FROM strings WHERE id = r.requested_by_cmdline_s) AS requested_by_cmdline,
	(SELECT value FROM strings WHERE id = r.requested_by_user_s) AS requested_by_user,
	(SELECT value FROM strings WHERE id = r.requested_by_login_s) AS requested_by_login,
	(SELECT value FROM strings WHERE id = r.requested_by_tty_s) AS requested_by_tty,
	(SELECT value FROM strings WHERE id = r.request_evidence_s) AS request_evidence
FROM signal_rows AS r;

-- string_refs gains the new string columns.
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
UNION SELECT cmdline_s FROM ancestry_rows;
