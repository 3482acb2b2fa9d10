/* report.c: `sigtrail report`, the auditor's summary of a period: totals,
 * collection coverage, signals by type, SIGKILL/SIGTERM per bucket of time, the top
 * senders by user, by program and by command line, the most-signalled
 * targets, refused attempts, and (schema 3) deaths by cause and the senders
 * whose signals ended processes. Everything is gathered in one read
 * transaction into a bounded struct report (cli_report.h), then written as
 * Markdown (here) or HTML with inline SVG charts (report_html.c). Times are
 * UTC. Exercise with
 *   sigtrail report --db /tmp/t.db --format md
 *   sigtrail report --db /tmp/t.db -o /tmp/r.html && chromium /tmp/r.html */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "cli.h"
#include "cli_fmt.h"
#include "cli_report.h"
#include "sigtrail/decode.h"
#include "sigtrail/log.h"

enum { DAY_MS = 86400000, OUT_MODE = 0640 };

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: sigtrail report [OPTIONS]\n"
	    "Summarise a period for an audit: totals, collection coverage (was a collector\n"
	    "running, were events lost), signals by type, SIGKILL and SIGTERM per minute,\n"
	    "hour, day or week (chosen from the period), top\n"
	    "senders by user, program and command line, the most-signalled targets,\n"
	    "refused attempts, and deaths by cause with the senders that ended processes\n"
	    "(schema 3). Times are UTC.\n"
	    "\n"
	    "  -d, --db PATH       database (default %s), or the\n"
	    "                      fleet's centre: a postgres:// or postgresql:// URI\n"
	    "      --since T       start of the period (default: the first row)\n"
	    "      --until T       end of the period (default: now)\n"
	    "  -f, --format FMT    html (default): one self-contained file, inline SVG\n"
	    "                      charts, nothing loaded from the network; md: Markdown\n"
	    "  -o, --output FILE   write to FILE (mode 0640); default: standard output\n"
	    "      filters         as for sigtrail list (--signal, --sender-user, --host ...)\n"
	    "      --exclude-signal SIG[,SIG]  leave these signals out of every count (and\n"
	    "                      the deaths); the report says which\n"
	    "  -h, --help          this help\n"
	    "\n"
	    "T: a duration back from now (7d, 24h), a local date and time (2026-11-01,\n"
	    "'2026-11-01 08:00'; UTC with --utc), ISO-8601 with a zone, today, @EPOCH.\n"
	    "\n"
	    "Examples:\n"
	    "  sigtrail report --since 7d -o week.html\n"
	    "  sigtrail report --since 2026-11-01 --until 2026-12-01 --utc --format md -o nov.md\n"
	    "  sigtrail report --since 30d --host web-3 -o web-3.html\n",
	    SIGTRAIL_DEFAULT_DB);
}

/* Copy a database string into a bounded, terminal-safe buffer. */
static void put(char *dst, size_t size, const unsigned char *src)
{
	cli_term_text(dst, size, src ? (const char *)src : "-", size > 8 ? size - 4 : 0);
}

