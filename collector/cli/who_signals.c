/* who_signals.c: the signals part of `sigtrail who`, read from the
 * `signals` view. Every recorded signal that reached the process (or was
 * refused on its way there), newest first: time, signal, result, the sender
 * (pid, parent, user, login user, tty, comm, exe and command line, and from
 * schema 3 its ancestry, unit and container), the target as recorded, the
 * syscall and audit serial, and whether the target died of it (the death
 * from who_deaths.c) or the signal reached an earlier owner of the pid. Also
 * the rows' totals, and the verdict when no death decides: the newest
 * delivered signal whose default action terminates, else the newest
 * delivered one, else the newest refused attempt. who.c puts these between
 * the deaths and the coverage. Exercise with
 *   sigtraild --source stdin --db /tmp/t.db < tests/fixtures/kernel.log
 *   sigtrail who --db /tmp/t.db 143
 * (tests/cli/who.sh checks these rows and verdicts). */
#include <stddef.h>
#include <string.h>

#include "cli.h"
#include "cli_fmt.h"

/* Signals whose default action does not end the process: 0 (a probe),
 * CHLD, CONT, URG and WINCH (ignored), STOP, TSTP, TTIN and TTOU (stop). */
#define NOT_TERMINATING "(0, 17, 18, 19, 20, 21, 22, 23, 28)"

enum verdict_kind { V_NOTHING, V_KILLED, V_SIGNALLED, V_REFUSED };
static const char *const verdict_names[] = {"nothing", "killed", "signalled", "refused"};

static const char *col_text(sqlite3_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(s, col);
}

size_t arg_who_text_width;

void cli_sender_words(FILE *out, sqlite3_stmt *s)
{
	static char big[4 * 8192 + 16]; /* a whole command line, every byte escaped */
	char buf[512];
	const char *cmd = col_text(s, COL_SENDER_CMDLINE);
	const char *user = col_text(s, COL_SENDER_USER), *login = col_text(s, COL_SENDER_LOGIN);

	if (!cmd)
		cmd = col_text(s, COL_SENDER_EXE);
	if (!cmd)
		cmd = col_text(s, COL_SENDER_COMM);
	cli_term_text(big, sizeof(big), cmd ? cmd : "?", arg_who_text_width);
	fprintf(out, "`%s` (pid %lld", big, (long long)sqlite3_column_int64(s, COL_SENDER_PID));
	if (user) {
		cli_term_text(buf, sizeof(buf), user, 32);
		fprintf(out, ", user %s", buf);
	} else if (sqlite3_column_type(s, COL_SENDER_UID) != SQLITE_NULL) {
		fprintf(out, ", uid %lld", (long long)sqlite3_column_int64(s, COL_SENDER_UID));
	}
	if (login && (!user || strcmp(login, user) != 0)) {
		cli_term_text(buf, sizeof(buf), login, 32);
		fprintf(out, ", login %s", buf);
	}
	if (sqlite3_column_type(s, COL_SENDER_SES) != SQLITE_NULL)
		fprintf(out, ", session %lld", (long long)sqlite3_column_int64(s, COL_SENDER_SES));
	fputc(')', out);
}

