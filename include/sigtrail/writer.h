/* The writer thread: a bounded queue between the audit reader and SQLite, so
 * that a slow disk never stalls the reader (and through the kernel backlog,
 * every process that sends a signal). When the queue is full, events from
 * the kernel are dropped and counted, never waited for; a stdin source (a
 * file, auditd's plugin queue) waits instead (writer_push_extra()). Rows
 * are committed in groups (WRITER_COMMIT_MS). When the database refuses a
 * commit (disk full), the rows are held in memory up to a byte budget and
 * retried every WRITER_RETRY_MS; only rows beyond the budget are lost. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sigtrail/event.h"
#include "sigtrail/proc_deathq.h"
#include "sigtrail/proc_extra.h"
#include "sigtrail/store.h"

/* A transaction is committed this long after its first row (rows arriving
 * meanwhile join it): how long a row takes, at most, to become visible to
 * readers, and what a collector killed with SIGKILL loses at most. */
#define WRITER_COMMIT_MS 50

/* While the database refuses writes, the held rows are retried this often. */
#define WRITER_RETRY_MS 1000

/* The default budget of rows held while the database refuses writes: some
 * 100,000 to 300,000 signal rows (a held row costs about 230 bytes, more
 * with long command lines and ancestry), minutes of a heavy storm. */
#define WRITER_HOLD_DEFAULT_MB 64

struct writer;

/* Start the thread; it owns `st` until writer_stop(). `capacity` is the queue
 * bound in events; `hold_bytes` bounds the memory of the rows held while the
 * database refuses writes. Returns 0 and sets *ret, or -errno. */
int writer_start(struct store *st, size_t capacity, size_t hold_bytes, struct writer **ret);

/* Hand an event to the writer, which takes ownership, with what the
 * process table adds to its rows (may be NULL), which the writer also owns.
 * Never blocks on I/O. Returns 0, or -ENOBUFS when the queue is full (the
 * event is freed and counted in writer_stats().dropped). With `wait`, a
 * full queue is waited for instead (stdin: a file or auditd's plugin queue
 * can wait; the kernel's backlog, which every signal sender shares, must
 * not). */
int writer_push_extra(struct writer *w, struct st_event *ev, struct proc_extra *extra, bool wait);

/* Hand a death to the writer, which decides its cause against the rows
 * written before it and owns it. Returns 0, or -ENOBUFS (freed, counted in
 * writer_stats().deaths_dropped). */
int writer_push_death(struct writer *w, struct deathq_ready *death);

/* Hand a zombie found or reaped (sigtrail/zombie.h) to the writer, which
 * owns it. Returns 0, or -ENOBUFS (freed, counted in lost_zombies). */
int writer_push_zombie(struct writer *w, struct zombie_note *z);

struct writer_stats {
	uint64_t queued;         /* events accepted */
	uint64_t pruned;         /* rows deleted by the retention and size limits */
	uint64_t dropped;        /* events refused because the queue was full */
	uint64_t deaths_dropped; /* deaths refused likewise */
	size_t depth;            /* events waiting now */
	size_t high_water;       /* largest depth seen */
	struct store_stats store;
	int last_error;        /* last -errno from the store, 0 if none */
	uint64_t lost_rows;    /* signal rows lost to the database: beyond the hold
	                          budget, or still held at the stop */
	uint64_t lost_deaths;  /* death rows lost likewise */
	uint64_t lost_zombies; /* zombie rows refused (queue full) or lost likewise */
	uint64_t stalls;       /* times the database refused and rows began to be held */
	uint64_t resumes;      /* times every held row was stored again afterwards */
	size_t held;           /* items held now (not committed yet) */
	size_t held_bytes;     /* their memory, as counted against the budget */
	size_t held_max_bytes; /* the budget */
	bool pruning;          /* a prune is under way (in steps between commits) */
};
/* Bounds the writer enforces, checked about once a minute (0: none). Call
 * before events flow. Can't fail. */
void writer_set_limits(struct writer *w, int64_t retention_days, int64_t max_bytes);

/* Record a heartbeat of the current run: `reader` carries the id and the
 * counters only the reader knows (events, kernel, socket, serial-gap and
 * parse losses); the writer adds rows, queue and database losses and
 * prunes, commits, and updates the coverage row on its own thread. Never
 * blocks on I/O. Can't fail; a failed update is retried at the next one. */
void writer_heartbeat(struct writer *w, const struct store_run *reader);

/* A consistent snapshot, safe to call from any thread. */
void writer_stats(struct writer *w, struct writer_stats *ret);

/* Write everything queued, commit, stop the thread and give `st` back to the
 * caller (who closes it). The final counters go to *ret_final when not NULL.
 * Accepts NULL. */
void writer_stop(struct writer *w, struct writer_stats *ret_final);
