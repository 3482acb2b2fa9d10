/* who.c: `sigtrail who PID|NAME`, the 3 a.m. question. First how the
 * process died, when the database records deaths (schema 3; who_deaths.c):
 * the signal, the cause and its evidence, and who sent the signal and who
 * started the sender, or the OOM kill, the crash, the pid namespace
 * teardown. Then, newest first, every recorded signal that reached the
 * process (or was refused on its way there): time, signal, result, and the
 * sender as pid, parent, user, login user, tty, comm, exe and full command
 * line, with its ancestry, unit and container and the target's own command
 * line when recorded. It ends with one verdict line naming the killer (the
 * cause of the newest death, or else the newest delivered signal whose
 * default action terminates) and one line saying whether a collector was
 * running over the window, because "nothing recorded" only means "nothing
 * sent" if something was recording. Exercise with
 *   sigtraild --source stdin --db /tmp/t.db < tests/fixtures/kernel.log
 *   sigtrail who --db /tmp/t.db 143 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "cli_fmt.h"
#include "sigtrail/decode.h"
#include "sigtrail/log.h"

enum {
	DEFAULT_LIMIT = 20,
	MAX_PID = 4194304,
	TASK_COMM_LEN = 16, /* the kernel keeps 15 bytes of a process name */
};

/* Signals whose default action does not end the process: 0 (a probe),
 * CHLD, CONT, URG and WINCH (ignored), STOP, TSTP, TTIN and TTOU (stop). */
#define NOT_TERMINATING "(0, 17, 18, 19, 20, 21, 22, 23, 28)"

enum verdict_kind { V_NOTHING, V_KILLED, V_SIGNALLED, V_REFUSED };
static const char *const verdict_names[] = {"nothing", "killed", "signalled", "refused"};

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: sigtrail who [OPTIONS] PID|NAME\n"
	        "How did a process die, and who sent it signals? First its deaths, newest\n"
	        "first: the signal, the cause (signal, oom, crash, pidns-teardown, kernel) and\n"
	        "the evidence, then the sender of the killing signal with the chain of\n"
	        "processes that started it (each with its command line), or the OOM kill's\n"
	        "memory cgroup and RSS, or the crash's core dump. Then each signal that\n"
	        "reached it (or was refused): the sender's pid, parent, user, login user, tty,\n"
	        "program and full command line. Last a one-line verdict, and whether a\n"
	        "collector was running over the period. PID is a number; anything else is a\n"
	        "process name, matched exactly against the comm (the kernel keeps 15 bytes)\n"
	        "or the basename of the executable (of a dead process; of a signal's target\n"
	        "where recorded, schema 3).\n"
	        "\n"
	        "  -d, --db PATH     database (default /var/lib/sigtrail/sigtrail.db)\n"
	        "      --since T     only deaths and signals at or after T\n"
	        "      --until T     only deaths and signals before T\n"
	        "  -n, --limit N     show at most N deaths and N signals (default %d; 0: all)\n"
	        "      --json        the same as one JSON object\n"
	        "      --utc         times in UTC (default: local time on a terminal, UTC when\n"
	        "                    piped); --local forces local time\n"
	        "  -h, --help        this help\n"
	        "\n"
	        "T is a duration back from now (30m, 2h, 7d, 1h30m), a date and time in local\n"
	        "time (2026-11-21, '2026-11-21 10:00', with --utc in UTC), ISO-8601 with a zone\n"
	        "(2026-11-21T10:00:05Z, 2026-11-21T12:00+02:00), now, today, yesterday or @EPOCH.\n"
	        "\n"
	        "Deaths are recorded from schema 3 on (sigtraild upgrades the database when it\n"
	        "starts); an older database says so.\n"
	        "\n"
	        "Exit status: 0 deaths or signals found, 1 nothing recorded, 64 bad usage,\n"
	        "65/66/77 the database is not usable (see sigtrail --help).\n"
	        "\n"
	        "Examples:\n"
	        "  sigtrail who 4242\n"
	        "  sigtrail who nginx --since 2h\n"
	        "  sigtrail who 4242 --since '2026-11-21 03:00' --until '2026-11-21 04:00'\n"
	        "  sigtrail who postgres --json | jq .verdict.text\n"
	        "  sigtrail who java --json | jq '.deaths.rows[] | {cause, evidence}'\n",
	        DEFAULT_LIMIT);
}

