-- sigtrail central schema version 1: every host's trail in one PostgreSQL.
-- Applied by `sigtrail central init --to CONNINFO` as an admin role (the
-- owner of everything here), in one transaction, recorded in
-- sigtrail.schema_version. Later versions only add (tables, columns with a
-- default, views' trailing columns), so an older forwarder keeps working.
--
-- Layout: the tables live in the schema `sigtrail`, the views people query
-- (signals, deaths, coverage, ancestry) in `public`, with the local views'
-- column names plus host (the ingest role that sent the row), origin_host
-- (the local `host` column: the machine an event came from, which for an
-- imported log is not the forwarding host), machine_id, boot_id,
-- received_at and instance.
--
-- Every table is insert-only for the hosts and partitioned by month; the
-- natural key of a row is (host, instance, local id[, seq]), with the month
-- in it as PostgreSQL requires of a partitioned table's unique keys. A
-- forwarder sends batches as COPY into a temporary staging table, then
-- INSERT ... SELECT ... ON CONFLICT DO NOTHING, then COMMIT: a batch sent
-- twice inserts nothing the second time.

-- Roles. Cluster-wide, so made only where missing.
DO $roles$
DECLARE
	r text;
BEGIN
	FOREACH r IN ARRAY ARRAY['sigtrail_ingest', 'sigtrail_sre', 'sigtrail_auditor',
	                         'sigtrail_retention'] LOOP
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r) THEN
			EXECUTE format('CREATE ROLE %I NOLOGIN', r);
		END IF;
	END LOOP;
END
$roles$;
COMMENT ON ROLE sigtrail_ingest IS 'sigtrail: the hosts (one LOGIN role each, named as the host, made by sigtrail central add-host): INSERT of their own rows only';
COMMENT ON ROLE sigtrail_sre IS 'sigtrail: read-only, for SREs';
COMMENT ON ROLE sigtrail_auditor IS 'sigtrail: read-only, for auditors';
COMMENT ON ROLE sigtrail_retention IS 'sigtrail: the one role that may delete (retention)';
-- A killed forwarder must not hold locks: its session ends after a minute
-- idle in a transaction, and a vanished client is noticed within 10 s.
-- (Role settings are not inherited: add-host sets them on each host role.)
ALTER ROLE sigtrail_ingest SET idle_in_transaction_session_timeout = '60s';
ALTER ROLE sigtrail_ingest SET client_connection_check_interval = '10s';

REVOKE ALL ON SCHEMA sigtrail FROM PUBLIC;
GRANT USAGE ON SCHEMA sigtrail TO sigtrail_ingest, sigtrail_sre, sigtrail_auditor,
	sigtrail_retention;
-- The versions applied (made by `sigtrail central init` before this file).
GRANT SELECT ON sigtrail.schema_version TO sigtrail_ingest, sigtrail_sre, sigtrail_auditor,
	sigtrail_retention;

-- The month (first day, UTC) a time in ms since the epoch falls in: the
-- partition key of every table. Clamped to years 1970 to 9999, so that no
-- value a host sends makes the conversion fail.
CREATE FUNCTION sigtrail.month_of(ms bigint) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN date_trunc('month',
	to_timestamp(least(greatest(coalesce(ms, 0), 0), 253402300799999) / 1000.0)
	AT TIME ZONE 'UTC')::date;

