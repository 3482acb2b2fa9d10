-- sigtrail central schema version 5: the deaths' hash chain (local schema
-- 019). Public: the column deaths.chain. Additive: a forwarder older than
-- it sends deaths without their links (NULL), and a newer one sends them
-- only to a centre that has the column.
--
-- Each forwarded death carries its link, the hex SHA-256 that extends the
-- previous chained death's of the same local database, so `sigtrail verify
-- --db postgres://... --host NAME` shows that no death was edited or
-- deleted on the host between recording and forwarding, as for the
-- signal rows (central schema 3).
ALTER TABLE sigtrail.death_rows ADD COLUMN chain text;
CREATE OR REPLACE VIEW public.deaths AS
SELECT id, time, epoch_ms, pid, start_time, signal, signame, core_dumped, uid, "user", comm,
	exe, cmdline, ppid, cause, signal_id, evidence, oom_constraint, oom_memcg, oom_rss_kb,
	unit, container, host, pidns, abend_serial, oom_task_memcg, nspid,
	origin_host, machine_id, boot_id, received_at, instance,
	init_pid, init_start_time, exit_status, chain
FROM sigtrail.death_rows;
