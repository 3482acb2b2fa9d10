-- sigtrail central schema version 2: rows a host dropped before forwarding.
-- Public: the view forward_drops. Additive: forwarders older than it send
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
