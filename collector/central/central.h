/* The central schema of the fleet (schema/central/NNN-*.sql), embedded by
 * schema/embed.py: central_migrations[i] takes the central database from
 * version i to i + 1 (sigtrail.schema_version). */
#pragma once

extern const char *const central_migrations[];
extern const unsigned central_migrations_count;
