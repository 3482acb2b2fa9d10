/* prune.c: keeps the database inside its bounds (--retention DAYS,
 * --max-db-size MB), oldest rows first, so that a storm or a long uptime
 * cannot fill the disk. Freed pages go back to the filesystem through
 * incremental auto-vacuum (set when the file was created). The caller
 * records the count in the run's coverage row.
 *
 * A prune costs what it deletes, not what remains, and it never holds the
 * database long: the work is done in steps (store_prune_step), each one
 * transaction of at most a few tens of milliseconds, between which the
 * writer thread commits the rows that arrived meanwhile. Strings go by
 * generation: a row refers only to texts of the generation that was the
 * newest when it was written (intern.c), so every generation older than
 * those of the oldest remaining rows is garbage, deleted through its index
 * range, and so are the ancestry chains keyed by its texts
 * (schema/006-prune-by-generation.sql says why, and how rows written before
 * that order are accounted for). Names are few and kept.
 * Exercise with `meson test -C build store`, and measure with
 * tests/bench/prune.sh. */
#include <stdint.h>
#include <sqlite3.h>
#include <time.h>

#include "sigtrail/clock.h"
#include "sigtrail/schema.h"
#include "sigtrail/store.h"
#include "store_internal.h"

/* Pages given back to the filesystem by one statement. */
#define PRUNE_VACUUM_PAGES 256
#define STR_(x) #x
#define STR(x) STR_(x)

enum {
	PRUNE_CHUNK = 200,         /* rows deleted by one statement */
	PRUNE_STRING_CHUNK = 500,  /* strings likewise */
	PRUNE_FULL_STEP_MS = 1000, /* store_prune(): nobody waits between its steps */
	NO_GEN = INT64_MAX,        /* no row refers to a text */
};

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

/* Run `sql` with ?1 = a and ?2 = b; the rows it changed, or -errno. */
static int64_t run2(sqlite3 *db, const char *sql, int64_t a, int64_t b)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, a);
		sqlite3_bind_int64(s, 2, b);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_sqlite_errno(rc);
	return sqlite3_changes(db);
}

/* The first column of the first row of `sql` with ?1 = a, or `none` when
 * there is no row or it is NULL; -errno on failure in *ret_err. */
static int64_t value2(sqlite3 *db, const char *sql, int64_t a, int64_t none, int *ret_err)
{
	sqlite3_stmt *s = NULL;
	int64_t v = none;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, a);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
			v = sqlite3_column_int64(s, 0);
		if (rc == SQLITE_ROW)
			rc = SQLITE_DONE;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE && *ret_err == 0)
		*ret_err = store_sqlite_errno(rc);
	return v;
}

/* The oldest text generation of the oldest row after id ?1 with a text. */
static const char oldest_signal_gen[] =
    "SELECT min(coalesce(sender_cmdline_s >> 16, 9223372036854775807), "
    "coalesce(sender_ancestry_s >> 16, 9223372036854775807), "
    "coalesce(target_cmdline_s >> 16, 9223372036854775807), "
    "coalesce(sender_chain_s >> 16, 9223372036854775807), "
    "coalesce(requested_by_cmdline_s >> 16, 9223372036854775807), "
    "coalesce(request_evidence_s >> 16, 9223372036854775807)) FROM signal_rows "
    "WHERE id > ?1 AND (sender_cmdline_s IS NOT NULL OR sender_ancestry_s IS NOT NULL OR "
    "target_cmdline_s IS NOT NULL OR sender_chain_s IS NOT NULL OR "
    "requested_by_cmdline_s IS NOT NULL OR request_evidence_s IS NOT NULL) ORDER BY id LIMIT 1";

/* The oldest text generation a remaining row may refer to: nothing older
 * is referred to (see the file comment). Returns it, or -errno. */
static int64_t oldest_live_gen(sqlite3 *db)
{
	int err = 0;
	/* Rows written before schema 11 are bounded by legacy_text_gens; the
	 * others, in the order the store keeps, by their oldest row with a text. */
	int64_t last_sig = value2(db, "SELECT max(last_signal) FROM legacy_text_gens", 0, -1, &err);
	int64_t last_death =
	    value2(db, "SELECT max(last_death) FROM legacy_text_gens", 0, -1, &err);
	int64_t g = value2(db, "SELECT coalesce(max(id), 0) >> 16 FROM strings", 0, 0, &err);
	int64_t v = value2(db, oldest_signal_gen, last_sig, NO_GEN, &err);

	g = v < g ? v : g;
	v = value2(db,
	           "SELECT cmdline_s >> 16 FROM death_rows WHERE id > ?1 AND cmdline_s IS NOT NULL "
	           "ORDER BY id LIMIT 1",
	           last_death, NO_GEN, &err);
	g = v < g ? v : g;
	v = value2(db,
	           "SELECT min(gen) FROM legacy_text_gens WHERE last_signal >= (SELECT min(id) "
	           "FROM signal_rows) OR last_death >= (SELECT min(id) FROM death_rows)",
	           0, NO_GEN, &err);
	g = v < g ? v : g;
	return err < 0 ? err : g;
}

/* Delete one chunk of what is garbage below generation `live`: ancestry
 * chains keyed by its texts, then its strings, then the legacy line of a
 * generation with nothing left. Returns the rows deleted (0: none left) or
 * -errno. */
