/* Unit tests for the store (store.c, intern.c, signals.c): schema creation,
 * reopening, refusal of foreign or newer files, and the rows an event
 * becomes in the `signals` view. */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sigtrail/schema.h"
#include "sigtrail/sigsys.h"
#include "sigtrail/store.h"
#include "sqlq.h"
#include "tap.h"

static char dir[] = "/tmp/sigtrail-test-store-XXXXXX";
static char path[320];

/* One value of a query on the test database. */
static const char *q(const char *sql)
{
	return sqlq(path, sql);
}

/* A kill -TERM -- -PGID reaching `n` processes; n = 0 means ESRCH. */
static struct st_event *make_event(unsigned n, uint64_t serial)
{
	struct st_event *e = calloc(1, sizeof(*e) + n * sizeof(struct st_target));
	e->epoch_ms = 1795317670616;
	e->serial = serial;
	e->arch = 0xc000003e;
	e->syscall = 62;
	e->signal = 15;
	e->success = n > 0;
	e->exit = n > 0 ? 0 : -ESRCH;
	e->target_arg = -3921;
	e->pid = 3847;
	e->ppid = 3846;
	e->uid = 65534;
	e->euid = 65534;
	e->auid = ST_ID_UNSET;
	e->ses = ST_ID_UNSET;
	e->comm = "bash";
	e->exe = "/usr/bin/bash";
	e->cmdline = "bash -c kill -TERM -- -3921";
	e->n_targets = n;
	for (unsigned i = 0; i < n; i++)
		e->targets[i] = (struct st_target){.pid = 3921 + (int32_t)i,
		                                   .uid = 0,
		                                   .auid = ST_ID_UNSET,
		                                   .ses = ST_ID_UNSET,
		                                   .comm = "sleep"};
	return e;
}

/* Write the forwarder's position file: this database's instance, and the
 * signal rows the centre has. */
static void write_position(const char *file, const char *uuid, long long signals)
{
	FILE *f = fopen(file, "w");

	fprintf(f, "instance %s\nsignals %lld\ndeaths 0\n", uuid, signals);
	fclose(f);
}

/* The plan SQLite chooses for `sql` in a fresh connection, as sqlite3 by
 * hand would: the details of EXPLAIN QUERY PLAN, joined by " / ". */
static const char *plan(const char *sql)
{
	static char out[1024];
	char eqp[512];
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	size_t len = 0;

	out[0] = '\0';
	snprintf(eqp, sizeof(eqp), "EXPLAIN QUERY PLAN %s", sql);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, eqp, -1, &s, NULL) == SQLITE_OK)
		while (sqlite3_step(s) == SQLITE_ROW && len < sizeof(out) - 1)
			len +=
			    (size_t)snprintf(out + len, sizeof(out) - len, "%s%s", len ? " / " : "",
			                     (const char *)sqlite3_column_text(s, 3));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return out;
}

/* Schema 21: the target pid index is ordered by block of 65,536 row ids
 * first; a search by pid alone still reads it (one seek a block) thanks to
 * the statistics row the store writes, in a fresh connection as in sqlite3
 * by hand, and finds the pid's rows in every block. */
static void test_pid_blocks(void)
{
	struct store *st = NULL;
	char err[512];
	struct st_event *e = make_event(2, 900);
	sqlite3 *db = NULL;
	const char *by_pid = "SELECT id FROM signals WHERE target_pid = 3922";

	snprintf(path, sizeof(path), "%s/blocks.db", dir);
	ok(store_open(path, "testhost", &st, err, sizeof(err)) == 0, "open: %s", err);
	is_int(store_insert(st, e), 2, "a kill of 2");
	free(e);
	ok(store_commit(st) == 0, "commit");
	store_close(st);
	st = NULL;
	is_str(q("SELECT stat FROM sqlite_stat1 WHERE idx = 'signal_rows_target_pid_block'"),
	       "1048576 65536 1", "the statistics row");
	/* The same rows again in blocks 1, 5 and 40. */
	sqlite3_open(path, &db);
	is_int(sqlite3_exec(db,
	                    "INSERT INTO signal_rows(id, epoch_ms, serial, signal, success, "
	                    "target_arg, sender_pid, target_pid) SELECT 65536 * n + 7, "
	                    "1795317670616, 900 + n, 15, 1, 3922, 3847, 3922 FROM (SELECT 1 AS n "
	                    "UNION ALL SELECT 5 UNION ALL SELECT 40)",
	                    NULL, NULL, NULL),
	       SQLITE_OK, "rows of pid 3922 in blocks 1, 5 and 40: %s", sqlite3_errmsg(db));
	sqlite3_close(db);
	ok(strstr(plan(by_pid), "signal_rows_target_pid_block (ANY(<expr>) AND "
	                        "target_pid=?)") != NULL,
	   "a search by pid reads the index, a seek a block: %s", plan(by_pid));
	is_str(q("SELECT count(*) || ' ' || group_concat(id >> 16) FROM (SELECT id FROM signals "
	         "WHERE target_pid = 3922 ORDER BY id)"),
	       "4 0,1,5,40", "it finds the pid's row in every block");
	is_str(q("SELECT count(*) FROM signal_rows NOT INDEXED WHERE target_pid = 3922"), "4",
	       "as many as a scan of the table");

	/* Statistics deleted (by hand, or an ANALYZE of an empty table): the
	 * search would read every row, until the store puts the row back. */
	is_str(q("DELETE FROM sqlite_stat1 RETURNING 'deleted'"), "deleted", "statistics deleted");
	ok(strstr(plan(by_pid), "SCAN") != NULL, "without them, a scan: %s", plan(by_pid));
	ok(store_open(path, "testhost", &st, err, sizeof(err)) == 0, "reopen: %s", err);
	store_close(st);
	ok(strstr(plan(by_pid), "signal_rows_target_pid_block") != NULL,
	   "the store wrote them again: %s", plan(by_pid));
}

