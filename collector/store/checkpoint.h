/* checkpoint.h: WAL checkpoints on a thread of their own (checkpoint.c). */
#pragma once

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

struct checkpointer;

/* Take the WAL checkpoints of `db` (the writer's connection, in WAL mode)
 * off its thread: its automatic checkpoints are turned off, and a thread
 * with its own connection to the same file runs a passive checkpoint each
 * time a commit leaves more than CHECKPOINT_PAGES pages in the WAL.
 * Returns 0 and sets *ret, or -errno; on failure `db` keeps its automatic
 * checkpoints (a database without a file, a second connection refused), so
 * a failure costs only the stalls it would have removed. */
int checkpointer_start(sqlite3 *db, struct checkpointer **ret);

/* On the writer's thread, with no transaction open: when the WAL has grown
 * past its bound, wait (at most CHECKPOINT_WAIT_MS) for a pass that copies
 * all of it, so that the next write transaction starts the WAL over.
 * Returns 1 when it will, 0 when the WAL is still short, -ETIMEDOUT or
 * -EBUSY (a reader holds frames) when it will not: the caller goes on
 * either way, the next attempt waits until the WAL has grown by
 * CHECKPOINT_PAGES. */
int checkpointer_rewind(struct checkpointer *c);

/* Is the WAL past CHECKPOINT_REWIND_PAGES (64 MiB) and not yet copied
 * whole since the last commit? A writer that can wait (a prune's next
 * step) waits while it is, so that the WAL can start over. Can't fail. */
bool checkpointer_behind(struct checkpointer *c);

/* The passes run so far and the WAL's largest size in pages, for the
 * benchmarks. Can't fail. */
void checkpointer_stats(struct checkpointer *c, uint64_t *ret_passes, int *ret_max_pages);

/* Stop the thread, close its connection and give `db` its automatic
 * checkpoints back. Call before `db` is closed. Accepts NULL. */
void checkpointer_stop(struct checkpointer *c);