-- One row per local signals row (after its coalescing window: sealed).
CREATE TABLE sigtrail.signal_rows (
	host              text NOT NULL DEFAULT current_user, -- the ingest role
	instance          uuid NOT NULL,    -- the local database's instance.uuid
	month             date NOT NULL,    -- month_of(epoch_ms)
	received_at       timestamptz NOT NULL DEFAULT now(),
	machine_id        text,             -- /etc/machine-id of the forwarding host
	boot_id           text,             -- the boot of the daemon run that recorded it
	sender_chain      text,             -- ancestry_rows.chain of the sender
	-- The local `signals` view's columns, in its order (host is origin_host).
	id                bigint NOT NULL,
	time              text,
	epoch_ms          bigint NOT NULL,
	serial            bigint,
	origin_host       text,
	arch              text,
	syscall           text,
	signal            integer,
	signame           text,
	success           integer,
	errno             text,
	target_arg        bigint,
	sender_pid        bigint,
	sender_ppid       bigint,
	sender_uid        bigint,
	sender_euid       bigint,
	sender_auid       bigint,
	sender_ses        bigint,
	sender_user       text,
	sender_login      text,
	sender_tty        text,
	sender_comm       text,
	sender_exe        text,
	sender_cmdline    text,
	target_pid        bigint,
	target_uid        bigint,
	target_auid       bigint,
	target_ses        bigint,
	target_user       text,
	target_comm       text,
	count             bigint,
	sender_ancestry   text,
	target_exe        text,
	target_cmdline    text,
	target_start_time bigint,
	sender_unit       text,
	target_unit       text,
	sender_container  text,
	target_container  text,
	PRIMARY KEY (host, instance, id, month)
) PARTITION BY RANGE (month);
CREATE INDEX ON sigtrail.signal_rows (epoch_ms);
CREATE INDEX ON sigtrail.signal_rows (target_pid);

-- The sender ancestries the signals refer to, one row per member of a
-- chain, stored once per host, database, chain and month.
CREATE TABLE sigtrail.ancestry_rows (
	host        text NOT NULL DEFAULT current_user,
	instance    uuid NOT NULL,
	month       date NOT NULL,    -- month_of(first_ms)
	received_at timestamptz NOT NULL DEFAULT now(),
	chain       text NOT NULL,    -- the local chain key, "PID@START/PID@START/..."
	first_ms    bigint,           -- the first signal of the batch that carried it
	depth       integer NOT NULL,
	pid         bigint,
	start_time  bigint,
	comm        text,
	exe         text,
	cmdline     text,
	PRIMARY KEY (host, instance, chain, depth, month)
) PARTITION BY RANGE (month);

-- One row per local deaths row.
CREATE TABLE sigtrail.death_rows (
	host           text NOT NULL DEFAULT current_user,
	instance       uuid NOT NULL,
	month          date NOT NULL,
	received_at    timestamptz NOT NULL DEFAULT now(),
	machine_id     text,
	boot_id        text,
	id             bigint NOT NULL,
	time           text,
	epoch_ms       bigint NOT NULL,
	pid            bigint,
	start_time     bigint,
	signal         integer,
	signame        text,
	core_dumped    integer,
	uid            bigint,
	"user"         text,
	comm           text,
	exe            text,
	cmdline        text,
	ppid           bigint,
	cause          text,
	signal_id      bigint,           -- signal_rows.id of the same host and instance
	evidence       text,
	oom_constraint text,
	oom_memcg      text,
	oom_rss_kb     bigint,
	unit           text,
	container      text,
	origin_host    text,
	pidns          bigint,
	abend_serial   bigint,
	oom_task_memcg text,
	nspid          bigint,
	PRIMARY KEY (host, instance, id, month)
) PARTITION BY RANGE (month);
CREATE INDEX ON sigtrail.death_rows (epoch_ms);
CREATE INDEX ON sigtrail.death_rows (pid);

