/* checkpoint.h: WAL checkpoints on a thread of their own (checkpoint.c). */
#pragma once

#include <sqlite3.h>

struct checkpointer;

/* Take the WAL checkpoints of `db` (the writer's connection, in WAL mode)
 * off its thread: its automatic checkpoints are turned off, and a thread
 * with its own connection to the same file runs a passive checkpoint each
 * time a commit leaves more than CHECKPOINT_PAGES pages in the WAL.
 * Returns 0 and sets *ret, or -errno; on failure `db` keeps its automatic
 * checkpoints (a database without a file, a second connection refused), so
 * a failure costs only the stalls it would have removed. */
int checkpointer_start(sqlite3 *db, struct checkpointer **ret);

/* Stop the thread, close its connection and give `db` its automatic
 * checkpoints back. Call before `db` is closed. Accepts NULL. */
void checkpointer_stop(struct checkpointer *c);
