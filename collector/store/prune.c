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
 * Where the fleet's forwarder runs, rows it has not sent yet (unsent.c)
 * are kept by the retention; the size cap deletes them only when the rows
 * already sent are gone and the cap still demands it, and then records
 * them in forward_drops, which is forwarded like any other row.
 * Exercise with `meson test -C build store`, and measure with
 * tests/bench/prune.sh. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
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
	PRUNE_ERA_CHUNK = 5000,    /* pid_eras entries likewise (15 bytes each) */
	PRUNE_FULL_STEP_MS = 1000, /* store_prune(): nobody waits between its steps */
	NO_GEN = INT64_MAX,        /* no row refers to a text */
};

/* One integer, -1 when the query fails. */
/* Bytes of live data: pages in use (not on the free list) times page size. */
static int64_t live_bytes(sqlite3 *db)
{
	return (store_scalar(db, "PRAGMA page_count") - store_scalar(db, "PRAGMA freelist_count")) *
	       store_scalar(db, "PRAGMA page_size");
}

/* store_run() with ?1 = a, ?2 = b and ?3 = c (where it has them). */
static int64_t run3(sqlite3 *db, const char *sql, int64_t a, int64_t b, int64_t c)
{
	return store_run(db, sql, a, b, c, 0);
}

static int64_t run2(sqlite3 *db, const char *sql, int64_t a, int64_t b)
{
	return run3(db, sql, a, b, 0);
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

/* One chunk of the reaped zombies whose reaping was before `before_ms`,
 * then their reap rows. An unreaped zombie stays whatever its age: it is
 * still there. Returns the rows deleted or -errno. */
static int64_t zombies_chunk(sqlite3 *db, int64_t before_ms)
{
	int64_t n = run2(db,
	                 "DELETE FROM zombie_rows WHERE id IN (SELECT zombie_id FROM zombie_reaps "
	                 "WHERE epoch_ms < ?1 ORDER BY id LIMIT ?2)",
	                 before_ms, PRUNE_CHUNK);
	if (n <= 0)
		return n;
	int64_t m = run2(db,
	                 "DELETE FROM zombie_reaps WHERE zombie_id IN (SELECT r.zombie_id FROM "
	                 "zombie_reaps AS r WHERE r.epoch_ms < ?1 AND NOT EXISTS (SELECT 1 FROM "
	                 "zombie_rows AS z WHERE z.id = r.zombie_id) LIMIT ?2)",
	                 before_ms, PRUNE_CHUNK);
	return m < 0 ? m : n + m;
}

/* A zombie outlives the rows written around it (a parent may leave it for
 * weeks), so its texts are not allowed to hold their generation: before
 * generations below `live` go, a chunk of the zombie rows still referring
 * to their texts is made to refer to copies in the newest generation.
 * Returns the rows changed (0: none left) or -errno. */
static int64_t refresh_zombies(struct store *st, int64_t live)
{
	sqlite3_stmt *s = NULL, *u = NULL;
	int64_t n = 0;
	int rc = sqlite3_prepare_v2(
	    st->db,
	    "SELECT z.id, (SELECT value FROM strings WHERE id = z.cmdline_s), (SELECT value FROM "
	    "strings WHERE id = z.parent_cmdline_s) FROM zombie_rows AS z WHERE z.cmdline_s >> 16 "
	    "< ?1 OR z.parent_cmdline_s >> 16 < ?1 LIMIT ?2",
	    -1, &s, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
		    st->db,
		    "UPDATE zombie_rows SET cmdline_s = ?2, parent_cmdline_s = ?3 "
		    "WHERE id = ?1",
		    -1, &u, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, live);
		sqlite3_bind_int(s, 2, PRUNE_CHUNK);
	}
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t cmd = -1, pcmd = -1;
		if ((rc = store_intern_text(st, (const char *)sqlite3_column_text(s, 1), &cmd,
		                            NULL)) != SQLITE_OK ||
		    (rc = store_intern_text(st, (const char *)sqlite3_column_text(s, 2), &pcmd,
		                            NULL)) != SQLITE_OK)
			break;
		sqlite3_reset(u);
		sqlite3_bind_int64(u, 1, sqlite3_column_int64(s, 0));
		store_bind_opt(u, 2, cmd >= 0, cmd);
		store_bind_opt(u, 3, pcmd >= 0, pcmd);
		rc = sqlite3_step(u) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(st->db);
		n++;
	}
	sqlite3_finalize(s);
	sqlite3_finalize(u);
	return rc == SQLITE_DONE || rc == SQLITE_OK ? n : store_sqlite_errno(rc);
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

