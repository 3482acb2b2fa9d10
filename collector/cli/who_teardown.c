/* who_teardown.c: the container stop told in order, for `sigtrail who`. For
 * a process killed by its pid namespace's teardown: the signals its init
 * received before it died, oldest first, each with what the init did with
 * it (a SIGTERM that a namespace init without a handler drops changed
 * nothing), then how many processes the teardown killed. For a namespace
 * init that died: the processes whose deaths its death caused. By hand:
 *   sigtrail who CHILD; sigtrail who INIT
 * Covered by tests/cli/deaths.sh and the kernel suite's proc_disposition. */
#include <string.h>

#include "cli.h"
#include "cli_fmt.h"

enum {
	CHAIN_ROWS = 8,       /* signals to the init told */
	CHAIN_BEFORE = 60000, /* ms before the init's death they are looked for */
	VICTIMS_LISTED = 8,   /* teardown victims named; the rest counted */
};

/* The kernel's words for what a target did with a delivered signal. */
static const char *disposition_phrase(const char *d)
{
	if (!d)
		return NULL;
	if (strcmp(d, "caught") == 0)
		return "caught by its handler";
	if (strcmp(d, "ignored") == 0)
		return "ignored: it changed nothing";
	if (strcmp(d, "blocked") == 0)
		return "blocked: pending, it changed nothing";
	if (strcmp(d, "init-ignored") == 0)
		return "ignored: a namespace init without a handler drops it, it changed nothing";
	return NULL;
}

void cli_disposition_words(FILE *out, sqlite3_stmt *s)
{
	const char *p =
	    disposition_phrase((const char *)sqlite3_column_text(s, COL_TARGET_DISPOSITION));

	if (p)
		fprintf(out, ", %s", p);
}

/* Deaths the init's death caused: its teardown victims, by init_pid and
 * init_start_time (schema 6), counted; the first `list` named into *ret. */
static int victims(struct cli_db *d, int64_t pid, sqlite3_value *start, int64_t pidns,
                   int64_t epoch_ms, sqlite3_stmt **ret, int64_t *ret_n)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*ret = NULL;
	*ret_n = 0;
	if (!d->has_death_init) /* an older schema names no teardown's init */
		return SQLITE_OK;
	rc = sqlite3_prepare_v2(
	    d->db,
	    "SELECT count(*) OVER (), pid, comm, epoch_ms FROM deaths WHERE cause = "
	    "'pidns-teardown' AND pidns = ?3 AND epoch_ms BETWEEN ?4 - 5000 AND ?4 + 5000 AND "
	    "(init_pid = ?1 AND init_start_time IS ?2) ORDER BY epoch_ms, id LIMIT ?5",
	    -1, &q, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(q, 1, pid);
	sqlite3_bind_value(q, 2, start);
	sqlite3_bind_int64(q, 3, pidns);
	sqlite3_bind_int64(q, 4, epoch_ms);
	sqlite3_bind_int(q, 5, VICTIMS_LISTED);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*ret_n = sqlite3_column_int64(q, 0);
		*ret = q;
		return SQLITE_OK;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* "  killed   3 processes ...: pid 4201 (worker), ..." from the stepped q. */
static int victim_list(FILE *out, sqlite3_stmt *q, int64_t n, int64_t init_ms)
{
	char comm[64];
	int rc, i = 0;

	fprintf(out, "%lld process%s, %lld ms after its death: ", (long long)n, n == 1 ? "" : "es",
	        (long long)(sqlite3_column_int64(q, 3) - init_ms));
	do {
		const char *c = (const char *)sqlite3_column_text(q, 2);
		cli_term_text(comm, sizeof(comm), c ? c : "?", 15);
		fprintf(out, "%spid %lld (%s)", i++ ? ", " : "",
		        (long long)sqlite3_column_int64(q, 1), comm);
	} while ((rc = sqlite3_step(q)) == SQLITE_ROW);
	if (n > i)
		fprintf(out, " and %lld more", (long long)(n - i));
	fputc('\n', out);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int cli_who_teardown_chain(FILE *out, struct cli_db *d, sqlite3_stmt *init, bool utc)
{
	int64_t init_ms = sqlite3_column_int64(init, DCOL_EPOCH_MS), prev = 0, n = 0;
	struct cli_filter f = {.since_ms = init_ms - CHAIN_BEFORE,
	                       .until_ms = init_ms + 1,
	                       .signal = -1,
	                       .sender_pid = -1,
	                       .target_pid = sqlite3_column_int64(init, DCOL_PID)};
	sqlite3_stmt *q = NULL, *v = NULL;
	char tail[128];
	int rc, i = 0;

	snprintf(tail, sizeof(tail), "AND success = 1 ORDER BY epoch_ms, id LIMIT %d", CHAIN_ROWS);
	if ((rc = cli_prepare(d, &f, cli_signal_columns(d), tail, &q)) != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t ms = sqlite3_column_int64(q, COL_EPOCH_MS);
		fputs(i++ ? "           " : "  stop     ", out);
		cli_time_short(out, ms, utc);
		fputc(' ', out);
		const char *name = (const char *)sqlite3_column_text(q, COL_SIGNAME);
		fputs(name ? name : "signal", out);
		fputs(" to the init from ", out);
		cli_sender_words(out, q);
		if (i > 1)
			fprintf(out, ", %lld.%lld s later", (long long)((ms - prev) / 1000),
			        (long long)((ms - prev) % 1000 / 100));
		cli_disposition_words(out, q);
		fputc('\n', out);
		prev = ms;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return rc;
	if (sqlite3_column_type(init, DCOL_PIDNS) != SQLITE_NULL) {
		rc = victims(d, sqlite3_column_int64(init, DCOL_PID),
		             sqlite3_column_value(init, DCOL_START_TIME),
		             sqlite3_column_int64(init, DCOL_PIDNS), init_ms, &v, &n);
		if (rc == SQLITE_OK && v) {
			fputs("  teardown killed ", out);
			rc = victim_list(out, v, n, init_ms);
		}
		sqlite3_finalize(v);
	}
	return rc;
}

int cli_who_teardown_victims(FILE *out, struct cli_db *d, sqlite3_stmt *s)
{
	sqlite3_stmt *v = NULL;
	int64_t n = 0;
	int rc;

	if (sqlite3_column_int64(s, DCOL_NSPID) != 1 ||
	    sqlite3_column_type(s, DCOL_PIDNS) == SQLITE_NULL)
		return SQLITE_OK;
	rc = victims(d, sqlite3_column_int64(s, DCOL_PID), sqlite3_column_value(s, DCOL_START_TIME),
	             sqlite3_column_int64(s, DCOL_PIDNS), sqlite3_column_int64(s, DCOL_EPOCH_MS),
	             &v, &n);
	if (rc == SQLITE_OK && v) {
		fputs("  teardown its death killed ", out);
		rc = victim_list(out, v, n, sqlite3_column_int64(s, DCOL_EPOCH_MS));
	}
	sqlite3_finalize(v);
	return rc;
}
