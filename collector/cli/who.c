/* who.c: `sigtrail who PID|NAME`, the 3 a.m. question. First how the
 * process died, when the database records deaths (schema 3; who_deaths.c):
 * the signal, the cause and its evidence, and who sent the signal and who
 * started the sender, or the OOM kill, the crash, the pid namespace
 * teardown. Then, newest first, every recorded signal that reached the
 * process (or was refused on its way there; who_signals.c): time, signal,
 * result, and the sender as pid, parent, user, login user, tty, comm, exe
 * and full command line, with its ancestry, unit and container and the
 * target's own command line when recorded. It ends with one verdict line
 * naming the killer (the cause of the newest death, or else the newest
 * delivered signal whose default action terminates) and one line saying
 * whether a collector was running over the window, because "nothing
 * recorded" only means "nothing sent" if something was recording. This file
 * holds the options, the order of the parts and the tail. Exercise with
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

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: sigtrail who [OPTIONS] PID|NAME\n"
	        "How did a process die, and who sent it signals? First its deaths, newest\n"
	        "first: the signal, the cause (signal, oom, crash, pidns-teardown, kernel, or\n"
	        "exit: it ended by itself, with its exit status) and the evidence, then the sender "
	        "of the killing signal with the chain of\n"
	        "processes that started it (each with its command line), or the OOM kill's\n"
	        "memory cgroup and RSS, or the crash's core dump. Then its zombies (schema 18):\n"
	        "\"zombie since T, not reaped by its parent pid P (...)\", or when it was\n"
	        "reaped (sigtraild's --zombie-delay, 10 s by default). Then each signal that\n"
	        "reached it (or was refused): the sender's pid, parent, user, login user, tty,\n"
	        "program and full command line. Last a one-line verdict, and whether a\n"
	        "collector was running over the period. PID is a number; anything else is a\n"
	        "process name, matched exactly against the comm (the kernel keeps 15 bytes)\n"
	        "or the basename of the executable (of a dead process; of a signal's target\n"
	        "where recorded, schema 3); a name with a dot also matches the script an\n"
	        "interpreter runs: who worker.py finds python3 -u /srv/worker.py.\n"
	        "\n"
	        "  -d, --db PATH     database (default /var/lib/sigtrail/sigtrail.db), or the\n"
	        "                    fleet's centre: a postgres:// or postgresql:// URI\n"
	        "      --host NAME   only this host's deaths and signals (the centre's hosts)\n"
	        "      --since T     only deaths and signals at or after T\n"
	        "      --until T     only deaths and signals before T\n"
	        "  -n, --limit N     show at most N deaths and N signals (default %d; 0: all)\n"
	        "      --json        the same as one JSON object\n"
	        "      --full        every command line and the evidence whole (on a terminal\n"
	        "                    they are cut to its width, ending in ...; piped, never)\n"
	        "      --utc         times in UTC (default: local time on a terminal, UTC when\n"
	        "                    piped); --local forces local time\n"
	        "  -h, --help        this help\n"
	        "\n"
	        "T is a duration back from now (30m, 2h, 7d, 1h30m), a date and time in local\n"
	        "time (2026-11-21, '2026-11-21 10:00', with --utc in UTC), ISO-8601 with a zone\n"
	        "(2026-11-21T10:00:05Z, 2026-11-21T12:00+02:00), now, today, yesterday or @EPOCH.\n"
	        "\n"
	        "Deaths are recorded from schema 3 on (sigtraild upgrades the database when it\n"
	        "starts); an older database says so. Exits (schema 7) are recorded for a\n"
	        "process that lived at least sigtraild's --exit-min-age (1 s by default) or\n"
	        "that a recorded signal reached.\n"
	        "\n"
	        "Exit status: 0 deaths or signals found, 1 nothing recorded, 64 bad usage,\n"
	        "65/66/77 the database is not usable (see sigtrail --help).\n"
	        "\n"
	        "Examples:\n"
	        "  sigtrail who 4242\n"
	        "  sigtrail who nginx --since 2h\n"
	        "  sigtrail who 4242 --since '2026-11-21 03:00' --until '2026-11-21 04:00'\n"
	        "  sigtrail who postgres --json | jq .verdict.text\n"
	        "  sigtrail who nginx --db postgresql://alice@central/sigtrail --host web-42\n"
	        "  sigtrail who java --json | jq '.deaths.rows[] | {cause, evidence}'\n",
	        DEFAULT_LIMIT);
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
                          const struct cli_coverage *cov, int64_t zombies)
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
	else if (d->has_exits && zombies > 0) /* it exited: its zombie says so */
		fprintf(
		    out,
		    "Deaths: none recorded for %s (its zombie above is its exit: it lived less "
		    "than sigtraild's --exit-min-age, 1 s by default, and no signal reached it).\n",
		    what);
	else if (d->has_exits)
		fprintf(out,
		        "Deaths: none recorded for %s (it may still run, or it exited without a "
		        "signal before sigtraild's --exit-min-age, 1 s by default, and no signal "
		        "reached it).\n",
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
	int64_t zombies;   /* zombies listed */
	int64_t shown;     /* signal rows listed */
	bool more;         /* --limit left rows out */
};