static int64_t collect_chunk(sqlite3 *db, int64_t live)
{
	int64_t n;
	int e = 0;

	n = run2(db,
	         "DELETE FROM ancestry_rows WHERE chain_s IN (SELECT DISTINCT chain_s FROM "
	         "ancestry_rows WHERE chain_s < ?1 LIMIT ?2)",
	         live << 16, PRUNE_CHUNK);
	if (n != 0)
		return n;
	int64_t g = value2(db, "SELECT min(gen) FROM strings WHERE gen IS NOT NULL", 0, NO_GEN, &e);
	if (e < 0)
		return e;
	if (g < live) {
		n = run2(db,
		         "DELETE FROM strings WHERE id IN (SELECT id FROM strings WHERE gen = ?1 "
		         "LIMIT ?2)",
		         g, PRUNE_STRING_CHUNK);
		if (n != 0)
			return n;
	}
	n = run2(db, "DELETE FROM legacy_text_gens WHERE gen < ?1", live, 0);
	return n < 0 ? n : 0;
}

/* One chunk of the first thing to do, in this order: rows past the
 * retention, garbage strings and chains, rows over the size cap (deaths
 * older than every signal row first), free pages. Returns the signal rows
 * deleted, and *ret_any whether anything was done; or -errno. */
static int64_t prune_chunk(struct store *st, int64_t cutoff, int64_t max_bytes, bool *ret_any)
{
	sqlite3 *db = st->db;
	int64_t n;

	*ret_any = true;
	if (cutoff != INT64_MIN) {
		n = run2(db,
		         "DELETE FROM signal_rows WHERE id IN (SELECT id FROM signal_rows WHERE "
		         "epoch_ms < ?1 LIMIT ?2)",
		         cutoff, PRUNE_CHUNK);
		if (n != 0)
			return n;
		n = run2(db,
		         "DELETE FROM death_rows WHERE id IN (SELECT id FROM death_rows WHERE "
		         "epoch_ms < ?1 LIMIT ?2)",
		         cutoff, PRUNE_CHUNK);
		if (n < 0)
			return n;
		if (n > 0)
			return 0;
	}
	/* Garbage first: what it frees counts against the cap. */
	int64_t live = oldest_live_gen(db);
	if (live < 0)
		return live;
	n = collect_chunk(db, live);
	if (n < 0)
		return n;
	if (n > 0)
		return 0;
	if (max_bytes > 0 && live_bytes(db) > max_bytes) {
		/* Deaths go with the signal rows of their time. */
		n = run2(db,
		         "DELETE FROM death_rows WHERE id IN (SELECT id FROM death_rows WHERE "
		         "epoch_ms < (SELECT coalesce(min(epoch_ms), 9223372036854775807) FROM "
		         "signal_rows) LIMIT ?1)",
		         PRUNE_CHUNK, 0);
		if (n < 0)
			return n;
		if (n > 0)
			return 0;
		n = run2(
		    db,
		    "DELETE FROM signal_rows WHERE id IN (SELECT id FROM signal_rows ORDER BY id "
		    "LIMIT ?1)",
		    PRUNE_CHUNK, 0);
		if (n != 0) {
			st->capped = true;
			return n;
		}
	}
	if (st->capped) { /* deaths older than the oldest row the cap left */
		n = run2(db,
		         "DELETE FROM death_rows WHERE id IN (SELECT id FROM death_rows WHERE "
		         "epoch_ms < (SELECT coalesce(min(epoch_ms), 9223372036854775807) FROM "
		         "signal_rows) LIMIT ?1)",
		         PRUNE_CHUNK, 0);
		if (n < 0)
			return n;
		if (n > 0)
			return 0;
	}
	int64_t before = scalar(db, "PRAGMA freelist_count");
	if (before > 0) {
		n = run2(db, "PRAGMA incremental_vacuum(" STR(PRUNE_VACUUM_PAGES) ")", 0, 0);
		if (n < 0)
			return n;
		if (scalar(db, "PRAGMA freelist_count") < before)
			return 0;
	}
	*ret_any = false;
	return 0;
}

int64_t store_prune_step(struct store *st, int64_t now_ms, int64_t retention_days,
                         int64_t max_bytes, int64_t budget_ms, bool *ret_done)
{
	int64_t cutoff = retention_days > 0 ? now_ms - retention_days * 86400 * 1000 : INT64_MIN;
	int64_t total = 0, deadline = now_mono_ms() + budget_ms;
	bool any = true;
	int r;

	*ret_done = false;
	if ((r = store_commit(st)) < 0)
		return r;
	if ((r = store_begin(st)) != SQLITE_OK)
		return store_sqlite_errno(r);
	do {
		int64_t n = prune_chunk(st, cutoff, max_bytes, &any);
		if (n < 0) {
			store_rollback(st);
			return n;
		}
		total += n;
	} while (any && now_mono_ms() < deadline);
	if ((r = store_commit(st)) < 0)
		return r;
	if (total > 0) /* a coalesced row to add to may be gone */
		store_forget_rows(st);
	if (!any) {
		st->capped = false;
		*ret_done = true;
	}
	return total;
}

int64_t store_prune(struct store *st, int64_t now_ms, int64_t retention_days, int64_t max_bytes)
{
	int64_t total = 0;
	bool done = false;

	while (!done) {
		int64_t n = store_prune_step(st, now_ms, retention_days, max_bytes,
		                             PRUNE_FULL_STEP_MS, &done);
		if (n < 0)
			return n;
		total += n;
	}
	(void)sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	return total;
}