void cli_request_words(FILE *out, sqlite3_stmt *s)
{
	const char *ev = col_text(s, COL_REQUEST_EVIDENCE),
	           *cmd = col_text(s, COL_REQUESTED_BY_CMDLINE);
	const char *what = col_text(s, COL_TARGET_CONTAINER) ? col_text(s, COL_TARGET_CONTAINER)
	                                                     : col_text(s, COL_TARGET_UNIT);
	char buf[512], span[32] = "";
	static const char kill_prefix[] = "SIGKILL ";

	if (!ev)
		return;
	if (what) {
		cli_term_text(buf, sizeof(buf), what, col_text(s, COL_TARGET_CONTAINER) ? 13 : 80);
		fprintf(out, " stopping %s", buf);
	}
	if (sqlite3_column_type(s, COL_REQUESTED_BY_PID) != SQLITE_NULL) {
		static char big[4 * 8192 + 16]; /* a whole command line, every byte escaped */
		cli_term_text(big, sizeof(big), cmd ? cmd : "?", arg_who_text_width);
		fprintf(out, ", requested by `%s` (pid %lld", big,
		        (long long)sqlite3_column_int64(s, COL_REQUESTED_BY_PID));
		const char *const labels[] = {"user", "login", "tty"};
		const int cols[] = {COL_REQUESTED_BY_USER, COL_REQUESTED_BY_LOGIN,
		                    COL_REQUESTED_BY_TTY};
		for (int i = 0; i < 3; i++)
			if (col_text(s, cols[i])) {
				cli_term_text(buf, sizeof(buf), col_text(s, cols[i]), 32);
				fprintf(out, ", %s %s", labels[i], buf);
			}
		fputc(')', out);
		/* request_evidence says how long before its signal it was exec'd. */
		const char *ago = strstr(ev, "exec'd ");
		const char *end = ago ? strstr(ago, " before the signal") : NULL;
		if (end && end - ago - 7 > 0 && end - ago - 7 < (ptrdiff_t)sizeof(span)) {
			memcpy(span, ago + 7, (size_t)(end - ago - 7));
			span[end - ago - 7] = '\0';
			cli_term_text(buf, sizeof(buf), span, 0);
			fprintf(out, " %s before", buf);
		}
	} else if (strstr(ev, "no request seen")) {
		fputs(", no request seen", out);
	} else if (strstr(ev, "the kubelet")) {
		fputs(", through the kubelet", out);
	}
	/* "SIGKILL 90.0 s after the same supervisor's SIGTERM ...: the stop timed out" */
	if (strncmp(ev, kill_prefix, sizeof(kill_prefix) - 1) == 0 &&
	    strstr(ev, "the stop timed out")) {
		const char *after = strstr(ev, " after ");
		size_t n = after ? (size_t)(after - ev) - (sizeof(kill_prefix) - 1) : 0;
		if (n > 0 && n < sizeof(span)) {
			memcpy(span, ev + sizeof(kill_prefix) - 1, n);
			span[n] = '\0';
			fprintf(out, "; SIGKILL %s later when the stop timed out", span);
		}
	}
}

/* Asked by name, several processes may match: say which one. */
static void target_words(FILE *out, const struct cli_filter *f, sqlite3_stmt *s)
{
	if (f->target_pid < 0 && sqlite3_column_type(s, COL_TARGET_PID) != SQLITE_NULL)
		fprintf(out, " to pid %lld", (long long)sqlite3_column_int64(s, COL_TARGET_PID));
}

static void signal_name(FILE *out, sqlite3_stmt *s)
{
	const char *name = col_text(s, COL_SIGNAME);

	if (name)
		fputs(name, out);
	else
		fprintf(out, "signal %lld", (long long)sqlite3_column_int64(s, COL_SIGNAL));
}

static void result_words(FILE *out, sqlite3_stmt *s)
{
	const char *err = col_text(s, COL_ERRNO);

	if (sqlite3_column_int(s, COL_SUCCESS)) {
		fputs("delivered", out);
		cli_disposition_words(out, s);
	} else if (err && strcmp(err, "EPERM") == 0)
		fputs("REFUSED (EPERM: not allowed)", out);
	else
		fprintf(out, "FAILED (%s)", err ? err : "unknown error");
}

static void print_field(FILE *out, const char *label, const char *value, size_t width)
{
	static char buf[4 * 8192 + 16]; /* a whole command line, every byte escaped (--full) */

	cli_term_text(buf, sizeof(buf), value ? value : "-", width);
	fprintf(out, "%s%s", label, buf);
}