/* Schema 22: the writer copies each whole era (2^22 row ids) of target pids
 * into pid_eras, in steps that resume from the table itself: every row with
 * a target pid and no other, a pid of many rows (a block at a time) as well
 * as many pids of a row; the newest era stays out; the prune deletes the
 * eras whose rows are gone. */
static void test_pid_eras(void)
{
	struct store *st = NULL;
	char err[512];
	struct st_event *e = make_event(2, 900);
	sqlite3 *db = NULL;
	const char *missing = "SELECT count(*) FROM (SELECT id >> 22, target_pid, id FROM "
	                      "signal_rows WHERE target_pid IS NOT NULL AND id < 3 << 22 EXCEPT "
	                      "SELECT era, target_pid, id FROM pid_eras)";
	const char *extra = "SELECT count(*) FROM (SELECT era, target_pid, id FROM pid_eras "
	                    "EXCEPT SELECT id >> 22, target_pid, id FROM signal_rows)";

	snprintf(path, sizeof(path), "%s/eras.db", dir);
	ok(store_open(path, "testhost", &st, err, sizeof(err)) == 0, "open: %s", err);
	is_int(store_insert(st, e), 2, "a kill of 2");
	free(e);
	ok(store_commit(st) == 0, "commit");
	ok(!store_pid_eras_due(st), "one era, the newest: nothing to copy");
	store_close(st);
	st = NULL;
	/* Eras 0 and 1: 30,000 rows each, of as many pids across their blocks,
	 * and in era 1 an ESRCH row; era 2: 45,000 rows of pid 4242 and one of
	 * pid 1; era 3: a row. */
	sqlite3_open(path, &db);
	is_int(
	    sqlite3_exec(
	        db,
	        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 29999) "
	        "INSERT INTO signal_rows(id, epoch_ms, serial, signal, success, target_arg, "
	        "sender_pid, target_pid) SELECT 1000 + i * 139, 1795317670616, 200000 + i, 15, "
	        "1, 0, 3847, i * 6007 % 4194304 + 1 FROM n;"
	        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 29999) "
	        "INSERT INTO signal_rows(id, epoch_ms, serial, signal, success, target_arg, "
	        "sender_pid, target_pid) SELECT (1 << 22) + i * 139, 1795317670616, 1000 + i, 15, "
	        "1, 0, 3847, i * 7919 % 4194304 + 1 FROM n;"
	        "INSERT INTO signal_rows(id, epoch_ms, serial, signal, success, target_arg, "
	        "sender_pid, target_pid) VALUES ((1 << 22) + 5, 1795317670616, 99, 9, 0, 777, "
	        "3847, NULL), ((2 << 22) + 70000, 1795317670616, 98, 9, 1, 1, 3847, 1), "
	        "((3 << 22) + 1, 1795317670616, 97, 9, 1, 3922, 3847, 3922);"
	        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 44999) "
	        "INSERT INTO signal_rows(id, epoch_ms, serial, signal, success, target_arg, "
	        "sender_pid, target_pid) SELECT (2 << 22) + 3 + i * 93, 1795317670616, 50000 + i, "
	        "9, 1, 4242, 3847, 4242 FROM n;",
	        NULL, NULL, NULL),
	    SQLITE_OK, "rows in eras 1, 2 and 3: %s", sqlite3_errmsg(db));
	sqlite3_close(db);

	/* One statement a step (budget 0), the store reopened midway. */
	ok(store_open(path, "testhost", &st, err, sizeof(err)) == 0, "reopen: %s", err);
	ok(store_pid_eras_due(st), "eras 0, 1 and 2 are due");
	bool done = false;
	int steps = 0, r = 0;
	for (; steps < 5 && r == 0 && !done; steps++)
		r = store_pid_era_step(st, 0, &done);
	is_int(r, 0, "five steps");
	is_str(q("SELECT count(*) FROM pid_eras_done"), "0", "era 0 not done yet");
	store_close(st);
	ok(store_open(path, "testhost", &st, err, sizeof(err)) == 0, "reopen midway: %s", err);
	while (r == 0 && !done && steps < 10000) {
		r = store_pid_era_step(st, 0, &done);
		steps++;
	}
	ok(r == 0 && done, "the copy ends (%d steps)", steps);
	ok(steps > 10, "in steps: %d", steps);
	ok(!store_pid_eras_due(st), "nothing due after it");
	is_str(q("SELECT group_concat(era) FROM pid_eras_done"), "0,1,2", "eras 0, 1 and 2 done");
	is_str(q(missing), "0", "every row of eras 0-2 with a target pid has its entry");
	is_str(q(extra), "0", "no entry without its row");
	is_str(q("SELECT count(*) FROM pid_eras"), "105003",
	       "105,003 entries (no ESRCH, no era 3)");
	is_str(q("SELECT count(*) FROM pid_eras WHERE target_pid = 4242"), "45000",
	       "the pid of 45,000 rows, whole");

	/* The prune: rows of eras 0 and 1 past the retention, their entries go. */
	sqlite3_open(path, &db);
	is_int(sqlite3_exec(db, "UPDATE signal_rows SET epoch_ms = 1000 WHERE id < 2 << 22", NULL,
	                    NULL, NULL),
	       SQLITE_OK, "eras 0 and 1 made old");
	sqlite3_close(db);
	is_int(store_prune(st, 1795317670616, 30, 0), 60003, "the prune deletes their rows");
	is_str(q("SELECT group_concat(era) FROM pid_eras_done"), "2", "era 2 left done");
	is_str(q("SELECT count(*) || ' ' || min(era) FROM pid_eras"), "45001 2",
	       "era 2's entries only");
	store_close(st);
}

