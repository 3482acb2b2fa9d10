/* pid_eras.c: the target pids of past eras, sorted (schema/022-pid-eras.sql
 * says why). An era is 2^22 row ids; once a later id exists, nothing is
 * added to it, and the writer thread copies its rows' (target_pid, id) into
 * pid_eras in pid order, one step at a time between its commits
 * (store_pid_era_step), like a prune's steps. A step reads the next range of
 * pids in each of the era's 64 blocks (signal_rows_target_pid_block), sorts
 * those few thousand entries and appends them: the range is sized to about
 * ERA_CHUNK entries from what the last one held, halved while a count of the
 * next says it holds more, and a single pid with more rows than that goes a
 * block at a time. Where it stands is in the table itself (its last entry
 * for the era), so a stop or a crash loses nothing it copied. The
 * prune deletes the eras whose rows are all gone (store_pid_eras_prune). The
 * CLI's searches by pid read the done eras here (collector/cli/db.c).
 * Exercise with `meson test -C build store`. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>

#include "sigtrail/clock.h"
#include "sigtrail/schema.h"
#include "sigtrail/store.h"
#include "store_internal.h"

enum {
	ERA_CHUNK = 10000,       /* entries appended by one statement, about */
	ERA_FULL_STEP_MS = 1000, /* store_pid_eras_build(): nobody waits between steps */
};
/* The pids copied: all a pid_t holds (the kernel's are 1 to 4194304). */
#define PID_FIRST INT32_MIN
#define PID_LIMIT INT32_MAX

/* The blocks of era ?1 (schema 21's id >> 16), for "(id >> 16) IN b". */
#define ERA_BLOCKS                                                                                 \
	"WITH RECURSIVE b(x) AS (SELECT ?1 * 64 UNION ALL SELECT x + 1 FROM b WHERE x < ?1 * 64 "  \
	"+ 63) "

/* The era to copy next, or -1 when every whole era is done. */
static int64_t next_era(sqlite3 *db)
{
	int64_t lo = store_scalar(db, "SELECT coalesce(min(id) >> " SCHEMA_PID_ERA_SHIFT_S
	                              ", -1) FROM signal_rows");
	int64_t hi = store_scalar(db, "SELECT coalesce(max(id) >> " SCHEMA_PID_ERA_SHIFT_S
	                              ", -1) FROM signal_rows");
	/* The first not done from the oldest with rows: the searches' bound too. */
	int64_t e =
	    store_run(db,
	              "SELECT CASE WHEN EXISTS (SELECT 1 FROM pid_eras_done WHERE era = ?1) "
	              "THEN (SELECT min(d.era) + 1 FROM pid_eras_done AS d WHERE d.era >= ?1 "
	              "AND NOT EXISTS (SELECT 1 FROM pid_eras_done AS n WHERE n.era = d.era "
	              "+ 1)) ELSE ?1 END",
	              lo, 0, 0, 0);

	return lo >= 0 && e >= lo && e < hi ? e : -1;
}

/* Append the rows of `pid` in the era's blocks from `block` on, after
 * `id`: the first block that has any. Returns the entries appended. */
static int64_t pid_blocks(sqlite3 *db, int64_t era, int64_t pid, int64_t id, int64_t block)
{
	for (int64_t n = 0; block < (era + 1) * 64; block++)
		if ((n = store_run(
		         db,
		         "INSERT INTO pid_eras SELECT ?1, target_pid, id FROM signal_rows WHERE "
		         "(id >> 16) = ?4 AND target_pid = ?2 AND id > ?3 ORDER BY id",
		         era, pid, id, block)) != 0)
			return n;
	return 0;
}

/* Append the next entries of `era` after its last one, (pid, id), in one
 * or a few statements: the rest of that pid when it was left unfinished
 * (a block at a time), else the next range of pids, or a block of the
 * next pid when that one alone has more than a chunk. *width is the
 * range's width (0: not yet known), kept from step to step; *done_to the
 * pid up to which the era is copied (an empty range leaves no entry to say
 * so). Returns 1 when more is left, 0 when the era is all copied, or
 * -errno. */