/* One signal row. `death` caches the query for the death a row caused (see
 * cli_who_death_of_signal). `died_start`: the start time of the process
 * whose death is listed first (a pid query), or -1; a row sent to another
 * owner of the pid says so. */
static void print_row(FILE *out, struct cli_db *d, sqlite3_stmt *s, sqlite3_stmt **death, bool utc,
                      size_t width, int64_t died_start)
{
	char t[40], num[32];
	int64_t count = sqlite3_column_int64(s, COL_COUNT), death_id = -1, death_ms = 0;
	size_t cut = width > 20 ? width - 16 : 0;

	cli_time_fmt(sqlite3_column_int64(s, COL_EPOCH_MS), utc, t, sizeof(t));
	fprintf(out, "%s  ", t);
	signal_name(out, s);
	fputs("  ", out);
	result_words(out, s);
	if (count > 1)
		fprintf(out, "  (x%lld: repeated within a short time)", (long long)count);
	fprintf(out, "\n  from  pid %lld", (long long)sqlite3_column_int64(s, COL_SENDER_PID));
	if (sqlite3_column_type(s, COL_SENDER_PPID) != SQLITE_NULL)
		fprintf(out, " (parent %lld)", (long long)sqlite3_column_int64(s, COL_SENDER_PPID));
	print_field(out, "  user ", col_text(s, COL_SENDER_USER), 32);
	if (!col_text(s, COL_SENDER_USER) && sqlite3_column_type(s, COL_SENDER_UID) != SQLITE_NULL)
		fprintf(out, " (uid %lld)", (long long)sqlite3_column_int64(s, COL_SENDER_UID));
	print_field(out, "  login ", col_text(s, COL_SENDER_LOGIN), 32);
	if (sqlite3_column_type(s, COL_SENDER_SES) != SQLITE_NULL)
		fprintf(out, " (session %lld)", (long long)sqlite3_column_int64(s, COL_SENDER_SES));
	print_field(out, "  tty ", col_text(s, COL_SENDER_TTY), 32);
	print_field(out, "\n        comm ", col_text(s, COL_SENDER_COMM), 32);
	print_field(out, "  exe ", col_text(s, COL_SENDER_EXE), 0);
	print_field(out, "\n        cmdline ", col_text(s, COL_SENDER_CMDLINE), cut);
	/* Schema 3: what the process table knew, printed only when known. */
	if (col_text(s, COL_SENDER_ANCESTRY)) {
		char why[160];
		print_field(out, "\n        ancestry ", col_text(s, COL_SENDER_ANCESTRY), cut);
		if (cli_chain_cut_words(d, s, why, sizeof(why)) == SQLITE_OK && why[0])
			fprintf(out, "\n                 (%s)", why);
	}
	if (col_text(s, COL_SENDER_UNIT) || col_text(s, COL_SENDER_CONTAINER)) {
		print_field(out, "\n        unit ", col_text(s, COL_SENDER_UNIT), 0);
		print_field(out, "  container ", col_text(s, COL_SENDER_CONTAINER), 0);
	}
	/* Schema 12: a supervisor's signal, and who asked for it. */
	if (col_text(s, COL_REQUEST_EVIDENCE))
		print_field(out, "\n  asked ", col_text(s, COL_REQUEST_EVIDENCE), cut);
	/* systemd acting on its own: its journal says why (RuntimeMaxSec=, ...) */
	if (col_text(s, COL_REQUEST_EVIDENCE) && col_text(s, COL_SENDER_COMM) &&
	    strcmp(col_text(s, COL_SENDER_COMM), "systemd") == 0 &&
	    sqlite3_column_type(s, COL_REQUESTED_BY_PID) == SQLITE_NULL)
		cli_journal_lines(out, col_text(s, COL_TARGET_UNIT),
		                  sqlite3_column_int64(s, COL_EPOCH_MS), width);
	if (sqlite3_column_type(s, COL_TARGET_PID) != SQLITE_NULL)
		fprintf(out, "\n  to    pid %lld",
		        (long long)sqlite3_column_int64(s, COL_TARGET_PID));
	else
		fputs("\n  to    no process", out);
	print_field(out, "  comm ", col_text(s, COL_TARGET_COMM), 32);
	print_field(out, "  user ", col_text(s, COL_TARGET_USER), 32);
	if (col_text(s, COL_TARGET_EXE) || col_text(s, COL_TARGET_CMDLINE)) {
		print_field(out, "\n        exe ", col_text(s, COL_TARGET_EXE), 0);
		if (sqlite3_column_type(s, COL_TARGET_START_TIME) != SQLITE_NULL) {
			fputs("  ", out);
			cli_start_words(out, d, sqlite3_column_int64(s, COL_TARGET_START_TIME),
			                sqlite3_column_int64(s, COL_EPOCH_MS), utc, "the signal");
		}
		print_field(out, "\n        cmdline ", col_text(s, COL_TARGET_CMDLINE), cut);
	}
	if (col_text(s, COL_TARGET_UNIT) || col_text(s, COL_TARGET_CONTAINER)) {
		print_field(out, "\n        unit ", col_text(s, COL_TARGET_UNIT), 0);
		print_field(out, "  container ", col_text(s, COL_TARGET_CONTAINER), 0);
	}
	char sys[64];
	snprintf(num, sizeof(num), "%lld", (long long)sqlite3_column_int64(s, COL_TARGET_ARG));
	cli_term_text(sys, sizeof(sys), col_text(s, COL_SYSCALL) ? col_text(s, COL_SYSCALL) : "?",
	              0);
	fprintf(out, "\n  via   %s(%s), audit serial %lld", sys, num,
	        (long long)sqlite3_column_int64(s, COL_SERIAL));
	print_field(out, ", host ", col_text(s, COL_HOST), 64);
	if (cli_who_death_of_signal(d, sqlite3_column_int64(s, COL_ID), death, &death_id,
	                            &death_ms) == SQLITE_OK &&
	    death_id >= 0)
		fprintf(out, "\n  => it died of this signal %lld ms later (death %lld)",
		        (long long)(death_ms - sqlite3_column_int64(s, COL_EPOCH_MS)),
		        (long long)death_id);
	else if (died_start >= 0 && sqlite3_column_type(s, COL_TARGET_START_TIME) != SQLITE_NULL &&
	         sqlite3_column_int64(s, COL_TARGET_START_TIME) != died_start) {
		int64_t at = sqlite3_column_int64(s, COL_EPOCH_MS);
		fputs("\n  !=    sent to another process that had this pid (", out);
		cli_start_words(out, d, sqlite3_column_int64(s, COL_TARGET_START_TIME), at, utc,
		                NULL);
		fputs("; the one that died: ", out);
		cli_start_words(out, d, died_start, at, utc, NULL);
		fputc(')', out);
	}
	fputs("\n\n", out);
}

