/* coverage.c: was anything collecting? Silence in the `signals` view means
 * "nobody sent a signal" only while a collector was running and losing
 * nothing. The daemon records one `coverage` row per run (start, last
 * heartbeat or stop, loss counters); this file turns the runs that overlap
 * a time window into covered time, gaps and summed losses, for `who`'s
 * verdict, the export metadata, the report and `status`. A database
 * without coverage rows (older daemons, schema 1) says so instead of
 * pretending. From schema 3 the runs also say whether the process table
 * (deaths, ancestry) was on, and how many deaths it lost: a death missing
 * from the `deaths` view means "it did not die of a signal" only then.
 * Exercise with `sigtrail who 1 --since 1h` on any database. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_fmt.h"

/* sigtraild updates a running row at least every 10 s; older than this,
 * the run has probably died and will be closed as 'crashed' at next start. */
enum { HEARTBEAT_STALE_MS = 30000 };

/* acc + v for counts read from a database, which may hold anything: a
 * negative count is none, and a sum past INT64_MAX stays there. */
static int64_t count_add(int64_t acc, int64_t v)
{
	int64_t r;

	if (v <= 0)
		return acc;
	return __builtin_add_overflow(acc, v, &r) ? INT64_MAX : r;
}

int64_t cli_coverage_lost(const struct cli_coverage *c)
{
	int64_t n = count_add(0, c->lost.kernel);

	n = count_add(n, c->lost.socket);
	n = count_add(n, c->lost.serial_gaps);
	n = count_add(n, c->lost.unparsable);
	n = count_add(n, c->lost.queue);
	return count_add(n, c->lost.db);
}

static void add_gap(struct cli_coverage *c, int64_t from, int64_t to)
{
	if (to <= from)
		return;
	if (c->n_gaps < CLI_MAX_GAPS) {
		c->gaps[c->n_gaps].from = from;
		c->gaps[c->n_gaps].to = to;
		c->n_gaps++;
	} else {
		c->more_gaps++;
	}
	c->covered_ms -= to - from;
}

/* How many runs the coverage view holds, and when the first one started. */
static int count_runs(struct cli_db *d, int64_t *ret_n, int64_t *ret_first)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(d->db, "SELECT count(*), min(started_ms) FROM coverage", -1, &s,
	                            NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		*ret_n = sqlite3_column_int64(s, 0);
		*ret_first = cli_time_clamp(sqlite3_column_int64(s, 1));
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

/* Add one run's losses and process-table state (columns 5 to 19 of the runs query) to c. */
static void add_losses(struct cli_coverage *c, sqlite3_stmt *s)
{
	c->lost.kernel = count_add(c->lost.kernel, sqlite3_column_int64(s, 5));
	c->lost.socket = count_add(c->lost.socket, sqlite3_column_int64(s, 6));
	c->lost.serial_gaps = count_add(c->lost.serial_gaps, sqlite3_column_int64(s, 7));
	c->lost.unparsable = count_add(c->lost.unparsable, sqlite3_column_int64(s, 8));
	c->lost.queue = count_add(c->lost.queue, sqlite3_column_int64(s, 9));
	c->lost.db = count_add(c->lost.db, sqlite3_column_int64(s, 10));
	c->lost.pruned = count_add(c->lost.pruned, sqlite3_column_int64(s, 11));
	const char *procs = (const char *)sqlite3_column_text(s, 12);
	if (procs && strcmp(procs, "on") == 0) {
		c->proc_on++;
	} else {
		c->proc_off++;
		snprintf(c->proc_off_why, sizeof(c->proc_off_why), "%s",
		         !procs                            ? "a run before schema 3"
		         : strncmp(procs, "off: ", 5) == 0 ? procs + 5
		                                           : procs);
	}
	c->lost_deaths = count_add(c->lost_deaths, sqlite3_column_int64(s, 13));
	c->lost_process_events = count_add(c->lost_process_events, sqlite3_column_int64(s, 14));
	c->lost_targets = count_add(c->lost_targets, sqlite3_column_int64(s, 15));
	c->lost_kernel_log = count_add(c->lost_kernel_log, sqlite3_column_int64(s, 16));
	c->lost_abends = count_add(c->lost_abends, sqlite3_column_int64(s, 17));
	c->lost_process_facts = count_add(c->lost_process_facts, sqlite3_column_int64(s, 18));
	c->untracked_processes = count_add(c->untracked_processes, sqlite3_column_int64(s, 19));
}

/* The rows of [lo, hi) dropped before forwarding; none in a database
 * older than schema 015 (no forward_drops). */
static void load_drops(struct cli_db *d, struct cli_coverage *c)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(
	        d->db,
	        "SELECT coalesce(sum(rows), 0) FROM forward_drops WHERE first_ms < ?2 "
	        "AND last_ms >= ?1",
	        -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, c->lo);
		sqlite3_bind_int64(s, 2, c->hi);
		if (sqlite3_step(s) == SQLITE_ROW)
			c->dropped_unsent = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
}