/* The verdict, as find_verdict() leaves it. */
struct who_verdict {
	char *text;             /* the sentence (malloc'd) */
	char *death_json;       /* the newest death as JSON, or NULL (malloc'd) */
	const char *death_kind; /* its kind; NULL when no death decides */
	const char *kind;       /* the signals' kind, when no death decides */
	sqlite3_stmt *row;      /* the signal row it names, or NULL */
};

/* Write the verdict sentence to m: the newest death decides; without one, the signals do. */
static int find_verdict(FILE *m, struct cli_db *d, const struct cli_common *c, const char *what,
                        const struct who_counts *n, struct who_verdict *v)
{
	int64_t vsignal = -1;
	int rc = cli_who_death_verdict(m, d, &c->filter, what, n->deaths, c->utc, &v->death_json,
	                               &v->death_kind, &vsignal);

	if (rc == SQLITE_OK && !v->death_kind)
		rc = cli_who_signals_verdict(m, d, &c->filter, what, n->rows, n->delivered, c->utc,
		                             &v->row, &v->kind);
	else if (rc == SQLITE_OK && vsignal >= 0)
		rc = cli_signal_by_id(d, vsignal, &v->row);
	return rc;
}

/* A process that is a zombie now: that is the verdict when nothing else
 * decides (no death, no signal), else a sentence added to it. */
static int zombie_verdict(struct cli_db *d, const struct cli_common *c, const struct who_counts *n,
                          struct who_verdict *v)
{
	char *z = NULL;
	size_t len = 0;
	bool found = false;
	FILE *m = open_memstream(&z, &len);
	int rc;

	if (!m)
		return SQLITE_NOMEM;
	rc = cli_who_zombie_verdict(m, d, &c->filter, c->utc, &found);
	if (fclose(m) != 0 && rc == SQLITE_OK)
		rc = SQLITE_NOMEM;
	if (rc == SQLITE_OK && found) {
		char *t = NULL;
		if (!v->death_kind && n->rows == 0) {
			t = z;
			z = NULL;
			v->kind = "zombie";
		} else if (asprintf(&t, "%s %s", v->text, z) < 0) {
			t = NULL;
			rc = SQLITE_NOMEM;
		}
		if (t) {
			free(v->text);
			v->text = t;
		}
	}
	free(z);
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
	        v->death_kind ? v->death_kind : v->kind);
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
static int text_tail(FILE *out, struct cli_db *d, const char *what, const struct who_counts *n,
                     const struct who_verdict *v, const struct cli_coverage *cov, bool utc)
{
	int rc;

	if (n->more)
		fprintf(out, "... %lld more not shown (--limit 0 shows all)\n\n",
		        (long long)(n->rows - n->shown));
	fprintf(out, "Verdict: %s\n", v->text);
	if ((rc = cli_who_same_sender(out, d, v->row)) != SQLITE_OK)
		return rc;
	if (n->deaths == 0)
		no_death_line(out, d, what, cov, n->zombies);
	fputs("Coverage: ", out);
	cli_coverage_text(out, cov, utc);
	fputs(".\n", out);
	if (cov->proc_recorded && cov->runs > 0) {
		fputs("Deaths coverage: ", out);
		cli_coverage_deaths_text(out, cov);
		fputs(".\n", out);
	}
	return SQLITE_OK;
}

