/* list.c: `sigtrail list`, the signals of a time window as a fixed-column
 * table (header printed once, newest first, the command line cut to the
 * terminal width) or as a JSON array. Filters: --signal, --sender-comm,
 * --sender-user, --sender-pid, --target-comm, --target-pid, --failed,
 * --syscall, --host; all bound to one prepared statement. With --deaths,
 * the deaths view instead (schema 3): time, signal, cause, pid, user, comm
 * and the evidence, filtered by --signal, --target-pid, --target-comm,
 * --host and --cause. Exercise with
 *   sigtrail list --db /tmp/t.db --signal KILL --since 1d
 *   sigtrail list --db /tmp/t.db --deaths --cause oom */
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
	DEFAULT_LIMIT = 50,
	W_TIME = 23,
	W_SIGNAL = 11,
	W_RESULT = 6,
	W_PID = 7,
	W_USER = 12,
	W_COMM = 15,
	W_FIXED = W_TIME + W_SIGNAL + W_RESULT + 2 * W_PID + W_USER + 2 * W_COMM + 8, /* + spaces */
	W_MIN_COMMAND = 20, /* the command line gets this much even on a narrow terminal */
};

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: sigtrail list [OPTIONS]\n"
	        "The recorded signals, newest first, as a table (or --json).\n"
	        "\n"
	        "  -d, --db PATH          database (default /var/lib/sigtrail/sigtrail.db), or\n"
	        "                         the fleet's centre: a postgres:// or postgresql:// URI\n"
	        "      --since T          signals at or after T\n"
	        "      --until T          signals before T\n"
	        "      --signal SIG       KILL, SIGTERM, 9, RTMIN+3 ...\n"
	        "      --sender-comm NAME the sender's process name (exact)\n"
	        "      --sender-user USER the sender's user or login user\n"
	        "      --sender-pid PID   the sender's pid\n"
	        "      --target-comm NAME the target's process name (exact)\n"
	        "      --target-pid PID   the target's pid\n"
	        "      --failed           only calls that failed (refused, or no such process)\n"
	        "      --syscall NAME     kill, tkill, tgkill, rt_sigqueueinfo,\n"
	        "                         rt_tgsigqueueinfo or pidfd_send_signal\n"
	        "      --host NAME        rows recorded for this host\n"
	        "      --exclude-signal SIG[,SIG]  leave these signals out (URG,CHLD,WINCH:\n"
	        "                         the routine traffic of Go runtimes and terminals)\n"
	        "      --deaths           the processes that died of a signal instead (schema 3):\n"
	        "                         --signal, --target-pid, --target-comm (comm or exe\n"
	        "                         basename) and --host select the dead process\n"
	        "      --cause CAUSE      with --deaths: signal, oom, crash, pidns-teardown or\n"
	        "                         kernel\n"
	        "  -n, --limit N          at most N rows (default %d; 0: all)\n"
	        "      --json             a JSON array of row objects (the export's keys)\n"
	        "  -f, --follow           show the newest --limit rows oldest first, then each\n"
	        "                         row as it is stored, until Ctrl-C (--json: one object\n"
	        "                         per line); sigtrail watch shows signals and deaths\n"
	        "      --utc, --local     time zone of the TIME column (default: local on a\n"
	        "                         terminal, UTC when piped; the header says which)\n"
	        "  -h, --help             this help\n"
	        "\n"
	        "T is a duration back from now (30m, 2h, 7d), a local date and time\n"
	        "(2026-11-21, '2026-11-21 10:00'; UTC with --utc), ISO-8601 with a zone,\n"
	        "now, today, yesterday or @EPOCH.\n"
	        "\n"
	        "Columns: TIME, SIGNAL, RESULT (ok, or the error: EPERM refused, ESRCH no such\n"
	        "process), sender PID, USER (login user in parentheses when different), COMM,\n"
	        "TARGET pid (- when none), its COMM, and the sender's COMMAND line ([xN]: N\n"
	        "identical signals coalesced).\n"
	        "With --deaths: TIME, SIGNAL, CAUSE, PID, USER, COMM of the dead process and\n"
	        "the EVIDENCE that decided the cause (`sigtrail who PID` tells the whole story).\n"
	        "\n"
	        "Examples:\n"
	        "  sigtrail list --since 1h\n"
	        "  sigtrail list --signal KILL --target-comm nginx --limit 0\n"
	        "  sigtrail list --failed --sender-user alice --since yesterday\n"
	        "  sigtrail list --since 2026-11-21 --until 2026-11-22 --json | jq length\n"
	        "  sigtrail list --deaths --since 1d\n"
	        "  sigtrail list --follow --target-comm nginx --limit 5\n"
	        "  sigtrail list --exclude-signal URG,CHLD,WINCH --since 1h\n"
	        "  sigtrail list --deaths --cause oom --json | jq '.[].oom_memcg'\n",
	        DEFAULT_LIMIT);
}

