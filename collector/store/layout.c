/* layout.c: what C knows of the database layout beyond the migrations
 * themselves (include/sigtrail/schema.h), for the store and for the CLI's
 * read-only reader alike: the `signals` view's columns as data, and
 * one-integer queries of the schema's header (PRAGMA user_version,
 * application_id, counts in sqlite_master).
 * Exercise with `meson test -C build columns store db`. */
#include <sqlite3.h>
#include <stddef.h>

#include "sigtrail/schema.h"

/* Where a column of each kind lives in signal_rows (a stringified name). */
#define ROW_COL_INT(name) name
#define ROW_COL_STRING(name) name "_s"
#define ROW_COL_TIME(name) "epoch_ms"
#define ROW_COL_SIGNAME(name) "signal"

/* Names are stringified here, and only here: one of them, errno, is a macro. */
const struct schema_column schema_signals[COL__N] = {
#define COLUMN(E, name, kind, since, absent, source)                                               \
	[COL_##E] = {#name, SCHEMA_##kind, since, #absent, ROW_COL_##kind(#name)},
    SCHEMA_SIGNALS(COLUMN)
#undef COLUMN
};

int schema_query_int(sqlite3 *db, const char *sql, int64_t *ret)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			*ret = sqlite3_column_int64(s, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(s);
	return rc;
}
