/* writer.c: the one thread that talks to SQLite. The audit reader pushes
 * events into a bounded ring under a mutex (a pointer store and a rare
 * condition signal); this thread takes them in batches, writes them in one
 * transaction and commits when it has caught up or every WRITER_COMMIT_MS,
 * so a row is visible to readers well within a second. The user-name lookups
 * (NSS, possibly LDAP) also happen here, off the reader. Exercise it through
 * the kernel suite (`meson test -C build --suite kernel`). */
#include "sigtrail/writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

enum { BATCH = 256 };

struct writer {
	struct store *st;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct st_event **ring; /* capacity slots */
	size_t capacity, head, len;
	bool stopping;     /* set by writer_stop: drain and exit */
	bool idle_waiting; /* the thread sleeps on `wake` with an empty ring */
	struct writer_stats stats;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct st_event *batch[BATCH];
	int64_t txn_start = 0;

	for (;;) {
		size_t n = 0;
		bool stop;

		pthread_mutex_lock(&w->lock);
		while (w->len == 0 && !w->stopping) {
			if (store_pending(w->st) > 0)
				break; /* commit below before sleeping */
			w->idle_waiting = true;
			pthread_cond_wait(&w->wake, &w->lock);
			w->idle_waiting = false;
		}
		while (n < BATCH && w->len > 0) {
			batch[n++] = w->ring[w->head];
			w->head = (w->head + 1) % w->capacity;
			w->len--;
		}
		stop = w->stopping && w->len == 0;
		bool caught_up = w->len == 0;
		pthread_mutex_unlock(&w->lock);

		int err = 0;
		for (size_t i = 0; i < n; i++) {
			if (store_pending(w->st) == 0)
				txn_start = now_ms();
			int r = store_insert(w->st, batch[i]);
			if (r < 0)
				err = r;
			st_event_free(batch[i]);
		}
		if (store_pending(w->st) > 0 &&
		    (caught_up || now_ms() - txn_start >= WRITER_COMMIT_MS)) {
			int r = store_commit(w->st);
			if (r < 0)
				err = r;
		}

		pthread_mutex_lock(&w->lock);
		if (err < 0)
			w->stats.last_error = err;
		store_stats(w->st, &w->stats.store);
		pthread_mutex_unlock(&w->lock);
		if (stop)
			return NULL;
	}
}

int writer_start(struct store *st, size_t capacity, struct writer **ret)
{
	struct writer *w = calloc(1, sizeof(*w));
	int r;

	if (!w)
		return -ENOMEM;
	w->ring = calloc(capacity, sizeof(*w->ring));
	if (!w->ring) {
		free(w);
		return -ENOMEM;
	}
	w->st = st;
	w->capacity = capacity;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	r = pthread_create(&w->thread, NULL, writer_main, w);
	if (r != 0) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->wake);
		free(w->ring);
		free(w);
		return -r;
	}
	*ret = w;
	return 0;
}

int writer_push(struct writer *w, struct st_event *ev)
{
	pthread_mutex_lock(&w->lock);
	if (w->len == w->capacity) {
		w->stats.dropped++;
		pthread_mutex_unlock(&w->lock);
		st_event_free(ev);
		return -ENOBUFS;
	}
	w->ring[(w->head + w->len) % w->capacity] = ev;
	w->len++;
	w->stats.queued++;
	if (w->len > w->stats.high_water)
		w->stats.high_water = w->len;
	if (w->idle_waiting)
		pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

void writer_stats(struct writer *w, struct writer_stats *ret)
{
	pthread_mutex_lock(&w->lock);
	*ret = w->stats;
	ret->depth = w->len;
	pthread_mutex_unlock(&w->lock);
}

void writer_stop(struct writer *w, struct writer_stats *ret_final)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	if (ret_final)
		writer_stats(w, ret_final);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w->ring);
	free(w);
}
