/* fuzz_db.c: libFuzzer harness for the CLI's readers of a hostile database.
 * Each input becomes a small sigtrail database: the schema as the store makes
 * it, then rows of the base tables (strings, signal_rows, death_rows,
 * collector_runs, ancestry_rows) whose every value the input chooses (NULL,
 * integers small and extreme, reals, texts with any bytes, blobs, string ids
 * and plausible times: the columns are not STRICT, so any type can sit in any
 * column). Then the reading commands run on it in-process, as `sigtrail`
 * would: who PID and who NAME, list (signals and --deaths), status (text and
 * JSON), export (csv, jsonl, json, --deaths) and report (md, html). Errors are
 * expected (exit 65 for a value that cannot be read); a crash, a sanitizer
 * report, a leak or a hang is a finding. Run: tests/fuzz/run.sh [SECONDS]. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sigtrail/log.h"
#include "sigtrail/store.h"

static char dir[] = "/dev/shm/fuzz-db.XXXXXX";
static char db_path[64], db_aux[3][64];

/* The input, read front to back; zeros once it runs out. */
struct in {
	const uint8_t *p, *end;
};

static unsigned byte(struct in *in)
{
	return in->p < in->end ? *in->p++ : 0;
}

static int64_t i64(struct in *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | byte(in);
	return (int64_t)v;
}

/* Bind one value the input chooses to parameter i of s. */
static void bind_value(sqlite3_stmt *s, int i, struct in *in)
{
	unsigned tag = byte(in), n;
	int64_t x;
	double d;

	switch (tag % 9) {
	case 0:
		sqlite3_bind_null(s, i);
		break;
	case 1:
		sqlite3_bind_int64(s, i, (int8_t)byte(in));
		break;
	case 2:
		sqlite3_bind_int64(s, i, i64(in));
		break;
	case 3:
	case 8:
		n = byte(in) % 48;
		n = in->end - in->p < n ? (unsigned)(in->end - in->p) : n;
		sqlite3_bind_text(s, i, (const char *)in->p, (int)n, SQLITE_TRANSIENT);
		in->p += n;
		break;
	case 4:
		x = i64(in);
		memcpy(&d, &x, sizeof(d));
		sqlite3_bind_double(s, i, d);
		break;
	case 5: /* a string id: those inserted below are 1 to 16 */
		sqlite3_bind_int64(s, i, byte(in) % 17);
		break;
	case 6: /* a time near the fixtures' (2026-11) */
		sqlite3_bind_int64(
		    s, i, INT64_C(1795320000000) + (int16_t)(byte(in) << 8 | byte(in)) * 1000);
		break;
	default:
		n = byte(in) % 16;
		n = in->end - in->p < n ? (unsigned)(in->end - in->p) : n;
		sqlite3_bind_blob(s, i, in->p, (int)n, SQLITE_TRANSIENT);
		in->p += n;
		break;
	}
}

/* Up to 7 rows of `table`, every column chosen by the input (strings: ids
 * 1 to 16, so that the other tables' references find them). */
static void fill(sqlite3 *db, const char *table, struct in *in)
{
	char sql[4096];
	sqlite3_stmt *s = NULL;
	int cols;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pragma_table_info('%s')", table);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW)
		abort();
	cols = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	size_t o = (size_t)snprintf(sql, sizeof(sql), "INSERT OR IGNORE INTO %s VALUES (", table);
	for (int c = 0; c < cols && o < sizeof(sql) - 8; c++)
		o += (size_t)snprintf(sql + o, sizeof(sql) - o, c ? ", ?" : "?");
	snprintf(sql + o, sizeof(sql) - o, ")");
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		abort();
	unsigned rows = byte(in) % 8;
	for (unsigned r = 0; r < rows; r++) {
		for (int c = 1; c <= cols; c++)
			bind_value(s, c, in);
		if (strcmp(table, "strings") == 0)
			sqlite3_bind_int64(s, 1, r + 1 + (byte(in) & 8));
		(void)sqlite3_step(s);
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	}
	sqlite3_finalize(s);
}

static void remove_db(void)
{
	(void)unlink(db_path);
	for (int i = 0; i < 3; i++)
		(void)unlink(db_aux[i]);
}

/* A sigtrail database of the current schema, with the input's rows. */
static int make_db(struct in *in)
{
	static const char *const tables[] = {"strings", "signal_rows", "death_rows",
	                                     "collector_runs", "ancestry_rows"};
	char err[256];
	struct store *st = NULL;
	sqlite3 *db = NULL;

	remove_db();
	if (store_open(db_path, "fuzz", &st, err, sizeof(err)) < 0)
		abort();
	store_close(st);
	if (sqlite3_open(db_path, &db) != SQLITE_OK)
		abort();
	(void)sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		fill(db, tables[t], in);
	(void)sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	return 0;
}

typedef int (*command_fn)(int argc, char **argv);

/* Run one command as `sigtrail NAME --db PATH ARGS...`. */
static void run(command_fn fn, const char *name, const char *const *args)
{
	char *argv[16];
	int argc = 0;

	argv[argc++] = (char *)name;
	argv[argc++] = (char *)"--db";
	argv[argc++] = db_path;
	for (; *args && argc < 15; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	(void)fn(argc, argv);
	fflush(stdout);
}

static void cleanup(void)
{
	remove_db();
	(void)rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	if (!mkdtemp(dir)) { /* a tmpfs where there is one: SQLite's syncs cost nothing */
		memcpy(dir, "/tmp/fuzz-db.XXXXXX", sizeof("/tmp/fuzz-db.XXXXXX"));
		if (!mkdtemp(dir))
			abort();
	}
	snprintf(db_path, sizeof(db_path), "%s/t.db", dir);
	snprintf(db_aux[0], sizeof(db_aux[0]), "%s-wal", db_path);
	snprintf(db_aux[1], sizeof(db_aux[1]), "%s-shm", db_path);
	snprintf(db_aux[2], sizeof(db_aux[2]), "%s.lock", db_path);
	if (!freopen("/dev/null", "w", stdout))
		abort();
	atexit(cleanup);
	log_init("fuzz_db", LOG_LVL_ERROR, false);
	setenv("TZ", "UTC", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = {data, data + size};
	char pid[24];

	if (size > 4096)
		return 0;
	make_db(&in);
	snprintf(pid, sizeof(pid), "%u", 1 + byte(&in)); /* a pid, some of the fixtures' */
	const char *const since[] = {"--since", "2000-01-01T00:00:00Z", NULL};
	run(cli_who, "who", (const char *const[]){pid, "--utc", NULL});
	run(cli_who, "who", (const char *const[]){"kill", "--json", NULL});
	run(cli_list, "list", since);
	run(cli_list, "list", (const char *const[]){"--deaths", "--since", "2000-01-01", NULL});
	run(cli_status, "status", (const char *const[]){"--utc", NULL});
	run(cli_status, "status", (const char *const[]){"--json", NULL});
	run(cli_export, "export", (const char *const[]){"--format", "csv", NULL});
	run(cli_export, "export", (const char *const[]){"--format", "jsonl", "--deaths", NULL});
	run(cli_export, "export", (const char *const[]){"--format", "json", NULL});
	run(cli_report, "report",
	    (const char *const[]){"--format", "md", since[0], since[1], NULL});
	run(cli_report, "report", (const char *const[]){"--format", "html", NULL});
	(void)since;
	remove_db();
	return 0;
}
