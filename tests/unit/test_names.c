/* Unit tests for names.c, and the agreement between its signal table and
 * the signal_names table that the schema gives SQL users. */
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>

#include "sigtrail/names.h"
#include "sigtrail/schema.h"
#include "tap.h"

int main(void)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int rows = 0, same = 0;

	is_str(names_signal(SIGKILL), "SIGKILL", "9");
	is_str(names_signal(SIGTERM), "SIGTERM", "15");
	is_str(names_signal(SIGSEGV), "SIGSEGV", "11");
	is_str(names_signal(SIGSTKFLT), "SIGSTKFLT", "16");
	is_str(names_signal(32), "SIG32", "glibc reserve 32");
	is_str(names_signal(34), "SIGRTMIN", "34");
	is_str(names_signal(37), "SIGRTMIN+3", "37");
	is_str(names_signal(50), "SIGRTMAX-14", "50");
	is_str(names_signal(64), "SIGRTMAX", "64");
	ok(names_signal(0) == NULL, "0 has no name");
	ok(names_signal(65) == NULL, "65 has no name");
	ok(names_signal(-1) == NULL, "negative has no name");

	is_int(names_signal_parse("KILL"), 9, "KILL");
	is_int(names_signal_parse("sigterm"), 15, "sigterm");
	is_int(names_signal_parse("9"), 9, "9");
	is_int(names_signal_parse("RTMIN+3"), 37, "RTMIN+3");
	is_int(names_signal_parse("IOT"), SIGABRT, "IOT alias");
	is_int(names_signal_parse("0"), -EINVAL, "0 refused");
	is_int(names_signal_parse("65"), -EINVAL, "65 refused");
	is_int(names_signal_parse("9x"), -EINVAL, "9x refused");
	is_int(names_signal_parse("NOPE"), -EINVAL, "unknown name refused");

	is_str(names_errno(EPERM), "EPERM", "EPERM");
	is_str(names_errno(ESRCH), "ESRCH", "ESRCH");
	ok(names_errno(0) == NULL, "0 is no error");

	ok(sqlite3_open(":memory:", &db) == SQLITE_OK, "open in-memory database");
	ok(sqlite3_exec(db, store_migrations[0], NULL, NULL, NULL) == SQLITE_OK,
	   "schema migration 1 applies");
	ok(sqlite3_prepare_v2(db, "SELECT number, name FROM signal_names ORDER BY number", -1, &s,
	                      NULL) == SQLITE_OK,
	   "query signal_names");
	while (sqlite3_step(s) == SQLITE_ROW) {
		int n = sqlite3_column_int(s, 0);
		const char *name = (const char *)sqlite3_column_text(s, 1);
		rows++;
		if (names_signal(n) && strcmp(names_signal(n), name) == 0)
			same++;
		else
			printf("# signal %d: SQL '%s', C '%s'\n", n, name,
			       names_signal(n) ? names_signal(n) : "(null)");
	}
	is_int(rows, 64, "SQL names signals 1..64");
	is_int(same, 64, "SQL and C (libc) names agree");
	sqlite3_finalize(s);
	sqlite3_close(db);
	return tap_done();
}