static const char *col_text(sqlite3_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(s, col);
}

void cli_sender_words(FILE *out, sqlite3_stmt *s)
{
	char buf[512];
	const char *cmd = col_text(s, COL_SENDER_CMDLINE);
	const char *user = col_text(s, COL_SENDER_USER), *login = col_text(s, COL_SENDER_LOGIN);

	if (!cmd)
		cmd = col_text(s, COL_SENDER_EXE);
	if (!cmd)
		cmd = col_text(s, COL_SENDER_COMM);
	cli_term_text(buf, sizeof(buf), cmd ? cmd : "?", 200);
	fprintf(out, "`%s` (pid %lld", buf, (long long)sqlite3_column_int64(s, COL_SENDER_PID));
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
	fputc(')', out);
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

	if (sqlite3_column_int(s, COL_SUCCESS))
		fputs("delivered", out);
	else if (err && strcmp(err, "EPERM") == 0)
		fputs("REFUSED (EPERM: not allowed)", out);
	else
		fprintf(out, "FAILED (%s)", err ? err : "unknown error");
}

static void print_field(FILE *out, const char *label, const char *value, size_t width)
{
	char buf[1024];

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
	print_field(out, "  tty ", col_text(s, COL_SENDER_TTY), 32);
	print_field(out, "\n        comm ", col_text(s, COL_SENDER_COMM), 32);
	print_field(out, "  exe ", col_text(s, COL_SENDER_EXE), 0);
	print_field(out, "\n        cmdline ", col_text(s, COL_SENDER_CMDLINE), cut);
	/* Schema 3: what the process table knew, printed only when known. */
	if (col_text(s, COL_SENDER_ANCESTRY))
		print_field(out, "\n        ancestry ", col_text(s, COL_SENDER_ANCESTRY), cut);
	if (col_text(s, COL_SENDER_UNIT) || col_text(s, COL_SENDER_CONTAINER)) {
		print_field(out, "\n        unit ", col_text(s, COL_SENDER_UNIT), 0);
		print_field(out, "  container ", col_text(s, COL_SENDER_CONTAINER), 0);
	}
	if (sqlite3_column_type(s, COL_TARGET_PID) != SQLITE_NULL)
		fprintf(out, "\n  to    pid %lld",
		        (long long)sqlite3_column_int64(s, COL_TARGET_PID));
	else
		fputs("\n  to    no process", out);
	print_field(out, "  comm ", col_text(s, COL_TARGET_COMM), 32);
	print_field(out, "  user ", col_text(s, COL_TARGET_USER), 32);
	if (col_text(s, COL_TARGET_EXE) || col_text(s, COL_TARGET_CMDLINE)) {
		print_field(out, "\n        exe ", col_text(s, COL_TARGET_EXE), 0);
		if (sqlite3_column_type(s, COL_TARGET_START_TIME) != SQLITE_NULL)
			fprintf(out, "  start time %lld",
			        (long long)sqlite3_column_int64(s, COL_TARGET_START_TIME));
		print_field(out, "\n        cmdline ", col_text(s, COL_TARGET_CMDLINE), cut);
	}
	if (col_text(s, COL_TARGET_UNIT) || col_text(s, COL_TARGET_CONTAINER)) {
		print_field(out, "\n        unit ", col_text(s, COL_TARGET_UNIT), 0);
		print_field(out, "  container ", col_text(s, COL_TARGET_CONTAINER), 0);
	}
	snprintf(num, sizeof(num), "%lld", (long long)sqlite3_column_int64(s, COL_TARGET_ARG));
	fprintf(out, "\n  via   %s(%s), audit serial %lld",
	        col_text(s, COL_SYSCALL) ? col_text(s, COL_SYSCALL) : "?", num,
	        (long long)sqlite3_column_int64(s, COL_SERIAL));
	print_field(out, ", host ", col_text(s, COL_HOST), 64);
	if (cli_who_death_of_signal(d, sqlite3_column_int64(s, COL_ID), death, &death_id,
	                            &death_ms) == SQLITE_OK &&
	    death_id >= 0)
		fprintf(out, "\n  => it died of this signal %lld ms later (death %lld)",
		        (long long)(death_ms - sqlite3_column_int64(s, COL_EPOCH_MS)),
		        (long long)death_id);
	else if (died_start >= 0 && sqlite3_column_type(s, COL_TARGET_START_TIME) != SQLITE_NULL &&
	         sqlite3_column_int64(s, COL_TARGET_START_TIME) != died_start)
		fprintf(
		    out,
		    "\n  !=    sent to another process that had this pid (start time %lld; the one "
		    "that died started at %lld)",
		    (long long)sqlite3_column_int64(s, COL_TARGET_START_TIME),
		    (long long)died_start);
	fputs("\n\n", out);
}

