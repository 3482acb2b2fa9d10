/* Unit tests for the `signals` column table (SCHEMA_SIGNALS in
 * include/sigtrail/schema.h) against schema/NNN-*.sql: after each migration
 * the view has exactly the table's columns of that version, in order; each
 * column lives in the signal_rows column the table says, and the view reads
 * it from there (a string through `strings`); every string column is in
 * string_refs, for the pruner. A column added in a migration and not in the
 * table, or the other way round, or in the wrong place, fails here. */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "sigtrail/proc_extra.h"
#include "sigtrail/schema.h"
#include "sigtrail/sigsys.h"
#include "sigtrail/store.h"
#include "tap.h"

/* The names of `sql`'s rows, comma-separated, in a static buffer. */
static const char *names(sqlite3 *db, const char *sql)
{
	static char out[4096];
	sqlite3_stmt *s = NULL;
	size_t len = 0;

	out[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		printf("# %s: %s\n", sql, sqlite3_errmsg(db));
		return "(error)";
	}
	while (sqlite3_step(s) == SQLITE_ROW && len < sizeof(out))
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s", len ? "," : "",
		                        (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return out;
}

/* The table's columns of schema `version`, as names() writes them. */
static const char *table_names(unsigned version)
{
	static char out[4096];
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < COL__N; i++)
		if (schema_signals[i].since <= version)
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s",
			                        len ? "," : "", schema_signals[i].name);
	return out;
}

static int64_t count(sqlite3 *db, const char *sql)
{
	int64_t n = -1;

	if (schema_query_int(db, sql, &n) != SQLITE_OK)
		printf("# %s: %s\n", sql, sqlite3_errmsg(db));
	return n;
}

/* Each migration in turn: the view's columns are the table's of that version. */
static void test_versions(void)
{
	sqlite3 *db = NULL;

	ok(sqlite3_open(":memory:", &db) == SQLITE_OK, "in-memory database");
	for (unsigned v = 1; v <= store_migrations_count; v++) {
		ok(sqlite3_exec(db, store_migrations[v - 1], NULL, NULL, NULL) == SQLITE_OK,
		   "migration %u applies", v);
		is_str(names(db, "SELECT name FROM pragma_table_info('signals')"), table_names(v),
		       "schema %u: the view's columns are the table's, in order", v);
	}
	sqlite3_close(db);
}

/* The table is sorted by `since` (a migration appends to the view), and
 * each kind's signal_rows column has the kind's shape. */
static void test_shape(void)
{
	bool sorted = true, shaped = true;
	char want[64];

	for (int i = 0; i < COL__N; i++) {
		const struct schema_column *c = &schema_signals[i];
		if (i > 0 && c->since < schema_signals[i - 1].since)
			sorted = false;
		switch (c->kind) {
		case SCHEMA_STRING:
			snprintf(want, sizeof(want), "%s_s", c->name);
			break;
		case SCHEMA_TIME:
			snprintf(want, sizeof(want), "epoch_ms");
			break;
		case SCHEMA_SIGNAME:
			snprintf(want, sizeof(want), "signal");
			break;
		default:
			snprintf(want, sizeof(want), "%s", c->name);
		}
		if (strcmp(c->row_col, want) != 0) {
			printf("# %s: row column %s, want %s\n", c->name, c->row_col, want);
			shaped = false;
		}
		if (c->since < 1 || c->since > store_migrations_count) {
			printf("# %s: since %u\n", c->name, c->since);
			sorted = false;
		}
	}
	ok(sorted, "columns in schema order, each of an existing version");
	ok(shaped, "each column's signal_rows column follows its kind");
	is_str(schema_signals[COL_ERRNO].name, "errno", "errno, a macro, named as such");
	is_str(schema_signals[COL_ERRNO].row_col, "errno_s", "and its row column");
	is_str(schema_signals[COL_COUNT].absent, "1", "a row before count is one signal");
}

/* One row with every column set, written by the store. */
static void insert_row(const char *path)
{
	struct store *st = NULL;
	char err[256];
	struct st_event *e = calloc(1, sizeof(*e) + sizeof(struct st_target));
	struct proc_extra *x = calloc(1, sizeof(*x) + sizeof(struct proc_target_extra));

	*e = (struct st_event){.epoch_ms = 1795317670616,
	                       .serial = 17,
	                       .arch = 0xc000003e,
	                       .syscall = 62,
	                       .signal = 9,
	                       .exit = -EPERM,
	                       .target_arg = 3921,
	                       .pid = 3847,
	                       .ppid = 3846,
	                       .uid = 0,
	                       .euid = 0,
	                       .auid = 0,
	                       .ses = 4,
	                       .host = "h",
	                       .tty = "pts/0",
	                       .comm = "bash",
	                       .exe = "/usr/bin/bash",
	                       .cmdline = "bash -c kill -9 3921",
	                       .n_targets = 1};
	e->targets[0] = (struct st_target){3921, 0, 0, 4, "sleep", NULL};
	x->sender_ancestry = "bash[3847] ← systemd[1]";
	x->sender_unit = "cron.service";
	x->sender_container = "c0ffee";
	x->n_members = 1;
	x->members[0] = (struct proc_member){3847, 5, "bash", "/usr/bin/bash", "bash -c"};
	x->n_targets = 1;
	x->targets[0] =
	    (struct proc_target_extra){3921,
	                               77,
	                               "/usr/bin/sleep",
	                               "sleep 1000",
	                               "app.service",
	                               "deadbeef",
	                               {.known = true, .caught = UINT64_C(1) << (15 - 1)},
	                               {.supervised = true,
	                                .pid = 4100,
	                                .uid = 0,
	                                .auid = 0,
	                                .cmdline = "systemctl stop app",
	                                .tty = "pts/1",
	                                .evidence = "`systemctl stop app` names app.service"}};
	int r = store_open(path, "h", &st, err, sizeof(err));
	ok(r == 0, "store opens%s%s", r ? ": " : "", r ? err : "");
	is_int(store_insert_extra(st, e, x), 1, "a row with every column");
	is_int(store_commit(st), 0, "committed");
	store_close(st);
	free(x);
	free(e);
}

