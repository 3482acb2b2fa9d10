-- sigtrail central schema version 5: the hash chains of the deaths and of
-- the zombies (local schema 019). Public: the columns deaths.chain and
-- zombies.chain. Additive: a forwarder older than it sends them without
-- their links (NULL), and a newer one sends links only to a centre that has
-- the columns.
--
-- Each forwarded death carries its link, the hex SHA-256 that extends the
-- previous chained death's of the same local database, so `sigtrail verify
-- --db postgres://... --host NAME` shows that no death was edited or
-- deleted on the host between recording and forwarding, as for the
-- signal rows (central schema 3); and so does each zombie (as it was
-- found: its reaping is a row of its own).
ALTER TABLE sigtrail.death_rows ADD COLUMN chain text;
CREATE OR REPLACE VIEW public.deaths AS
SELECT id, time, epoch_ms, pid, start_time, signal, signame, core_dumped, uid, "user", comm,
	exe, cmdline, ppid, cause, signal_id, evidence, oom_constraint, oom_memcg, oom_rss_kb,
	unit, container, host, pidns, abend_serial, oom_task_memcg, nspid,
	origin_host, machine_id, boot_id, received_at, instance,
	init_pid, init_start_time, exit_status, chain
FROM sigtrail.death_rows;

ALTER TABLE sigtrail.zombie_rows ADD COLUMN chain text;
CREATE OR REPLACE VIEW public.zombies AS
SELECT z.id, z.time, z.epoch_ms, z.pid, z.start_time, z.comm, z.cmdline, z.exit_status,
	z.signal, z.ppid, z.parent_comm, z.parent_cmdline, z.parent_is_init, z.unit,
	z.container, z.host,
	to_char(to_timestamp(r.epoch_ms / 1000.0) AT TIME ZONE 'UTC',
	        'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS reaped_at,
	r.epoch_ms AS reaped_epoch_ms, z.exit_seen, z.parent_start_time, z.boot_id,
	z.origin_host, z.machine_id, z.received_at, z.instance, z.chain
FROM sigtrail.zombie_rows AS z
LEFT JOIN LATERAL (
	SELECT min(x.epoch_ms) AS epoch_ms FROM sigtrail.zombie_reaps AS x
	WHERE x.host = z.host AND x.instance = z.instance AND x.zombie_id = z.id) AS r ON true;