/* Pruning honours the forwarder's position (unsent.c): retention keeps
 * rows not forwarded yet, and the size cap deletes them last and records
 * them in forward_drops. */
static void test_unsent(void)
{
	char db[300], pos[300], err[512], uuid[64];
	struct store *st = NULL;
	int64_t old = 1795317670616, month = 31LL * 86400000;

	snprintf(db, sizeof(db), "%s/unsent.db", dir);
	snprintf(pos, sizeof(pos), "%s/position", dir);
	snprintf(path, sizeof(path), "%s", db);
	ok(store_open(db, "h", &st, err, sizeof(err)) == 0, "unsent: open: %s", err);
	for (int i = 0; i < 10; i++) {
		struct st_event *e = make_event(1, 1 + (uint64_t)i);
		e->targets[0].pid = 100 + i;
		(void)store_insert(st, e);
		free(e);
	}
	(void)store_commit(st);
	snprintf(uuid, sizeof(uuid), "%s", q("SELECT uuid FROM instance"));
	store_set_forward_position(st, pos);
	write_position(pos, uuid, 5);
	is_int(store_prune(st, old + month, 30, 0), 5,
	       "retention with a position file at row 5 deletes the 5 forwarded rows only");
	is_str(q("SELECT count(*) || ' ' || min(id) FROM signals"), "5 6",
	       "the 5 rows not forwarded yet are kept, old as they are");
	for (int i = 0; i < 20000; i++) {
		struct st_event *e = make_event(1, 100 + (uint64_t)i);
		e->targets[0].pid = i;
		(void)store_insert(st, e);
		free(e);
	}
	(void)store_commit(st);
	/* Rows 6 to 20010; up to 10010 forwarded. */
	write_position(pos, uuid, 10010);
	is_int(store_prune(st, old + month, 30, 0), 10005,
	       "retention deletes the forwarded rows, however many");
	int64_t n = store_prune(st, 0, 0, 512 * 1024);
	ok(n > 0 && n < 10000, "a 512 KiB cap deletes rows not forwarded yet: %lld", (long long)n);
	char want[100];
	snprintf(want, sizeof(want), "signals 10011 %lld %lld", (long long)(10010 + n),
	         (long long)n);
	is_str(q("SELECT stream || ' ' || min(first_id) || ' ' || max(last_id) || ' ' || sum(rows) "
	         "FROM forward_drops"),
	       want, "forward_drops records them: the ids, and how many");
	is_str(q("SELECT count(*) = 0 FROM forward_drops WHERE time NOT LIKE '____-__-__T%Z'"), "1",
	       "with the time of the drop");
	write_position(pos, uuid, 20010);
	is_int(store_prune(st, old + month, 30, 0), 10000 - n - 1,
	       "everything forwarded: retention deletes all but the newest row");
	struct st_event *e = make_event(1, 90000);
	(void)store_insert(st, e);
	free(e);
	(void)store_commit(st);
	is_str(q("SELECT group_concat(id) FROM (SELECT id FROM signals ORDER BY id)"),
	       "20010,20011", "which keeps the ids growing past the forwarder's position");
	write_position(pos, "00000000-0000-4000-8000-000000000000", 0);
	is_int(store_prune(st, old + month, 30, 0), 2,
	       "the position of another database is ignored: every old row goes");
	unlink(pos);
	e = make_event(1, 90001);
	(void)store_insert(st, e);
	free(e);
	(void)store_commit(st);
	is_int(store_prune(st, old + month, 30, 0), 1,
	       "without a position file (no forwarder), likewise");
	store_close(st);
}