/* What one step knows: the bounds, and how far the forwarder got (ids
 * beyond are not sent yet: unsent.c; INT64_MAX without a forwarder). */
struct prune_ctx {
	int64_t cutoff, max_bytes, now_ms;
	int64_t sent[2];  /* by stream: 0 signal_rows, 1 death_rows */
	int64_t below[2]; /* ids deletable at all: below the newest row, with a forwarder */
};

/* The chunks the size cap deletes, `id, epoch_ms` of at most ?1 rows of id
 * at most ?3: deaths older than every signal row, and the oldest signal
 * rows. */
static const char *const cap_chunks[2] = {
    "SELECT id, epoch_ms FROM signal_rows WHERE id <= ?3 ORDER BY id LIMIT ?1",
    "SELECT id, epoch_ms FROM death_rows WHERE id <= ?3 AND epoch_ms < (SELECT "
    "coalesce(min(epoch_ms), 9223372036854775807) FROM signal_rows) LIMIT ?1",
};

/* The highest id of `stream` that retention may delete: a forwarded one,
 * and never the newest row where a forwarder runs, because SQLite gives a
 * new row the highest id plus one, and ids that started again below the
 * forwarder's position would never be sent. */
static int64_t keep_below(const struct prune_ctx *c, int stream)
{
	return c->sent[stream] < c->below[stream] ? c->sent[stream] : c->below[stream];
}

/* Delete one cap chunk of `stream` with ids up to `upto`; those past what
 * was forwarded are recorded first (forward_drops). Returns the rows
 * deleted, or -errno. */
static int64_t cap_delete(struct store *st, const struct prune_ctx *c, int stream, int64_t upto)
{
	char sql[400];

	upto = upto < c->below[stream] ? upto : c->below[stream];
	if (upto > c->sent[stream]) {
		int r = unsent_record_drop(st, stream, cap_chunks[stream], c->sent[stream], upto,
		                           PRUNE_CHUNK, c->now_ms);
		if (r < 0)
			return r;
	}
	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE id IN (SELECT id FROM (%s))",
	         stream ? "death_rows" : "signal_rows", cap_chunks[stream]);
	return run3(st->db, sql, PRUNE_CHUNK, 0, upto);
}

/* One chunk of the size cap: forwarded rows first (deaths older than every
 * signal row, then the oldest signal rows), then, only if the cap still
 * demands it, rows not forwarded yet, recorded. Returns the signal rows
 * deleted, and *ret_did whether anything was; or -errno. */
static int64_t cap_chunk(struct store *st, const struct prune_ctx *c, bool *ret_did)
{
	int64_t n = 0;

	*ret_did = true;
	if (c->max_bytes > 0 && live_bytes(st->db) > c->max_bytes) {
		for (int forced = 0; forced < 2; forced++) {
			if (forced && c->sent[0] == INT64_MAX && c->sent[1] == INT64_MAX)
				break; /* no forwarder: nothing is held back */
			n = cap_delete(st, c, 1, forced ? INT64_MAX : c->sent[1]);
			if (n != 0)
				return n < 0 ? n : 0;
			n = cap_delete(st, c, 0, forced ? INT64_MAX : c->sent[0]);
			if (n != 0) {
				st->capped = n > 0 || st->capped;
				return n;
			}
		}
	}
	if (st->capped) { /* deaths and reaped zombies older than the oldest row the cap left */
		n = zombies_chunk(st->db,
		                  store_scalar(st->db, "SELECT coalesce(min(epoch_ms), "
		                                       "9223372036854775807) FROM signal_rows"));
		if (n != 0)
			return n < 0 ? n : 0;
		n = run3(
		    st->db,
		    "DELETE FROM death_rows WHERE id IN (SELECT id FROM death_rows WHERE id <= ?3 "
		    "AND epoch_ms < (SELECT coalesce(min(epoch_ms), 9223372036854775807) FROM "
		    "signal_rows) LIMIT ?1)",
		    PRUNE_CHUNK, 0, keep_below(c, 1));
		if (n != 0)
			return n < 0 ? n : 0;
	}
	*ret_did = false;
	return 0;
}

