/* One collector per database: an advisory lock beside the database file. */
#pragma once

#include <stddef.h>

/* Take the lock file `<db>.lock` (created 0640, O_CLOEXEC) with a
 * non-blocking flock and write our pid into it. Returns the fd to keep open
 * for the daemon's lifetime, or -EWOULDBLOCK when another process holds it
 * (err names its pid), or another -errno (err says why). */
int lock_database(const char *db_path, char *err, size_t errlen);
