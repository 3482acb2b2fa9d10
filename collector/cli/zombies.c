/* zombies.c: the zombies view (schema 18) for the CLI. For `sigtrail who
 * PID|NAME`, each zombie of the process, newest first: "zombie since T,
 * not reaped by its parent pid P (...)", or when it was reaped; and the
 * verdict's words for one still unreaped. For `status` and `report`, the
 * unreaped zombies of the newest boot grouped by parent: "120 unreaped
 * zombies under node[3400] (npm start) in container 3f2a...: a namespace
 * init that does not reap its children". By hand:
 *   sh -c 'true & exec sleep 600' & sleep 11; sigtrail who sh; sigtrail status
 * Covered by tests/cli/zombies.sh and the kernel suite's proc_zombies. */
#include <string.h>

#include "cli.h"
#include "cli_fmt.h"
#include "sigtrail/names.h"
#include "sigtrail/schema.h"

/* The columns a zombie is read with, in the order of enum zcol. */
#define ZOMBIE_COLS                                                                                \
	"id, epoch_ms, pid, comm, cmdline, exit_status, signal, ppid, parent_comm, "               \
	"parent_cmdline, parent_is_init, unit, container, reaped_epoch_ms, exit_seen, time, "      \
	"reaped_at, start_time, parent_start_time, host"
enum zcol {
	Z_ID,
	Z_EPOCH_MS,
	Z_PID,
	Z_COMM,
	Z_CMDLINE,
	Z_EXIT_STATUS,
	Z_SIGNAL,
	Z_PPID,
	Z_PARENT_COMM,
	Z_PARENT_CMDLINE,
	Z_PARENT_IS_INIT,
	Z_UNIT,
	Z_CONTAINER,
	Z_REAPED_MS,
	Z_EXIT_SEEN,
};

/* The zombies of the newest boot the view knows: pids are per boot, and a
 * daemon that starts marks an earlier boot's zombies reaped. */
#define NEWEST_BOOT "boot_id IS (SELECT boot_id FROM zombies ORDER BY id DESC LIMIT 1)"

/* Prepare "SELECT ZOMBIE_COLS FROM zombies" for the process `f` names (its
 * pid, or its comm), in f's period, then `tail`. */
static int prepare(struct cli_db *d, const struct cli_filter *f, const char *tail,
                   sqlite3_stmt **ret)
{
	char *sql = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&sql, &len);

	if (!m)
		return SQLITE_NOMEM;
	fputs("SELECT " ZOMBIE_COLS " FROM zombies WHERE 1", m);
	if (f->since_ms != INT64_MIN)
		fputs(" AND epoch_ms >= ?1", m);
	if (f->until_ms != INT64_MAX)
		fputs(" AND epoch_ms < ?2", m);
	if (f->target_pid >= 0)
		fputs(" AND pid = ?5", m);
	if (f->target_comm)
		fputs(" AND comm = ?8", m);
	if (f->host)
		fputs(" AND host = ?10", m);
	fprintf(m, " %s", tail);
	return cli_prepare_sql(d, f, m, &sql, ret);
}

/* Database text for a sentence: terminal-safe, cut to arg_who_text_width. */
static void text(FILE *out, sqlite3_stmt *s, int col, const char *none)
{
	const char *v = (const char *)sqlite3_column_text(s, col);
	char buf[1024];

	cli_term_text(buf, sizeof(buf), v && *v ? v : none, arg_who_text_width);
	fputs(buf, out);
}

/* "pid 4100 (sleep: sleep 600), a namespace init that does not reap its
 * children": the parent of the zombie row `s`. */
static void parent_words(FILE *out, sqlite3_stmt *s)
{
	if (sqlite3_column_type(s, Z_PPID) == SQLITE_NULL) {
		fputs("its parent (not known)", out);
		return;
	}
	fprintf(out, "its parent pid %lld (", (long long)sqlite3_column_int64(s, Z_PPID));
	text(out, s, Z_PARENT_COMM, "?");
	if (sqlite3_column_type(s, Z_PARENT_CMDLINE) != SQLITE_NULL) {
		fputs(": ", out);
		text(out, s, Z_PARENT_CMDLINE, "?");
	}
	fputc(')', out);
	if (sqlite3_column_int(s, Z_PARENT_IS_INIT))
		fputs(", a namespace init that does not reap its children", out);
}

/* "it exited with status 3" / "SIGTERM ended it" / "" (not known). */
static void ending_words(FILE *out, sqlite3_stmt *s)
{
	if (sqlite3_column_type(s, Z_SIGNAL) != SQLITE_NULL) {
		int sig = sqlite3_column_int(s, Z_SIGNAL);
		const char *name = names_signal(sig);
		if (name)
			fprintf(out, "; %s ended it", name);
		else
			fprintf(out, "; signal %d ended it", sig);
	} else if (sqlite3_column_type(s, Z_EXIT_STATUS) != SQLITE_NULL) {
		fprintf(out, "; it exited with status %d", sqlite3_column_int(s, Z_EXIT_STATUS));
	}
}

