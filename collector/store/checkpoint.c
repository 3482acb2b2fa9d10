/* checkpoint.c: WAL checkpoints off the writer's thread. SQLite copies the
 * WAL back into the database inside the commit that crosses
 * wal_autocheckpoint pages, and that copy ends in two fsync()s (13 ms
 * typical, up to 190 ms on this shared disk): the commit, and so recording,
 * waited for it, hundreds of times during a prune, which dirties many pages
 * (BENCHMARKS.md, "Retention"). Here a thread with its own connection runs
 * passive checkpoints, woken by the writer's WAL hook; a passive checkpoint
 * never waits for the writer nor for readers. Its connection must have read
 * the database once before it checkpoints anything: SQLite 3.40 answers a
 * checkpoint on a connection that has not opened the WAL with a log of -1
 * frames and copies nothing (why the first try of this, commit f756a2e,
 * grew an 11 GB WAL).
 *
 * A WAL is only reused from its start when a write transaction begins while
 * every frame of it is in the database: whenever the writer pauses, but
 * not during a long storm or prune, when one transaction follows another.
 * So the writer, between two transactions, once the WAL has passed
 * CHECKPOINT_REWIND_PAGES, asks for a pass that covers its last commit and
 * waits for it, at most CHECKPOINT_WAIT_MS: that pass copies only what the
 * previous one left, and the next transaction starts the WAL over. A reader
 * holding an old snapshot (a long export) keeps a pass from finishing: the
 * writer then gives up at once and tries again when the WAL has grown by
 * CHECKPOINT_PAGES more. A prune, which writes faster than a checkpoint
 * copies, waits meanwhile (checkpointer_behind()): the WAL stays near its
 * bound instead of growing by what the whole prune writes.
 * Exercise by hand: tests/bench/prune.sh prints the longest gap between two
 * commits during a prune and the WAL's largest size (nlfeed's `wal` line). */
#include "checkpoint.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "sigtrail/clock.h"

enum {
	CHECKPOINT_PAGES = 1000,         /* SQLite's own wal_autocheckpoint default */
	CHECKPOINT_REWIND_PAGES = 16384, /* 64 MiB of 4 KiB pages: the writer waits for a rewind */
	CHECKPOINT_WAIT_MS = 100,        /* at most this long */
};

struct checkpointer {
	sqlite3 *writer; /* the writer's connection (its WAL hook wakes us) */
	sqlite3 *db;     /* our own connection to the same file */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* to the thread: a pass is due */
	pthread_cond_t done; /* from the thread: a pass ended */
	bool due;            /* a pass is asked for */
	bool stopping;       /* checkpointer_stop() was called */
	int wal_pages;       /* frames in the WAL after the writer's last commit */
	int next_rewind;     /* frames at which the writer next asks for a rewind */
	uint64_t asked;      /* passes asked for by the writer (a sequence) */
	uint64_t covered;    /* the last `asked` that a finished pass began after */
	bool whole;          /* that pass left no frame of the WAL uncopied */
	int copied_to;       /* the WAL's size in frames when a pass last copied it whole */
	uint64_t passes;     /* passes run (checkpointer_stats) */
	int max_pages;       /* the WAL's largest size seen */
};

/* The writer's WAL hook, on its thread after each commit: note the WAL's
 * size, and wake the thread when it is long enough. Returns SQLITE_OK. */
static int on_wal(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct checkpointer *c = arg;

	(void)db, (void)name;
	pthread_mutex_lock(&c->lock);
	c->wal_pages = pages;
	if (pages > c->max_pages)
		c->max_pages = pages;
	if (pages < c->next_rewind - CHECKPOINT_REWIND_PAGES)
		c->next_rewind = CHECKPOINT_REWIND_PAGES; /* it was started over */
	if (pages >= CHECKPOINT_PAGES && !c->due) {
		c->due = true;
		pthread_cond_signal(&c->wake);
	}
	pthread_mutex_unlock(&c->lock);
	return SQLITE_OK;
}

