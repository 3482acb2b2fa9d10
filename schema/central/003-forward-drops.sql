-- sigtrail central schema version 3: rows a host dropped before forwarding,
-- and the signal rows' hash chain.
-- Public: the view forward_drops, and the column signals.chain. Additive: forwarders older than it send
-- what they sent before, and newer ones send these rows only to a centre
-- that has the table.
--
-- A host's disk cap (sigtraild --max-db-size) deletes rows its forwarder
-- had not sent only when it must, and records which (local schema 015,
-- view forward_drops); those records come here, so that a loss before
-- forwarding is data, per host: first_id..last_id of `stream` (signals or
-- deaths) of the host's database `instance`, `rows` of them, between
-- first_ms and last_ms. Few and small rows: one table, not partitioned
-- (month is kept because the forwarder sends it for every table).
CREATE TABLE sigtrail.forward_drops (
	host        text NOT NULL DEFAULT current_user, -- the ingest role
	instance    uuid NOT NULL,
	month       date NOT NULL,    -- month_of(epoch_ms)
	received_at timestamptz NOT NULL DEFAULT now(),
	machine_id  text,
	id          bigint NOT NULL,  -- the local forward_drops.id
	time        text,
	epoch_ms    bigint NOT NULL,  -- when the host's prune dropped them
	stream      text,             -- signals or deaths
	first_id    bigint,
	last_id     bigint,
	rows        bigint,
	first_ms    bigint,
	last_ms     bigint,
	PRIMARY KEY (host, instance, id, month)
);
CREATE INDEX ON sigtrail.forward_drops (epoch_ms);

ALTER TABLE sigtrail.forward_drops ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON sigtrail.forward_drops FROM PUBLIC;
GRANT INSERT ON sigtrail.forward_drops TO sigtrail_ingest;
GRANT SELECT ON sigtrail.forward_drops TO sigtrail_sre, sigtrail_auditor, sigtrail_retention;
GRANT DELETE ON sigtrail.forward_drops TO sigtrail_retention;
CREATE POLICY own_host ON sigtrail.forward_drops FOR INSERT TO sigtrail_ingest
	WITH CHECK (host = current_user);
CREATE POLICY readers ON sigtrail.forward_drops FOR SELECT TO sigtrail_sre, sigtrail_auditor,
	sigtrail_retention USING (true);
CREATE POLICY retention ON sigtrail.forward_drops FOR DELETE TO sigtrail_retention USING (true);
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON sigtrail.forward_drops
	FOR EACH ROW EXECUTE FUNCTION sigtrail.append_only();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON sigtrail.forward_drops
	FOR EACH STATEMENT EXECUTE FUNCTION sigtrail.append_only();

-- The local view's columns, then host, machine_id, received_at, instance.
CREATE VIEW public.forward_drops AS
SELECT id, time, epoch_ms, stream, first_id, last_id, rows, first_ms, last_ms,
	host, machine_id, received_at, instance
FROM sigtrail.forward_drops;
REVOKE ALL ON public.forward_drops FROM PUBLIC;
GRANT SELECT ON public.forward_drops TO sigtrail_sre, sigtrail_auditor, sigtrail_retention;

-- The hash chain of the host's signal rows (local schema 016, view
-- signals... chain_rows): each forwarded row carries its link, the hex
-- SHA-256 that extends the previous chained row's, so `sigtrail verify --db
-- postgres://... --host NAME` shows that nothing was edited or deleted on
-- the host between recording and forwarding. NULL: a row stored before the
-- host's database had a chain.
ALTER TABLE sigtrail.signal_rows ADD COLUMN chain text;
CREATE OR REPLACE VIEW public.signals AS
SELECT id, time, epoch_ms, serial, host, arch, syscall, signal, signame, success, errno,
	target_arg, sender_pid, sender_ppid, sender_uid, sender_euid, sender_auid, sender_ses,
	sender_user, sender_login, sender_tty, sender_comm, sender_exe, sender_cmdline,
	target_pid, target_uid, target_auid, target_ses, target_user, target_comm, count,
	sender_ancestry, target_exe, target_cmdline, target_start_time, sender_unit,
	target_unit, sender_container, target_container,
	origin_host, machine_id, boot_id, received_at, instance,
	target_disposition, requested_by_pid, requested_by_cmdline, requested_by_user,
	requested_by_login, requested_by_tty, request_evidence, chain
FROM sigtrail.signal_rows;
