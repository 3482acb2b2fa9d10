/* runs.c: the `coverage` view's rows. A compliance trail must say where it
 * has holes: each collector run is a row, opened at start, updated with a
 * heartbeat and the loss counters at least every 10 s, closed 'stopped' at a
 * clean stop. A run still open when the next one starts died without
 * stopping (SIGKILL, OOM, power loss) and is closed 'crashed' at its last
 * heartbeat, so the gap between that and the new start is visible.
 * Exercise: sigtraild ... then `sqlite3 DB 'select * from coverage'`. */
#include <sqlite3.h>

#include "config.h"
#include "sigtrail/store.h"
#include "store_internal.h"

int store_run_begin(struct store *st, const char *source, const char *host, int64_t pid,
                    int64_t now_ms, struct store_run *ret)
{
	sqlite3 *db = store_sqlite(st);
	sqlite3_stmt *s = NULL;
	int rc, crashed;

	rc = sqlite3_exec(db,
	                  "UPDATE collector_runs SET ended = 'crashed', stopped_ms = heartbeat_ms "
	                  "WHERE ended IS NULL",
	                  NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_errno(rc);
	crashed = sqlite3_changes(db);

	/* The host string goes through the strings table like every other. */
	int64_t host_s = -1;
	rc = store_intern(st, host, &host_s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
		    db,
		    "INSERT INTO collector_runs(started_ms, heartbeat_ms, source, "
		    "host_s, pid, version) VALUES (?1, ?1, ?2, ?3, ?4, ?5)",
		    -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, now_ms);
		sqlite3_bind_text(s, 2, source, -1, SQLITE_STATIC);
		store_bind_opt(s, 3, host_s >= 0, host_s);
		sqlite3_bind_int64(s, 4, pid);
		sqlite3_bind_text(s, 5, SIGTRAIL_VERSION, -1, SQLITE_STATIC);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_OK)
		return store_sqlite_errno(rc);
	*ret = (struct store_run){.id = sqlite3_last_insert_rowid(db)};
	return crashed;
}

int store_run_update(struct store *st, const struct store_run *run, int64_t now_ms,
                     const char *ended)
{
	sqlite3 *db = store_sqlite(st);
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(
	    db,
	    "UPDATE collector_runs SET heartbeat_ms = ?2, stopped_ms = "
	    "CASE WHEN ?3 IS NULL THEN NULL ELSE ?2 END, ended = ?3, events = ?4, "
	    "rows = ?5, lost_kernel = ?6, lost_socket = ?7, lost_serial_gaps = ?8, "
	    "lost_unparsable = ?9, lost_queue = ?10, lost_db = ?11, "
	    "pruned_rows = ?12, stopped_by = coalesce(?13, stopped_by), "
	    "processes = coalesce(?14, processes), deaths = ?15, "
	    "lost_process_events = ?16, lost_deaths = ?17, lost_targets = ?18, "
	    "lost_kernel_log = ?19, lost_abends = ?20, lost_process_facts = ?21, "
	    "untracked_processes = ?22 WHERE id = ?1",
	    -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, run->id);
		sqlite3_bind_int64(s, 2, now_ms);
		if (ended)
			sqlite3_bind_text(s, 3, ended, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, (int64_t)run->events);
		sqlite3_bind_int64(s, 5, (int64_t)run->rows);
		sqlite3_bind_int64(s, 6, (int64_t)run->lost_kernel);
		sqlite3_bind_int64(s, 7, (int64_t)run->lost_socket);
		sqlite3_bind_int64(s, 8, (int64_t)run->lost_serial_gaps);
		sqlite3_bind_int64(s, 9, (int64_t)run->lost_unparsable);
		sqlite3_bind_int64(s, 10, (int64_t)run->lost_queue);
		sqlite3_bind_int64(s, 11, (int64_t)run->lost_db);
		sqlite3_bind_int64(s, 12, (int64_t)run->pruned_rows);
		if (run->stopped_by)
			sqlite3_bind_text(s, 13, run->stopped_by, -1, SQLITE_STATIC);
		if (run->processes)
			sqlite3_bind_text(s, 14, run->processes, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 15, (int64_t)run->deaths);
		sqlite3_bind_int64(s, 16, (int64_t)run->lost_process_events);
		sqlite3_bind_int64(s, 17, (int64_t)run->lost_deaths);
		sqlite3_bind_int64(s, 18, (int64_t)run->lost_targets);
		sqlite3_bind_int64(s, 19, (int64_t)run->lost_kernel_log);
		sqlite3_bind_int64(s, 20, (int64_t)run->lost_abends);
		sqlite3_bind_int64(s, 21, (int64_t)run->lost_process_facts);
		sqlite3_bind_int64(s, 22, (int64_t)run->untracked_processes);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_OK ? 0 : store_sqlite_errno(rc);
}
