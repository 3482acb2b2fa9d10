/* runs.c: the `coverage` view's rows. A compliance trail must say where it
 * has holes: each collector run is a row, opened at start, updated with a
 * heartbeat and the loss counters at least every 10 s, closed 'stopped' at a
 * clean stop. A run still open when the next one starts died without
 * stopping (SIGKILL, OOM, power loss) and is closed 'crashed' at its last
 * heartbeat, so the gap between that and the new start is visible.
 * Exercise: sigtraild ... then `sqlite3 DB 'select * from coverage'`. */
#include <sqlite3.h>

#include <string.h>
#include <time.h>

#include "config.h"
#include "sigtrail/audit_ctl.h"
#include "sigtrail/store.h"
#include "store_internal.h"

/* The wall-clock time of the boot, ms since the epoch: what turns the
 * start times of /proc/PID/stat (ticks of CLOCK_BOOTTIME) into times. The
 * boot clock is read between two reads of the wall clock, so a step of the
 * wall clock in between costs at most that one sample's accuracy. */
int64_t store_boot_epoch_ms(void)
{
	struct timespec r, b;

	if (clock_gettime(CLOCK_REALTIME, &r) < 0 || clock_gettime(CLOCK_BOOTTIME, &b) < 0)
		return -1;
	return ((int64_t)r.tv_sec - b.tv_sec) * 1000 + ((int64_t)r.tv_nsec - b.tv_nsec) / 1000000;
}

/* A new open run row: its id, or -1 with the SQLite code in *ret_rc. */
static int64_t insert_run(struct store *st, const char *source, const char *host, int64_t pid,
                          int64_t now_ms, int *ret_rc)
{
	sqlite3 *db = store_sqlite(st);
	sqlite3_stmt *s = NULL;
	int rc;

	/* The host string goes through the strings table like every other. */
	int64_t host_s = -1;
	/* The boot a daemon records in (an import's events are of any boot):
	 * without it, audit serials cannot be ordered across reboots. */
	char boot[CTL_BOOT_ID_LEN];
	bool imported = strcmp(source, "import") == 0;
	bool have_boot = !imported && ctl_boot_id(boot) == 0;
	int64_t boot_ms = imported ? -1 : store_boot_epoch_ms();
	rc = store_intern(st, host, &host_s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
		    db,
		    "INSERT INTO collector_runs(started_ms, heartbeat_ms, source, "
		    "host_s, pid, version, boot_id, boot_epoch_ms) "
		    "VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
		    -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, now_ms);
		sqlite3_bind_text(s, 2, source, -1, SQLITE_STATIC);
		store_bind_opt(s, 3, host_s >= 0, host_s);
		sqlite3_bind_int64(s, 4, pid);
		sqlite3_bind_text(s, 5, SIGTRAIL_VERSION, -1, SQLITE_STATIC);
		if (have_boot)
			sqlite3_bind_text(s, 6, boot, -1, SQLITE_STATIC);
		store_bind_opt(s, 7, boot_ms > 0, boot_ms);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
	}
	sqlite3_finalize(s);
	*ret_rc = rc;
	return rc == SQLITE_OK ? sqlite3_last_insert_rowid(db) : -1;
}

int store_run_begin(struct store *st, const char *source, const char *host, int64_t pid,
                    int64_t now_ms, struct store_run *ret)
{
	sqlite3 *db = store_sqlite(st);
	int rc, crashed;

	rc = sqlite3_exec(db,
	                  "UPDATE collector_runs SET ended = 'crashed', stopped_ms = heartbeat_ms "
	                  "WHERE ended IS NULL",
	                  NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_errno(rc);
	crashed = sqlite3_changes(db);
	int64_t id = insert_run(st, source, host, pid, now_ms, &rc);
	if (id < 0)
		return store_sqlite_errno(rc);
	*ret = (struct store_run){.id = id};
	return crashed;
}

int store_run_record(struct store *st, const char *source, const char *host, int64_t pid,
                     int64_t started_ms, int64_t until_ms, struct store_run *run)
{
	sqlite3 *db = store_sqlite(st);
	int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL); /* never seen open */
	int64_t id = rc == SQLITE_OK ? insert_run(st, source, host, pid, started_ms, &rc) : -1;
	int r = id < 0 ? store_sqlite_errno(rc) : 0;

	if (r == 0) {
		run->id = id;
		r = store_run_update(st, run, until_ms, "stopped");
	}
	if (r == 0 && (rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
		r = store_sqlite_errno(rc);
	if (r < 0)
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

/* The heartbeat's UPDATE: the fixed columns as ?1 to ?6, then one
 * parameter per counter of STORE_RUN_COUNTERS, in its order. */
static const char run_update_sql[] =
    "UPDATE collector_runs SET heartbeat_ms = ?2, stopped_ms = "
    "CASE WHEN ?3 IS NULL THEN NULL ELSE ?2 END, ended = ?3, "
    "stopped_by = coalesce(?4, stopped_by), processes = coalesce(?5, processes), "
    "backlog_limit = coalesce(?6, backlog_limit)"
#define RUN_SET(name) ", " #name " = ?"
    STORE_RUN_COUNTERS(RUN_SET)
#undef RUN_SET
        " WHERE id = ?1";

int store_run_update(struct store *st, const struct store_run *run, int64_t now_ms,
                     const char *ended)
{
	sqlite3 *db = store_sqlite(st);
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, run_update_sql, -1, &s, NULL);

	if (rc == SQLITE_OK) {
		int i = 6;
		sqlite3_bind_int64(s, 1, run->id);
		sqlite3_bind_int64(s, 2, now_ms);
		if (ended)
			sqlite3_bind_text(s, 3, ended, -1, SQLITE_STATIC);
		if (run->stopped_by)
			sqlite3_bind_text(s, 4, run->stopped_by, -1, SQLITE_STATIC);
		if (run->processes)
			sqlite3_bind_text(s, 5, run->processes, -1, SQLITE_STATIC);
		store_bind_opt(s, 6, run->backlog_limit > 0, run->backlog_limit);
#define RUN_BIND(name) sqlite3_bind_int64(s, ++i, (int64_t)run->name);
		STORE_RUN_COUNTERS(RUN_BIND)
#undef RUN_BIND
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_OK ? 0 : store_sqlite_errno(rc);
}