static const char *col_text(sqlite3_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(s, col);
}

static void header(FILE *out, const char *zone)
{
	char t[96];

	snprintf(t, sizeof(t), "TIME (%.60s)", zone);
	cli_cell(out, t, W_TIME, false);
	cli_cell(out, "SIGNAL", W_SIGNAL, false);
	cli_cell(out, "RESULT", W_RESULT, false);
	cli_cell(out, "PID", W_PID, true);
	cli_cell(out, "USER", W_USER, false);
	cli_cell(out, "COMM", W_COMM, false);
	cli_cell(out, "TARGET", W_PID, true);
	cli_cell(out, "COMM", W_COMM, false);
	fputs("COMMAND\n", out);
}

static void row(FILE *out, sqlite3_stmt *s, bool utc, int width)
{
	char buf[512], num[64];
	const char *user = col_text(s, COL_SENDER_USER), *login = col_text(s, COL_SENDER_LOGIN);
	const char *cmd = col_text(s, COL_SENDER_CMDLINE);
	int64_t count = sqlite3_column_int64(s, COL_COUNT);

	cli_time_fmt(sqlite3_column_int64(s, COL_EPOCH_MS), utc, buf, sizeof(buf));
	cli_cell(out, buf, W_TIME, false);
	if (col_text(s, COL_SIGNAME))
		cli_cell(out, col_text(s, COL_SIGNAME), W_SIGNAL, false);
	else {
		snprintf(num, sizeof(num), "%d", sqlite3_column_int(s, COL_SIGNAL));
		cli_cell(out, num, W_SIGNAL, false);
	}
	cli_cell(out,
	         sqlite3_column_int(s, COL_SUCCESS) ? "ok"
	         : col_text(s, COL_ERRNO)           ? col_text(s, COL_ERRNO)
	                                            : "failed",
	         W_RESULT, false);
	snprintf(num, sizeof(num), "%lld", (long long)sqlite3_column_int64(s, COL_SENDER_PID));
	cli_cell(out, num, W_PID, true);
	if (!user && sqlite3_column_type(s, COL_SENDER_UID) != SQLITE_NULL) {
		snprintf(num, sizeof(num), "%lld",
		         (long long)sqlite3_column_int64(s, COL_SENDER_UID));
		user = num;
	}
	if (login && user && strcmp(login, user) != 0) {
		snprintf(buf, sizeof(buf), "%.100s(%.100s)", user, login);
		cli_cell(out, buf, W_USER, false);
	} else {
		cli_cell(out, user, W_USER, false);
	}
	cli_cell(out, col_text(s, COL_SENDER_COMM), W_COMM, false);
	if (sqlite3_column_type(s, COL_TARGET_PID) != SQLITE_NULL) {
		snprintf(num, sizeof(num), "%lld",
		         (long long)sqlite3_column_int64(s, COL_TARGET_PID));
		cli_cell(out, num, W_PID, true);
	} else {
		cli_cell(out, "-", W_PID, true);
	}
	cli_cell(out, col_text(s, COL_TARGET_COMM), W_COMM, false);
	if (!cmd)
		cmd = col_text(s, COL_SENDER_EXE);
	size_t rest = width == 0                        ? 0
	              : width > W_FIXED + W_MIN_COMMAND ? (size_t)(width - W_FIXED)
	                                                : W_MIN_COMMAND;
	if (count > 1) {
		int n = fprintf(out, "[x%lld] ", (long long)count);
		if (rest > (size_t)n + 3)
			rest -= (size_t)n;
	}
	static char line[4 * 8192 + 16]; /* a command line, every byte escaped */
	cli_term_text(line, sizeof(line), cmd ? cmd : "-", rest);
	fputs(line, out);
	fputc('\n', out);
}

enum { W_CAUSE = 14 };

static void death_header(FILE *out, const char *zone)
{
	char t[96];

	snprintf(t, sizeof(t), "TIME (%.60s)", zone);
	cli_cell(out, t, W_TIME, false);
	cli_cell(out, "SIGNAL", W_SIGNAL, false);
	cli_cell(out, "CAUSE", W_CAUSE, false);
	cli_cell(out, "PID", W_PID, true);
	cli_cell(out, "USER", W_USER, false);
	cli_cell(out, "COMM", W_COMM, false);
	fputs("EVIDENCE\n", out);
}

