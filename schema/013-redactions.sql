-- sigtrail schema version 13: command lines are stored with their secrets
-- replaced by '<redacted>' (collector/redact/), and each run counts how many
-- it replaced. Public: one new `coverage` column, after the existing ones.
--   redactions  secrets (passwords, tokens, credentials) replaced in the
--               command lines this run stored; 0 with redaction off
ALTER TABLE collector_runs ADD COLUMN redactions INTEGER NOT NULL DEFAULT 0;

-- Every column of schema 5's view, in the same order, then the new one.
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
	r.untracked_processes,
	r.redactions
FROM collector_runs AS r;
