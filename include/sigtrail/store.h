/* The SQLite store: schema creation and migration, and rows from events.
 * One connection, used by one thread at a time (the writer thread). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sigtrail/event.h"

/* The file's PRAGMA application_id: 'SGTR'. A file without it (and with any
 * content) is not ours and is never written. */
#define STORE_APPLICATION_ID 0x53475452

struct store;

/* Open (creating if needed) the database at `path`, check that its directory
 * is not writable by others (sticky directories such as /tmp excepted) and
 * that an existing file is ours, then create or migrate the schema.
 * `default_host` names rows whose records carry no node= field.
 * Returns 0 and sets *ret, or -errno with a sentence in err[errlen]:
 * -EACCES/-EPERM (cannot create or open), -ENOTDIR, -EEXIST (a file that is
 * not a sigtrail database), -EPROTO (schema newer than this build), -EIO. */
int store_open(const char *path, const char *default_host, struct store **ret, char *err,
               size_t errlen);

/* Write the rows of one event (one per target; one with NULL target when the
 * call reached nobody) inside the current transaction, opening one if
 * needed. Returns the number of rows written, or -errno (-ENOSPC when the
 * disk is full, -EIO otherwise); on failure the open transaction is rolled
 * back and its rows are lost: store_stats() counts them. */
int store_insert(struct store *st, const struct st_event *ev);

/* Commit the open transaction, if any. Returns 0 or -errno (the rows of the
 * transaction are then lost and counted). */
int store_commit(struct store *st);

/* Rows in the open transaction (0 when none is open). */
unsigned store_pending(const struct store *st);

struct store_stats {
	uint64_t rows_written; /* committed */
	uint64_t rows_lost;    /* rolled back because SQLite refused them */
	uint64_t commits;
};
void store_stats(const struct store *st, struct store_stats *ret);

/* The last SQLite error message, for logs. Never NULL. */
const char *store_errmsg(const struct store *st);

/* Commit and close. Accepts NULL. */
void store_close(struct store *st);