/* The rows of f that also meet `and` (NULL, or "AND ..." on the columns
 * signal_rows shares with the view), newest first, at most `limit` (SQL: a
 * number or ?20), every column: through who_name.c's indexes for a name. */
static int prepare_newest(struct cli_db *d, const struct cli_filter *f, const char *and,
                          const char *limit, sqlite3_stmt **ret)
{
	char tail[256];

	if (f->name_ids)
		return cli_who_name_prepare(d, f, cli_signal_columns(d), and, limit, ret);
	snprintf(tail, sizeof(tail), "%s%sORDER BY epoch_ms DESC, id DESC LIMIT %s", and? and : "",
	         and? " " : "", limit);
	return cli_prepare(d, f, cli_signal_columns(d), tail, ret);
}

int cli_who_signals_count(struct cli_db *d, const struct cli_filter *f, int64_t *ret_rows,
                          int64_t *ret_delivered)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (f->name_ids)
		return cli_who_name_count(d, f, ret_rows, ret_delivered);
	rc = cli_prepare_ids(d, f, "count(*), coalesce(sum(success), 0)", NULL, &s);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		*ret_rows = sqlite3_column_int64(s, 0);
		*ret_delivered = sqlite3_column_int64(s, 1);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

int cli_who_signals_verdict(FILE *out, struct cli_db *d, const struct cli_filter *f,
                            const char *what, int64_t rows, int64_t delivered, bool utc,
                            sqlite3_stmt **ret_row, const char **ret_kind)
{
	static const char *const conds[] = {
	    ("AND success = 1 AND signal NOT IN " NOT_TERMINATING),
	    "AND success = 1",
	    "AND success = 0",
	};
	sqlite3_stmt *s = NULL;
	enum verdict_kind kind = V_NOTHING;
	int rc;

	*ret_row = NULL;
	*ret_kind = verdict_names[V_NOTHING];
	if (rows == 0) {
		char a[48], b[48];
		fprintf(out, "nothing recorded: no signal reached %s", what);
		if (f->since_ms != INT64_MIN || f->until_ms != INT64_MAX) {
			cli_time_fmt(f->since_ms != INT64_MIN ? f->since_ms : 0, utc, a, sizeof(a));
			cli_time_fmt(f->until_ms != INT64_MAX ? f->until_ms : cli_now_ms(), utc, b,
			             sizeof(b));
			fprintf(out, " between %s and %s",
			        f->since_ms != INT64_MIN ? a : "the first record", b);
		} else {
			fputs(" in this database", out);
		}
		fputc('.', out);
		return SQLITE_OK;
	}
	for (int i = 0; i < 3; i++) {
		if ((i < 2 && delivered == 0) || (i == 2 && delivered > 0))
			continue;
		rc = prepare_newest(d, f, conds[i], "1", &s);
		if (rc != SQLITE_OK)
			return rc;
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			kind = i == 0 ? V_KILLED : i == 1 ? V_SIGNALLED : V_REFUSED;
			*ret_kind = verdict_names[kind];
			break;
		}
		sqlite3_finalize(s);
		s = NULL;
		if (rc != SQLITE_DONE)
			return rc;
	}
	if (!s)
		return SQLITE_OK;
	if (kind == V_REFUSED) {
		fprintf(out, "no signal reached %s; %lld attempts failed, the newest ", what,
		        (long long)rows);
		signal_name(out, s);
		target_words(out, f, s);
		fputs(" from ", out);
		cli_sender_words(out, s);
		fputs(" at ", out);
		cli_time_short(out, sqlite3_column_int64(s, COL_EPOCH_MS), utc);
		fprintf(out, " (%s).", col_text(s, COL_ERRNO) ? col_text(s, COL_ERRNO) : "failed");
	} else {
		if (kind == V_SIGNALLED)
			fputs("no terminating signal recorded; the newest was ", out);
		signal_name(out, s);
		target_words(out, f, s);
		fputs(" from ", out);
		cli_sender_words(out, s);
		cli_request_words(out, s);
		fputs(" at ", out);
		cli_time_short(out, sqlite3_column_int64(s, COL_EPOCH_MS), utc);
		if (delivered > 1)
			fprintf(out, " (%lld signals reached %s in all).", (long long)delivered,
			        what);
		else
			fputc('.', out);
	}
	*ret_row = s;
	return SQLITE_OK;
}