/* "2 min" / "3 h 5 min": a duration for a sentence. */
static void duration(FILE *out, int64_t ms)
{
	int64_t s = ms / 1000;

	if (s < 120)
		fprintf(out, "%lld s", (long long)s);
	else if (s < 7200)
		fprintf(out, "%lld min", (long long)(s / 60));
	else if (s < 2 * 86400)
		fprintf(out, "%lld h %lld min", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		fprintf(out, "%lld days", (long long)(s / 86400));
}

/* One zombie of `who`, from the current row of s: what it was, since when,
 * and the parent that does not reap it (or when it was reaped). */
static void zombie_line(FILE *out, sqlite3_stmt *s, bool utc, int64_t now_ms)
{
	int64_t at = cli_time_clamp(sqlite3_column_int64(s, Z_EPOCH_MS));
	bool seen = sqlite3_column_int(s, Z_EXIT_SEEN);

	fprintf(out, "  pid %lld (", (long long)sqlite3_column_int64(s, Z_PID));
	text(out, s, Z_COMM, "?");
	fputs("): ", out);
	if (sqlite3_column_type(s, Z_REAPED_MS) == SQLITE_NULL) {
		fputs(seen ? "zombie since " : "zombie since at least ", out);
		cli_time_short(out, at, utc);
		fputs(" (", out);
		duration(out, now_ms > at ? now_ms - at : 0);
		fputs("), not reaped by ", out);
		parent_words(out, s);
	} else {
		int64_t reaped = cli_time_clamp(sqlite3_column_int64(s, Z_REAPED_MS));
		fputs(seen ? "a zombie from " : "a zombie from at least ", out);
		cli_time_short(out, at, utc);
		fputs(" until it was reaped at ", out);
		cli_time_short(out, reaped, utc);
		fputs(" (", out);
		duration(out, reaped > at ? reaped - at : 0);
		fputs(" unreaped by ", out);
		parent_words(out, s);
		fputc(')', out);
	}
	ending_words(out, s);
	if (sqlite3_column_type(s, Z_CONTAINER) != SQLITE_NULL) {
		fputs("; container ", out);
		text(out, s, Z_CONTAINER, "?");
	} else if (sqlite3_column_type(s, Z_UNIT) != SQLITE_NULL) {
		fputs("; unit ", out);
		text(out, s, Z_UNIT, "?");
	}
	fputc('\n', out);
	if (sqlite3_column_type(s, Z_CMDLINE) != SQLITE_NULL) {
		fputs("    command line ", out);
		text(out, s, Z_CMDLINE, "?");
		fputc('\n', out);
	}
}

int cli_who_zombies(FILE *out, struct cli_db *d, const struct cli_filter *f, int64_t limit,
                    bool json, bool utc, int64_t now_ms, int64_t *ret_n)
{
	sqlite3_stmt *s = NULL;
	int64_t n = 0;
	int rc;

	*ret_n = 0;
	if (!d->has_zombies) {
		if (json)
			fputs(",\"zombies\":{\"recorded\":false,\"rows\":[]}", out);
		return SQLITE_OK;
	}
	char tail[96];
	snprintf(tail, sizeof(tail), "ORDER BY epoch_ms DESC, id DESC LIMIT %lld",
	         limit > 0 ? (long long)limit : -1LL);
	if ((rc = prepare(d, f, tail, &s)) != SQLITE_OK)
		return rc;
	if (json)
		fputs(",\"zombies\":{\"recorded\":true,\"rows\":[", out);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (json) {
			if (n)
				fputc(',', out);
			cli_stmt_json(out, s);
		} else {
			if (n == 0)
				fputs("Zombies, newest first (exited, and left unreaped by their "
				      "parent):\n",
				      out);
			zombie_line(out, s, utc, now_ms);
		}
		n++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return rc;
	if (json)
		fputs("]}", out);
	else if (n)
		fputc('\n', out);
	*ret_n = n;
	return SQLITE_OK;
}

int cli_who_zombie_verdict(FILE *out, struct cli_db *d, const struct cli_filter *f, bool utc,
                           bool *ret_found)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*ret_found = false;
	if (!d->has_zombies)
		return SQLITE_OK;
	if ((rc = prepare(d, f,
	                  "AND reaped_epoch_ms IS NULL AND " NEWEST_BOOT
	                  " ORDER BY epoch_ms DESC, id DESC LIMIT 1",
	                  &s)) != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*ret_found = true;
		fprintf(out, "pid %lld (", (long long)sqlite3_column_int64(s, Z_PID));
		text(out, s, Z_COMM, "?");
		fputs(") is a zombie since ", out);
		if (!sqlite3_column_int(s, Z_EXIT_SEEN))
			fputs("at least ", out);
		cli_time_short(out, cli_time_clamp(sqlite3_column_int64(s, Z_EPOCH_MS)), utc);
		fputs(", not reaped by ", out);
		parent_words(out, s);
		ending_words(out, s);
		fputs(". It is gone once the parent waits for it, or once the parent exits "
		      "(init then reaps it).",
		      out);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The groups: unreaped zombies of the newest boot that exited in
 * [since, until), by parent, the largest first. */
static int prepare_groups(struct cli_db *d, int64_t since_ms, int64_t until_ms, const char *host,
                          sqlite3_stmt **ret)
{
	const struct cli_filter f = {.since_ms = since_ms,
	                             .until_ms = until_ms,
	                             .signal = -1,
	                             .sender_pid = -1,
	                             .target_pid = -1,
	                             .host = host};
	char *sql = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&sql, &len);

	if (!m)
		return SQLITE_NOMEM;
	fputs("SELECT count(*), count(*) OVER (), sum(count(*)) OVER (), ppid, parent_comm, "
	      "parent_cmdline, max(parent_is_init), min(container), min(unit), min(epoch_ms) "
	      "FROM zombies WHERE reaped_epoch_ms IS NULL AND " NEWEST_BOOT,
	      m);
	if (since_ms != INT64_MIN)
		fputs(" AND epoch_ms >= ?1", m);
	if (until_ms != INT64_MAX)
		fputs(" AND epoch_ms < ?2", m);
	if (host)
		fputs(" AND host = ?10", m);
	fprintf(m,
	        " GROUP BY ppid, parent_start_time ORDER BY 1 DESC, min(epoch_ms), ppid LIMIT %d",
	        CLI_ZOMBIE_GROUPS);
	return cli_prepare_sql(d, &f, m, &sql, ret);
}

/* The sentence of the group row `s` into buf (terminal-safe, bounded). */
static void group_sentence(sqlite3_stmt *s, char *buf, size_t size, bool utc)
{
	FILE *m = fmemopen(buf, size, "w");
	int64_t n = sqlite3_column_int64(s, 0);
	char cut[512];

	if (!m) {
		snprintf(buf, size, "%lld unreaped zombies", (long long)n);
		return;
	}
	cli_term_text(cut, sizeof(cut),
	              sqlite3_column_text(s, 4) ? (const char *)sqlite3_column_text(s, 4) : "?", 0);
	fprintf(m, "%lld unreaped zombie%s under %s[%lld]", (long long)n, n == 1 ? "" : "s", cut,
	        (long long)sqlite3_column_int64(s, 3));
	if (sqlite3_column_type(s, 5) != SQLITE_NULL) {
		cli_term_text(cut, sizeof(cut), (const char *)sqlite3_column_text(s, 5), 80);
		fprintf(m, " (%s)", cut);
	}
	if (sqlite3_column_type(s, 7) != SQLITE_NULL) {
		/* A container id as docker shows it: its first 12 characters. */
		cli_term_text(cut, sizeof(cut), (const char *)sqlite3_column_text(s, 7), 15);
		fprintf(m, " in container %s", cut);
	} else if (sqlite3_column_type(s, 8) != SQLITE_NULL) {
		cli_term_text(cut, sizeof(cut), (const char *)sqlite3_column_text(s, 8), 60);
		fprintf(m, " in unit %s", cut);
	}
	fputs(", since ", m);
	cli_time_short(m, cli_time_clamp(sqlite3_column_int64(s, 9)), utc);
	if (sqlite3_column_int(s, 6))
		fputs(": a namespace init that does not reap its children", m);
	if (fclose(m) != 0 || !memchr(buf, '\0', size))
		buf[size - 1] = '\0'; /* cut at the buffer's end */
}

int cli_zombie_groups(struct cli_db *d, int64_t since_ms, int64_t until_ms, const char *host,
                      bool utc, struct cli_zombie_groups *ret)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*ret = (struct cli_zombie_groups){.recorded = d->has_zombies};
	if (!ret->recorded)
		return SQLITE_OK;
	if ((rc = prepare_groups(d, since_ms, until_ms, host, &s)) != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ret->parents = sqlite3_column_int64(s, 1);
		ret->unreaped = sqlite3_column_int64(s, 2);
		group_sentence(s, ret->lines[ret->n], sizeof(ret->lines[0]), utc);
		ret->counts[ret->n++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}
