/* unsent.c: what the pruner must not delete because the fleet's forwarder
 * has not sent it yet, and the record it writes when the disk cap deletes
 * such rows anyway. The forwarder (sigtrail forward, collector/forward/)
 * runs apart from the daemon and leaves the position the centre
 * acknowledged in a small file of its own state directory (written whole,
 * by rename, after each central commit):
 *   instance 0b7c...-uuid
 *   signals 1234
 *   deaths 56
 * A file that is absent means no forwarder: the pruner works as without
 * one. A file of another database (its instance differs: the forwarder
 * reads another file) is ignored too. A file that exists but cannot be read
 * or parsed protects every row (nothing is known to be forwarded).
 * Dropped rows are recorded in forward_drop_rows (schema 015), one row per
 * table and prune step, which the forwarder sends like any other row.
 * Exercise with `meson test -C build store` (test_store's "unsent" part). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

void store_set_forward_position(struct store *st, const char *path)
{
	free(st->fwd_position);
	st->fwd_position = path && path[0] ? strdup(path) : NULL;
}

/* The database's instance uuid into buf ("" when it has none). */
static void instance_of(struct store *st, char buf[40])
{
	sqlite3_stmt *s = NULL;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(st->db, "SELECT uuid FROM instance WHERE id = 1", -1, &s, NULL) ==
	        SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		snprintf(buf, 40, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
}

void unsent_limits(struct store *st, int64_t *ret_signals, int64_t *ret_deaths)
{
	char line[128], uuid[40], file_uuid[40] = "";
	int64_t sig = -1, death = -1;
	FILE *f;

	*ret_signals = *ret_deaths = INT64_MAX;
	if (!st->fwd_position)
		return;
	f = fopen(st->fwd_position, "re");
	if (!f && errno == ENOENT)
		return; /* no forwarder on this host */
	while (f && fgets(line, sizeof(line), f)) {
		long long v;
		if (sscanf(line, "instance %39s", file_uuid) == 1)
			continue;
		if (sscanf(line, "signals %lld", &v) == 1 && v >= 0)
			sig = v;
		else if (sscanf(line, "deaths %lld", &v) == 1 && v >= 0)
			death = v;
	}
	if (f)
		fclose(f);
	instance_of(st, uuid);
	if (file_uuid[0] && uuid[0] && strcmp(file_uuid, uuid) != 0)
		return; /* the position of another database */
	/* Unreadable or incomplete: nothing is known to be forwarded. */
	*ret_signals = sig < 0 || !file_uuid[0] ? 0 : sig;
	*ret_deaths = death < 0 || !file_uuid[0] ? 0 : death;
}

/* Bind the int64 values v[0..n) to ?1..?n, step to the end, and finalize.
 * Returns SQLITE_OK or an SQLite error code. */
static int exec_ints(sqlite3 *db, const char *sql, const int64_t *v, int n, const char *text)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

	for (int i = 0; rc == SQLITE_OK && i < n; i++)
		rc = sqlite3_bind_int64(s, i + 1, v[i]);
	if (rc == SQLITE_OK && text)
		rc = sqlite3_bind_text(s, n + 1, text, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			;
	sqlite3_finalize(s);
	return rc == SQLITE_DONE || rc == SQLITE_OK ? SQLITE_OK : rc;
}

int unsent_record_drop(struct store *st, int stream, const char *chunk, int64_t limit, int64_t upto,
                       int64_t chunk_rows, int64_t now_ms)
{
	static const char *const names[2] = {"signals", "deaths"};
	char sql[600];
	sqlite3_stmt *s = NULL;
	int64_t v[6] = {0};
	int rc;

	/* What of the chunk was not forwarded: its ids, count and times. */
	snprintf(sql, sizeof(sql),
	         "SELECT min(id), max(id), count(*), min(epoch_ms), max(epoch_ms) FROM (%s) "
	         "WHERE id > ?2",
	         chunk);
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, chunk_rows);
		sqlite3_bind_int64(s, 2, limit);
		sqlite3_bind_int64(s, 3, upto);
		rc = sqlite3_step(s);
		for (int i = 0; rc == SQLITE_ROW && i < 5; i++)
			v[i] = sqlite3_column_int64(s, i);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return store_sqlite_errno(rc);
	if (v[2] == 0)
		return 0;
	if (st->drop_row[stream] > 0) {
		v[5] = st->drop_row[stream];
		rc = exec_ints(
		    st->db,
		    "UPDATE forward_drop_rows SET first_id = min(first_id, ?1), last_id = "
		    "max(last_id, ?2), rows = rows + ?3, first_ms = min(first_ms, ?4), "
		    "last_ms = max(last_ms, ?5) WHERE id = ?6",
		    v, 6, NULL);
	} else {
		v[5] = now_ms;
		rc = exec_ints(st->db,
		               "INSERT INTO forward_drop_rows(first_id, last_id, rows, first_ms, "
		               "last_ms, epoch_ms, stream) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
		               v, 6, names[stream]);
		if (rc == SQLITE_OK)
			st->drop_row[stream] = sqlite3_last_insert_rowid(st->db);
	}
	return rc == SQLITE_OK ? 0 : store_sqlite_errno(rc);
}