-- A run's coverage row changes at every heartbeat: each state is a row of
-- its own, numbered by seq (grows with every change), and the coverage view
-- shows the latest.
CREATE TABLE sigtrail.coverage_states (
	host                text NOT NULL DEFAULT current_user,
	instance            uuid NOT NULL,
	month               date NOT NULL,    -- month_of(started_ms): a run's states stay together
	received_at         timestamptz NOT NULL DEFAULT now(),
	machine_id          text,
	boot_id             text,
	seq                 bigint NOT NULL,
	run                 bigint NOT NULL,
	started             text,
	stopped             text,
	status              text,
	started_ms          bigint,
	until_ms            bigint,
	source              text,
	origin_host         text,
	pid                 bigint,
	version             text,
	events              bigint,
	rows                bigint,
	lost_kernel         bigint,
	lost_socket         bigint,
	lost_serial_gaps    bigint,
	lost_unparsable     bigint,
	lost_queue          bigint,
	lost_db             bigint,
	pruned_rows         bigint,
	stopped_by          text,
	processes           text,
	deaths              bigint,
	lost_process_events bigint,
	lost_deaths         bigint,
	lost_targets        bigint,
	lost_kernel_log     bigint,
	lost_abends         bigint,
	lost_process_facts  bigint,
	untracked_processes bigint,
	PRIMARY KEY (host, instance, run, seq, month)
) PARTITION BY RANGE (month);

-- Rows of months no partition was made for (times far in the past or the
-- future): kept, never refused.
CREATE TABLE sigtrail.signal_rows_default PARTITION OF sigtrail.signal_rows DEFAULT;
CREATE TABLE sigtrail.ancestry_rows_default PARTITION OF sigtrail.ancestry_rows DEFAULT;
CREATE TABLE sigtrail.death_rows_default PARTITION OF sigtrail.death_rows DEFAULT;
CREATE TABLE sigtrail.coverage_states_default PARTITION OF sigtrail.coverage_states DEFAULT;