/* `what` names the process for sentences: "pid 4242" or "processes named 'x'".
 * *name_ids: a name's string ids (who_name.c), for the caller to free. */
static int run(struct cli_db *d, struct cli_common *c, const char *what, int64_t limit, bool json,
               struct cli_who_name **name_ids)
{
	struct cli_filter *f = &c->filter;
	struct cli_coverage cov;
	struct who_counts n = {0};
	struct who_verdict v = {.kind = "nothing"};
	int64_t died_start = -1;
	char zone[64];
	size_t vlen = 0;
	int rc, width = c->full || json ? 0 : cli_term_width(STDOUT_FILENO);
	FILE *out = stdout, *m;

	/* In a sentence a command line is cut so that it fits a line of its
	 * own, and the sentence keeps its end (the time). */
	arg_who_text_width = width <= 0 ? 0 : width > 40 ? (size_t)width - 20 : 20;

	/* One read transaction: the lists, the totals and the verdict agree
	 * even while sigtraild writes. A name's string ids are read in it too. */
	if ((rc = sqlite3_exec(d->db, "BEGIN", NULL, NULL, NULL)) != SQLITE_OK ||
	    (rc = cli_who_name_load(d, f, name_ids)) != SQLITE_OK)
		return cli_db_fail(d, rc, "cannot read signals");
	f->name_ids = *name_ids;
	if ((rc = cli_who_signals_count(d, f, &n.rows, &n.delivered)) != SQLITE_OK ||
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
	rc = cli_who_zombies(out, d, f, limit, json, c->utc, c->now_ms, &n.zombies);
	if (rc != SQLITE_OK)
		return cli_db_fail(d, rc, "cannot read zombies");
	rc = cli_who_signals_list(out, d, f, what, zone, limit, json, c->utc, width, died_start,
	                          &n.shown, &n.more);
	if (rc != SQLITE_OK)
		return cli_db_fail(d, rc, "cannot read signals");
	if (!json && n.rows == 0 && (n.deaths > 0 || n.zombies > 0))
		fputs("none recorded\n\n", out);

	if (!(m = open_memstream(&v.text, &vlen)))
		return EX_OSERR;
	rc = find_verdict(m, d, c, what, &n, &v);
	fclose(m);
	if (rc == SQLITE_OK && n.zombies > 0)
		rc = zombie_verdict(d, c, &n, &v);
	if (rc == SQLITE_OK)
		rc = cli_coverage_load(d, f->since_ms, f->until_ms, c->now_ms, &cov);
	if (rc != SQLITE_OK) {
		verdict_free(&v);
		return cli_db_fail(d, rc, "cannot read signals");
	}
	if (json)
		rc = json_tail(out, d, &n, &v, &cov);
	else
		rc = text_tail(out, d, what, &n, &v, &cov, c->utc);
	verdict_free(&v);
	(void)sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return cli_db_fail(d, rc, "cannot read coverage");
	return n.rows > 0 || n.deaths > 0 || n.zombies > 0 ? EX_OK : CLI_EXIT_NOTHING;
}

/* Parse the options into c, *ret_limit and *ret_json, up to the one
 * operand; returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct cli_common *c, int64_t *ret_limit,
                         bool *ret_json)
{
	static const struct option opts[] = {
	    CLI_COMMON_OPTIONS,
	    {"host", required_argument, NULL, CLI_OPT_HOST},
	    {"json", no_argument, NULL, 'j'},
	    {"limit", required_argument, NULL, 'n'},
	    {"full", no_argument, NULL, 'F'},
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
		case 'F':
			c->full = true;
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
	struct cli_who_name *name_ids = NULL;
	r = cli_db_open_rows(c.db, &c.filter, true, &d);
	if (r == 0)
		r = run(&d, &c, what, limit, json, &name_ids);
	cli_who_name_free(name_ids);
	int rclose = cli_db_close(&d);
	return r == EX_OK || r == CLI_EXIT_NOTHING ? (rclose ? rclose : r) : r;
}