/* The rows' totals: how many, how many delivered. */
static int totals(struct cli_db *d, const struct cli_filter *f, int64_t *ret_rows,
                  int64_t *ret_delivered)
{
	sqlite3_stmt *s = NULL;
	int rc = cli_prepare(d, f, "count(*), coalesce(sum(success), 0)", NULL, &s);

	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		*ret_rows = sqlite3_column_int64(s, 0);
		*ret_delivered = sqlite3_column_int64(s, 1);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

/* Write the verdict sentence; returns its kind. `*ret_row` is the
 * statement positioned on the row it names (NULL when none). */
static int verdict(FILE *out, struct cli_db *d, const struct cli_filter *f, const char *what,
                   int64_t rows, int64_t delivered, bool utc, sqlite3_stmt **ret_row,
                   enum verdict_kind *ret_kind)
{
	static const char *const tails[] = {
	    "AND success = 1 AND signal NOT IN " NOT_TERMINATING
	    " ORDER BY epoch_ms DESC, id DESC LIMIT 1",
	    "AND success = 1 ORDER BY epoch_ms DESC, id DESC LIMIT 1",
	    "AND success = 0 ORDER BY epoch_ms DESC, id DESC LIMIT 1",
	};
	sqlite3_stmt *s = NULL;
	int rc;

	*ret_row = NULL;
	*ret_kind = V_NOTHING;
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
		rc = cli_prepare(d, f, cli_signal_columns(d), tails[i], &s);
		if (rc != SQLITE_OK)
			return rc;
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			*ret_kind = i == 0 ? V_KILLED : i == 1 ? V_SIGNALLED : V_REFUSED;
			break;
		}
		sqlite3_finalize(s);
		s = NULL;
		if (rc != SQLITE_DONE)
			return rc;
	}
	if (!s)
		return SQLITE_OK;
	if (*ret_kind == V_REFUSED) {
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
		if (*ret_kind == V_SIGNALLED)
			fputs("no terminating signal recorded; the newest was ", out);
		signal_name(out, s);
		target_words(out, f, s);
		fputs(" from ", out);
		cli_sender_words(out, s);
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

static void json_time(FILE *out, int64_t ms, bool present)
{
	char a[40];

	if (present) {
		cli_time_iso(ms, a, sizeof(a));
		fprintf(out, "\"%s\"", a);
	} else {
		fputs("null", out);
	}
}

static void json_query(FILE *out, const struct cli_filter *f)
{
	fputs("{\"query\":{\"target\":", out);
	if (f->target_pid >= 0) {
		fprintf(out, "{\"pid\":%lld}", (long long)f->target_pid);
	} else {
		fputs("{\"comm\":", out);
		cli_json_string(out, f->target_comm);
		fputc('}', out);
	}
	fputs(",\"since\":", out);
	json_time(out, f->since_ms, f->since_ms != INT64_MIN);
	fputs(",\"until\":", out);
	json_time(out, f->until_ms, f->until_ms != INT64_MAX);
	fputc('}', out);
}

/* The deaths, before the signals: how it died is the first question. */
static int deaths_part(FILE *out, struct cli_db *d, const struct cli_common *c, const char *what,
                       const char *zone, int64_t limit, bool json, int width, int64_t total)
{
	int64_t shown = 0;
	int rc;

	if (json)
		fprintf(out, ",\"deaths\":{\"recorded\":%s,\"rows\":[",
		        d->has_deaths ? "true" : "false");
	else if (total > 0)
		fprintf(out, "Deaths of %s, newest first (times in %s):\n\n", what, zone);
	rc = cli_who_deaths_list(out, d, &c->filter, limit, json, c->utc, width, &shown);
	if (rc != SQLITE_OK)
		return rc;
	if (json)
		fprintf(out, "],\"shown\":%lld,\"total\":%lld,\"more\":%s}", (long long)shown,
		        (long long)total, shown < total ? "true" : "false");
	else if (shown < total)
		fprintf(out, "... %lld more deaths not shown (--limit 0 shows all)\n\n",
		        (long long)(total - shown));
	return SQLITE_OK;
}

/* What an SRE must know when no death is listed: "none" means "it did not
 * die of a signal" only if the process table was on. */
static void no_death_line(FILE *out, const struct cli_db *d, const char *what,
                          const struct cli_coverage *cov)
{
	if (!d->has_deaths)
		fprintf(
		    out,
		    "Deaths: not recorded in this database (schema %d; deaths are recorded from "
		    "schema 3 on, which sigtraild sets up when it next starts).\n",
		    d->version);
	else if (cov->proc_recorded && cov->runs > 0 && cov->proc_off > 0)
		fprintf(out,
		        "Deaths: none recorded for %s, but the process table was off for part of "
		        "the time (see Deaths coverage).\n",
		        what);
	else
		fprintf(out,
		        "Deaths: none recorded for %s (it may still run, or it exited without "
		        "a signal).\n",
		        what);
}

/* The start time of the newest matching death, or -1 when unknown. */
static int newest_death_start(struct cli_db *d, const struct cli_filter *f, int64_t *ret)
{
	sqlite3_stmt *s = NULL;
	int rc =
	    cli_prepare_deaths(d, f, "start_time", "ORDER BY epoch_ms DESC, id DESC LIMIT 1", &s);

	*ret = -1;
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		*ret = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* What run() counted: the totals, and how much of them the signals' list showed. */
struct who_counts {
	int64_t rows;      /* signal rows that match */
	int64_t delivered; /* of them, delivered */
	int64_t deaths;    /* deaths that match */
	int64_t shown;     /* signal rows listed */
	bool more;         /* --limit left rows out */
};

/* The verdict, as find_verdict() leaves it. */
struct who_verdict {
	char *text;             /* the sentence (malloc'd) */
	char *death_json;       /* the newest death as JSON, or NULL (malloc'd) */
	const char *death_kind; /* its kind; NULL when no death decides */
	enum verdict_kind kind; /* the signals' kind, when no death decides */
	sqlite3_stmt *row;      /* the signal row it names, or NULL */
};

/* The signals, newest first, as text or JSON; counts them into n->shown and n->more. */
static int signals_part(FILE *out, struct cli_db *d, const struct cli_common *c, const char *what,
                        const char *zone, int64_t limit, bool json, int width, int64_t died_start,
                        struct who_counts *n)
{
	sqlite3_stmt *s = NULL, *death = NULL;
	int rc = cli_prepare(d, &c->filter, cli_signal_columns(d),
	                     "ORDER BY epoch_ms DESC, id DESC LIMIT ?20", &s);

	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(s, 20, limit > 0 ? limit + 1 : -1);
	if (json)
		fputs(",\"signals\":[", out);
	else
		fprintf(out, "Signals to %s, newest first (times in %s):\n\n", what, zone);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (limit > 0 && n->shown == limit) {
			n->more = true;
			break;
		}
		if (json) {
			if (n->shown)
				fputc(',', out);
			cli_row_json(out, s, d->signal_cols);
		} else {
			print_row(out, d, s, &death, c->utc, (size_t)width, died_start);
		}
		n->shown++;
	}
	sqlite3_finalize(s);
	sqlite3_finalize(death);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* Write the verdict sentence to m: the newest death decides; without one, the signals do. */
static int find_verdict(FILE *m, struct cli_db *d, const struct cli_common *c, const char *what,
                        const struct who_counts *n, struct who_verdict *v)
{
	int64_t vsignal = -1;
	int rc = cli_who_death_verdict(m, d, &c->filter, what, n->deaths, c->utc, &v->death_json,
	                               &v->death_kind, &vsignal);

	if (rc == SQLITE_OK && !v->death_kind)
		rc = verdict(m, d, &c->filter, what, n->rows, n->delivered, c->utc, &v->row,
		             &v->kind);
	else if (rc == SQLITE_OK && vsignal >= 0)
		rc = cli_signal_by_id(d, vsignal, &v->row);
	return rc;
}

/* Free what find_verdict() left. */
static void verdict_free(struct who_verdict *v)
{
	free(v->text);
	free(v->death_json);
	sqlite3_finalize(v->row);
}

/* The end of the JSON object: the signals' counts, the verdict and the coverage. */
static int json_tail(FILE *out, struct cli_db *d, const struct who_counts *n,
                     const struct who_verdict *v, const struct cli_coverage *cov)
{
	int rc;

	fprintf(out,
	        "],\"shown\":%lld,\"total\":%lld,\"more\":%s,\"verdict\":{\"kind\":\"%s\","
	        "\"text\":",
	        (long long)n->shown, (long long)n->rows, n->more ? "true" : "false",
	        v->death_kind ? v->death_kind : verdict_names[v->kind]);
	cli_json_string(out, v->text);
	fputs(",\"signal\":", out);
	if (v->row)
		cli_row_json(out, v->row, d->signal_cols);
	else
		fputs("null", out);
	fprintf(out, ",\"death\":%s},\"coverage\":", v->death_json ? v->death_json : "null");
	rc = cli_coverage_json(out, d, cov, 100);
	fputs("}\n", out);
	return rc;
}

/* The end of the text: what --limit left out, the verdict, and the coverage lines. */
static void text_tail(FILE *out, const struct cli_db *d, const char *what,
                      const struct who_counts *n, const struct who_verdict *v,
                      const struct cli_coverage *cov, bool utc)
{
	if (n->more)
		fprintf(out, "... %lld more not shown (--limit 0 shows all)\n\n",
		        (long long)(n->rows - n->shown));
	fprintf(out, "Verdict: %s\n", v->text);
	if (n->deaths == 0)
		no_death_line(out, d, what, cov);
	fputs("Coverage: ", out);
	cli_coverage_text(out, cov, utc);
	fputs(".\n", out);
	if (cov->proc_recorded && cov->runs > 0) {
		fputs("Deaths coverage: ", out);
		cli_coverage_deaths_text(out, cov);
		fputs(".\n", out);
	}
}

/* `what` names the process for sentences: "pid 4242" or "processes named 'x'". */
static int run(struct cli_db *d, struct cli_common *c, const char *what, int64_t limit, bool json)
{
	struct cli_filter *f = &c->filter;
	struct cli_coverage cov;
	struct who_counts n = {0};
	struct who_verdict v = {.kind = V_NOTHING};
	int64_t died_start = -1;
	char zone[64];
	size_t vlen = 0;
	int rc, width = cli_term_width(STDOUT_FILENO);
	FILE *out = stdout, *m;

	/* One read transaction: the lists, the totals and the verdict agree
	 * even while sigtraild writes. */
	if ((rc = sqlite3_exec(d->db, "BEGIN", NULL, NULL, NULL)) != SQLITE_OK ||
	    (rc = totals(d, f, &n.rows, &n.delivered)) != SQLITE_OK ||
	    (rc = cli_who_deaths_count(d, f, &n.deaths)) != SQLITE_OK)
		return cli_db_fail(d, rc, "cannot read signals");

	/* A pid is reused: which process died, to tell the signals to others. */
	if (f->target_pid >= 0 && n.deaths > 0 &&
	    (rc = newest_death_start(d, f, &died_start)) != SQLITE_OK)
		return cli_db_fail(d, rc, "cannot read deaths");
	cli_time_zone(c->now_ms, c->utc, zone, sizeof(zone));
	if (json)
		json_query(out, f);
	rc = deaths_part(out, d, c, what, zone, limit, json, width, n.deaths);
	if (rc != SQLITE_OK)
		return cli_db_fail(d, rc, "cannot read deaths");
	rc = signals_part(out, d, c, what, zone, limit, json, width, died_start, &n);
	if (rc != SQLITE_OK)
		return cli_db_fail(d, rc, "cannot read signals");
	if (!json && n.rows == 0 && n.deaths > 0)
		fputs("none recorded\n\n", out);

	if (!(m = open_memstream(&v.text, &vlen)))
		return EX_OSERR;
	rc = find_verdict(m, d, c, what, &n, &v);
	fclose(m);
	if (rc == SQLITE_OK)
		rc = cli_coverage_load(d, f->since_ms, f->until_ms, c->now_ms, &cov);
	if (rc != SQLITE_OK) {
		verdict_free(&v);
		return cli_db_fail(d, rc, "cannot read signals");
	}
	if (json)
		rc = json_tail(out, d, &n, &v, &cov);
	else
		text_tail(out, d, what, &n, &v, &cov, c->utc);
	verdict_free(&v);
	(void)sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return cli_db_fail(d, rc, "cannot read coverage");
	return n.rows > 0 || n.deaths > 0 ? EX_OK : CLI_EXIT_NOTHING;
}

/* Parse the options into c, *ret_limit and *ret_json, up to the one
 * operand; returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct cli_common *c, int64_t *ret_limit,
                         bool *ret_json)
{
	static const struct option opts[] = {
	    CLI_COMMON_OPTIONS,
	    {"json", no_argument, NULL, 'j'},
	    {"limit", required_argument, NULL, 'n'},
	    {0},
	};
	int opt, r;

	cli_common_init(c);
	optind = 0;
	while ((opt = getopt_long(argc, argv, ":d:hn:", opts, NULL)) != -1) {
		r = cli_common_option(c, opt, optarg);
		if (r < 0)
			return EX_USAGE;
		if (r > 0)
			continue;
		switch (opt) {
		case CLI_OPT_HELP:
			usage(stdout);
			return EX_OK;
		case 'j':
			*ret_json = true;
			break;
		case 'n':
			if (parse_i64(optarg, 10, ret_limit) < 0 || *ret_limit < 0) {
				log_error("who: --limit '%s': expected a number >= 0", optarg);
				return EX_USAGE;
			}
			break;
		default:
			return cli_bad_option("who", opt, argv);
		}
	}
	if (optind != argc - 1) {
		log_error("who: expected one PID or process NAME (see sigtrail who --help)");
		return EX_USAGE;
	}
	if (cli_common_finish(c, isatty(STDOUT_FILENO)) < 0)
		return EX_USAGE;
	return -1;
}

/* Point the filter at PID|NAME (a name cut to the kernel's 15 bytes, in
 * comm) and name it in what for sentences. Returns 0 or EX_USAGE. */
static int parse_target(const char *target, struct cli_filter *f, char *what, size_t what_size,
                        char comm[TASK_COMM_LEN])
{
	int64_t pid;

	if (target[0] >= '0' && target[0] <= '9') {
		if (parse_i64(target, 10, &pid) < 0 || pid < 1 || pid > MAX_PID) {
			log_error(
			    "who: '%s' is not a process id (1-%d); a name must not start with "
			    "a digit",
			    target, MAX_PID);
			return EX_USAGE;
		}
		f->target_pid = pid;
		snprintf(what, what_size, "pid %lld", (long long)pid);
		return 0;
	}
	if (!*target) {
		log_error("who: empty process name");
		return EX_USAGE;
	}
	/* The kernel truncates comm to 15 bytes; so do we, on a
	 * character boundary, and say so. */
	f->full_name = target;
	if (strlen(target) >= TASK_COMM_LEN) {
		size_t n = TASK_COMM_LEN - 1;
		while (n > 0 && ((unsigned char)target[n] & 0xc0) == 0x80)
			n--;
		memcpy(comm, target, n);
		comm[n] = '\0';
		log_info("who: the kernel keeps the first 15 bytes of a process name; "
		         "matching '%s'",
		         comm);
		target = comm;
	}
	f->target_comm = target;
	char safe[64];
	cli_term_text(safe, sizeof(safe), target, 0);
	snprintf(what, what_size, "processes named '%s'", safe);
	return 0;
}

int cli_who(int argc, char **argv)
{
	struct cli_common c;
	struct cli_db d;
	int64_t limit = DEFAULT_LIMIT;
	bool json = false;
	char what[128], comm[TASK_COMM_LEN];
	int r;

	r = parse_options(argc, argv, &c, &limit, &json);
	if (r >= 0)
		return r;
	r = parse_target(argv[optind], &c.filter, what, sizeof(what), comm);
	if (r)
		return r;
	r = cli_db_open(c.db, &d);
	if (r == 0)
		r = run(&d, &c, what, limit, json);
	int rclose = cli_db_close(&d);
	return r == EX_OK || r == CLI_EXIT_NOTHING ? (rclose ? rclose : r) : r;
}
