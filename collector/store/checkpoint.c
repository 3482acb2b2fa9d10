/* checkpoint.c: WAL checkpoints off the writer's thread. SQLite copies the
 * WAL back into the database in the commit that crosses
 * wal_autocheckpoint pages, and that copy ends in an fsync(): the commit,
 * and so the writer thread, waited for it (100-200 ms on a busy disk, the
 * longest pauses in recording; BENCHMARKS.md, "Retention"). WAL mode lets
 * a checkpoint run beside a writer, so a thread with its own connection
 * does them, woken by the writer's WAL hook. A passive checkpoint never
 * waits for the writer nor for readers: it copies what it can, and the
 * next wake-up copies the rest. Exercise by hand: tests/bench/prune.sh
 * prints the longest gap between two commits, which this shortens. */
#include "checkpoint.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

enum {
	CHECKPOINT_PAGES = 1000, /* SQLite's own wal_autocheckpoint default */
};

struct checkpointer {
	sqlite3 *writer; /* the writer's connection (its WAL hook wakes us) */
	sqlite3 *db;     /* our own connection to the same file */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool due;      /* the WAL passed CHECKPOINT_PAGES since the last checkpoint */
	bool stopping; /* checkpointer_stop() was called */
};

/* The writer's WAL hook, on its thread after each commit: wake the
 * checkpointer when the WAL is long enough. Returns SQLITE_OK. */
static int on_wal(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct checkpointer *c = arg;

	(void)db, (void)name;
	if (pages >= CHECKPOINT_PAGES) {
		pthread_mutex_lock(&c->lock);
		if (!c->due) {
			c->due = true;
			pthread_cond_signal(&c->wake);
		}
		pthread_mutex_unlock(&c->lock);
	}
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
		pthread_mutex_unlock(&c->lock);
		/* Failures (BUSY: another checkpoint) are retried at the next
		 * wake-up; the WAL only grows meanwhile. */
		(void)sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

int checkpointer_start(sqlite3 *writer, struct checkpointer **ret)
{
	const char *path = sqlite3_db_filename(writer, "main");
	struct checkpointer *c;
	int r;

	if (!path || !*path)
		return -EINVAL; /* a temporary or in-memory database: nothing to copy */
	if (!(c = calloc(1, sizeof(*c))))
		return -ENOMEM;
	c->writer = writer;
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		sqlite3_close(c->db);
		free(c);
		return -EIO;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	if ((r = pthread_create(&c->thread, NULL, checkpoint_main, c)) != 0) {
		pthread_mutex_destroy(&c->lock);
		pthread_cond_destroy(&c->wake);
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
	free(c);
}
