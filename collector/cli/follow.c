/* follow.c: rows as they are stored, for `sigtrail watch` and `sigtrail list
 * --follow`. It remembers the last signal and death ids it handled and, each
 * time the database changed, reads the rows after them (matching the
 * command's filters) in one read transaction and hands them to the command's
 * printers in time order. While nothing changes it never touches the
 * database: every 200 ms it stat(2)s the database and its -wal file (a
 * commit changes the -wal's size or mtime, a checkpoint the main file's),
 * and every 2 s it asks SQLite's `PRAGMA data_version` as a safety net for a
 * commit the clock's granularity hid. The wait is a poll(2) of the output,
 * which also sees a closed pipe (POLLERR) or a hung-up terminal: it then
 * stops with status 0, as on SIGINT or SIGTERM, and a write that meets
 * EPIPE does the same. Exercise with
 *   sigtrail watch --db /tmp/t.db &
 *   sigtrail import --db /tmp/t.db more-audit.log */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio_ext.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "sigtrail/log.h"

enum {
	POLL_MS = 200,         /* the stat(2) period: an event shows within it, plus the read */
	DATA_VERSION_MS = 2000 /* the PRAGMA data_version period */
};

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* What the files looked like at the last look: a change means new rows. */
struct file_state {
	bool exists;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

static struct file_state look(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) < 0)
		return (struct file_state){.exists = false};
	return (struct file_state){
	    .exists = true, .ino = sb.st_ino, .size = sb.st_size, .mtime = sb.st_mtim};
}

static bool same(const struct file_state *a, const struct file_state *b)
{
	return a->exists == b->exists && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static int query_i64(struct cli_db *d, const char *sql, int64_t *ret)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(d->db, sql, -1, &s, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		*ret = sqlite3_column_int64(s, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

/* The id after which the `backlog` newest rows matching the filter come
 * (backlog < 0: every matching row; 0: none, the newest id of the table). */
static int start_id(struct cli_db *d, const struct cli_filter *f, bool deaths, int64_t backlog,
                    int64_t *ret)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*ret = 0;
	if (backlog < 0)
		return SQLITE_OK;
	if (backlog == 0)
		return query_i64(d,
		                 deaths ? "SELECT coalesce(max(id), 0) FROM death_rows"
		                        : "SELECT coalesce(max(id), 0) FROM signal_rows",
		                 ret);
	rc = deaths ? cli_prepare_deaths(d, f, "id", "ORDER BY id DESC LIMIT 1 OFFSET ?20", &s)
	            : cli_prepare(d, f, "id", "ORDER BY id DESC LIMIT 1 OFFSET ?20", &s);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(s, 20, backlog - 1);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*ret = sqlite3_column_int64(s, 0) - 1;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int cli_follow_start(struct cli_follow *f, int64_t backlog)
{
	int rc;

	if (!f->d->has_deaths)
		f->deaths = NULL;
	if (f->signals && (rc = start_id(f->d, f->signals, false, backlog, &f->signal_id)) != 0)
		return rc;
	if (f->deaths && (rc = start_id(f->d, f->deaths, true, backlog, &f->death_id)) != 0)
		return rc;
	return SQLITE_OK;
}

/* Step a statement of the pass; false at its end. */
static bool next(sqlite3_stmt *s, int *rc)
{
	if (!s)
		return false;
	int r = sqlite3_step(s);
	if (r == SQLITE_ROW)
		return true;
	if (r != SQLITE_DONE)
		*rc = r;
	return false;
}

/* One pass: the rows stored since the last, in one read transaction, merged
 * in time order (a signal before a death of the same millisecond). */
static int pass(struct cli_follow *f)
{
	sqlite3_stmt *s = NULL, *t = NULL;
	int64_t sig_hi = f->signal_id, death_hi = f->death_id;
	int rc = sqlite3_exec(f->d->db, "BEGIN", NULL, NULL, NULL);
	const char *tail = "AND id > ?20 AND id <= ?21 ORDER BY id";

	if (rc != SQLITE_OK)
		return rc;
	if (f->signals &&
	    (rc = query_i64(f->d, "SELECT coalesce(max(id), 0) FROM signal_rows", &sig_hi)) == 0 &&
	    sig_hi > f->signal_id &&
	    (rc = cli_prepare(f->d, f->signals, cli_signal_columns(f->d), tail, &s)) == 0) {
		sqlite3_bind_int64(s, 20, f->signal_id);
		sqlite3_bind_int64(s, 21, sig_hi);
	}
	if (rc == SQLITE_OK && f->deaths &&
	    (rc = query_i64(f->d, "SELECT coalesce(max(id), 0) FROM death_rows", &death_hi)) == 0 &&
	    death_hi > f->death_id &&
	    (rc = cli_prepare_deaths(f->d, f->deaths, f->d->death_cols, tail, &t)) == 0) {
		sqlite3_bind_int64(t, 20, f->death_id);
		sqlite3_bind_int64(t, 21, death_hi);
	}
	bool has_s = rc == SQLITE_OK && next(s, &rc), has_t = rc == SQLITE_OK && next(t, &rc);
	while (rc == SQLITE_OK && (has_s || has_t)) {
		if (has_s && (!has_t || sqlite3_column_int64(s, COL_EPOCH_MS) <=
		                            sqlite3_column_int64(t, DCOL_EPOCH_MS))) {
			f->signal_row(f->ctx, s);
			has_s = next(s, &rc);
		} else {
			f->death_row(f->ctx, t);
			has_t = next(t, &rc);
		}
	}
	sqlite3_finalize(s);
	sqlite3_finalize(t);
	(void)sqlite3_exec(f->d->db, "COMMIT", NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		f->signal_id = sig_hi;
		f->death_id = death_hi;
	}
	return rc;
}

/* Flush what the pass wrote. 1: keep going; 0: the reader went away (EPIPE),
 * stop with success; or an exit status. */
static int flush(FILE *out)
{
	if (fflush(out) == 0)
		return 1;
	if (errno == EPIPE) {
		__fpurge(out); /* nobody reads it: main()'s final fflush must not retry */
		clearerr(out);
		return 0;
	}
	log_error("writing the output failed: %m");
	return EX_IOERR;
}

/* The output's reader is gone (a closed pipe, a hung-up terminal), or a stop
 * was asked for; else waits up to POLL_MS. */
static bool should_stop(FILE *out)
{
	struct pollfd p = {.fd = fileno(out), .events = 0};

	if (stop_requested)
		return true;
	int n = poll(&p, 1, POLL_MS);
	if (n > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL)))
		return true;
	return stop_requested;
}

/* A database read from its main file alone (no sigtraild ran) cannot see
 * commits: when its files change (sigtraild started), open it again. */
static int reopen(struct cli_db *d)
{
	const char *path = d->path;

	d->snapshot = false; /* the change is expected: no warning */
	(void)cli_db_close(d);
	return cli_db_open(path, d);
}

static void catch_stops(void)
{
	struct sigaction sa = {.sa_handler = on_stop}; /* no SA_RESTART: poll returns EINTR */

	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL); /* EPIPE instead: flush() stops cleanly */
}