int cli_coverage_load(struct cli_db *d, int64_t lo, int64_t hi, int64_t now_ms,
                      struct cli_coverage *c)
{
	sqlite3_stmt *s = NULL;
	int64_t first = 0, n = 0;
	int rc;

	*c = (struct cli_coverage){.lo = lo, .hi = hi, .now_ms = now_ms};
	if (!d->has_coverage)
		return SQLITE_OK;
	rc = count_runs(d, &n, &first);
	if (rc != SQLITE_OK || n == 0)
		return rc;
	c->recorded = true;
	if (lo == INT64_MIN)
		c->lo = lo = first;
	if (hi == INT64_MAX || hi > now_ms)
		c->hi = hi = now_ms;
	if (hi < lo)
		c->hi = hi = lo;
	c->covered_ms = hi - lo;

	c->proc_recorded = d->has_proc_coverage;
	rc = sqlite3_prepare_v2(
	    d->db,
	    d->has_loss_detail
	        ? "SELECT started_ms, until_ms, status, source, pid, lost_kernel, lost_socket, "
	          "lost_serial_gaps, lost_unparsable, lost_queue, lost_db, pruned_rows, processes, "
	          "lost_deaths, lost_process_events, lost_targets, lost_kernel_log, lost_abends, "
	          "lost_process_facts, untracked_processes FROM coverage WHERE started_ms < ?2 AND "
	          "(until_ms >= ?1 OR status = 'running') ORDER BY started_ms"
	    : d->has_proc_coverage
	        ? "SELECT started_ms, until_ms, status, source, pid, lost_kernel, lost_socket, "
	          "lost_serial_gaps, lost_unparsable, lost_queue, lost_db, pruned_rows, processes, "
	          "lost_deaths, lost_process_events, 0, 0, 0, 0, 0 FROM coverage WHERE "
	          "started_ms < ?2 AND (until_ms >= ?1 OR status = 'running') ORDER BY started_ms"
	        : "SELECT started_ms, until_ms, status, source, pid, lost_kernel, lost_socket, "
	          "lost_serial_gaps, lost_unparsable, lost_queue, lost_db, pruned_rows, NULL, 0, "
	          "0, "
	          "0, 0, 0, 0, 0 FROM coverage WHERE started_ms < ?2 AND (until_ms >= ?1 OR "
	          "status = 'running') ORDER BY started_ms",
	    -1, &s, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(s, 1, lo);
	sqlite3_bind_int64(s, 2, hi);
	int64_t cursor = lo; /* everything before it is covered or already a gap */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t start = cli_time_clamp(sqlite3_column_int64(s, 0));
		int64_t end = cli_time_clamp(sqlite3_column_int64(s, 1));
		const char *status = (const char *)sqlite3_column_text(s, 2);
		bool running = status && strcmp(status, "running") == 0;

		if (running && now_ms - end <= HEARTBEAT_STALE_MS) {
			end = now_ms;
			c->running = true;
			const char *src = (const char *)sqlite3_column_text(s, 3);
			snprintf(c->running_source, sizeof(c->running_source), "%s",
			         src ? src : "?");
			c->running_pid = sqlite3_column_int64(s, 4);
		}
		if (end < lo)
			continue;
		c->runs++;
		add_losses(c, s);
		if (start > cursor)
			add_gap(c, cursor, start < hi ? start : hi);
		if (end > cursor)
			cursor = end;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return rc;
	if (cursor < hi)
		add_gap(c, cursor, hi);
	load_drops(d, c);
	return SQLITE_OK;
}

/* "2d 3h", "4h 10m", "12m 5s", "7s", "850 ms". */
static void duration(int64_t ms, char *buf, size_t size)
{
	int64_t s = ms / 1000;

	if (ms < 1000)
		snprintf(buf, size, "%lld ms", (long long)ms);
	else if (s < 60)
		snprintf(buf, size, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, size, "%lldm %llds", (long long)(s / 60), (long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, size, "%lldh %lldm", (long long)(s / 3600),
		         (long long)(s % 3600 / 60));
	else
		snprintf(buf, size, "%lldd %lldh", (long long)(s / 86400),
		         (long long)(s % 86400 / 3600));
}

static void losses_text(FILE *out, const struct cli_coverage *c)
{
	int64_t lost = cli_coverage_lost(c);

	if (lost == 0) {
		fputs("; it lost no events", out);
	} else {
		fprintf(out,
		        "; it LOST %lld events (kernel %lld, socket overruns %lld, serial gaps "
		        "%lld, unparsable %lld, queue full %lld, database %lld)",
		        (long long)lost, (long long)c->lost.kernel, (long long)c->lost.socket,
		        (long long)c->lost.serial_gaps, (long long)c->lost.unparsable,
		        (long long)c->lost.queue, (long long)c->lost.db);
	}
	if (c->lost_targets)
		fprintf(out, "; it LOST %lld targets beyond the 4096 one event keeps",
		        (long long)c->lost_targets);
	if (c->lost.pruned)
		fprintf(out, "; %lld rows were pruned by retention", (long long)c->lost.pruned);
	if (c->dropped_unsent)
		fprintf(
		    out,
		    "; %lld rows were DROPPED BEFORE FORWARDING (the disk cap; see forward_drops)",
		    (long long)c->dropped_unsent);
}

/* A time for coverage sentences: to the second, or "now". */
static void when(const struct cli_coverage *c, int64_t ms, bool utc, char *buf, size_t size)
{
	if (ms >= c->now_ms) {
		snprintf(buf, size, "now");
		return;
	}
	cli_time_fmt(ms, utc, buf, size);
	if (size > 19)
		buf[19] = '\0';
}

void cli_coverage_text(FILE *out, const struct cli_coverage *c, bool utc)
{
	char a[40], b[40], len[32];

	if (!c->recorded) {
		fputs("no coverage data recorded in this database, so it cannot tell whether a "
		      "collector was running: a quiet period may also mean nothing was recording",
		      out);
		return;
	}
	when(c, c->lo, utc, a, sizeof(a));
	when(c, c->hi, utc, b, sizeof(b));
	if (c->n_gaps == 0) {
		fprintf(out, "a collector was running the whole time from %s to %s", a, b);
	} else {
		duration((c->hi - c->lo) - c->covered_ms, len, sizeof(len));
		fprintf(out, "the collector was NOT running for %s between %s and %s: ", len, a, b);
		for (size_t i = 0; i < c->n_gaps && i < 3; i++) {
			when(c, c->gaps[i].from, utc, a, sizeof(a));
			when(c, c->gaps[i].to, utc, b, sizeof(b));
			fprintf(out, "%sfrom %s to %s", i ? ", " : "", a, b);
		}
		if (c->n_gaps + c->more_gaps > 3)
			fprintf(out, " and %zu more gaps", c->n_gaps + c->more_gaps - 3);
		fputs("; signals sent then were not recorded", out);
	}
	losses_text(out, c);
}

void cli_coverage_deaths_text(FILE *out, const struct cli_coverage *c)
{
	char why[256];

	if (!c->proc_recorded || c->runs == 0)
		return;
	if (c->proc_off == 0)
		fputs("the process table was on in every run", out);
	else {
		cli_term_text(why, sizeof(why), c->proc_off_why, 120);
		fprintf(out,
		        "the process table was OFF in %zu of %zu runs (%s): deaths then were not "
		        "recorded",
		        c->proc_off, c->runs, why);
	}
	if (c->lost_deaths == 0 && c->lost_process_events == 0)
		fputs("; it lost no deaths", out);
	else
		fprintf(out,
		        "; it LOST %lld deaths and %lld process events (deaths then may be "
		        "missing, ancestry incomplete)",
		        (long long)c->lost_deaths, (long long)c->lost_process_events);
	if (c->lost_kernel_log)
		fprintf(out,
		        "; %lld kernel log lines were overwritten before they were read (an OOM "
		        "kill then reads as cause kernel)",
		        (long long)c->lost_kernel_log);
	if (c->lost_abends)
		fprintf(
		    out,
		    "; %lld crash records (ANOM_ABEND) were lost (a crash then reads as a signal)",
		    (long long)c->lost_abends);
	if (c->lost_process_facts || c->untracked_processes)
		fprintf(out,
		        "; %lld /proc reads failed and %lld processes were never in the table "
		        "(their command lines and ancestry are missing)",
		        (long long)c->lost_process_facts, (long long)c->untracked_processes);
}

/* One row of any statement as a JSON object keyed by its column names. */
static void json_row(FILE *out, sqlite3_stmt *s)
{
	fputc('{', out);
	for (int i = 0; i < sqlite3_column_count(s); i++) {
		fprintf(out, "%s\"%s\":", i ? "," : "", sqlite3_column_name(s, i));
		switch (sqlite3_column_type(s, i)) {
		case SQLITE_NULL:
			fputs("null", out);
			break;
		case SQLITE_INTEGER:
			fprintf(out, "%lld", (long long)sqlite3_column_int64(s, i));
			break;
		default:
			cli_json_string(out, (const char *)sqlite3_column_text(s, i));
		}
	}
	fputc('}', out);
}

int cli_coverage_json(FILE *out, struct cli_db *d, const struct cli_coverage *c, size_t max_runs)
{
	char a[40], b[40];
	sqlite3_stmt *s = NULL;
	int rc = SQLITE_OK;

	if (!c->recorded) {
		fputs("{\"recorded\":false,\"note\":\"no coverage data recorded in this database: "
		      "it cannot tell whether a collector was running\"}",
		      out);
		return SQLITE_OK;
	}
	cli_time_iso(c->lo, a, sizeof(a));
	cli_time_iso(c->hi, b, sizeof(b));
	fprintf(out,
	        "{\"recorded\":true,\"from\":\"%s\",\"to\":\"%s\",\"complete\":%s,"
	        "\"window_ms\":%lld,\"covered_ms\":%lld,\"gaps\":[",
	        a, b, c->n_gaps == 0 ? "true" : "false", (long long)(c->hi - c->lo),
	        (long long)c->covered_ms);
	for (size_t i = 0; i < c->n_gaps; i++) {
		cli_time_iso(c->gaps[i].from, a, sizeof(a));
		cli_time_iso(c->gaps[i].to, b, sizeof(b));
		fprintf(out, "%s{\"from\":\"%s\",\"to\":\"%s\"}", i ? "," : "", a, b);
	}
	fprintf(out,
	        "],\"more_gaps\":%zu,\"lost\":{\"total\":%lld,\"kernel\":%lld,\"socket\":%lld,"
	        "\"serial_gaps\":%lld,\"unparsable\":%lld,\"queue\":%lld,\"db\":%lld},"
	        "\"pruned_rows\":%lld,\"dropped_before_forwarding\":%lld,\"lost_targets\":%lld,",
	        c->more_gaps, (long long)cli_coverage_lost(c), (long long)c->lost.kernel,
	        (long long)c->lost.socket, (long long)c->lost.serial_gaps,
	        (long long)c->lost.unparsable, (long long)c->lost.queue, (long long)c->lost.db,
	        (long long)c->lost.pruned, (long long)c->dropped_unsent,
	        (long long)c->lost_targets);
	if (c->proc_recorded) {
		fprintf(out, "\"processes\":{\"on_runs\":%zu,\"off_runs\":%zu,\"off_reason\":",
		        c->proc_on, c->proc_off);
		cli_json_string(out, c->proc_off ? c->proc_off_why : NULL);
		fprintf(out, ",\"lost_deaths\":%lld,\"lost_process_events\":%lld",
		        (long long)c->lost_deaths, (long long)c->lost_process_events);
		if (d->has_loss_detail)
			fprintf(out,
			        ",\"lost_kernel_log\":%lld,\"lost_abends\":%lld,"
			        "\"lost_process_facts\":%lld,\"untracked_processes\":%lld",
			        (long long)c->lost_kernel_log, (long long)c->lost_abends,
			        (long long)c->lost_process_facts,
			        (long long)c->untracked_processes);
		fputs("},", out);
	}
	fputs("\"runs\":[", out);
	rc = sqlite3_prepare_v2(
	    d->db,
	    d->has_proc_coverage
	        ? "SELECT run, started, stopped, status, source, host, pid, "
	          "version, events, rows, lost_kernel, lost_socket, "
	          "lost_serial_gaps, lost_unparsable, lost_queue, lost_db, "
	          "pruned_rows, stopped_by, processes, deaths, "
	          "lost_process_events, lost_deaths FROM coverage WHERE started_ms < ?2 AND "
	          "(until_ms >= ?1 OR status = 'running') ORDER BY started_ms "
	          "LIMIT ?3"
	        : "SELECT run, started, stopped, status, source, host, pid, "
	          "version, events, rows, lost_kernel, lost_socket, "
	          "lost_serial_gaps, lost_unparsable, lost_queue, lost_db, "
	          "pruned_rows, stopped_by FROM coverage WHERE started_ms < ?2 "
	          "AND (until_ms >= ?1 OR status = 'running') ORDER BY "
	          "started_ms LIMIT ?3",
	    -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, c->lo);
		sqlite3_bind_int64(s, 2, c->hi);
		sqlite3_bind_int64(s, 3, (int64_t)max_runs);
		for (size_t i = 0; (rc = sqlite3_step(s)) == SQLITE_ROW; i++) {
			if (i)
				fputc(',', out);
			json_row(out, s);
		}
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	fputs("]}", out);
	return rc;
}