/* One chunk of the first thing to do, in this order: forwarded rows past
 * the retention, garbage strings and chains, rows over the size cap
 * (cap_chunk), free pages. Returns the signal rows deleted, and *ret_any
 * whether anything was done; or -errno. */
static int64_t prune_chunk(struct store *st, const struct prune_ctx *c, bool *ret_any)
{
	sqlite3 *db = st->db;
	int64_t n;
	bool did;

	*ret_any = true;
	if (c->cutoff != INT64_MIN) {
		n = run3(db,
		         "DELETE FROM signal_rows WHERE id IN (SELECT id FROM signal_rows WHERE "
		         "epoch_ms < ?1 AND id <= ?3 LIMIT ?2)",
		         c->cutoff, PRUNE_CHUNK, keep_below(c, 0));
		if (n != 0)
			return n;
		n = run3(db,
		         "DELETE FROM death_rows WHERE id IN (SELECT id FROM death_rows WHERE "
		         "epoch_ms < ?1 AND id <= ?3 LIMIT ?2)",
		         c->cutoff, PRUNE_CHUNK, keep_below(c, 1));
		if (n < 0)
			return n;
		if (n > 0)
			return 0;
		if ((n = zombies_chunk(db, c->cutoff)) != 0)
			return n < 0 ? n : 0;
	}
	/* Garbage first: what it frees counts against the cap. */
	int64_t live = oldest_live_gen(db);
	if (live < 0)
		return live;
	if ((n = refresh_zombies(st, live)) != 0)
		return n < 0 ? n : 0;
	n = collect_chunk(db, live);
	if (n < 0)
		return n;
	if (n > 0)
		return 0;
	if ((n = store_pid_eras_prune(st, PRUNE_ERA_CHUNK)) != 0) /* eras whose rows are gone */
		return n < 0 ? n : 0;
	if ((n = store_chain_compact(st)) < 0) /* what they free counts against the cap too */
		return n;
	n = cap_chunk(st, c, &did);
	if (n != 0 || did)
		return n;
	int64_t before = store_scalar(db, "PRAGMA freelist_count");
	if (before > 0) {
		n = run2(db, "PRAGMA incremental_vacuum(" STR(PRUNE_VACUUM_PAGES) ")", 0, 0);
		if (n < 0)
			return n;
		if (store_scalar(db, "PRAGMA freelist_count") < before)
			return 0;
	}
	*ret_any = false;
	return 0;
}

int64_t store_prune_step(struct store *st, int64_t now_ms, int64_t retention_days,
                         int64_t max_bytes, int64_t budget_ms, bool *ret_done)
{
	struct prune_ctx c = {
	    .cutoff = retention_days > 0 ? now_ms - retention_days * 86400 * 1000 : INT64_MIN,
	    .max_bytes = max_bytes,
	    .now_ms = now_ms,
	};
	int64_t total = 0, deadline = now_mono_ms() + budget_ms;
	bool any = true;
	int r;

	*ret_done = false;
	if ((r = store_commit(st)) < 0)
		return r;
	if ((r = store_begin(st)) != SQLITE_OK)
		return store_sqlite_errno(r);
	unsent_limits(st, &c.sent[0], &c.sent[1]);
	for (int i = 0; i < 2; i++) {
		c.below[i] = INT64_MAX;
		if (c.sent[0] != INT64_MAX || c.sent[1] != INT64_MAX)
			c.below[i] = store_scalar(
			    st->db, i ? "SELECT coalesce(max(id), 0) - 1 FROM death_rows"
			              : "SELECT coalesce(max(id), 0) - 1 FROM signal_rows");
	}
	st->drop_row[0] = st->drop_row[1] = 0;
	do {
		int64_t n = prune_chunk(st, &c, &any);
		if (n < 0) {
			store_rollback(st);
			return n;
		}
		total += n;
	} while (any && now_mono_ms() < deadline);
	if (total > 0 && store_chain_compact(st) < 0) {
		store_rollback(st);
		return -EIO;
	}
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