/* Read a ranked table's rows (columns label, detail, n, n2) and finalize. */
static int fill(sqlite3_stmt *s, struct report_item *out, size_t max, size_t *ret_n)
{
	int rc = SQLITE_DONE;

	while (*ret_n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct report_item *it = &out[(*ret_n)++];
		put(it->label, sizeof(it->label), sqlite3_column_text(s, 0));
		if (sqlite3_column_type(s, 1) != SQLITE_NULL)
			put(it->detail, sizeof(it->detail), sqlite3_column_text(s, 1));
		else
			it->detail[0] = '\0';
		it->n = sqlite3_column_int64(s, 2);
		it->n2 = sqlite3_column_int64(s, 3);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* One ranked-table query on signals. */
static int items(struct cli_db *d, const struct cli_filter *f, const char *select, const char *tail,
                 struct report_item *out, size_t max, size_t *ret_n)
{
	sqlite3_stmt *s = NULL;
	int rc = cli_prepare(d, f, select, tail, &s);

	*ret_n = 0;
	return rc != SQLITE_OK ? rc : fill(s, out, max, ret_n);
}

/* Deaths by cause, and the senders whose signals ended processes. */
static int deaths(struct cli_db *d, struct report *r)
{
	struct cli_filter f = {.since_ms = r->filter->since_ms,
	                       .until_ms = r->filter->until_ms,
	                       .signal = -1,
	                       .sender_pid = -1,
	                       .target_pid = -1,
	                       .host = r->filter->host};
	sqlite3_stmt *s = NULL;
	int rc;

	memcpy(f.exclude, r->filter->exclude, sizeof(f.exclude));
	memcpy(f.exclude_bits, r->filter->exclude_bits, sizeof(f.exclude_bits));
	r->schema = d->version;
	r->deaths_recorded = d->has_deaths;
	if (!d->has_deaths)
		return SQLITE_OK;
	rc = cli_prepare_deaths(d, &f,
	                        "cause, group_concat(DISTINCT coalesce(comm, '?')), count(*), "
	                        "count(DISTINCT pid)",
	                        "GROUP BY cause ORDER BY 3 DESC, cause", &s);
	if (rc != SQLITE_OK ||
	    (rc = fill(s, r->causes, CLI_DEATH_CAUSES, &r->n_causes)) != SQLITE_OK)
		return rc;
	for (size_t i = 0; i < r->n_causes; i++)
		if (__builtin_add_overflow(r->deaths, r->causes[i].n, &r->deaths))
			r->deaths = INT64_MAX;
	rc = cli_prepare_deaths(
	    d, &f,
	    "coalesce((SELECT coalesce(sender_cmdline, sender_exe, sender_comm, '?') FROM signals "
	    "WHERE id = signal_id), '(signal row ' || signal_id || ', pruned since)'), "
	    "(SELECT coalesce(sender_user, 'uid ' || sender_uid) FROM signals WHERE id = "
	    "signal_id), count(*), count(DISTINCT pid)",
	    "AND cause = 'signal' GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT 10", &s);
	return rc != SQLITE_OK ? rc : fill(s, r->killers, REPORT_TOP, &r->n_killers);
}

void cli_report_deaths_sentence(FILE *out, int64_t deaths, const struct cli_coverage *c,
                                void (*escape)(FILE *, const char *))
{
	char *text = NULL;
	size_t len = 0;
	FILE *m;

	fprintf(out, "%lld processes died of a signal in this period", (long long)deaths);
	if (!c->proc_recorded || c->runs == 0 || !(m = open_memstream(&text, &len)))
		return;
	cli_coverage_deaths_text(m, c);
	fclose(m);
	fputs("; ", out);
	escape(out, text);
	free(text);
}

void report_zombies_sentence(FILE *out, const struct report *r)
{
	const struct cli_zombie_groups *z = &r->zombies;

	if (!z->recorded)
		fprintf(out,
		        "Not recorded in this database (schema %d; zombies are recorded from "
		        "schema 18 on)",
		        r->schema);
	else if (z->unreaped == 0)
		fputs("None: every process that exited was reaped by its parent, as the collector "
		      "last saw them",
		      out);
	else
		fprintf(out,
		        "%lld processes exited and are still unreaped by their parent, as the "
		        "collector last saw them, under %lld parent%s",
		        (long long)z->unreaped, (long long)z->parents, z->parents == 1 ? "" : "s");
}

void report_counts_line(FILE *out, const struct report *r)
{
	fprintf(out,
	        "How these count: %lld signals, one per signal that reached (or was refused on its "
	        "way to) one process, each repeat of a storm included; stored as %lld rows (a "
	        "storm of identical signals is one row with its count); from %lld audit events "
	        "(one system call each: a group kill that reached several processes is one, a "
	        "storm's repeats are not told apart).",
	        (long long)r->signals, (long long)r->rows, (long long)r->events);
}

static int totals(struct cli_db *d, struct report *r, const char *c)
{
	char sel[1024];
	sqlite3_stmt *s = NULL;
	int rc;

	snprintf(sel, sizeof(sel),
	         "count(*), coalesce(sum(%s), 0), count(DISTINCT serial), "
	         "coalesce(sum(CASE WHEN success THEN %s END), 0), "
	         "coalesce(sum(CASE WHEN errno = 'EPERM' THEN %s END), 0), "
	         "coalesce(sum(CASE WHEN NOT success AND coalesce(errno, '') <> 'EPERM' "
	         "THEN %s END), 0), count(DISTINCT sender_pid), count(DISTINCT target_pid), "
	         "min(epoch_ms), (SELECT group_concat(h, ', ') FROM (SELECT DISTINCT host AS h "
	         "FROM signals WHERE epoch_ms >= ?1 AND epoch_ms < ?2 LIMIT 8))",
	         c, c, c, c);
	rc = cli_prepare(d, r->filter, sel, NULL, &s);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(s, 1, r->filter->since_ms);
	sqlite3_bind_int64(s, 2, r->filter->until_ms);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		r->rows = sqlite3_column_int64(s, 0);
		r->signals = sqlite3_column_int64(s, 1);
		r->events = sqlite3_column_int64(s, 2);
		r->delivered = sqlite3_column_int64(s, 3);
		r->refused = sqlite3_column_int64(s, 4);
		r->failed_other = sqlite3_column_int64(s, 5);
		r->senders = sqlite3_column_int64(s, 6);
		r->targets = sqlite3_column_int64(s, 7);
		if (r->since_open && sqlite3_column_type(s, 8) != SQLITE_NULL)
			r->lo = cli_time_clamp(sqlite3_column_int64(s, 8));
		put(r->hosts, sizeof(r->hosts), sqlite3_column_text(s, 9));
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

static int refused_rows(struct cli_db *d, struct report *r)
{
	sqlite3_stmt *s = NULL;
	char buf[200];
	int rc = cli_prepare(d, r->filter, cli_signal_columns(d),
	                     "AND errno = 'EPERM' ORDER BY epoch_ms DESC, id DESC LIMIT 20", &s);

	if (rc != SQLITE_OK)
		return rc;
	while (r->n_refused_rows < REPORT_REFUSED && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct report_refused *x = &r->refused_rows[r->n_refused_rows++];
		const unsigned char *user = sqlite3_column_text(s, COL_SENDER_USER);
		const unsigned char *login = sqlite3_column_text(s, COL_SENDER_LOGIN);
		char u[64], l[64];

		x->ms = sqlite3_column_int64(s, COL_EPOCH_MS);
		x->count = sqlite3_column_int64(s, COL_COUNT);
		if (sqlite3_column_type(s, COL_SIGNAME) != SQLITE_NULL)
			put(x->signal, sizeof(x->signal), sqlite3_column_text(s, COL_SIGNAME));
		else
			snprintf(x->signal, sizeof(x->signal), "%d",
			         sqlite3_column_int(s, COL_SIGNAL));
		put(x->errno_name, sizeof(x->errno_name), sqlite3_column_text(s, COL_ERRNO));
		put(u, sizeof(u), user);
		put(l, sizeof(l), login);
		if (login && (!user || strcmp((const char *)login, (const char *)user) != 0))
			snprintf(x->sender, sizeof(x->sender), "pid %lld %.60s (login %.60s)",
			         (long long)sqlite3_column_int64(s, COL_SENDER_PID), u, l);
		else
			snprintf(x->sender, sizeof(x->sender), "pid %lld %.60s",
			         (long long)sqlite3_column_int64(s, COL_SENDER_PID), u);
		put(x->cmd, sizeof(x->cmd), sqlite3_column_text(s, COL_SENDER_CMDLINE));
		put(buf, 64, sqlite3_column_text(s, COL_TARGET_COMM));
		put(u, sizeof(u), sqlite3_column_text(s, COL_TARGET_USER));
		snprintf(x->target, sizeof(x->target), "pid %lld %.64s, user %.64s",
		         (long long)sqlite3_column_int64(s, COL_TARGET_PID), buf, u);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The chart's bucket widths, narrowest first, with the words for them
 * ("per hour"). */
static const struct {
	int64_t ms;
	const char *name;
} report_buckets[] = {
    {60000, "minute"},        {300000, "5 minutes"},        {900000, "15 minutes"},
    {3600000, "hour"},        {21600000, "6 hours"},        {86400000, "day"},
    {7 * 86400000LL, "week"}, {30 * 86400000LL, "30 days"},
};

const char *report_bucket_name(int64_t bucket_ms)
{
	for (size_t i = 0; i < sizeof(report_buckets) / sizeof(report_buckets[0]); i++)
		if (report_buckets[i].ms == bucket_ms)
			return report_buckets[i].name;
	return "period";
}

/* SIGKILL and SIGTERM per bucket, its width chosen from the period: the
 * narrowest of a minute, 5 or 15 minutes, an hour, 6 hours, a day, a week
 * or 30 days that gives at most REPORT_TARGET_BUCKETS bars (a one-hour
 * report: per minute; a day: per hour; a month: per day), wider still for
 * periods of years. Buckets start at a multiple of their width in UTC (a
 * week or 30 days: at a UTC midnight). */
static int daily(struct cli_db *d, struct report *r, const char *c)
{
	int64_t span = r->hi - r->lo > 0 ? r->hi - r->lo : 1;
	char sel[256];
	sqlite3_stmt *s = NULL;
	int rc;

	r->bucket_ms = 0;
	for (size_t i = 0; i < sizeof(report_buckets) / sizeof(report_buckets[0]); i++) {
		r->bucket_ms = report_buckets[i].ms;
		if (span / r->bucket_ms < REPORT_TARGET_BUCKETS)
			break;
	}
	int64_t align = r->bucket_ms < DAY_MS ? r->bucket_ms : DAY_MS;
	int64_t first = r->lo - ((r->lo % align) + align) % align;
	int64_t days = (r->hi - first + DAY_MS - 1) / DAY_MS;
	if ((r->hi - first) / r->bucket_ms >= REPORT_MAX_BUCKETS)
		r->bucket_ms = (days / (REPORT_MAX_BUCKETS - 1) + 1) * DAY_MS;
	r->first_bucket_ms = first;
	r->n_buckets = (size_t)((r->hi - first + r->bucket_ms - 1) / r->bucket_ms);
	if (r->n_buckets < 1)
		r->n_buckets = 1;
	if (r->n_buckets > REPORT_MAX_BUCKETS)
		r->n_buckets = REPORT_MAX_BUCKETS;
	snprintf(sel, sizeof(sel), "(epoch_ms - ?21) / ?22 AS b, signal, sum(%s)", c);
	rc = cli_prepare(d, r->filter, sel, "AND signal IN (9, 15) GROUP BY b, signal", &s);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(s, 21, first);
	sqlite3_bind_int64(s, 22, r->bucket_ms);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t b = sqlite3_column_int64(s, 0);
		if (b < 0 || b >= (int64_t)r->n_buckets)
			continue;
		int64_t *sum = sqlite3_column_int(s, 1) == 9 ? &r->kill[b] : &r->term[b];
		/* Counts a hostile database makes huge saturate, never wrap. */
		if (__builtin_add_overflow(*sum, sqlite3_column_int64(s, 2), sum))
			*sum = INT64_MAX;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int gather(struct cli_db *d, struct cli_common *c, struct report *r)
{
	const struct cli_filter *f = &c->filter;
	const char *cnt = d->has_count ? "count" : "1";
	char sel[512];
	int rc;

	r->db = d->path;
	r->filter = f;
	r->generated_ms = c->now_ms;
	r->since_open = f->since_ms == INT64_MIN;
	r->lo = r->since_open ? c->now_ms : f->since_ms;
	r->hi = f->until_ms == INT64_MAX || f->until_ms > c->now_ms ? c->now_ms : f->until_ms;
	(void)gethostname(r->host, sizeof(r->host) - 1);

#define TRY(call)                                                                                  \
	do {                                                                                       \
		if ((rc = (call)) != SQLITE_OK)                                                    \
			return rc;                                                                 \
	} while (0)
	TRY(totals(d, r, cnt));
	if (r->hi < r->lo)
		r->hi = r->lo;
	TRY(cli_coverage_load(d, r->lo, r->hi, c->now_ms, &r->cov));
	snprintf(sel, sizeof(sel),
	         "coalesce(signame, 'signal ' || signal), NULL, sum(%s), "
	         "sum(CASE WHEN success THEN %s ELSE 0 END)",
	         cnt, cnt);
	TRY(items(d, f, sel, "GROUP BY signal ORDER BY 3 DESC, signal", r->types, REPORT_TYPES,
	          &r->n_types));
	snprintf(sel, sizeof(sel),
	         "coalesce(sender_user, 'uid ' || sender_uid), group_concat(DISTINCT sender_comm), "
	         "sum(%s), sum(CASE WHEN NOT success THEN %s ELSE 0 END)",
	         cnt, cnt);
	TRY(items(d, f, sel, "GROUP BY 1 ORDER BY 3 DESC LIMIT 10", r->users, REPORT_TOP,
	          &r->n_users));
	snprintf(sel, sizeof(sel),
	         "sender_comm, coalesce(sender_exe, '-') || '  (' || "
	         "group_concat(DISTINCT coalesce(sender_user, sender_uid)) || ')', sum(%s), "
	         "count(DISTINCT sender_pid)",
	         cnt);
	TRY(items(d, f, sel, "GROUP BY sender_comm, sender_exe ORDER BY 3 DESC LIMIT 10",
	          r->programs, REPORT_TOP, &r->n_programs));
	snprintf(sel, sizeof(sel),
	         "coalesce(sender_cmdline, sender_exe, sender_comm), NULL, sum(%s), "
	         "count(DISTINCT sender_pid)",
	         cnt);
	TRY(items(d, f, sel, "GROUP BY 1 ORDER BY 3 DESC LIMIT 10", r->cmdlines, REPORT_TOP,
	          &r->n_cmdlines));
	snprintf(sel, sizeof(sel),
	         "coalesce(target_comm, '?'), group_concat(DISTINCT coalesce(signame, signal)), "
	         "sum(%s), count(DISTINCT target_pid)",
	         cnt);
	TRY(items(d, f, sel, "AND target_pid IS NOT NULL GROUP BY 1 ORDER BY 3 DESC LIMIT 10",
	          r->targets_top, REPORT_TOP, &r->n_targets_top));
	snprintf(sel, sizeof(sel),
	         "coalesce(sender_user, 'uid ' || sender_uid) || coalesce(' (login ' || "
	         "sender_login || ')', ''), coalesce(sender_cmdline, sender_exe, sender_comm), "
	         "sum(%s), count(DISTINCT target_pid)",
	         cnt);
	TRY(items(d, f, sel, "AND errno = 'EPERM' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 10",
	          r->refusers, REPORT_TOP, &r->n_refusers));
	r->requests_recorded = d->has_col[COL_REQUEST_EVIDENCE];
	if (r->requests_recorded) {
		snprintf(sel, sizeof(sel),
		         "coalesce(requested_by_cmdline, 'no request seen'), "
		         "coalesce(requested_by_user || coalesce(' (login ' || requested_by_login "
		         "|| ')', '') || ' via ', 'via ') || group_concat(DISTINCT sender_comm), "
		         "sum(%s), count(DISTINCT target_pid)",
		         cnt);
		TRY(items(d, f, sel,
		          "AND request_evidence IS NOT NULL GROUP BY requested_by_cmdline, "
		          "requested_by_user, requested_by_login ORDER BY 3 DESC LIMIT 10",
		          r->requesters, REPORT_TOP, &r->n_requesters));
	}
	TRY(refused_rows(d, r));
	TRY(daily(d, r, cnt));
	TRY(deaths(d, r));
	TRY(cli_zombie_groups(d, INT64_MIN, INT64_MAX, f->host, true, &r->zombies));
#undef TRY
	return SQLITE_OK;
}

/* --- Markdown ------------------------------------------------------------ */

/* A ranked table under a title that came before it: label, `unit` (what
 * n counts: signals, deaths), and optionally n2 and detail columns. */
static void md_table(FILE *out, const char *h1, const char *unit, const char *h3, const char *h4,
                     const struct report_item *it, size_t n)
{
	if (n == 0) {
		fputs("None in this period.\n", out);
		return;
	}
	fprintf(out, "| %s | %s |", h1, unit);
	if (h3)
		fprintf(out, " %s |", h3);
	if (h4)
		fprintf(out, " %s |", h4);
	fprintf(out, "\n|---|---:|%s%s\n", h3 ? "---:|" : "", h4 ? "---|" : "");
	for (size_t i = 0; i < n; i++) {
		fputs("| ", out);
		cli_md_text(out, it[i].label);
		fprintf(out, " | %lld |", (long long)it[i].n);
		if (h3)
			fprintf(out, " %lld |", (long long)it[i].n2);
		if (h4) {
			fputc(' ', out);
			cli_md_text(out, it[i].detail);
			fputs(" |", out);
		}
		fputc('\n', out);
	}
}

/* A section that is one table of signals. */
static void md_items(FILE *out, const char *title, const char *h1, const char *h3, const char *h4,
                     const struct report_item *it, size_t n)
{
	fprintf(out, "\n## %s\n\n", title);
	md_table(out, h1, "signals", h3, h4, it, n);
}

static void md_deaths(FILE *out, const struct report *r)
{
	fputs("\n## Deaths by cause\n\n", out);
	if (!r->deaths_recorded) {
		fprintf(out,
		        "Not recorded in this database (schema %d; deaths are recorded from schema "
		        "3 on).\n",
		        r->schema);
		return;
	}
	cli_report_deaths_sentence(out, r->deaths, &r->cov, cli_md_text);
	fputs(".\n\n", out);
	md_table(out, "cause", "deaths", "processes", "commands", r->causes, r->n_causes);
	fputs("\n## Senders whose signals ended processes\n\n", out);
	md_table(out, "sender command line", "deaths", "processes", "user", r->killers,
	         r->n_killers);
	fputs("\n## Unreaped zombies\n\n", out);
	report_zombies_sentence(out, r);
	fputs(r->zombies.n ? ":\n\n" : ".\n", out);
	for (size_t i = 0; i < r->zombies.n; i++) {
		fputs("- ", out);
		cli_md_text(out, r->zombies.lines[i]);
		fputc('\n', out);
	}
	if (r->zombies.parents > (int64_t)r->zombies.n)
		fprintf(out, "- and %lld more parents\n",
		        (long long)(r->zombies.parents - (int64_t)r->zombies.n));
}

/* Long by design: one write per piece of the document, in document order, so
 * that it reads like the report it writes; splitting it would scatter the layout. */
static void report_md(FILE *out, const struct report *r)
{
	char a[40], b[40], g[40];

	cli_time_iso(r->lo, a, sizeof(a));
	cli_time_iso(r->hi, b, sizeof(b));
	cli_time_iso(r->generated_ms, g, sizeof(g));
	fputs("# sigtrail report: ", out);
	cli_md_text(out, r->hosts[0] && strcmp(r->hosts, "-") ? r->hosts : r->host);
	fprintf(out, "\n\nPeriod **%s** to **%s** (UTC)%s. Generated %s by sigtrail %s on ", a, b,
	        r->since_open ? ", from the first recorded signal" : "", g, SIGTRAIL_VERSION);
	cli_md_text(out, r->host);
	fputs(" from ", out);
	cli_md_text(out, r->db);
	fputs(".\n\n", out);
	if (r->filter->exclude[0]) {
		char ex[512];
		cli_filter_excluded(r->filter, ex, sizeof(ex));
		fputs("Excluded (--exclude-signal): ", out);
		cli_md_text(out, ex);
		fputs(". Every count below leaves these signals out.\n\n", out);
	}
	fprintf(out,
	        "| signals | audit events | delivered | refused (EPERM) | other failures | "
	        "sender pids | target pids |\n|---:|---:|---:|---:|---:|---:|---:|\n"
	        "| %lld | %lld | %lld | %lld | %lld | %lld | %lld |\n",
	        (long long)r->signals, (long long)r->events, (long long)r->delivered,
	        (long long)r->refused, (long long)r->failed_other, (long long)r->senders,
	        (long long)r->targets);
	fputc('\n', out);
	report_counts_line(out, r);
	fputc('\n', out);

	fputs("\n## Collection coverage\n\n", out);
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (m) {
		cli_coverage_text(m, &r->cov, true);
		fclose(m);
		cli_md_text(out, text);
		fputs(".\n", out);
		free(text);
	}
	for (size_t i = 0; i < r->cov.n_gaps; i++) {
		cli_time_iso(r->cov.gaps[i].from, a, sizeof(a));
		cli_time_iso(r->cov.gaps[i].to, b, sizeof(b));
		fprintf(out, "%s- not collecting from %s to %s\n", i ? "" : "\n", a, b);
	}
	md_items(out, "Signals by type", "signal", "delivered", NULL, r->types, r->n_types);

	fprintf(out, "\n## SIGKILL and SIGTERM per %s (UTC)\n\n", report_bucket_name(r->bucket_ms));
	fputs("| from | SIGKILL | SIGTERM |\n|---|---:|---:|\n", out);
	for (size_t i = 0; i < r->n_buckets; i++) {
		cli_time_iso(r->first_bucket_ms + (int64_t)i * r->bucket_ms, a, sizeof(a));
		if (r->bucket_ms < DAY_MS)
			a[10] = ' ', a[16] = '\0'; /* 2026-11-22 04:05 */
		else
			a[10] = '\0';
		fprintf(out, "| %s | %lld | %lld |\n", a, (long long)r->kill[i],
		        (long long)r->term[i]);
	}
	md_items(out, "Top senders by user", "user", "refused or failed", "programs", r->users,
	         r->n_users);
	md_items(out, "Top senders by program", "program", "pids", "executable (users)",
	         r->programs, r->n_programs);
	md_items(out, "Top sender command lines", "command line", "pids", NULL, r->cmdlines,
	         r->n_cmdlines);
	md_items(out, "Most-signalled targets", "target", "pids", "signals received",
	         r->targets_top, r->n_targets_top);
	md_deaths(out, r);
	if (r->requests_recorded)
		md_items(out, "Stops by requester", "request (supervised signals)", "targets",
		         "user (login) via supervisor", r->requesters, r->n_requesters);
	md_items(out, "Refused attempts by sender", "user (login)", "targets", "command line",
	         r->refusers, r->n_refusers);

	fprintf(out, "\n## Newest refused attempts\n\n");
	if (r->n_refused_rows == 0) {
		fputs("None in this period.\n", out);
		return;
	}
	fputs("| time (UTC) | signal | sender | command line | target |\n|---|---|---|---|---|\n",
	      out);
	for (size_t i = 0; i < r->n_refused_rows; i++) {
		const struct report_refused *x = &r->refused_rows[i];
		cli_time_iso(x->ms, a, sizeof(a));
		fprintf(out, "| %s | %s %s", a, x->signal, x->errno_name);
		if (x->count > 1)
			fprintf(out, " x%lld", (long long)x->count);
		fputs(" | ", out);
		cli_md_text(out, x->sender);
		fputs(" | ", out);
		cli_md_text(out, x->cmd);
		fputs(" | ", out);
		cli_md_text(out, x->target);
		fputs(" |\n", out);
	}
}

/* Parse the options into c, *ret_html and *ret_output (NULL: standard
 * output); returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct cli_common *c, bool *ret_html,
                         const char **ret_output)
{
	static const struct option opts[] = {
	    CLI_COMMON_OPTIONS,
	    CLI_FILTER_OPTIONS,
	    {"format", required_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {0},
	};
	int opt, r;

	cli_common_init(c);
	optind = 0;
	while ((opt = getopt_long(argc, argv, ":d:hf:o:", opts, NULL)) != -1) {
		r = cli_common_option(c, opt, optarg);
		if (r < 0)
			return EX_USAGE;
		if (r > 0)
			continue;
		switch (opt) {
		case CLI_OPT_HELP:
			usage(stdout);
			return EX_OK;
		case 'f':
			if (strcmp(optarg, "html") != 0 && strcmp(optarg, "md") != 0) {
				log_error("report: --format '%s': expected html or md", optarg);
				return EX_USAGE;
			}
			*ret_html = strcmp(optarg, "html") == 0;
			break;
		case 'o':
			if (!*optarg) {
				log_error("report: --output: empty file name");
				return EX_USAGE;
			}
			*ret_output = strcmp(optarg, "-") == 0 ? NULL : optarg;
			break;
		default:
			return cli_bad_option("report", opt, argv);
		}
	}
	if (optind != argc) {
		log_error("report: unexpected argument '%s' (see sigtrail report --help)",
		          argv[optind]);
		return EX_USAGE;
	}
	if (cli_common_finish(c, false) < 0)
		return EX_USAGE;
	return -1;
}

/* Write the gathered report as HTML or Markdown to output (NULL: standard
 * output; a file appears only once complete). Returns 0 or an exit status. */
static int write_report(const struct report *r, bool html, const char *output)
{
	struct cli_out file = {.f = stdout};
	int rc;

	if (output && (rc = cli_out_open(&file, output, OUT_MODE)) < 0) {
		log_error("report: cannot create %s: %s", output, strerror(-rc));
		return EX_CANTCREAT;
	}
	if (html)
		report_html(file.f, r);
	else
		report_md(file.f, r);
	if (output) {
		if ((rc = cli_out_commit(&file)) < 0) {
			log_error("report: writing %s failed: %s", output, strerror(-rc));
			return EX_IOERR;
		}
		log_info("report of %lld signals written to %s", (long long)r->signals, output);
	}
	return 0;
}

int cli_report(int argc, char **argv)
{
	static struct report r; /* large */
	struct cli_common c;
	struct cli_db d;
	const char *output = NULL;
	bool html = true;
	int code;

	code = parse_options(argc, argv, &c, &html, &output);
	if (code >= 0)
		return code;
	if (output && (code = cli_out_check("report", "--output", output, c.db)) != 0)
		return code;
	code = cli_db_open_rows(c.db, &c.filter, false, &d);
	if (code == 0) {
		int rc = sqlite3_exec(d.db, "BEGIN", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = gather(&d, &c, &r);
		if (rc != SQLITE_OK)
			code = cli_db_fail(&d, rc, "cannot read the report's data");
	}
	int rclose = cli_db_close(&d);
	if (code)
		return code;
	code = write_report(&r, html, output);
	return code ? code : rclose;
}
