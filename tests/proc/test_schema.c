/* Unit tests for schema/003-deaths.sql and collector/deaths/candidates.c:
 * the migration over a schema 2 database that already has rows, the
 * `signals` view keeping every earlier column in order, the `deaths` and
 * `ancestry` views, string_refs naming every strings reference of every
 * table, and the candidate rows a death reads back (with and without target
 * start times). */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "sigtrail/schema.h"
#include "../../collector/deaths/deaths_internal.h"
#include "../unit/tap.h"

static int exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		printf("# sql error: %s\n", err ? err : "?");
	sqlite3_free(err);
	return rc;
}

static const char *q(sqlite3 *db, const char *sql)
{
	static char out[1024];
	sqlite3_stmt *s = NULL;

	snprintf(out, sizeof(out), "(error)");
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		printf("# %s: %s\n", sql, sqlite3_errmsg(db));
		return out;
	}
	size_t len = 0;
	out[0] = '\0';
	while (sqlite3_step(s) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(s); i++) {
			const unsigned char *t = sqlite3_column_text(s, i);
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s", i ? "|" : "",
			                        t ? (const char *)t : "NULL");
			if (len >= sizeof(out))
				len = sizeof(out) - 1;
		}
		len += (size_t)snprintf(out + len, sizeof(out) - len, "\n");
		if (len >= sizeof(out))
			len = sizeof(out) - 1;
	}
	if (len > 0 && out[len - 1] == '\n')
		out[len - 1] = '\0';
	sqlite3_finalize(s);
	return out;
}

/* The column names of a view, comma-separated. */
static char *columns(sqlite3 *db, const char *view)
{
	char sql[128], *out = calloc(1, 4096);
	sqlite3_stmt *s = NULL;

	snprintf(sql, sizeof(sql), "SELECT * FROM %s LIMIT 0", view);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK)
		for (int i = 0; i < sqlite3_column_count(s); i++)
			snprintf(out + strlen(out), 4096 - strlen(out), "%s%s", i ? "," : "",
			         sqlite3_column_name(s, i));
	sqlite3_finalize(s);
	return out;
}

static sqlite3 *migrated(unsigned upto)
{
	sqlite3 *db = NULL;

	sqlite3_open(":memory:", &db);
	for (unsigned i = 0; i < upto; i++)
		if (exec(db, store_migrations[i]) != SQLITE_OK)
			printf("# migration %u failed\n", i + 1);
	return db;
}