int cli_follow_run(struct cli_follow *f, FILE *out)
{
	char wal[PATH_MAX + 8];
	int64_t version = 0, now, checked;
	int r, rc;

	catch_stops();
	snprintf(wal, sizeof(wal), "%s-wal", f->d->path);
	struct file_state db_st = look(f->d->path), wal_st = look(wal);
	(void)query_i64(f->d, "PRAGMA data_version", &version);
	checked = cli_now_ms();
	bool changed = true; /* the backlog, if any */
	for (;;) {
		if (changed) {
			if ((rc = pass(f)) != SQLITE_OK)
				return cli_db_fail(f->d, rc, "cannot read new rows");
			if ((r = flush(out)) != 1)
				return r;
		}
		if (should_stop(out))
			break;
		struct file_state db_now = look(f->d->path), wal_now = look(wal);
		changed = !same(&db_now, &db_st) || !same(&wal_now, &wal_st);
		db_st = db_now;
		wal_st = wal_now;
		if (changed && f->d->snapshot && (r = reopen(f->d)) != 0)
			return r;
		now = cli_now_ms();
		if (!changed && !f->d->snapshot && now - checked >= DATA_VERSION_MS) {
			int64_t v = version;
			checked = now;
			if ((rc = query_i64(f->d, "PRAGMA data_version", &v)) != SQLITE_OK)
				return cli_db_fail(f->d, rc, "cannot read the database");
			changed = v != version;
			version = v;
		}
	}
	r = flush(out);
	return r == 1 || r == 0 ? EX_OK : r;
}