int cli_who_signals_list(FILE *out, struct cli_db *d, const struct cli_filter *f, const char *what,
                         const char *zone, int64_t limit, bool json, bool utc, int width,
                         int64_t died_start, int64_t *ret_shown, bool *ret_more)
{
	sqlite3_stmt *s = NULL, *death = NULL;
	int64_t shown = 0;
	bool more = false;
	int rc = prepare_newest(d, f, NULL, "?20", &s);

	*ret_shown = 0;
	*ret_more = false;
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(s, 20, limit > 0 && limit < INT64_MAX ? limit + 1 : -1);
	if (json)
		fputs(",\"signals\":[", out);
	else
		fprintf(out, "Signals to %s, newest first (times in %s):\n\n", what, zone);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (limit > 0 && shown == limit) {
			more = true;
			break;
		}
		if (json) {
			if (shown)
				fputc(',', out);
			cli_row_json(out, s, d->signal_cols);
		} else {
			print_row(out, d, s, &death, utc, (size_t)width, died_start);
		}
		shown++;
	}
	sqlite3_finalize(s);
	sqlite3_finalize(death);
	*ret_shown = shown;
	*ret_more = more;
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

int cli_who_same_sender(FILE *out, struct cli_db *d, sqlite3_stmt *row)
{
	enum { WINDOW_MS = 60000, LISTED = 8 };
	/* The same sender is the same pid with the same ancestry chain key,
	 * which holds its start time (schema 3); before, the pid alone. */
	static const char sql[] =
	    "SELECT count(*) OVER (), r.target_pid, (SELECT value FROM strings WHERE id = "
	    "r.target_comm_s), (SELECT name FROM signal_names WHERE number = r.signal) FROM "
	    "signal_rows AS r, signal_rows AS v WHERE v.id = ?1 AND r.sender_pid = v.sender_pid "
	    "AND "
	    "r.sender_chain_s IS v.sender_chain_s AND r.epoch_ms BETWEEN v.epoch_ms - ?2 AND "
	    "v.epoch_ms + ?2 AND r.success = 1 AND r.target_pid IS NOT NULL AND r.target_pid IS "
	    "NOT "
	    "v.target_pid GROUP BY r.target_pid ORDER BY min(r.epoch_ms) LIMIT ?3";
	static const char sql_v2[] =
	    "SELECT count(*) OVER (), r.target_pid, (SELECT value FROM strings WHERE id = "
	    "r.target_comm_s), (SELECT name FROM signal_names WHERE number = r.signal) FROM "
	    "signal_rows AS r, signal_rows AS v WHERE v.id = ?1 AND r.sender_pid = v.sender_pid "
	    "AND "
	    "r.epoch_ms BETWEEN v.epoch_ms - ?2 AND v.epoch_ms + ?2 AND r.success = 1 AND "
	    "r.target_pid IS NOT NULL AND r.target_pid IS NOT v.target_pid GROUP BY r.target_pid "
	    "ORDER BY min(r.epoch_ms) LIMIT ?3";
	sqlite3_stmt *q = NULL;
	char comm[64];
	int64_t n = 0;
	int rc, i = 0;

	if (!row)
		return SQLITE_OK;
	rc = sqlite3_prepare_v2(d->db, d->has_process ? sql : sql_v2, -1, &q, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(q, 1, sqlite3_column_int64(row, COL_ID));
	sqlite3_bind_int(q, 2, WINDOW_MS);
	sqlite3_bind_int(q, 3, LISTED);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(q, 2);
		const char *sig = (const char *)sqlite3_column_text(q, 3);
		if (i == 0) {
			n = sqlite3_column_int64(q, 0);
			fprintf(
			    out,
			    "Same sender: pid %lld also signalled %lld other process%s within a "
			    "minute: ",
			    (long long)sqlite3_column_int64(row, COL_SENDER_PID), (long long)n,
			    n == 1 ? "" : "es");
		}
		cli_term_text(comm, sizeof(comm), c ? c : "?", 15);
		fprintf(out, "%spid %lld (%s) %s", i++ ? ", " : "",
		        (long long)sqlite3_column_int64(q, 1), comm, sig ? sig : "?");
	}
	sqlite3_finalize(q);
	if (i > 0)
		fprintf(out, "%s.\n", n > i ? ", ..." : "");
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}