-- Insert-only: hosts insert rows of their own host, and nobody updates;
-- only sigtrail_retention deletes (or drops a month's partitions).
CREATE FUNCTION sigtrail.append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' AND pg_catalog.pg_has_role(current_user, 'sigtrail_retention', 'MEMBER') THEN
		RETURN OLD;
	END IF;
	RAISE EXCEPTION 'sigtrail: % is append-only (% refused)', TG_TABLE_NAME, TG_OP
		USING ERRCODE = 'insufficient_privilege';
END
$$;
DO $rls$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['signal_rows', 'ancestry_rows', 'death_rows',
	                         'coverage_states'] LOOP
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

-- The calling host's high-water marks for one local database: the largest
-- local ids the centre holds. A forwarder asks at start, and sends what
-- follows. SECURITY DEFINER: the hosts may not SELECT; session_user is the
-- host that logged in (current_user is this function's owner here).
CREATE FUNCTION sigtrail.high_water(p_instance uuid, OUT signals bigint, OUT deaths bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = sigtrail, pg_temp
BEGIN ATOMIC
	SELECT (SELECT max(id) FROM sigtrail.signal_rows
	        WHERE host = session_user AND instance = p_instance),
	       (SELECT max(id) FROM sigtrail.death_rows
	        WHERE host = session_user AND instance = p_instance);
END;

-- Make the month partitions of every table from the month of p_from_ms to
-- that of p_to_ms, where missing. A forwarder calls it in each batch before
-- its INSERT. Only months from 20 years back to 2 months ahead are made (a
-- host's wrong clock must not make thousands of tables), and none whose
-- rows already went to the default partition; those rows stay there.
CREATE FUNCTION sigtrail.ensure_months(p_from_ms bigint, p_to_ms bigint) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = sigtrail, pg_temp AS $$
DECLARE
	lo date := greatest(sigtrail.month_of(p_from_ms),
	                    (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '20 years')::date);
	hi date := least(sigtrail.month_of(p_to_ms),
	                 (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '2 months')::date);
	m date;
	t text;
	part text;
	made integer := 0;
	locked boolean := false;
	in_default boolean;
BEGIN
	m := lo;
	WHILE m <= hi LOOP
		FOREACH t IN ARRAY ARRAY['signal_rows', 'ancestry_rows', 'death_rows',
		                         'coverage_states'] LOOP
			part := format('%s_y%sm%s', t, to_char(m, 'YYYY'), to_char(m, 'MM'));
			CONTINUE WHEN to_regclass('sigtrail.' || quote_ident(part)) IS NOT NULL;
			IF NOT locked THEN
				-- One maker at a time; look again under the lock.
				PERFORM pg_advisory_xact_lock(hashtext('sigtrail.ensure_months'));
				locked := true;
				CONTINUE WHEN to_regclass('sigtrail.' || quote_ident(part)) IS NOT NULL;
			END IF;
			EXECUTE format('SELECT EXISTS (SELECT FROM sigtrail.%I WHERE month = %L)',
			               t || '_default', m) INTO STRICT in_default;
			CONTINUE WHEN in_default; -- its rows stay in the default partition
			EXECUTE format('CREATE TABLE sigtrail.%I PARTITION OF sigtrail.%I '
			               'FOR VALUES FROM (%L) TO (%L)', part, t, m,
			               (m + interval '1 month')::date);
			made := made + 1;
		END LOOP;
		m := (m + interval '1 month')::date;
	END LOOP;
	RETURN made;
END
$$;

REVOKE ALL ON FUNCTION sigtrail.high_water(uuid), sigtrail.ensure_months(bigint, bigint)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sigtrail.high_water(uuid), sigtrail.ensure_months(bigint, bigint)
	TO sigtrail_ingest;

-- The views: the local views' columns in their order, `host` being the
-- ingest role; then origin_host (the local host column), machine_id,
-- boot_id, received_at and instance.
CREATE VIEW public.signals AS
SELECT id, time, epoch_ms, serial, host, arch, syscall, signal, signame, success, errno,
	target_arg, sender_pid, sender_ppid, sender_uid, sender_euid, sender_auid, sender_ses,
	sender_user, sender_login, sender_tty, sender_comm, sender_exe, sender_cmdline,
	target_pid, target_uid, target_auid, target_ses, target_user, target_comm, count,
	sender_ancestry, target_exe, target_cmdline, target_start_time, sender_unit,
	target_unit, sender_container, target_container,
	origin_host, machine_id, boot_id, received_at, instance
FROM sigtrail.signal_rows;

CREATE VIEW public.deaths AS
SELECT id, time, epoch_ms, pid, start_time, signal, signame, core_dumped, uid, "user", comm,
	exe, cmdline, ppid, cause, signal_id, evidence, oom_constraint, oom_memcg, oom_rss_kb,
	unit, container, host, pidns, abend_serial, oom_task_memcg, nspid,
	origin_host, machine_id, boot_id, received_at, instance
FROM sigtrail.death_rows;

CREATE VIEW public.coverage AS
SELECT DISTINCT ON (host, instance, run)
	run, started, stopped, status, started_ms, until_ms, source, host, pid, version, events,
	rows, lost_kernel, lost_socket, lost_serial_gaps, lost_unparsable, lost_queue, lost_db,
	pruned_rows, stopped_by, processes, deaths, lost_process_events, lost_deaths,
	lost_targets, lost_kernel_log, lost_abends, lost_process_facts, untracked_processes,
	origin_host, machine_id, boot_id, received_at, instance, seq
FROM sigtrail.coverage_states
ORDER BY host, instance, run, seq DESC;

CREATE VIEW public.ancestry AS
SELECT s.id AS signal_id, a.depth, a.pid, a.start_time, a.comm, a.exe, a.cmdline,
	s.host, s.instance
FROM sigtrail.signal_rows AS s
CROSS JOIN LATERAL (
	SELECT DISTINCT ON (x.depth) x.depth, x.pid, x.start_time, x.comm, x.exe, x.cmdline
	FROM sigtrail.ancestry_rows AS x
	WHERE x.host = s.host AND x.instance = s.instance AND x.chain = s.sender_chain
	ORDER BY x.depth, x.month) AS a;

REVOKE ALL ON public.signals, public.deaths, public.coverage, public.ancestry FROM PUBLIC;
GRANT SELECT ON public.signals, public.deaths, public.coverage, public.ancestry
	TO sigtrail_sre, sigtrail_auditor, sigtrail_retention;