int main(void)
{
	sqlite3 *v2, *db;

	ok(store_migrations_count >= 3, "schema 3 is embedded");
	v2 = migrated(2);
	db = migrated(2);
	/* A row written by schema 2, before the migration. */
	exec(db, "INSERT INTO strings(id, value) VALUES (1, 'kill'), (2, 'sh'), (3, 'sleep');"
	         "INSERT INTO signal_rows(id, epoch_ms, serial, syscall_s, signal, success, "
	         "target_arg, sender_pid, sender_comm_s, target_pid, target_comm_s) VALUES "
	         "(1, 1795317670616, 10, 1, 9, 1, 4242, 1400, 2, 4242, 3)");
	is_int(exec(db, store_migrations[2]), SQLITE_OK, "migration 3 applies over schema 2");

	char *old = columns(v2, "signals"), *now = columns(db, "signals");
	ok(strncmp(now, old, strlen(old)) == 0 && now[strlen(old)] == ',',
	   "signals keeps every schema 2 column, in order");
	is_str(now + strlen(old),
	       ",sender_ancestry,target_exe,target_cmdline,target_start_time,sender_unit,"
	       "target_unit,sender_container,target_container",
	       "then the new columns");
	is_str(q(db, "SELECT id, syscall, sender_comm, target_comm, count, target_cmdline FROM "
	             "signals"),
	       "1|kill|sh|sleep|1|NULL", "the old row reads through the new view");
	free(old);
	free(now);
	now = columns(db, "deaths");
	is_str(now,
	       "id,time,epoch_ms,pid,start_time,signal,signame,core_dumped,uid,user,comm,exe,"
	       "cmdline,ppid,cause,signal_id,evidence,oom_constraint,oom_memcg,oom_rss_kb,unit,"
	       "container,host,pidns,abend_serial,oom_task_memcg,nspid",
	       "deaths view columns");
	free(now);
	now = columns(db, "ancestry");
	is_str(now, "signal_id,depth,pid,start_time,comm,exe,cmdline", "ancestry view columns");
	free(now);

	/* A signal row with what the process table adds, its ancestry, and
	 * the death it caused. */
	exec(db, "INSERT INTO strings(id, value) VALUES (4, 'sh[1400] ← cleanup.sh[1390] ← "
	         "crond[812] ← systemd[1]'), (5, 'sleep 1000'), (6, '/usr/bin/sleep'), "
	         "(7, 'cron.service'), (8, 'docker-abc.scope'), (9, 'abc'), (10, 'cleanup.sh'), "
	         "(11, '/bin/bash /opt/cleanup.sh'), (12, 'sh -c kill -9 4242'), (13, 'root'), "
	         "(14, 'CONSTRAINT_MEMCG'), (15, '/oomtest'), (16, '1400@5001/1390@5000');"
	         "INSERT INTO signal_rows(id, epoch_ms, serial, syscall_s, signal, success, "
	         "target_arg, sender_pid, sender_comm_s, target_pid, target_comm_s, "
	         "sender_ancestry_s, target_exe_s, target_cmdline_s, target_start_time, "
	         "sender_unit_s, target_unit_s, sender_container_s, target_container_s, "
	         "sender_chain_s) VALUES (2, 1795317680000, 11, 1, 9, 1, 4242, 1400, 2, 4242, 3, "
	         "4, 6, 5, 50000, 7, 8, NULL, 9, 16);"
	         "INSERT INTO ancestry_rows VALUES (16, 0, 1400, 5001, 2, NULL, 12), "
	         "(16, 1, 1390, 5000, 10, NULL, 11);"
	         "INSERT INTO death_rows(id, epoch_ms, pid, start_time, signal, core_dumped, uid, "
	         "user_s, comm_s, exe_s, cmdline_s, ppid, cause, signal_id, evidence, unit_s, "
	         "container_s) VALUES (1, 1795317680003, 4242, 50000, 9, 0, 0, 13, 3, 6, 5, 1, "
	         "'signal', 2, 'signal row 2: SIGKILL from sh[1400]', 8, 9);"
	         "INSERT INTO death_rows(id, epoch_ms, pid, signal, core_dumped, cause, evidence, "
	         "oom_constraint_s, oom_memcg_s, oom_rss_kb) VALUES (2, 1795317690000, 4601, 9, 0, "
	         "'oom', 'kernel log: ...', 14, 15, 71864)");
	is_str(q(db, "SELECT sender_ancestry, target_exe, target_cmdline, target_start_time, "
	             "sender_unit, target_unit, sender_container, target_container FROM signals "
	             "WHERE id = 2"),
	       "sh[1400] ← cleanup.sh[1390] ← crond[812] ← systemd[1]|/usr/bin/sleep|sleep "
	       "1000|50000|cron.service|docker-abc.scope|NULL|abc",
	       "signals: the new columns");
	is_str(q(db, "SELECT depth, pid, comm, cmdline FROM ancestry WHERE signal_id = 2 ORDER BY "
	             "depth"),
	       "0|1400|sh|sh -c kill -9 4242\n1|1390|cleanup.sh|/bin/bash /opt/cleanup.sh",
	       "ancestry: one row per member");
	is_str(q(db, "SELECT time, pid, signame, user, comm, exe, cmdline, cause, signal_id, unit, "
	             "container FROM deaths WHERE id = 1"),
	       "2026-11-22T03:21:20.003Z|4242|SIGKILL|root|sleep|/usr/bin/sleep|sleep "
	       "1000|signal|2|docker-abc.scope|abc",
	       "deaths view");
	is_str(q(db, "SELECT s.sender_cmdline, s.sender_ancestry FROM deaths AS d JOIN signals AS "
	             "s ON s.id = d.signal_id WHERE d.pid = 4242"),
	       "NULL|sh[1400] ← cleanup.sh[1390] ← crond[812] ← systemd[1]",
	       "one join gives the sender");
	is_str(
	    q(db, "SELECT cause, oom_constraint, oom_memcg, oom_rss_kb FROM deaths WHERE id = 2"),
	    "oom|CONSTRAINT_MEMCG|/oomtest|71864", "an OOM death");
	ok(exec(db, "INSERT INTO death_rows(epoch_ms, pid, signal, core_dumped, cause, evidence) "
	            "VALUES (1, 1, 9, 0, 'guess', 'x')") != SQLITE_OK,
	   "an unknown cause is refused");

	/* string_refs must name every _s column of every table. */
	exec(db, "INSERT INTO collector_runs(started_ms, heartbeat_ms, source) VALUES (1, 1, "
	         "'stdin')");
	sqlite3_stmt *t = NULL, *c = NULL;
	int checked = 0, missing = 0;
	sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &t, NULL);
	while (sqlite3_step(t) == SQLITE_ROW) {
		char sql[512];
		const char *table = (const char *)sqlite3_column_text(t, 0);
		snprintf(sql, sizeof(sql), "SELECT name FROM pragma_table_info('%s')", table);
		sqlite3_prepare_v2(db, sql, -1, &c, NULL);
		while (sqlite3_step(c) == SQLITE_ROW) {
			const char *col = (const char *)sqlite3_column_text(c, 0);
			size_t n = strlen(col);
			if (n < 3 || strcmp(col + n - 2, "_s") != 0)
				continue;
			checked++;
			snprintf(
			    sql, sizeof(sql),
			    "SELECT count(*) FROM (SELECT DISTINCT %s AS v FROM %s WHERE %s IS NOT "
			    "NULL) WHERE v NOT IN (SELECT v FROM string_refs WHERE v IS NOT NULL)",
			    col, table, col);
			/* Put a marker value in that column to be sure it is covered. */
			char ins[512];
			snprintf(ins, sizeof(ins), "UPDATE %s SET %s = 999", table, col);
			(void)sqlite3_exec(db, "SAVEPOINT probe", NULL, NULL, NULL);
			(void)sqlite3_exec(db, ins, NULL, NULL, NULL);
			if (strcmp(q(db, sql), "0") != 0 ||
			    strcmp(q(db, "SELECT count(*) FROM string_refs WHERE v = 999"), "1") !=
			        0) {
				printf("# %s.%s is not in string_refs\n", table, col);
				missing++;
			}
			(void)sqlite3_exec(db, "ROLLBACK TO probe; RELEASE probe", NULL, NULL,
			                   NULL);
		}
		sqlite3_finalize(c);
	}
	sqlite3_finalize(t);
	ok(checked >= 30, "checked %d strings references", checked);
	is_int(missing, 0, "string_refs covers every one");

	/* The candidate rows of a death. */
	struct death_signal_row rows[8];
	char buf[256];
	exec(db, "INSERT INTO signal_rows(id, epoch_ms, serial, signal, success, target_arg, "
	         "sender_pid, target_pid, target_start_time) VALUES "
	         "(3, 1795317679000, 12, 15, 1, 4242, 1400, 4242, 40000),"
	         "(4, 1795317600000, 13, 9, 1, 4242, 1400, 4242, 40000),"
	         "(5, 1795317680500, 14, 9, 0, 4242, 66, 4242, NULL),"
	         "(6, 1795317679999, 15, 9, 1, 4243, 1400, 4243, NULL)");
	int n = deaths_query_rows(db, 4242, 1795317680003, rows, 8, buf, sizeof(buf));
	is_int(n, 4, "four rows in the window for pid 4242 (10 s before, 1 s after)");
	is_int(rows[0].id, 5, "newest first");
	ok(!rows[0].success && rows[0].target_start_time == 0, "refused row, no start time");
	is_int(rows[1].id, 2, "then the SIGKILL");
	is_str(rows[1].sender_comm, "sh", "sender comm");
	is_int(rows[1].target_start_time, 50000, "target start time");
	is_int(rows[2].id, 3, "then the SIGTERM");
	is_int(deaths_query_rows(db, 4242, 1795317680003, rows, 1, buf, sizeof(buf)), 1,
	       "bounded by max");
	is_int(deaths_query_rows(db, 4242, 1795317680003, rows, 8, buf, 2), 4,
	       "a small string buffer loses comms, not rows");
	ok(rows[1].sender_comm == NULL, "comm dropped when out of room");
	is_int(deaths_query_rows(v2, 4242, 1795317680003, rows, 8, buf, sizeof(buf)), 0,
	       "a schema 2 database answers (without start times)");
	sqlite3 *empty = NULL;
	sqlite3_open(":memory:", &empty);
	is_int(deaths_query_rows(empty, 1, 1, rows, 8, buf, sizeof(buf)), -EIO,
	       "not a sigtrail database");
	sqlite3_close(empty);
	sqlite3_close(v2);
	sqlite3_close(db);
	return tap_done();
}
