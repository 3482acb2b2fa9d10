/* sqlq.h: one value of a query on the test's database, for the unit tests
 * of the store (test_store.c, test_store_zombies.c). The including file
 * defines `path`, the database file. */
#pragma once

#include <sqlite3.h>
#include <stdio.h>

/* One value of `sql` on the database at `path`, as text ("(null)" for
 * NULL, "(no row)", "(error)" after a comment naming the error), in a
 * static buffer. Opened read-write (a test may change a row through it). */
static inline const char *sqlq(const char *path, const char *sql)
{
	static char out[512];
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;

	snprintf(out, sizeof(out), "(error)");
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW) {
			const unsigned char *t = sqlite3_column_text(s, 0);
			snprintf(out, sizeof(out), "%s", t ? (const char *)t : "(null)");
		} else {
			snprintf(out, sizeof(out), "(no row)");
		}
	} else {
		printf("# %s: %s\n", sql, sqlite3_errmsg(db));
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return out;
}