static int64_t era_chunk(sqlite3 *db, int64_t era, int64_t pid, int64_t id, int64_t *width,
                         int64_t *done_to)
{
	int64_t n, w = *width > 0 ? *width : 4096;

	if (id >= 0) {
		n = store_run(db,
		              ERA_BLOCKS
		              "SELECT EXISTS (SELECT 1 FROM signal_rows WHERE (id >> 16) IN b "
		              "AND target_pid = ?2 AND id > ?3)",
		              era, pid, id, 0);
		if (n != 0)
			return n < 0 ? n : (n = pid_blocks(db, era, pid, id, id >> 16)) < 0 ? n : 1;
	}
	if (pid >= PID_LIMIT)
		return 0;
	for (;;) {
		if (w > PID_LIMIT - pid)
			w = PID_LIMIT - pid;
		n = store_run(db,
		              ERA_BLOCKS
		              "SELECT count(*) FROM signal_rows WHERE (id >> 16) IN b AND "
		              "target_pid > ?2 AND target_pid <= ?3",
		              era, pid, pid + w, 0);
		if (n < 0 || n <= 2 * ERA_CHUNK || w == 1)
			break;
		w /= 2;
	}
	if (n < 0)
		return n;
	*width = w;
	if (n > 2 * ERA_CHUNK) /* one pid, many rows: a block of them */
		return (n = pid_blocks(db, era, pid + 1, -1, era * 64)) < 0 ? n : 1;
	n = store_run(db,
	              ERA_BLOCKS
	              "INSERT INTO pid_eras SELECT ?1, target_pid, id FROM signal_rows WHERE "
	              "(id >> 16) IN b AND target_pid > ?2 AND target_pid <= ?3 ORDER BY "
	              "target_pid, id",
	              era, pid, pid + w, 0);
	if (n < 0)
		return n;
	if (pid + w >= PID_LIMIT)
		return 0;
	*done_to = pid + w;
	/* The next range: sized from this one's count. */
	int64_t next = n > 0 ? w * ERA_CHUNK / n : w * 4;
	int64_t all = (int64_t)PID_LIMIT - PID_FIRST;
	*width = next < 1 ? 1 : next > all ? all : next;
	return 1;
}

bool store_pid_eras_due(struct store *st)
{
	return next_era(st->db) >= 0;
}

int store_pid_era_step(struct store *st, int64_t budget_ms, bool *ret_done)
{
	sqlite3_stmt *s = NULL;
	int64_t deadline = now_mono_ms() + budget_ms, era;
	int r;

	*ret_done = true;
	if ((r = store_commit(st)) < 0)
		return r;
	if ((r = store_begin(st)) != SQLITE_OK)
		return store_sqlite_errno(r);
	while ((era = next_era(st->db)) >= 0) {
		*ret_done = false;
		/* Where the copy stands: the era's last entry. */
		int64_t pid = PID_FIRST, id = -1;
		r = sqlite3_prepare_v2(
		    st->db,
		    "SELECT target_pid, id FROM pid_eras WHERE era = ?1 ORDER BY "
		    "target_pid DESC, id DESC LIMIT 1",
		    -1, &s, NULL);
		if (r == SQLITE_OK) {
			sqlite3_bind_int64(s, 1, era);
			if ((r = sqlite3_step(s)) == SQLITE_ROW) {
				pid = sqlite3_column_int64(s, 0);
				id = sqlite3_column_int64(s, 1);
				r = SQLITE_DONE;
			}
		}
		sqlite3_finalize(s);
		if (r != SQLITE_DONE)
			goto fail;
		/* Past its last entry, the empty ranges this connection read. */
		if (st->era_done_to.era != era)
			st->era_done_to.era = era, st->era_done_to.pid = PID_FIRST;
		else if (st->era_done_to.pid > pid)
			pid = st->era_done_to.pid, id = -1;
		int64_t n = era_chunk(st->db, era, pid, id, &st->era_width, &st->era_done_to.pid);
		if (n < 0) {
			r = (int)n;
			goto fail_errno;
		}
		if (n == 0) {
			if ((n = store_run(st->db, "INSERT INTO pid_eras_done(era) VALUES (?1)",
			                   era, 0, 0, 0)) < 0) {
				r = (int)n;
				goto fail_errno;
			}
			st->era_width = 0;
		}
		if (now_mono_ms() >= deadline)
			break;
	}
	if ((r = store_commit(st)) < 0)
		return r;
	*ret_done = era < 0;
	return 0;
fail:
	r = store_sqlite_errno(r);
fail_errno:
	store_rollback(st);
	return r;
}

int store_pid_eras_build(struct store *st)
{
	bool done = false;
	int r;

	while (!done)
		if ((r = store_pid_era_step(st, ERA_FULL_STEP_MS, &done)) < 0)
			return r;
	return 0;
}

int64_t store_pid_eras_prune(struct store *st, int64_t limit)
{
	/* -1 only on failure: a negative id (written by hand) counts as 0 */
	int64_t below =
	    store_scalar(st->db, "SELECT coalesce(max(min(id), 0) >> " SCHEMA_PID_ERA_SHIFT_S
	                         ", 9223372036854775807) FROM signal_rows");
	if (below < 0)
		return -EIO;
	int64_t n = store_run(st->db,
	                      "DELETE FROM pid_eras WHERE (era, target_pid, id) IN (SELECT era, "
	                      "target_pid, id FROM pid_eras WHERE era < ?1 LIMIT ?2)",
	                      below, limit, 0, 0);
	if (n != 0)
		return n;
	return store_run(st->db, "DELETE FROM pid_eras_done WHERE era < ?1", below, 0, 0, 0) < 0
	           ? -EIO
	           : 0;
}
