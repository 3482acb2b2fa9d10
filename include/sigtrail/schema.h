/* The embedded schema migrations (generated from schema/NNN-*.sql by schema/embed.py). */
#pragma once

/* store_migrations[i] is the SQL that takes a database from PRAGMA user_version
 * i to i + 1. The last one defines the current layout. */
extern const char *const store_migrations[];
/* Number of migrations, which is also the schema version this build writes. */
extern const unsigned store_migrations_count;
