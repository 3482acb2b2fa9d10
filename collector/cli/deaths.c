/* deaths.c: the CLI's reading of the `deaths` view (schema 3): the one query
 * shape (SELECT ... FROM deaths WHERE <filters, all bound>), a death as JSON
 * with the signal that killed it and its sender's ancestry, and the counts
 * per cause. `who`, `list --deaths`, `export --deaths` and `status` use it.
 * A schema-1 or -2 database has no deaths: callers check d->has_deaths and
 * say so. Exercise with
 *   sigtrail list --deaths --db /tmp/t.db --cause oom
 *   sigtrail export --deaths --db /tmp/t.db --format jsonl | jq .evidence */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_fmt.h"
#include "sigtrail/log.h"
#include "sigtrail/proc_deathq.h" /* DEATH_INIT_WINDOW_MS: the collector's window */

/* The `deaths` view's columns, in order (SCHEMA_DEATHS). */
static const char *const death_names[DCOL__N] = {
#define DCOL_NAME(e, name) #name,
    SCHEMA_DEATHS(DCOL_NAME)
#undef DCOL_NAME
};

int cli_death_describe(struct cli_db *d)
{
	bool has[DCOL__N] = {false};
	sqlite3_stmt *s = NULL;
	char *sql = NULL;
	size_t size = 0;
	FILE *m;
	int rc =
	    sqlite3_prepare_v2(d->db, "SELECT name FROM pragma_table_info('deaths')", -1, &s, NULL);

	if (rc != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);
		for (int i = 0; name && i < DCOL__N; i++)
			has[i] = has[i] || strcmp(name, death_names[i]) == 0;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return rc;
	if (!(m = open_memstream(&sql, &size)))
		return SQLITE_NOMEM;
	for (int i = 0; i < DCOL__N; i++)
		fprintf(m, "%s%s%s", i ? ", " : "", has[i] ? "" : "NULL AS ", death_names[i]);
	if (fclose(m) != 0) {
		free(sql);
		return SQLITE_NOMEM;
	}
	d->death_cols = sql;
	d->has_death_init = has[DCOL_INIT_PID];
	d->has_exits = has[DCOL_EXIT_STATUS];
	return SQLITE_OK;
}

const char *const cli_death_causes[CLI_DEATH_CAUSES] = {"signal",         "oom",    "crash",
                                                        "pidns-teardown", "kernel", "exit"};

int cli_death_cause_parse(const char *arg, const char **ret)
{
	for (size_t i = 0; i < sizeof(cli_death_causes) / sizeof(cli_death_causes[0]); i++) {
		if (strcmp(arg, cli_death_causes[i]) == 0) {
			*ret = cli_death_causes[i];
			return 0;
		}
	}
	log_error("--cause '%s': expected signal, oom, crash, pidns-teardown, kernel or exit", arg);
	return -1;
}

int cli_death_filter_check(const struct cli_filter *f, const char *cmd)
{
	const char *bad = f->sender_comm       ? "--sender-comm"
	                  : f->sender_user     ? "--sender-user"
	                  : f->sender_pid >= 0 ? "--sender-pid"
	                  : f->failed          ? "--failed"
	                  : f->syscall         ? "--syscall"
	                                       : NULL;

	if (!bad)
		return 0;
	log_error("%s --deaths: %s filters signals, not deaths (deaths take --since, --until, "
	          "--signal, --target-pid, --target-comm, --host, --cause)",
	          cmd, bad);
	return -1;
}

/* The dead process's exe basename, in SQL: what is left of exe once every
 * character up to its last '/' is removed. */
#define EXE_BASENAME "replace(exe, rtrim(exe, replace(exe, '/', '')), '')"

int cli_prepare_deaths(struct cli_db *d, const struct cli_filter *f, const char *select,
                       const char *tail, sqlite3_stmt **ret)
{
	char *sql = NULL;
	size_t len = 0;
	FILE *m;

	if (!d->has_deaths)
		return SQLITE_ERROR;
	if (!(m = open_memstream(&sql, &len)))
		return SQLITE_NOMEM;
	fprintf(m, "SELECT %s FROM deaths WHERE 1", select);
	if (f->since_ms != INT64_MIN)
		fputs(" AND epoch_ms >= ?1", m);
	if (f->until_ms != INT64_MAX)
		fputs(" AND epoch_ms < ?2", m);
	if (f->signal >= 0)
		fputs(" AND signal = ?3", m);
	if (f->target_pid >= 0)
		fputs(" AND pid = ?5", m);
	if (f->target_comm)
		fprintf(m, " AND (comm = ?8 OR " EXE_BASENAME " = coalesce(?11, ?8)%s)",
		        f->full_name && strchr(f->full_name, '.')
		            ? " OR sigtrail_script(cmdline) = ?11"
		            : "");
	if (f->host)
		fputs(" AND host = ?10", m);
	if (f->cause)
		fputs(" AND cause = ?12", m);
	if (f->exclude[0])
		fputs(" AND instr(?13, ',' || signal || ',') = 0", m);
	if (tail)
		fprintf(m, " %s", tail);
	return cli_prepare_sql(d, f, m, &sql, ret);
}

/* The members of the stmt's row object, without braces. */
static void members(FILE *out, sqlite3_stmt *stmt)
{
	for (int i = 0; i < sqlite3_column_count(stmt); i++) {
		fputs(i ? ",\"" : "\"", out);
		fputs(sqlite3_column_name(stmt, i), out);
		fputs("\":", out);
		switch (sqlite3_column_type(stmt, i)) {
		case SQLITE_NULL:
			fputs("null", out);
			break;
		case SQLITE_INTEGER:
			fprintf(out, "%lld", (long long)sqlite3_column_int64(stmt, i));
			break;
		default:
			cli_json_string(out, (const char *)sqlite3_column_text(stmt, i));
		}
	}
}