static void *checkpoint_main(void *arg)
{
	struct checkpointer *c = arg;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->due && !c->stopping)
			pthread_cond_wait(&c->wake, &c->lock);
		if (c->stopping)
			break;
		c->due = false;
		uint64_t asked = c->asked;
		pthread_mutex_unlock(&c->lock);
		int log = -1, copied = -2;
		/* Failures (BUSY: another checkpoint) are retried at the next
		 * wake-up; the WAL only grows meanwhile. */
		int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log,
		                                   &copied);
		pthread_mutex_lock(&c->lock);
		c->passes++;
		c->covered = asked;
		c->whole = rc == SQLITE_OK && log >= 0 && log == copied;
		c->copied_to = c->whole ? log : -1;

		pthread_cond_broadcast(&c->done);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

int checkpointer_start(sqlite3 *writer, struct checkpointer **ret)
{
	const char *path = sqlite3_db_filename(writer, "main");
	struct checkpointer *c;
	pthread_condattr_t monotonic;
	int r;

	if (!path || !*path)
		return -EINVAL; /* a temporary or in-memory database: nothing to copy */
	if (!(c = calloc(1, sizeof(*c))))
		return -ENOMEM;
	c->writer = writer;
	c->next_rewind = CHECKPOINT_REWIND_PAGES;
	/* A connection checkpoints only once it has opened the WAL, which a
	 * first read does (before that, SQLite 3.40 answers a checkpoint with a
	 * log of -1 frames and does nothing: the WAL then grew without end). */
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	        SQLITE_OK ||
	    sqlite3_exec(c->db, "PRAGMA journal_mode", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_close(c->db);
		free(c);
		return -EIO;
	}
	pthread_condattr_init(&monotonic);
	pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC); /* now_mono_ms()'s clock */
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	pthread_cond_init(&c->done, &monotonic);
	pthread_condattr_destroy(&monotonic);
	if ((r = pthread_create(&c->thread, NULL, checkpoint_main, c)) != 0) {
		pthread_mutex_destroy(&c->lock);
		pthread_cond_destroy(&c->wake);
		pthread_cond_destroy(&c->done);
		sqlite3_close(c->db);
		free(c);
		return -r;
	}
	(void)pthread_setname_np(c->thread, "sigtrail-ckpt");
	/* Replaces the automatic checkpoints (sqlite3_wal_autocheckpoint()
	 * is itself a WAL hook). */
	sqlite3_wal_hook(writer, on_wal, c);
	*ret = c;
	return 0;
}

int checkpointer_rewind(struct checkpointer *c)
{
	int64_t due = now_mono_ms() + CHECKPOINT_WAIT_MS;
	struct timespec ts = {.tv_sec = due / 1000, .tv_nsec = due % 1000 * 1000000};
	int r = 0;

	pthread_mutex_lock(&c->lock);
	if (c->wal_pages < c->next_rewind)
		goto out;
	if (c->copied_to == c->wal_pages) {
		r = 1; /* copied whole since the last commit already */
		goto out;
	}
	uint64_t me = ++c->asked;
	c->due = true;
	pthread_cond_signal(&c->wake);
	while (c->covered < me && r == 0)
		r = pthread_cond_timedwait(&c->done, &c->lock, &ts);
	if (c->covered >= me && c->whole) {
		c->wal_pages = 0;
		r = 1;
	} else { /* a reader holds frames, or a slow disk: not before it grew as much again */
		c->next_rewind = c->wal_pages + CHECKPOINT_PAGES;
		r = r == ETIMEDOUT ? -ETIMEDOUT : -EBUSY;
	}
out:
	pthread_mutex_unlock(&c->lock);
	return r;
}

bool checkpointer_behind(struct checkpointer *c)
{
	pthread_mutex_lock(&c->lock);
	bool behind = c->wal_pages >= CHECKPOINT_REWIND_PAGES && c->copied_to != c->wal_pages;
	pthread_mutex_unlock(&c->lock);
	return behind;
}

void checkpointer_stats(struct checkpointer *c, uint64_t *ret_passes, int *ret_max_pages)
{
	pthread_mutex_lock(&c->lock);
	*ret_passes = c->passes;
	*ret_max_pages = c->max_pages;
	pthread_mutex_unlock(&c->lock);
}

void checkpointer_stop(struct checkpointer *c)
{
	if (!c)
		return;
	sqlite3_wal_autocheckpoint(c->writer, CHECKPOINT_PAGES);
	pthread_mutex_lock(&c->lock);
	c->stopping = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	sqlite3_close(c->db);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->wake);
	pthread_cond_destroy(&c->done);
	free(c);
}
