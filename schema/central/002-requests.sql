-- Central schema version 2: the local columns added since version 1, so a
-- forwarder carries them (it inserts the columns both sides have: an older
-- forwarder keeps working, its new columns NULL). Additive only.
--   signals: target_disposition (local schema 9), and who asked a
--     supervisor (local schema 12): requested_by_pid, requested_by_cmdline,
--     requested_by_user, requested_by_login, requested_by_tty,
--     request_evidence;
--   deaths: init_pid, init_start_time (local schema 6), exit_status (7).
ALTER TABLE sigtrail.signal_rows
	ADD COLUMN target_disposition   text,
	ADD COLUMN requested_by_pid     bigint,
	ADD COLUMN requested_by_cmdline text,
	ADD COLUMN requested_by_user    text,
	ADD COLUMN requested_by_login   text,
	ADD COLUMN requested_by_tty     text,
	ADD COLUMN request_evidence     text;
ALTER TABLE sigtrail.death_rows
	ADD COLUMN init_pid        bigint,
	ADD COLUMN init_start_time bigint,
	ADD COLUMN exit_status     bigint;

-- The views gain them at their end (CREATE OR REPLACE keeps the others).
CREATE OR REPLACE VIEW public.signals AS
SELECT id, time, epoch_ms, serial, host, arch, syscall, signal, signame, success, errno,
	target_arg, sender_pid, sender_ppid, sender_uid, sender_euid, sender_auid, sender_ses,
	sender_user, sender_login, sender_tty, sender_comm, sender_exe, sender_cmdline,
	target_pid, target_uid, target_auid, target_ses, target_user, target_comm, count,
	sender_ancestry, target_exe, target_cmdline, target_start_time, sender_unit,
	target_unit, sender_container, target_container,
	origin_host, machine_id, boot_id, received_at, instance,
	target_disposition, requested_by_pid, requested_by_cmdline, requested_by_user,
	requested_by_login, requested_by_tty, request_evidence
FROM sigtrail.signal_rows;

CREATE OR REPLACE VIEW public.deaths AS
SELECT id, time, epoch_ms, pid, start_time, signal, signame, core_dumped, uid, "user", comm,
	exe, cmdline, ppid, cause, signal_id, evidence, oom_constraint, oom_memcg, oom_rss_kb,
	unit, container, host, pidns, abend_serial, oom_task_memcg, nspid,
	origin_host, machine_id, boot_id, received_at, instance,
	init_pid, init_start_time, exit_status
FROM sigtrail.death_rows;