/* How the view makes column c from signal_rows AS r, by its kind. */
static void view_expr(const struct schema_column *c, char *buf, size_t size)
{
	switch (c->kind) {
	case SCHEMA_STRING:
		snprintf(buf, size, "(SELECT value FROM strings WHERE id = r.%s)", c->row_col);
		break;
	case SCHEMA_SIGNAME:
		snprintf(buf, size, "(SELECT name FROM signal_names WHERE number = r.%s)",
		         c->row_col);
		break;
	case SCHEMA_TIME:
		snprintf(buf, size,
		         "strftime('%%Y-%%m-%%dT%%H:%%M:%%S', r.%s / 1000, 'unixepoch') || "
		         "printf('.%%03dZ', r.%s %% 1000)",
		         c->row_col, c->row_col);
		break;
	default:
		snprintf(buf, size, "r.%s", c->row_col);
	}
}

/* The view reads each column from the signal_rows column the table names. */
static void test_row(void)
{
	char dir[] = "/tmp/sigtrail-test-columns-XXXXXX", path[64], sql[512];
	sqlite3 *db = NULL;
	bool all_from_row = true, all_set = true, all_refs = true;

	ok(sigsys_init() == 0 && mkdtemp(dir) != NULL, "temp dir");
	snprintf(path, sizeof(path), "%s/t.db", dir);
	insert_row(path);
	ok(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK, "open");
	for (int i = 0; i < COL__N; i++) {
		const struct schema_column *c = &schema_signals[i];
		char expr[160];
		view_expr(c, expr, sizeof(expr));
		snprintf(sql, sizeof(sql),
		         "SELECT count(*) FROM signals AS v JOIN signal_rows AS r ON r.id = v.id "
		         "WHERE v.%s IS %s AND v.%s IS NOT NULL",
		         c->name, expr, c->name);
		if (count(db, sql) != 1) {
			printf("# %s is not read from %s\n", c->name, c->row_col);
			all_from_row = false;
		}
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM signals WHERE %s IS NOT NULL",
		         c->name);
		if (count(db, sql) != 1) {
			printf("# %s: NULL where the event has it\n", c->name);
			all_set = false;
		}
		snprintf(sql, sizeof(sql),
		         "SELECT count(*) FROM sqlite_master WHERE name = 'string_refs' AND sql "
		         "LIKE '%%SELECT %s FROM signal_rows%%'",
		         c->row_col);
		if (c->kind == SCHEMA_STRING && count(db, sql) != 1) {
			printf("# %s: not in string_refs\n", c->row_col);
			all_refs = false;
		}
	}
	ok(all_from_row, "the view reads every column from its signal_rows column");
	ok(all_set, "the store writes every column the event has");
	ok(all_refs, "string_refs names every string column");
	sqlite3_close(db);
	unlink(path);
	snprintf(sql, sizeof(sql), "%s-wal", path);
	unlink(sql);
	snprintf(sql, sizeof(sql), "%s-shm", path);
	unlink(sql);
	rmdir(dir);
}

/* SCHEMA_DEATHS is the `deaths` view of the newest schema, in order. */
static void test_deaths(void)
{
	sqlite3 *db = NULL;
	static const char want[] =
#define DEATH_NAME(e, name) "," #name
	    SCHEMA_DEATHS(DEATH_NAME)
#undef DEATH_NAME
	    ;

	ok(sqlite3_open(":memory:", &db) == SQLITE_OK, "in-memory database");
	for (unsigned v = 1; v <= store_migrations_count; v++)
		(void)sqlite3_exec(db, store_migrations[v - 1], NULL, NULL, NULL);
	is_str(names(db, "SELECT name FROM pragma_table_info('deaths')"), want + 1,
	       "the deaths view's columns are SCHEMA_DEATHS, in order");
	sqlite3_close(db);
}

int main(void)
{
	test_versions();
	test_deaths();
	test_shape();
	test_row();
	return tap_done();
}
