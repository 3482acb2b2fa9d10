/* watch.c: `sigtrail watch`, signals and deaths as they are stored, on the
 * killsnoop model: the header once, then one line per event with fixed
 * columns (the signal's sender and target, or the dead process and the
 * evidence of its cause), or with --json one object per line whose "event"
 * says which. It takes list's filters; a sender filter shows signals only,
 * --cause deaths only. It runs until Ctrl-C, SIGTERM or a closed pipe, each
 * of which ends it with status 0 (follow.c does the waiting). Exercise with
 *   sigtrail watch --db /tmp/t.db --signal KILL
 * and, in another shell, `sigtrail import --db /tmp/t.db some-audit.log`. */
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
	W_TIME = 23,
	W_EVENT = 6,
	W_SIGNAL = 11,
	W_RESULT = 14, /* "pidns-teardown" */
	W_PID = 7,
	W_USER = 12,
	W_COMM = 15,
	W_FIXED = W_TIME + W_EVENT + W_SIGNAL + W_RESULT + 2 * W_PID + W_USER + 2 * W_COMM + 9,
	W_MIN_DETAIL = 20,
};

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: sigtrail watch [OPTIONS]\n"
	        "Signals and deaths as they are stored, one line each, until Ctrl-C.\n"
	        "\n"
	        "  -d, --db PATH          database (default /var/lib/sigtrail/sigtrail.db)\n"
	        "      --since T          first show what was stored at or after T\n"
	        "      --signal SIG       KILL, SIGTERM, 9, RTMIN+3 ...\n"
	        "      --sender-comm NAME the sender's process name (exact)     } signals\n"
	        "      --sender-user USER the sender's user or login user       } only\n"
	        "      --sender-pid PID   the sender's pid                      }\n"
	        "      --failed           only calls that failed                }\n"
	        "      --syscall NAME     kill, tkill, tgkill, ...              }\n"
	        "      --target-comm NAME the target's (or dead process's) comm or exe name\n"
	        "      --target-pid PID   the target's (or dead process's) pid\n"
	        "      --host NAME        rows recorded for this host\n"
	        "      --exclude-signal SIG[,SIG]  leave these signals out (URG,CHLD,WINCH:\n"
	        "                         the routine traffic of Go runtimes and terminals)\n"
	        "      --cause CAUSE      deaths only, of this cause: signal, oom, crash,\n"
	        "                         pidns-teardown or kernel\n"
	        "      --signals          signals only\n"
	        "      --deaths           deaths only (schema 3)\n"
	        "      --json             one JSON object per line; \"event\" is \"signal\"\n"
	        "                         (the export's keys) or \"death\" (the deaths view's)\n"
	        "      --utc, --local     time zone of the TIME column (default: local on a\n"
	        "                         terminal, UTC when piped; the header says which)\n"
	        "  -h, --help             this help\n"
	        "\n"
	        "Columns: TIME, EVENT (signal or death), SIGNAL, RESULT (ok, the error, or a\n"
	        "death's cause), sender PID, USER, COMM, TARGET pid and its COMM (for a death:\n"
	        "the dead process), and DETAIL: the sender's command line, or the evidence that\n"
	        "decided the death's cause. Cut to the terminal's width; piped, never cut.\n"
	        "Each event shows within a second of being stored; an idle watch reads only\n"
	        "the database files' sizes and times. Ends with status 0 on Ctrl-C, SIGTERM\n"
	        "or a closed pipe.\n"
	        "\n"
	        "Examples:\n"
	        "  sigtrail watch\n"
	        "  sigtrail watch --signal KILL --target-comm nginx\n"
	        "  sigtrail watch --deaths --cause oom\n"
	        "  sigtrail watch --since 10m --json | jq -c 'select(.event == \"death\")'\n");
}

struct watch {
	FILE *out;
	bool json, utc;
	int width;
	int signal_cols; /* the database's exported signal columns */
};

static const char *col_text(sqlite3_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(s, col);
}

static void header(FILE *out, bool utc, int64_t now_ms)
{
	char zone[64], t[96];

	cli_time_zone(now_ms, utc, zone, sizeof(zone));
	zone[strcspn(zone, ",")] = '\0';
	snprintf(t, sizeof(t), "TIME (%.60s)", zone);
	cli_cell(out, t, W_TIME, false);
	cli_cell(out, "EVENT", W_EVENT, false);
	cli_cell(out, "SIGNAL", W_SIGNAL, false);
	cli_cell(out, "RESULT", W_RESULT, false);
	cli_cell(out, "PID", W_PID, true);
	cli_cell(out, "USER", W_USER, false);
	cli_cell(out, "COMM", W_COMM, false);
	cli_cell(out, "TARGET", W_PID, true);
	cli_cell(out, "COMM", W_COMM, false);
	fputs("DETAIL\n", out);
}

