/* prune.c: keeps the database inside its bounds (--retention DAYS,
 * --max-db-size MB), oldest rows first, so that a storm or a long uptime
 * cannot fill the disk. Freed pages go back to the filesystem through
 * incremental auto-vacuum (set when the file was created). The caller
 * records the count in the run's coverage row. Exercise with
 * `meson test -C build prune`. */
#include <stdint.h>
#include <sqlite3.h>

#include "sigtrail/schema.h"
#include "sigtrail/store.h"
#include "store_internal.h"

enum { PRUNE_BATCH = 5000 }; /* rows deleted per step while over the size cap */

/* One integer, -1 when the query fails. */
static int64_t scalar(sqlite3 *db, const char *sql)
{
	int64_t v = -1;

	(void)schema_query_int(db, sql, &v);
	return v;
}

/* Bytes of live data: pages in use (not on the free list) times page size. */
static int64_t live_bytes(sqlite3 *db)
{
	return (scalar(db, "PRAGMA page_count") - scalar(db, "PRAGMA freelist_count")) *
	       scalar(db, "PRAGMA page_size");
}

static int64_t delete_rows(sqlite3 *db, const char *sql, int64_t arg)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, arg);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_sqlite_errno(rc);
	return sqlite3_changes(db);
}

/* Deaths go with the signal rows of their time: older than the oldest
 * signal row left (retention or size cap), and ancestry chains that no
 * signal row uses any more. Deaths are not counted in the total, which is
 * the `pruned_rows` of signal rows. */
static int prune_deaths(sqlite3 *db, int64_t before_ms)
{
	int64_t n = delete_rows(db, "DELETE FROM death_rows WHERE epoch_ms < ?1", before_ms);
	int rc;

	if (n < 0)
		return (int)n;
	rc = sqlite3_exec(db,
	                  "DELETE FROM ancestry_rows WHERE chain_s NOT IN (SELECT sender_chain_s "
	                  "FROM signal_rows WHERE sender_chain_s IS NOT NULL)",
	                  NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : store_sqlite_errno(rc);
}

int64_t store_prune(struct store *st, int64_t now_ms, int64_t retention_days, int64_t max_bytes)
{
	sqlite3 *db = store_sqlite(st);
	int64_t total = 0, n;
	int r;

	if ((r = store_commit(st)) < 0)
		return r;
	if (retention_days > 0) {
		int64_t cutoff = now_ms - retention_days * 86400 * 1000;
		n = delete_rows(db, "DELETE FROM signal_rows WHERE epoch_ms < ?1", cutoff);
		if (n < 0)
			return n;
		total += n;
		n = delete_rows(db, "DELETE FROM death_rows WHERE epoch_ms < ?1", cutoff);
		if (n < 0)
			return n;
	}
	while (max_bytes > 0 && live_bytes(db) > max_bytes) {
		n = delete_rows(db,
		                "DELETE FROM signal_rows WHERE id IN (SELECT id FROM signal_rows "
		                "ORDER BY id LIMIT ?1)",
		                PRUNE_BATCH);
		int64_t oldest = scalar(
		    db, "SELECT coalesce(min(epoch_ms), 9223372036854775807) FROM signal_rows");
		if (n >= 0 && (r = prune_deaths(db, oldest)) < 0)
			return r;
		if (n <= 0) /* nothing left to delete: the rest is schema and strings */
			break;
		total += n;
	}
	if (total > 0) {
		(void)prune_deaths(db, INT64_MIN);
		/* Strings no row refers to any more are dead weight too
		 * (string_refs lists every reference; NOT IN over a list holding
		 * NULL is never true: drop them). */
		(void)sqlite3_exec(db,
		                   "DELETE FROM strings WHERE id NOT IN (SELECT v FROM string_refs "
		                   "WHERE v IS NOT NULL)",
		                   NULL, NULL, NULL);
		store_invalidate_cache(st);
		(void)sqlite3_exec(db, "PRAGMA incremental_vacuum", NULL, NULL, NULL);
		(void)sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	}
	return total;
}