void cli_stmt_json(FILE *out, sqlite3_stmt *stmt)
{
	fputc('{', out);
	members(out, stmt);
	fputc('}', out);
}

/* The death of the namespace's init (nspid 1) that took `s` with it, if it
 * died of a signal: *ret is NULL otherwise (it exited on its own, or the
 * database does not know the namespace). */
int cli_death_init(struct cli_db *d, sqlite3_stmt *s, sqlite3_stmt **ret)
{
	char sql[1024];
	sqlite3_stmt *q = NULL;
	int rc;

	*ret = NULL;
	/* An init has no init to blame (and a damaged row must not recurse). */
	if (sqlite3_column_type(s, DCOL_PIDNS) == SQLITE_NULL ||
	    sqlite3_column_int64(s, DCOL_NSPID) == 1)
		return SQLITE_OK;
	/* The kernel reuses a freed namespace's inode number at once: the
	 * number names a namespace only within one lifetime. The row names its
	 * init (schema 6); an older row is matched by time: the init died
	 * within the window around it (its exit comes after its children's)
	 * and had started before it. */
	if (sqlite3_column_type(s, DCOL_INIT_PID) != SQLITE_NULL)
		snprintf(sql, sizeof(sql),
		         "SELECT %s FROM deaths WHERE pidns = ?1 AND nspid = 1 AND pid = ?4 AND "
		         "start_time IS ?5 AND epoch_ms BETWEEN ?2 - ?3 AND ?2 + ?3 "
		         "ORDER BY abs(epoch_ms - ?2), id DESC LIMIT 1",
		         d->death_cols);
	else
		snprintf(sql, sizeof(sql),
		         "SELECT %s FROM deaths WHERE pidns = ?1 AND nspid = 1 AND "
		         "epoch_ms BETWEEN ?2 - ?3 AND ?2 + ?3 AND "
		         "(start_time IS NULL OR ?6 IS NULL OR start_time <= ?6) "
		         "ORDER BY abs(epoch_ms - ?2), id DESC LIMIT 1",
		         d->death_cols);
	if ((rc = sqlite3_prepare_v2(d->db, sql, -1, &q, NULL)) != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(q, 1, sqlite3_column_int64(s, DCOL_PIDNS));
	sqlite3_bind_int64(q, 2, sqlite3_column_int64(s, DCOL_EPOCH_MS));
	sqlite3_bind_int64(q, 3, DEATH_INIT_WINDOW_MS);
	if (sqlite3_column_type(s, DCOL_INIT_PID) != SQLITE_NULL) {
		sqlite3_bind_int64(q, 4, sqlite3_column_int64(s, DCOL_INIT_PID));
		sqlite3_bind_value(q, 5, sqlite3_column_value(s, DCOL_INIT_START_TIME));
	} else {
		sqlite3_bind_value(q, 6, sqlite3_column_value(s, DCOL_START_TIME));
	}
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*ret = q;
		return SQLITE_OK;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int cli_death_json(FILE *out, struct cli_db *d, sqlite3_stmt *death)
{
	sqlite3_stmt *s = NULL;
	int rc, n = 0;

	fputc('{', out);
	members(out, death);
	const char *cause = (const char *)sqlite3_column_text(death, DCOL_CAUSE);
	if (cause && strcmp(cause, "pidns-teardown") == 0) {
		sqlite3_stmt *init = NULL;
		if ((rc = cli_death_init(d, death, &init)) != SQLITE_OK)
			return rc;
		fputs(",\"init_death\":", out);
		if (init)
			rc = cli_death_json(out, d, init);
		else
			fputs("null", out);
		sqlite3_finalize(init);
		if (rc != SQLITE_OK)
			return rc;
	}
	fputs(",\"signal_row\":", out);
	if (sqlite3_column_type(death, DCOL_SIGNAL_ID) == SQLITE_NULL) {
		fputs("null,\"ancestry\":[]}", out);
		return SQLITE_OK;
	}
	struct cli_filter none = {.since_ms = INT64_MIN,
	                          .until_ms = INT64_MAX,
	                          .signal = -1,
	                          .sender_pid = -1,
	                          .target_pid = -1};
	rc = cli_prepare(d, &none, cli_signal_columns(d), "AND id = ?20", &s);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(s, 20, sqlite3_column_int64(death, DCOL_SIGNAL_ID));
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		cli_row_json(out, s, d->signal_cols);
	else
		fputs("null", out); /* pruned since */
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rc;
	fputs(",\"ancestry\":[", out);
	rc = sqlite3_prepare_v2(d->db,
	                        "SELECT depth, pid, start_time, comm, exe, cmdline FROM ancestry "
	                        "WHERE signal_id = ?1 ORDER BY depth",
	                        -1, &s, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(s, 1, sqlite3_column_int64(death, DCOL_SIGNAL_ID));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n++)
			fputc(',', out);
		cli_stmt_json(out, s);
	}
	sqlite3_finalize(s);
	fputs("]}", out);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int cli_death_counts(struct cli_db *d, int64_t ret_counts[CLI_DEATH_CAUSES])
{
	sqlite3_stmt *s = NULL;
	int rc;

	for (size_t i = 0; i < CLI_DEATH_CAUSES; i++)
		ret_counts[i] = 0;
	rc = sqlite3_prepare_v2(d->db, "SELECT cause, count(*) FROM deaths GROUP BY cause", -1, &s,
	                        NULL);
	if (rc != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *cause = (const char *)sqlite3_column_text(s, 0);
		for (size_t i = 0; i < CLI_DEATH_CAUSES; i++)
			if (cause && strcmp(cause, cli_death_causes[i]) == 0)
				ret_counts[i] = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}