static void int_cell(FILE *out, sqlite3_stmt *s, int col, size_t width, bool right)
{
	char num[32];

	if (sqlite3_column_type(s, col) == SQLITE_NULL) {
		cli_cell(out, "-", width, right);
		return;
	}
	snprintf(num, sizeof(num), "%lld", (long long)sqlite3_column_int64(s, col));
	cli_cell(out, num, width, right);
}

/* The user's name, else the uid; "user(login)" when the login differs. */
static void user_cell(FILE *out, sqlite3_stmt *s, int user_col, int uid_col, int login_col)
{
	const char *user = col_text(s, user_col),
	           *login = login_col >= 0 ? col_text(s, login_col) : NULL;
	char buf[224];

	if (!user && sqlite3_column_type(s, uid_col) != SQLITE_NULL) {
		snprintf(buf, sizeof(buf), "%lld", (long long)sqlite3_column_int64(s, uid_col));
		cli_cell(out, buf, W_USER, false);
	} else if (user && login && strcmp(user, login) != 0) {
		snprintf(buf, sizeof(buf), "%.100s(%.100s)", user, login);
		cli_cell(out, buf, W_USER, false);
	} else {
		cli_cell(out, user, W_USER, false);
	}
}

static void detail(struct watch *w, const char *text)
{
	static char line[4 * 8192 + 16]; /* a command line, every byte escaped */
	size_t rest = w->width == 0                       ? 0
	              : w->width > W_FIXED + W_MIN_DETAIL ? (size_t)(w->width - W_FIXED)
	                                                  : W_MIN_DETAIL;

	cli_term_text(line, sizeof(line), text ? text : "-", rest);
	fputs(line, w->out);
	fputc('\n', w->out);
}

/* The row as one line of JSON whose first member is "event": a signal
 * row's export keys (its first `ncols` columns), or with ncols < 0 a death's
 * deaths-view keys. */
static void json_line(FILE *out, const char *event, sqlite3_stmt *s, int ncols)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return;
	if (ncols < 0)
		cli_stmt_json(m, s);
	else
		cli_row_json(m, s, ncols);
	if (fclose(m) == 0 && len > 2 && buf[0] == '{')
		fprintf(out, "{\"event\":\"%s\",%s\n", event, buf + 1);
	free(buf);
}

static void signal_row(void *ctx, sqlite3_stmt *s)
{
	struct watch *w = ctx;
	FILE *out = w->out;
	char buf[64];

	if (w->json) {
		json_line(out, "signal", s, w->signal_cols);
		return;
	}
	cli_time_fmt(sqlite3_column_int64(s, COL_EPOCH_MS), w->utc, buf, sizeof(buf));
	cli_cell(out, buf, W_TIME, false);
	cli_cell(out, "signal", W_EVENT, false);
	if (col_text(s, COL_SIGNAME))
		cli_cell(out, col_text(s, COL_SIGNAME), W_SIGNAL, false);
	else
		int_cell(out, s, COL_SIGNAL, W_SIGNAL, false);
	cli_cell(out,
	         sqlite3_column_int(s, COL_SUCCESS) ? "ok"
	         : col_text(s, COL_ERRNO)           ? col_text(s, COL_ERRNO)
	                                            : "failed",
	         W_RESULT, false);
	int_cell(out, s, COL_SENDER_PID, W_PID, true);
	user_cell(out, s, COL_SENDER_USER, COL_SENDER_UID, COL_SENDER_LOGIN);
	cli_cell(out, col_text(s, COL_SENDER_COMM), W_COMM, false);
	int_cell(out, s, COL_TARGET_PID, W_PID, true);
	cli_cell(out, col_text(s, COL_TARGET_COMM), W_COMM, false);
	const char *cmd = col_text(s, COL_SENDER_CMDLINE);
	int64_t count = sqlite3_column_int64(s, COL_COUNT);
	if (count > 1)
		fprintf(out, "[x%lld] ", (long long)count);
	detail(w, cmd ? cmd : col_text(s, COL_SENDER_EXE));
}

