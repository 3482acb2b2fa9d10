/* candidates.c: reads from the database the signal rows that may explain
 * one death (rows targeting its pid shortly before it), with the target
 * start time that schema 3 records, so death_attribute() can rule out rows
 * aimed at an earlier owner of the pid. It runs on the thread that owns the
 * connection (the store's writer), after the rows of every event read
 * before the death was handed over have been inserted. By hand:
 *   sqlite3 sigtrail.db "select id, epoch_ms, signal, target_start_time
 *     from signal_rows where target_pid = PID order by epoch_ms desc"
 * Covered by `meson test -C build proc_schema`. */
#include "deaths_internal.h"
#include "sigtrail/schema.h"

#include <errno.h>
#include <sqlite3.h>
#include <string.h>

/* Schema 22: the pid's rows through pid_eras and the newest blocks, a seek
 * each (a search of the block index alone seeks into every block). */
static const char *const query_v22 =
    "SELECT r.id, r.epoch_ms, r.signal, r.success, r.sender_pid,"
    " (SELECT value FROM strings WHERE id = r.sender_comm_s), r.target_start_time"
    " FROM signal_rows AS r WHERE r.id IN " SCHEMA_PID_IDS(
        "?1") " AND r.epoch_ms BETWEEN ?2 AND ?3 ORDER BY r.epoch_ms DESC, r.id DESC LIMIT ?4";

static const char *const query_v3 =
    "SELECT r.id, r.epoch_ms, r.signal, r.success, r.sender_pid,"
    " (SELECT value FROM strings WHERE id = r.sender_comm_s), r.target_start_time"
    " FROM signal_rows AS r WHERE r.target_pid = ?1 AND r.epoch_ms BETWEEN ?2 AND ?3"
    " ORDER BY r.epoch_ms DESC, r.id DESC LIMIT ?4";

/* A database not yet migrated to schema 3 has no target_start_time. */
static const char *const query_v2 =
    "SELECT r.id, r.epoch_ms, r.signal, r.success, r.sender_pid,"
    " (SELECT value FROM strings WHERE id = r.sender_comm_s), NULL"
    " FROM signal_rows AS r WHERE r.target_pid = ?1 AND r.epoch_ms BETWEEN ?2 AND ?3"
    " ORDER BY r.epoch_ms DESC, r.id DESC LIMIT ?4";

int deaths_query_rows(struct sqlite3 *db, int32_t pid, int64_t epoch_ms,
                      struct death_signal_row *out, size_t max, char *strbuf, size_t strbuf_size)
{
	sqlite3_stmt *st = NULL;
	size_t n = 0, used = 0;
	int r = SQLITE_DONE;

	if (sqlite3_prepare_v2(db, query_v22, -1, &st, NULL) != SQLITE_OK &&
	    sqlite3_prepare_v2(db, query_v3, -1, &st, NULL) != SQLITE_OK &&
	    sqlite3_prepare_v2(db, query_v2, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int(st, 1, pid);
	sqlite3_bind_int64(st, 2, epoch_ms - DEATH_SIGNAL_BEFORE_MS);
	sqlite3_bind_int64(st, 3, epoch_ms + DEATH_SKEW_MS);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)max);
	while (n < max && (r = sqlite3_step(st)) == SQLITE_ROW) {
		struct death_signal_row *row = &out[n++];
		const unsigned char *comm = sqlite3_column_text(st, 5);
		size_t len = comm ? strlen((const char *)comm) + 1 : 0;

		row->id = sqlite3_column_int64(st, 0);
		row->epoch_ms = sqlite3_column_int64(st, 1);
		row->signal = sqlite3_column_int(st, 2);
		row->success = sqlite3_column_int(st, 3) != 0;
		row->sender_pid = sqlite3_column_int(st, 4);
		row->target_start_time = (uint64_t)sqlite3_column_int64(st, 6);
		row->sender_comm = NULL;
		if (comm && used + len <= strbuf_size) {
			memcpy(strbuf + used, comm, len);
			row->sender_comm = strbuf + used;
			used += len;
		}
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE || r == SQLITE_ROW ? (int)n : -EIO;
}
