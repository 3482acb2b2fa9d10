/* procwords.c: how `sigtrail who` words what the process table recorded.
 * A start time is stored as clock ticks after boot (/proc/PID/stat); read
 * with the boot's wall-clock time that the run recording it sampled
 * (collector_runs.boot_epoch_ms, schema 14) it becomes "started 01:54:33,
 * 2 h 13 m before the death", the date added when it is another day; a run
 * that did not record it leaves the ticks, and says so. An ancestry chain
 * that stops short of pid 1 says why, as far as the stored chain shows it:
 * the collector's limit of 16 members, or a parent the process table did
 * not have (it had exited before the signal, or its pid was reused by a
 * younger process, which cannot be a parent). Exercise with
 *   sigtrail who --db DB PID
 * on a database sigtraild recorded (tests/cli/deaths.sh checks the words). */
#include <string.h>

#include "cli.h"
#include "cli_fmt.h"
#include "sigtrail/proc_table.h"

enum {
	TICKS_PER_S = 100,    /* USER_HZ: /proc's unit on every Linux ABI */
	RUN_SLACK_MS = 60000, /* a run's events may trail its last heartbeat */
};

int64_t cli_boot_epoch(struct cli_db *d, int64_t at_ms)
{
	int64_t boot = -1;

	if (!d->has_boot_epoch)
		return -1;
	if (!d->boot_q && sqlite3_prepare_v2(
	                      d->db,
	                      "SELECT boot_epoch_ms FROM collector_runs WHERE boot_epoch_ms IS NOT "
	                      "NULL AND started_ms <= ?1 AND (ended IS NULL OR "
	                      "coalesce(stopped_ms, heartbeat_ms) + ?2 >= ?1) "
	                      "ORDER BY started_ms DESC, id DESC LIMIT 1",
	                      -1, &d->boot_q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(d->boot_q, 1, at_ms);
	sqlite3_bind_int64(d->boot_q, 2, RUN_SLACK_MS);
	if (sqlite3_step(d->boot_q) == SQLITE_ROW)
		boot = sqlite3_column_int64(d->boot_q, 0);
	sqlite3_reset(d->boot_q);
	return cli_time_valid(boot) ? boot : -1;
}

/* "2 h 13 m": the two largest units of a duration of ms >= 0. */
static void age_words(FILE *out, int64_t ms)
{
	int64_t s = ms / 1000;

	if (s < 60)
		fprintf(out, "%lld s", (long long)s);
	else if (s < 3600)
		fprintf(out, "%lld m %lld s", (long long)(s / 60), (long long)(s % 60));
	else if (s < 86400)
		fprintf(out, "%lld h %lld m", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		fprintf(out, "%lld d %lld h", (long long)(s / 86400),
		        (long long)(s % 86400 / 3600));
}

void cli_start_words(FILE *out, struct cli_db *d, int64_t ticks, int64_t event_ms, bool utc,
                     const char *event)
{
	int64_t boot = cli_boot_epoch(d, event_ms);
	char at[40], ev[40];

	if (boot < 0 || ticks < 0 || ticks > INT64_MAX / 1000) {
		fprintf(out, "start time %lld ticks after boot%s", (long long)ticks,
		        event ? " (the boot's time was not recorded)" : "");
		return;
	}
	int64_t start = cli_time_clamp(boot + ticks * 1000 / TICKS_PER_S);
	cli_time_fmt(start, utc, at, sizeof(at));
	cli_time_fmt(event_ms, utc, ev, sizeof(ev));
	at[19] = '\0'; /* to the second: "2026-11-22 01:54:33" */
	bool same_day = strncmp(at, ev, 10) == 0;
	fprintf(out, "started %s", same_day ? at + 11 : at);
	if (event && start <= event_ms) {
		fputs(", ", out);
		age_words(out, event_ms - start);
		fprintf(out, " before %s", event);
	}
}

int cli_chain_cut_words(struct cli_db *d, sqlite3_stmt *row, char *buf, size_t size)
{
	sqlite3_stmt *a = NULL;
	int rc;

	buf[0] = '\0';
	if (!d->has_deaths)
		return SQLITE_OK;
	rc = sqlite3_prepare_v2(d->db,
	                        "SELECT depth, pid, comm FROM ancestry WHERE signal_id = ?1 "
	                        "ORDER BY depth DESC LIMIT 1",
	                        -1, &a, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(a, 1, sqlite3_column_int64(row, COL_ID));
	if ((rc = sqlite3_step(a)) == SQLITE_ROW) {
		int64_t depth = sqlite3_column_int64(a, 0), pid = sqlite3_column_int64(a, 1);
		const char *comm = (const char *)sqlite3_column_text(a, 2);
		char name[64];
		cli_term_text(name, sizeof(name), comm ? comm : "?", 15);
		/* pid 1 is init; 2 is kthreadd, parent of the kernel's helpers. */
		if (pid == 1 || pid == 2)
			;
		else if (depth + 1 >= PTAB_MAX_DEPTH)
			snprintf(buf, size, "chain cut at %d members, the collector's limit",
			         PTAB_MAX_DEPTH);
		else if (depth == 0 && sqlite3_column_type(row, COL_SENDER_PPID) != SQLITE_NULL)
			snprintf(buf, size,
			         "chain cut: parent pid %lld was not in the process table",
			         (long long)sqlite3_column_int64(row, COL_SENDER_PPID));
		else
			snprintf(buf, size,
			         "chain cut: the parent of %s[%lld] was not in the process "
			         "table",
			         name, (long long)pid);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
	sqlite3_finalize(a);
	return rc;
}
