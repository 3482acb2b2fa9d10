-- sigtrail schema version 5: every loss the collector counts reaches its
-- run's coverage row. Public: five new `coverage` columns, after the
-- existing ones.
--   lost_targets        OBJ_PID records beyond the 4096 kept for one event
--                       (a group kill of more processes): targets not named
--   lost_kernel_log     kernel log records overwritten before they were read:
--                       an OOM kill among them is recorded as cause 'kernel'
--   lost_abends         ANOM_ABEND records that could not be parsed: a crash
--                       without its record as evidence
--   lost_process_facts  signal events stored without the process table's
--                       facts (ancestry, units, containers): memory ran out
--   untracked_processes processes the table could not hold (it was full):
--                       their signals lack ancestry, their deaths may be missed
ALTER TABLE collector_runs ADD COLUMN lost_targets INTEGER NOT NULL DEFAULT 0;
ALTER TABLE collector_runs ADD COLUMN lost_kernel_log INTEGER NOT NULL DEFAULT 0;
ALTER TABLE collector_runs ADD COLUMN lost_abends INTEGER NOT NULL DEFAULT 0;
ALTER TABLE collector_runs ADD COLUMN lost_process_facts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE collector_runs ADD COLUMN untracked_processes INTEGER NOT NULL DEFAULT 0;

-- Every column of schema 3's view, in the same order, then the new ones.
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
	r.untracked_processes
FROM collector_runs AS r;