int main(void)
{
	struct store *st = NULL;
	char err[512];
	struct st_event *e;

	ok(sigsys_init() == 0, "syscall tables");
	ok(mkdtemp(dir) != NULL, "temp dir");
	snprintf(path, sizeof(path), "%s/t.db", dir);

	ok(store_open(path, "testhost", &st, err, sizeof(err)) == 0, "create: %s", err);
	char version[16];
	snprintf(version, sizeof(version), "%u", store_migrations_count);
	is_str(q("PRAGMA user_version"), version, "user_version is the latest schema");
	is_str(q("SELECT count(*) FROM coverage"), "0", "coverage view exists");
	is_str(q("PRAGMA application_id"), "1397183570", "application_id 'SGTR'");
	is_str(q("PRAGMA journal_mode"), "wal", "WAL mode");

	e = make_event(3, 17);
	is_int(store_insert(st, e), 3, "group kill of 3: 3 rows");
	free(e);
	e = make_event(0, 22);
	is_int(store_insert(st, e), 1, "ESRCH: 1 row");
	free(e);
	is_str(q("SELECT count(*) FROM signals"), "0", "nothing visible before commit");
	ok(store_commit(st) == 0, "commit");
	is_str(q("SELECT count(*) FROM signals WHERE serial = 17"), "3", "3 rows visible");
	is_str(q("SELECT group_concat(target_pid) FROM (SELECT target_pid FROM signals WHERE "
	         "serial = 17 ORDER BY target_pid)"),
	       "3921,3922,3923", "one row per target");
	is_str(q("SELECT DISTINCT target_arg FROM signals WHERE serial = 17"), "-3921",
	       "target_arg is -PGID");
	is_str(q("SELECT time || ' ' || epoch_ms FROM signals WHERE serial = 17"),
	       "2026-11-22T03:21:10.616Z 1795317670616", "time in UTC ISO-8601 with ms");
	is_str(q("SELECT host || ' ' || arch || ' ' || syscall || ' ' || signame FROM signals "
	         "WHERE serial = 17"),
	       "testhost x86_64 kill SIGTERM", "names");
	is_str(q("SELECT sender_user || ' ' || target_user || ' ' || target_comm || ' ' || "
	         "sender_cmdline FROM signals WHERE serial = 17"),
	       "nobody root sleep bash -c kill -TERM -- -3921", "user names and strings");
	is_str(q("SELECT coalesce(sender_auid, 'NULL') || coalesce(sender_ses, 'NULL') || "
	         "coalesce(sender_login, 'NULL') || coalesce(target_auid, 'NULL') || "
	         "coalesce(target_ses, 'NULL') || coalesce(errno, 'NULL') FROM signals WHERE "
	         "serial = 17"),
	       "NULLNULLNULLNULLNULLNULL", "unset auid/ses and no errno are NULL");
	is_str(q("SELECT success || ' ' || errno || ' ' || coalesce(target_pid, 'NULL') || ' ' "
	         "|| coalesce(target_comm, 'NULL') FROM signals WHERE serial = 22"),
	       "0 ESRCH NULL NULL", "ESRCH: NULL target, errno name");
	is_str(q("SELECT count(*) FROM strings WHERE value = 'sleep'"), "1",
	       "repeated strings stored once");
	store_close(st);
	st = NULL;

	ok(store_open(path, "testhost", &st, err, sizeof(err)) == 0, "reopen: %s", err);
	e = make_event(1, 30);
	is_int(store_insert(st, e), 1, "insert after reopen");
	free(e);
	store_close(st);
	st = NULL;
	is_str(q("SELECT count(*) FROM signals"), "5", "rows kept across reopen");
	is_str(q("SELECT count(*) FROM strings WHERE value = 'sleep'"), "1",
	       "interning survives reopen");

	/* Storms: identical events within the window become one row's count. */
	char storm[300];
	snprintf(storm, sizeof(storm), "%s/storm.db", dir);
	ok(store_open(storm, "h", &st, err, sizeof(err)) == 0, "storm database: %s", err);
	store_set_coalesce_ms(st, 1000);
	int written = 0;
	for (int i = 0; i < 50; i++) {
		e = make_event(1, 100 + (uint64_t)i);
		e->epoch_ms += i * 10; /* 50 events in 490 ms */
		written += store_insert(st, e);
		free(e);
	}
	is_int(written, 1, "50 identical events within 1 s: one row written");
	e = make_event(1, 200);
	e->epoch_ms += 1000; /* outside the window of the first */
	is_int(store_insert(st, e), 1, "the same event 1 s later starts a new row");
	free(e);
	e = make_event(1, 201);
	e->signal = 9; /* a different signal from the same sender, in the window */
	e->epoch_ms += 1001;
	is_int(store_insert(st, e), 1, "a different signal is never coalesced");
	free(e);
	e = make_event(2, 202); /* group kills are never coalesced */
	is_int(store_insert(st, e), 2, "a group kill keeps one row per target");
	free(e);
	ok(store_commit(st) == 0, "commit");
	struct store_stats ss;
	store_stats(st, &ss);
	is_int(ss.coalesced, 49, "49 events coalesced");
	store_close(st);
	st = NULL;
	char saved_path[320];
	snprintf(saved_path, sizeof(saved_path), "%s", path);
	snprintf(path, sizeof(path), "%s", storm);
	is_str(q("SELECT group_concat(signal || 'x' || count, ' ') FROM (SELECT signal, count FROM "
	         "signals ORDER BY id)"),
	       "15x50 15x1 9x1 15x1 15x1", "counts: 50, then 1, 1, and the group kill's 1s");

	/* A coalesced row stands only for events alike in all it shows: within
	 * the window, a sender or target that differs in comm, exe or command
	 * line starts a row of its own (six such once became one row). */
	char alike[300];
	snprintf(alike, sizeof(alike), "%s/alike.db", dir);
	ok(store_open(alike, "h", &st, err, sizeof(err)) == 0, "alike database: %s", err);
	store_set_coalesce_ms(st, 1000);
	int alike_rows = 0;
	for (int i = 0; i < 7; i++) {
		e = make_event(1, 300 + (uint64_t)i);
		e->epoch_ms += i * 10;
		if (i == 2)
			e->comm = "sh"; /* the same pid, another program (an exec) */
		if (i == 3)
			e->exe = "/usr/bin/dash";
		if (i == 4)
			e->targets[0].comm = "sleep2";
		if (i >= 5)
			e->cmdline = "bash -c kill -TERM -- -3921 # again";
		alike_rows += store_insert(st, e);
		free(e);
	}
	ok(store_commit(st) == 0, "commit");
	store_close(st);
	st = NULL;
	snprintf(path, sizeof(path), "%s", alike);
	is_int(alike_rows, 5, "7 events, 5 kinds of them: 5 rows");
	is_str(q("SELECT group_concat(sender_comm || ':' || sender_exe || ':' || target_comm || "
	         "':' || "
	         "count, ' ') FROM (SELECT * FROM signals ORDER BY id)"),
	       "bash:/usr/bin/bash:sleep:2 sh:/usr/bin/bash:sleep:1 bash:/usr/bin/dash:sleep:1 "
	       "bash:/usr/bin/bash:sleep2:1 bash:/usr/bin/bash:sleep:2",
	       "each row's count only counts events with its comm, exe, target and command line");
	snprintf(path, sizeof(path), "%s", storm);

	/* Import: the same event twice is stored once. */
	ok(store_open(storm, "h", &st, err, sizeof(err)) == 0, "reopen: %s", err);
	store_set_dedupe(st, true);
	e = make_event(1, 100);
	is_int(store_insert(st, e), 0, "dedupe: an event already stored adds nothing");
	free(e);
	int again = 0;
	for (int i = 1; i < 50; i++) { /* the ones the first row counts */
		e = make_event(1, 100 + (uint64_t)i);
		e->epoch_ms += i * 10;
		again += store_insert(st, e);
		free(e);
	}
	is_int(again, 0, "dedupe: the 49 events coalesced into the first row add nothing");
	e = make_event(1, 999);
	is_int(store_insert(st, e), 1, "dedupe: a new serial is stored");
	is_int(store_insert(st, e), 0, "dedupe: and only once, even in one transaction");
	free(e);
	store_close(st);
	st = NULL;
	is_str(q("SELECT count(*) FROM signals"), "6", "6 rows after the import");

	/* Retention and size caps: oldest rows go first; strings follow. */
	ok(store_open(storm, "h", &st, err, sizeof(err)) == 0, "reopen: %s", err);
	/* Texts are collected by generation (65,536 string ids, prune.c): the
	 * old rows' texts are in generation 0; a name with id 2 << 16 makes 2
	 * the newest, as 131,072 strings would. */
	is_int(sqlite3_exec(store_sqlite(st),
	                    "INSERT INTO strings(id, value) VALUES (131072, 'generation 2')", NULL,
	                    NULL, NULL),
	       SQLITE_OK, "the newest generation is 2");
	e = make_event(1, 1000);
	e->epoch_ms = 1795317670616 + 40LL * 86400 * 1000; /* 40 days after the others */
	e->cmdline = "a command line only this recent row has";
	is_int(store_insert(st, e), 1, "a recent row");
	free(e);
	e = make_event(1, 1001);
	e->epoch_ms = 1795317670616 + 40LL * 86400 * 1000;
	e->cmdline = "bash -c kill -TERM -- -3921"; /* cached under generation 0 */
	is_int(store_insert(st, e), 1, "a recent row with an old row's command line");
	free(e);
	(void)store_commit(st);
	is_str(
	    q("SELECT count(*) FROM strings WHERE value = 'bash -c kill -TERM -- -3921' AND gen = "
	      "2"),
	    "1", "a text cached under an older generation is stored again in the newest");
	is_str(q("SELECT count(*) FROM signal_rows WHERE sender_cmdline_s >> 16 < 2 AND serial >= "
	         "1000"),
	       "0", "rows refer to texts of the newest generation only");
	is_int(store_prune(st, 1795317670616 + 41LL * 86400 * 1000, 30, 0), 6,
	       "retention 30 days deletes the 6 old rows");
	store_close(st);
	st = NULL;
	is_str(q("SELECT count(*) || ' ' || min(serial) FROM signals"), "2 1000",
	       "the recent ones stay");
	is_str(q("SELECT count(*) FROM strings WHERE gen < 2"), "0",
	       "strings of deleted rows are gone: their generation went");
	is_str(q("SELECT count(*) FROM strings WHERE value = 'bash -c kill -TERM -- -3921'"), "1",
	       "the newest generation's copy stays");
	is_str(
	    q("SELECT group_concat(sender_cmdline, '|') FROM (SELECT sender_cmdline FROM signals "
	      "ORDER BY serial)"),
	    "a command line only this recent row has|bash -c kill -TERM -- -3921",
	    "strings of kept rows stay");
	is_str(q("SELECT count(*) FROM strings WHERE value = 'generation 2'"), "1", "names stay");
	ok(store_open(storm, "h", &st, err, sizeof(err)) == 0, "reopen: %s", err);
	for (int i = 0; i < 20000; i++) {
		e = make_event(1, 2000 + (uint64_t)i);
		e->targets[0].pid = i; /* distinct rows */
		(void)store_insert(st, e);
		free(e);
	}
	(void)store_commit(st);
	/* 20,002 rows are about 3 MiB of live data with their hash chain
	 * entries (schema 016); the cap deletes the oldest in chunks of 200
	 * (prune.c) until they fit: 3,402 rows do not fit 768 KiB beside the
	 * schema's other tables and indexes (schema 17's index holds the
	 * serial too; schema 18 adds the zombies' tables, schema 20 indexes
	 * the target comm), 3,202 do. */
	is_int(store_prune(st, 0, 0, 768 * 1024), 16800,
	       "a 768 KiB cap prunes 16,800 rows: 84 chunks, the fewest that fit");
	store_close(st);
	st = NULL;
	is_str(q("SELECT (page_count - freelist_count) * page_size <= 768 * 1024 FROM "
	         "pragma_page_count, pragma_freelist_count, pragma_page_size"),
	       "1", "live data within the cap");
	is_str(q("SELECT count(*) || ' ' || min(serial) || ' ' || max(serial) FROM signals"),
	       "3202 18798 21999",
	       "the newest 3,202 rows are the ones kept (the older rows too went)");
	snprintf(path, sizeof(path), "%s", saved_path);

	/* A version-1 database (as the first release wrote it) is migrated in
	 * place, rows kept, and gains the count column. */
	char v1[300];
	snprintf(v1, sizeof(v1), "%s/v1.db", dir);
	sqlite3 *db;
	sqlite3_open(v1, &db);
	sqlite3_exec(db, store_migrations[0], NULL, NULL, NULL);
	sqlite3_exec(db,
	             "PRAGMA application_id = 1397183570; PRAGMA user_version = 1;"
	             "INSERT INTO signal_rows(epoch_ms, serial, signal, success, target_arg, "
	             "sender_pid) VALUES (1795317670616, 5, 9, 1, 42, 7)",
	             NULL, NULL, NULL);
	sqlite3_close(db);
	ok(store_open(v1, NULL, &st, err, sizeof(err)) == 0, "version 1 database opens: %s", err);
	store_close(st);
	st = NULL;
	char saved[320];
	snprintf(saved, sizeof(saved), "%s", path);
	snprintf(path, sizeof(path), "%s", v1);
	is_str(q("PRAGMA user_version"), version, "migrated to the latest version");
	is_str(q("SELECT signal || ' ' || target_arg || ' ' || count FROM signals"), "9 42 1",
	       "its row survives, with count 1");
	snprintf(path, sizeof(path), "%s", saved);

	/* A version-5 database whose rows did not keep the generation order
	 * (a text id cached across generations): row 3 refers to generation 0
	 * though row 2, older, refers to generation 1. Pruning row 1 must keep
	 * row 3's text (schema 11's legacy_text_gens). */
	char v5[300];
	snprintf(v5, sizeof(v5), "%s/v5.db", dir);
	sqlite3_open(v5, &db);
	for (unsigned i = 0; i < 5; i++)
		sqlite3_exec(db, store_migrations[i], NULL, NULL, NULL);
	is_int(
	    sqlite3_exec(
	        db,
	        "PRAGMA application_id = 1397183570; PRAGMA user_version = 5;"
	        "INSERT INTO strings(id, value, gen) VALUES (10, 'old cmd', 0), "
	        "(65600, 'newer cmd', 1), (131072, 'newest cmd', 2);"
	        "INSERT INTO signal_rows(id, epoch_ms, serial, signal, success, target_arg, "
	        "sender_pid, sender_cmdline_s) VALUES (1, 1000, 1, 9, 1, 42, 7, 10), "
	        "(2, 1795317670616, 2, 9, 1, 42, 7, 65600), (3, 1795317670616, 3, 9, 1, 42, 7, 10)",
	        NULL, NULL, NULL),
	    SQLITE_OK, "a version-5 database out of order");
	sqlite3_close(db);
	ok(store_open(v5, NULL, &st, err, sizeof(err)) == 0, "version 5 database opens: %s", err);
	is_int(store_prune(st, 1795317670616 + 86400000, 30, 0), 1, "retention deletes row 1");
	store_close(st);
	st = NULL;
	snprintf(path, sizeof(path), "%s", v5);
	is_str(
	    q("SELECT group_concat(sender_cmdline, '|') FROM (SELECT sender_cmdline FROM signals "
	      "ORDER BY id)"),
	    "newer cmd|old cmd", "the rows keep their texts");
	ok(store_open(v5, NULL, &st, err, sizeof(err)) == 0, "reopen: %s", err);
	is_int(store_prune(st, 1795317670616 + 31LL * 86400000, 30, 0), 2,
	       "retention deletes the others");
	store_close(st);
	st = NULL;
	is_str(
	    q("SELECT count(*) || ' ' || group_concat(value) FROM strings WHERE gen IS NOT NULL"),
	    "1 newest cmd", "then their generations go, the newest stays");
	is_str(q("SELECT count(*) FROM legacy_text_gens"), "0", "and their legacy lines");
	snprintf(path, sizeof(path), "%s", saved);

	/* A version-3 database (every string unique in the whole table) is
	 * migrated: ids and values kept. Names (comm...) are still found
	 * anywhere; texts (command lines) only in the newest generation of
	 * 65,536 ids, so the one stored before is stored once more. */
	char v3[300];
	snprintf(v3, sizeof(v3), "%s/v3.db", dir);
	sqlite3_open(v3, &db);
	for (unsigned i = 0; i < 3; i++)
		sqlite3_exec(db, store_migrations[i], NULL, NULL, NULL);
	sqlite3_exec(db,
	             "PRAGMA application_id = 1397183570; PRAGMA user_version = 3;"
	             "INSERT INTO strings(id, value) VALUES (7, 'bash'), (9, 'sleep'), "
	             "(11, 'bash -c kill -TERM -- -3921');"
	             "INSERT INTO signal_rows(epoch_ms, serial, signal, success, target_arg, "
	             "sender_pid, sender_comm_s, sender_cmdline_s, target_comm_s) VALUES "
	             "(1795317670616, 5, 15, 1, -3921, 3847, 7, 11, 9)",
	             NULL, NULL, NULL);
	sqlite3_close(db);
	ok(store_open(v3, "h", &st, err, sizeof(err)) == 0, "version 3 database opens: %s", err);
	e = make_event(1, 6);
	is_int(store_insert(st, e), 1, "a row after the migration");
	free(e);
	store_close(st);
	st = NULL;
	snprintf(path, sizeof(path), "%s", v3);
	is_str(q("PRAGMA user_version"), version, "version 3 migrated to the latest version");
	is_str(q("SELECT group_concat(sender_comm || '>' || target_comm || ' ' || sender_cmdline, "
	         "'; ') FROM (SELECT * FROM signals ORDER BY id)"),
	       "bash>sleep bash -c kill -TERM -- -3921; bash>sleep bash -c kill -TERM -- -3921",
	       "the view reads the same values");
	is_str(q("SELECT group_concat(sender_comm_s || '>' || target_comm_s, ' ') FROM (SELECT * "
	         "FROM signal_rows ORDER BY id)"),
	       "7>9 7>9", "names stored before the migration keep their ids");
	is_str(q("SELECT count(*) FROM strings WHERE value = 'bash -c kill -TERM -- -3921'"), "2",
	       "a command line stored before it is stored once more, as a text");

	/* Once ids reach the next generation, a text of an older one is stored
	 * again there, once; a name never is. Another writer's INSERT OR
	 * IGNORE of a value alone still skips a name already stored. */
	sqlite3_open(v3, &db);
	sqlite3_exec(db,
	             "INSERT INTO strings(id, value) VALUES (65536, 'the next generation');"
	             "INSERT OR IGNORE INTO strings(value) VALUES ('sleep')",
	             NULL, NULL, NULL);
	sqlite3_close(db);
	is_str(q("SELECT count(*) FROM strings WHERE value = 'sleep'"), "1",
	       "INSERT OR IGNORE skips a name already stored");
	for (uint64_t serial = 7; serial <= 9; serial++) {
		ok(store_open(v3, "h", &st, err, sizeof(err)) == 0, "reopen: %s", err);
		e = make_event(1, serial); /* each time with an empty cache */
		is_int(store_insert(st, e), 1, "a row in the next generation (serial %llu)",
		       (unsigned long long)serial);
		free(e);
		store_close(st);
		st = NULL;
	}
	is_str(q("SELECT count(*) FROM strings WHERE value = 'bash -c kill -TERM -- -3921'"), "3",
	       "the command line is stored once more in the next generation");
	is_str(q("SELECT count(DISTINCT sender_cmdline_s) || ' ' || (min(sender_cmdline_s) > "
	         "65536) || ' ' || group_concat(DISTINCT target_comm_s) FROM signal_rows WHERE "
	         "serial >= 7"),
	       "1 1 9", "and then found there; the name keeps its id");
	is_str(q("SELECT count(*) FROM signals WHERE sender_comm = 'bash' AND target_comm = "
	         "'sleep' AND sender_cmdline = 'bash -c kill -TERM -- -3921'"),
	       "5", "every row reads the same values");
	snprintf(path, sizeof(path), "%s", saved);

	/* A newer schema is refused, and the file is left alone. */
	char sql[128];
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %u", store_migrations_count + 1);
	sqlite3_open(path, &db);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	is_int(store_open(path, NULL, &st, err, sizeof(err)), -EPROTO, "newer schema refused");
	ok(strstr(err, "newer") != NULL, "message says newer: %s", err);

	/* A database that is not ours is never written. */
	char other[256];
	snprintf(other, sizeof(other), "%s/other.db", dir);
	sqlite3_open(other, &db);
	sqlite3_exec(db, "CREATE TABLE mine(x); INSERT INTO mine VALUES (1)", NULL, NULL, NULL);
	sqlite3_close(db);
	is_int(store_open(other, NULL, &st, err, sizeof(err)), -EEXIST, "foreign database refused");
	ok(strstr(err, "not a sigtrail database") != NULL, "message: %s", err);
	snprintf(path, sizeof(path), "%s", other);
	is_str(q("SELECT count(*) FROM sqlite_master"), "1", "foreign database untouched");

	/* Not a database at all. */
	char junk[300];
	snprintf(junk, sizeof(junk), "%s/junk.db", dir);
	FILE *f = fopen(junk, "w");
	fputs("this is not sqlite, and it is long enough to have a header of sorts........"
	      "...............................................................\n",
	      f);
	fclose(f);
	ok(store_open(junk, NULL, &st, err, sizeof(err)) < 0, "a text file is refused: %s", err);

	/* A directory anyone can write into is refused. */
	char open_dir[300], open_db[320];
	snprintf(open_dir, sizeof(open_dir), "%s/open", dir);
	mkdir(open_dir, 0777);
	chmod(open_dir, 0777);
	snprintf(open_db, sizeof(open_db), "%s/t.db", open_dir);
	is_int(store_open(open_db, NULL, &st, err, sizeof(err)), -EPERM,
	       "world-writable directory refused");
	ok(strstr(err, "writable by everyone") != NULL, "message: %s", err);

	/* An unwritable location names the path. */
	ok(store_open("/proc/sigtrail-nope/t.db", NULL, &st, err, sizeof(err)) < 0,
	   "unwritable path refused");
	ok(strstr(err, "/proc/sigtrail-nope") != NULL, "message names the path: %s", err);

	test_unsent();
	test_pid_blocks();
	test_pid_eras();

	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
	return tap_done();
}
