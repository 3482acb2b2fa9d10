-- sigtrail central schema version 4: zombies (local schema 018), processes
-- that exited and that their parent did not reap, and the coverage column
-- lost_zombies. Public: the view zombies, and coverage.lost_zombies.
-- Additive: forwarders older than it send what they sent before, and newer
-- ones send zombies only to a centre that has these tables.
--
-- Locally a zombie is an insert-only row, and its reaping, seen later, a row
-- of its own; both come here as they are, so nothing ever changes after it
-- is inserted, and the view shows the latest state (reaped_at NULL while
-- no reaping arrived). Few and small rows: one table each, not partitioned
-- (month is kept because the forwarder sends it for every table).
CREATE TABLE sigtrail.zombie_rows (
	host              text NOT NULL DEFAULT current_user, -- the ingest role
	instance          uuid NOT NULL,
	month             date NOT NULL,    -- month_of(epoch_ms)
	received_at       timestamptz NOT NULL DEFAULT now(),
	machine_id        text,
	id                bigint NOT NULL,  -- the local zombie_rows.id
	time              text,
	epoch_ms          bigint NOT NULL,  -- when it exited (or was first seen: exit_seen 0)
	pid               bigint,
	start_time        bigint,
	comm              text,
	cmdline           text,
	exit_status       bigint,
	signal            bigint,
	ppid              bigint,
	parent_comm       text,
	parent_cmdline    text,
	parent_is_init    bigint,
	unit              text,
	container         text,
	origin_host       text,             -- the local host column
	exit_seen         bigint,
	parent_start_time bigint,
	boot_id           text,
	PRIMARY KEY (host, instance, id, month)
);
CREATE INDEX ON sigtrail.zombie_rows (epoch_ms);
CREATE INDEX ON sigtrail.zombie_rows (pid);

CREATE TABLE sigtrail.zombie_reaps (
	host        text NOT NULL DEFAULT current_user,
	instance    uuid NOT NULL,
	month       date NOT NULL,    -- month_of(epoch_ms)
	received_at timestamptz NOT NULL DEFAULT now(),
	machine_id  text,
	id          bigint NOT NULL,  -- the local zombie_reaps.id
	zombie_id   bigint NOT NULL,  -- the local zombie_rows.id it reaps
	epoch_ms    bigint NOT NULL,  -- when it was seen gone
	PRIMARY KEY (host, instance, id, month)
);
CREATE INDEX ON sigtrail.zombie_reaps (host, instance, zombie_id);

DO $rls$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['zombie_rows', 'zombie_reaps'] LOOP
		EXECUTE format('ALTER TABLE sigtrail.%I ENABLE ROW LEVEL SECURITY', t);
		EXECUTE format('REVOKE ALL ON sigtrail.%I FROM PUBLIC', t);
		EXECUTE format('GRANT INSERT ON sigtrail.%I TO sigtrail_ingest', t);
		EXECUTE format('GRANT SELECT ON sigtrail.%I TO sigtrail_sre, sigtrail_auditor, '
		               'sigtrail_retention', t);
		EXECUTE format('GRANT DELETE ON sigtrail.%I TO sigtrail_retention', t);
		EXECUTE format('CREATE POLICY own_host ON sigtrail.%I FOR INSERT TO sigtrail_ingest '
		               'WITH CHECK (host = current_user)', t);
		EXECUTE format('CREATE POLICY readers ON sigtrail.%I FOR SELECT TO sigtrail_sre, '
		               'sigtrail_auditor, sigtrail_retention USING (true)', t);
		EXECUTE format('CREATE POLICY retention ON sigtrail.%I FOR DELETE TO '
		               'sigtrail_retention USING (true)', t);
		EXECUTE format('CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON sigtrail.%I '
		               'FOR EACH ROW EXECUTE FUNCTION sigtrail.append_only()', t);
		EXECUTE format('CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON sigtrail.%I '
		               'FOR EACH STATEMENT EXECUTE FUNCTION sigtrail.append_only()', t);
	END LOOP;
END
$rls$;

-- The calling host's high-water marks of both, for one local database
-- (as sigtrail.high_water for signals and deaths).
CREATE FUNCTION sigtrail.high_water_zombies(p_instance uuid, OUT zombies bigint,
                                            OUT reaps bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = sigtrail, pg_temp
BEGIN ATOMIC
	SELECT (SELECT max(id) FROM sigtrail.zombie_rows
	        WHERE host = session_user AND instance = p_instance),
	       (SELECT max(id) FROM sigtrail.zombie_reaps
	        WHERE host = session_user AND instance = p_instance);
END;
REVOKE ALL ON FUNCTION sigtrail.high_water_zombies(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sigtrail.high_water_zombies(uuid) TO sigtrail_ingest;

-- The local view's columns in its order (host the ingest role), then
-- origin_host, machine_id, received_at and instance.
CREATE VIEW public.zombies AS
SELECT z.id, z.time, z.epoch_ms, z.pid, z.start_time, z.comm, z.cmdline, z.exit_status,
	z.signal, z.ppid, z.parent_comm, z.parent_cmdline, z.parent_is_init, z.unit,
	z.container, z.host,
	to_char(to_timestamp(r.epoch_ms / 1000.0) AT TIME ZONE 'UTC',
	        'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS reaped_at,
	r.epoch_ms AS reaped_epoch_ms, z.exit_seen, z.parent_start_time, z.boot_id,
	z.origin_host, z.machine_id, z.received_at, z.instance
FROM sigtrail.zombie_rows AS z
LEFT JOIN LATERAL (
	SELECT min(x.epoch_ms) AS epoch_ms FROM sigtrail.zombie_reaps AS x
	WHERE x.host = z.host AND x.instance = z.instance AND x.zombie_id = z.id) AS r ON true;
REVOKE ALL ON public.zombies FROM PUBLIC;
GRANT SELECT ON public.zombies TO sigtrail_sre, sigtrail_auditor, sigtrail_retention;

-- Zombies a run did not record (local coverage.lost_zombies).
ALTER TABLE sigtrail.coverage_states ADD COLUMN lost_zombies bigint;
CREATE OR REPLACE VIEW public.coverage AS
SELECT DISTINCT ON (host, instance, run)
	run, started, stopped, status, started_ms, until_ms, source, host, pid, version, events,
	rows, lost_kernel, lost_socket, lost_serial_gaps, lost_unparsable, lost_queue, lost_db,
	pruned_rows, stopped_by, processes, deaths, lost_process_events, lost_deaths,
	lost_targets, lost_kernel_log, lost_abends, lost_process_facts, untracked_processes,
	origin_host, machine_id, boot_id, received_at, instance, seq, lost_zombies
FROM sigtrail.coverage_states
ORDER BY host, instance, run, seq DESC;
