/* The database layout as C knows it: the embedded schema migrations
 * (generated from schema/NNN-*.sql by schema/embed.py), and helpers over it
 * for the store and the CLI (collector/store/layout.c). These speak SQLite:
 * they return SQLITE_OK or an SQLite result code. */
#pragma once

#include <stdint.h>

struct sqlite3;

/* store_migrations[i] is the SQL that takes a database from PRAGMA user_version
 * i to i + 1. The last one defines the current layout. */
extern const char *const store_migrations[];
/* Number of migrations, which is also the schema version this build writes. */
extern const unsigned store_migrations_count;

/* Run `sql` (PRAGMA user_version, SELECT count(*) FROM sqlite_master...) and
 * set *ret to the first column of its first row. Returns SQLITE_OK,
 * SQLITE_DONE when there is no row (*ret untouched), or an SQLite error code
 * (*ret untouched). */
int schema_query_int(struct sqlite3 *db, const char *sql, int64_t *ret);