static void death_row(void *ctx, sqlite3_stmt *s)
{
	struct watch *w = ctx;
	FILE *out = w->out;
	char buf[64];

	if (w->json) {
		json_line(out, "death", s, -1);
		return;
	}
	cli_time_fmt(sqlite3_column_int64(s, DCOL_EPOCH_MS), w->utc, buf, sizeof(buf));
	cli_cell(out, buf, W_TIME, false);
	cli_cell(out, "death", W_EVENT, false);
	if (col_text(s, DCOL_SIGNAME))
		cli_cell(out, col_text(s, DCOL_SIGNAME), W_SIGNAL, false);
	else
		int_cell(out, s, DCOL_SIGNAL, W_SIGNAL, false);
	cli_cell(out, col_text(s, DCOL_CAUSE), W_RESULT, false);
	cli_cell(out, "-", W_PID, true);
	user_cell(out, s, DCOL_USER, DCOL_UID, -1);
	cli_cell(out, "-", W_COMM, false);
	int_cell(out, s, DCOL_PID, W_PID, true);
	cli_cell(out, col_text(s, DCOL_COMM), W_COMM, false);
	detail(w, col_text(s, DCOL_EVIDENCE));
}

/* Which kinds the filters allow: a sender filter or --signals keeps signals
 * only, --cause or --deaths deaths only. Returns 0 or -1 after an error. */
static int choose_kinds(const struct cli_filter *f, bool only_signals, bool only_deaths,
                        bool *ret_signals, bool *ret_deaths)
{
	bool sender =
	    f->sender_comm || f->sender_user || f->sender_pid >= 0 || f->failed || f->syscall;

	if (only_signals && only_deaths) {
		log_error("watch: --signals and --deaths exclude each other (without either, "
		          "both are shown)");
		return -1;
	}
	if (only_deaths && cli_death_filter_check(f, "watch") < 0)
		return -1;
	if ((sender || only_signals) && f->cause) {
		log_error("watch: --cause selects deaths, which have no sender: drop it or the "
		          "signal-only filters");
		return -1;
	}
	*ret_signals = !only_deaths && !f->cause;
	*ret_deaths = !only_signals && !sender;
	return 0;
}

int cli_watch(int argc, char **argv)
{
	static const struct option opts[] = {
	    CLI_COMMON_OPTIONS,
	    CLI_FILTER_OPTIONS,
	    {"json", no_argument, NULL, 'j'},
	    {"deaths", no_argument, NULL, 'D'},
	    {"signals", no_argument, NULL, 'S'},
	    {"cause", required_argument, NULL, CLI_OPT_CAUSE},
	    {0},
	};
	struct cli_common c;
	struct cli_db d;
	struct watch w = {.out = stdout};
	bool only_signals = false, only_deaths = false, signals, deaths;
	int opt, r;

	cli_common_init(&c);
	optind = 0;
	while ((opt = getopt_long(argc, argv, ":d:h", opts, NULL)) != -1) {
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
			w.json = true;
			break;
		case 'D':
			only_deaths = true;
			break;
		case 'S':
			only_signals = true;
			break;
		default:
			return cli_bad_option("watch", opt, argv);
		}
	}
	if (optind != argc) {
		log_error(
		    "watch: unexpected argument '%s' (filters are options: see sigtrail watch "
		    "--help)",
		    argv[optind]);
		return EX_USAGE;
	}
	if (c.until_arg) {
		log_error("watch: --until: watch shows what is stored from now on, until Ctrl-C "
		          "(sigtrail list --until T lists a window)");
		return EX_USAGE;
	}
	if (cli_common_finish(&c, isatty(STDOUT_FILENO)) < 0 ||
	    choose_kinds(&c.filter, only_signals, only_deaths, &signals, &deaths) < 0)
		return EX_USAGE;
	w.utc = c.utc;
	w.width = cli_term_width(STDOUT_FILENO);
	r = cli_db_open(c.db, &d);
	if (r == 0 && only_deaths && !d.has_deaths) {
		log_error("%s records no deaths (schema %d; deaths are recorded from schema 3 on)",
		          d.path, d.version);
		r = EX_DATAERR;
	}
	w.signal_cols = d.signal_cols;
	if (r == 0) {
		struct cli_follow f = {
		    .d = &d,
		    .signals = signals ? &c.filter : NULL,
		    .deaths = deaths ? &c.filter : NULL,
		    .signal_row = signal_row,
		    .death_row = death_row,
		    .ctx = &w,
		};
		int rc = cli_follow_start(&f, c.since_arg ? -1 : 0);
		if (rc != SQLITE_OK) {
			r = cli_db_fail(&d, rc, "cannot read the database");
		} else {
			if (!w.json)
				header(w.out, w.utc, c.now_ms);
			r = cli_follow_run(&f, w.out);
		}
	}
	int rclose = cli_db_close(&d);
	return r ? r : rclose;
}