static void death_row(FILE *out, sqlite3_stmt *s, bool utc, int width)
{
	enum { FIXED = W_TIME + W_SIGNAL + W_CAUSE + W_PID + W_USER + W_COMM + 6 };
	static char line[4 * 8192 + 16];
	char buf[64], num[32];
	const char *user = col_text(s, DCOL_USER);

	cli_time_fmt(sqlite3_column_int64(s, DCOL_EPOCH_MS), utc, buf, sizeof(buf));
	cli_cell(out, buf, W_TIME, false);
	/* An exit (no signal) shows its status in the signal's column. */
	if (sqlite3_column_type(s, DCOL_SIGNAL) == SQLITE_NULL)
		snprintf(num, sizeof(num), "status %d", sqlite3_column_int(s, DCOL_EXIT_STATUS));
	else
		snprintf(num, sizeof(num), "%d", sqlite3_column_int(s, DCOL_SIGNAL));
	cli_cell(out, col_text(s, DCOL_SIGNAME) ? col_text(s, DCOL_SIGNAME) : num, W_SIGNAL, false);
	cli_cell(out, col_text(s, DCOL_CAUSE), W_CAUSE, false);
	snprintf(num, sizeof(num), "%lld", (long long)sqlite3_column_int64(s, DCOL_PID));
	cli_cell(out, num, W_PID, true);
	if (!user && sqlite3_column_type(s, DCOL_UID) != SQLITE_NULL) {
		snprintf(num, sizeof(num), "%lld", (long long)sqlite3_column_int64(s, DCOL_UID));
		user = num;
	}
	cli_cell(out, user, W_USER, false);
	cli_cell(out, col_text(s, DCOL_COMM), W_COMM, false);
	cli_term_text(line, sizeof(line),
	              col_text(s, DCOL_EVIDENCE) ? col_text(s, DCOL_EVIDENCE) : "-",
	              width == 0                      ? 0
	              : width > FIXED + W_MIN_COMMAND ? (size_t)(width - FIXED)
	                                              : W_MIN_COMMAND);
	fputs(line, out);
	fputc('\n', out);
}

/* list --follow: the newest --limit rows, oldest first, then each row as it
 * is stored (follow.c), in the table's columns or as JSON Lines. */
struct follow_ctx {
	FILE *out;
	bool json, utc;
	int width, signal_cols;
};

static void follow_signal(void *ctx, sqlite3_stmt *s)
{
	struct follow_ctx *x = ctx;

	if (x->json) {
		cli_row_json(x->out, s, x->signal_cols);
		fputc('\n', x->out);
	} else {
		row(x->out, s, x->utc, x->width);
	}
}

static void follow_death(void *ctx, sqlite3_stmt *s)
{
	struct follow_ctx *x = ctx;

	if (x->json) {
		cli_stmt_json(x->out, s);
		fputc('\n', x->out);
	} else {
		death_row(x->out, s, x->utc, x->width);
	}
}

static int follow(struct cli_db *d, struct cli_common *c, int64_t limit, bool json, bool deaths)
{
	struct follow_ctx x = {.out = stdout,
	                       .json = json,
	                       .utc = c->utc,
	                       .width = cli_term_width(STDOUT_FILENO),
	                       .signal_cols = d->signal_cols};
	struct cli_follow f = {.d = d,
	                       .signals = deaths ? NULL : &c->filter,
	                       .deaths = deaths ? &c->filter : NULL,
	                       .signal_row = follow_signal,
	                       .death_row = follow_death,
	                       .ctx = &x};
	char zone[64];
	int rc;

	if (deaths && !d->has_deaths) {
		log_error("%s records no deaths (schema %d; deaths are recorded from schema 3 on, "
		          "which sigtraild sets up when it next starts)",
		          d->path, d->version);
		return EX_DATAERR;
	}
	if ((rc = cli_follow_start(&f, limit == 0 ? -1 : limit)) != SQLITE_OK)
		return cli_db_fail(d, rc, deaths ? "cannot read deaths" : "cannot read signals");
	cli_time_zone(c->now_ms, c->utc, zone, sizeof(zone));
	zone[strcspn(zone, ",")] = '\0';
	if (!json && deaths)
		death_header(x.out, zone);
	else if (!json)
		header(x.out, zone);
	return cli_follow_run(&f, x.out);
}

static int run(struct cli_db *d, struct cli_common *c, int64_t limit, bool json, bool deaths)
{
	sqlite3_stmt *s = NULL;
	char zone[64];
	int64_t shown = 0;
	bool more = false;
	int rc, width = cli_term_width(STDOUT_FILENO);
	FILE *out = stdout;

	if (deaths && !d->has_deaths) {
		log_error("%s records no deaths (schema %d; deaths are recorded from schema 3 on, "
		          "which sigtraild sets up when it next starts)",
		          d->path, d->version);
		return EX_DATAERR;
	}
	if (deaths)
		rc = cli_prepare_deaths(d, &c->filter, d->death_cols,
		                        "ORDER BY epoch_ms DESC, id DESC LIMIT ?20", &s);
	else
		rc = cli_prepare(d, &c->filter, cli_signal_columns(d),
		                 "ORDER BY epoch_ms DESC, id DESC LIMIT ?20", &s);
	if (rc != SQLITE_OK)
		return cli_db_fail(d, rc, deaths ? "cannot read deaths" : "cannot read signals");
	sqlite3_bind_int64(s, 20, limit > 0 && limit < INT64_MAX ? limit + 1 : -1);
	cli_time_zone(c->now_ms, c->utc, zone, sizeof(zone));
	zone[strcspn(zone, ",")] = '\0';
	if (json)
		fputs("[", out);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (limit > 0 && shown == limit) {
			more = true;
			break;
		}
		if (json) {
			fputs(shown ? ",\n" : "\n", out);
			if (deaths)
				cli_stmt_json(out, s);
			else
				cli_row_json(out, s, d->signal_cols);
		} else if (deaths) {
			if (shown == 0)
				death_header(out, zone);
			death_row(out, s, c->utc, width);
		} else {
			if (shown == 0)
				header(out, zone);
			row(out, s, c->utc, width);
		}
		shown++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return cli_db_fail(d, rc, deaths ? "cannot read deaths" : "cannot read signals");
	if (json)
		fputs(shown ? "\n]\n" : "]\n", out);
	fflush(out); /* keep the note below after the table on a shared terminal */
	if (more)
		log_info("showing the newest %lld rows; more match (--limit N, or --limit 0 for "
		         "all)",
		         (long long)limit);
	else if (shown == 0 && !json)
		log_info(deaths ? "no deaths match" : "no signals match");
	return EX_OK;
}

int cli_list(int argc, char **argv)
{
	static const struct option opts[] = {
	    CLI_COMMON_OPTIONS,
	    CLI_FILTER_OPTIONS,
	    {"json", no_argument, NULL, 'j'},
	    {"limit", required_argument, NULL, 'n'},
	    {"deaths", no_argument, NULL, 'D'},
	    {"cause", required_argument, NULL, CLI_OPT_CAUSE},
	    {"follow", no_argument, NULL, 'f'},
	    {0},
	};
	struct cli_common c;
	struct cli_db d;
	int64_t limit = DEFAULT_LIMIT;
	bool json = false, deaths = false, follows = false;
	int opt, r;

	cli_common_init(&c);
	optind = 0;
	while ((opt = getopt_long(argc, argv, ":d:hn:f", opts, NULL)) != -1) {
		r = cli_common_option(&c, opt, optarg);
		if (r < 0)
			return EX_USAGE;
		if (r > 0)
			continue;
		switch (opt) {
		case CLI_OPT_HELP:
			usage(stdout);
			return EX_OK;
		case 'j':
			json = true;
			break;
		case 'D':
			deaths = true;
			break;
		case 'f':
			follows = true;
			break;
		case 'n':
			if (parse_i64(optarg, 10, &limit) < 0 || limit < 0) {
				log_error("list: --limit '%s': expected a number >= 0", optarg);
				return EX_USAGE;
			}
			break;
		default:
			return cli_bad_option("list", opt, argv);
		}
	}
	if (optind != argc) {
		log_error("list: unexpected argument '%s' (filters are options: see sigtrail list "
		          "--help)",
		          argv[optind]);
		return EX_USAGE;
	}
	if (follows && c.until_arg) {
		log_error("list: --follow shows rows as they are stored: --until does not apply");
		return EX_USAGE;
	}
	if (cli_common_finish(&c, isatty(STDOUT_FILENO)) < 0)
		return EX_USAGE;
	if (deaths && cli_death_filter_check(&c.filter, "list") < 0)
		return EX_USAGE;
	if (!deaths && c.filter.cause) {
		log_error("list: --cause selects deaths: add --deaths");
		return EX_USAGE;
	}
	r = cli_db_open_rows(c.db, &c.filter, false, &d);
	if (r == 0)
		r = follows ? follow(&d, &c, limit, json, deaths)
		            : run(&d, &c, limit, json, deaths);
	int rclose = cli_db_close(&d);
	return r ? r : rclose;
}
