/* writer.c: the one thread that talks to SQLite. The audit reader pushes
 * events into a bounded ring under a mutex (a pointer store and a rare
 * condition signal); this thread takes them in batches and writes them in
 * one transaction, committed WRITER_COMMIT_MS after its first row (group
 * commit): a storm of 10,000 signals a second costs 20 commits, not 10,000,
 * and the reader does not wake the thread for each event meanwhile. A row is
 * visible to readers within WRITER_COMMIT_MS. The user-name lookups
 * (NSS, possibly LDAP) also happen here, off the reader. Exercise it through
 * the kernel suite (`meson test -C build --suite kernel`). */
#include "sigtrail/writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

enum {
	BATCH = 256,
	PRUNE_INTERVAL_MS = 60000,
};

/* One queued item: a signal event (with what the process table added), or
 * a death. */
struct item {
	struct st_event *ev;
	struct proc_extra *extra;
	struct deathq_ready *death;
};

struct writer {
	struct store *st;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_cond_t room; /* signalled when the ring has room again */
	size_t waiting;      /* pushers waiting for room */
	struct item *ring;   /* capacity slots */
	size_t capacity, head, len;
	bool stopping;     /* set by writer_stop: drain and exit */
	bool idle_waiting; /* the thread sleeps on `wake` with an empty ring */
	bool gathering;    /* it sleeps until its transaction is due: wake it only for a batch */
	bool beat_pending; /* a heartbeat waits in `beat` */
	struct store_run beat; /* the reader's counters of the next heartbeat */
	int64_t retention_days, max_bytes, last_prune_ms;
	struct writer_stats stats;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* On the writer thread: prune when due, commit, and update the run row. */
static int64_t beat_and_prune(struct writer *w, struct store_run *run)
{
	struct store_stats ss;
	int64_t pruned = 0, now = now_ms();
	struct timespec wall;

	if ((w->retention_days > 0 || w->max_bytes > 0) &&
	    now - w->last_prune_ms >= PRUNE_INTERVAL_MS) {
		w->last_prune_ms = now;
		clock_gettime(CLOCK_REALTIME, &wall);
		pruned = store_prune(w->st, (int64_t)wall.tv_sec * 1000 + wall.tv_nsec / 1000000,
		                     w->retention_days, w->max_bytes);
		if (pruned < 0) {
			pthread_mutex_lock(&w->lock);
			w->stats.last_error = (int)pruned;
			pthread_mutex_unlock(&w->lock);
			pruned = 0;
		}
	}
	(void)store_commit(w->st);
	store_stats(w->st, &ss);
	pthread_mutex_lock(&w->lock);
	run->rows = ss.rows_written;
	run->lost_db = ss.rows_lost;
	run->lost_queue = w->stats.dropped;
	run->pruned_rows = w->stats.pruned + (uint64_t)pruned;
	run->deaths = ss.deaths_written;
	run->lost_deaths += w->stats.deaths_dropped + ss.deaths_lost;
	pthread_mutex_unlock(&w->lock);
	clock_gettime(CLOCK_REALTIME, &wall);
	(void)store_run_update(w->st, run, (int64_t)wall.tv_sec * 1000 + wall.tv_nsec / 1000000,
	                       NULL);
	return pruned;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct item batch[BATCH];
	int64_t txn_start = 0;

	for (;;) {
		size_t n = 0;
		bool stop;

		pthread_mutex_lock(&w->lock);
		while (w->len == 0 && !w->stopping && !w->beat_pending) {
			if (store_pending(w->st) == 0) {
				w->idle_waiting = true;
				pthread_cond_wait(&w->wake, &w->lock);
				w->idle_waiting = false;
				continue;
			}
			/* A transaction is open: let events gather until it is due. */
			int64_t due = txn_start + WRITER_COMMIT_MS;
			if (now_ms() >= due)
				break; /* commit below before sleeping */
			struct timespec ts = {.tv_sec = due / 1000,
			                      .tv_nsec = due % 1000 * 1000000};
			w->gathering = true;
			int r = pthread_cond_timedwait(&w->wake, &w->lock, &ts);
			w->gathering = false;
			if (r == ETIMEDOUT)
				break;
		}
		while (n < BATCH && w->len > 0) {
			batch[n++] = w->ring[w->head];
			w->head = (w->head + 1) % w->capacity;
			w->len--;
		}
		if (n > 0 && w->waiting > 0)
			pthread_cond_broadcast(&w->room);
		stop = w->stopping && w->len == 0;
		struct store_run beat = w->beat;
		bool do_beat = w->beat_pending;
		w->beat_pending = false;
		pthread_mutex_unlock(&w->lock);

		int err = 0;
		for (size_t i = 0; i < n; i++) {
			if (store_pending(w->st) == 0)
				txn_start = now_ms();
			int r = batch[i].death
			            ? store_insert_death(w->st, batch[i].death)
			            : store_insert_extra(w->st, batch[i].ev, batch[i].extra);
			if (r < 0)
				err = r;
			st_event_free(batch[i].ev);
			proc_extra_free(batch[i].extra);
			deathq_ready_free(batch[i].death);
		}
		if (store_pending(w->st) > 0 &&
		    (stop || do_beat || now_ms() - txn_start >= WRITER_COMMIT_MS)) {
			int r = store_commit(w->st);
			if (r < 0)
				err = r;
		}
		int64_t pruned = 0;
		if (do_beat)
			pruned = beat_and_prune(w, &beat);

		pthread_mutex_lock(&w->lock);
		if (err < 0)
			w->stats.last_error = err;
		if (pruned > 0)
			w->stats.pruned += (uint64_t)pruned;
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
	pthread_condattr_t monotonic;
	pthread_condattr_init(&monotonic);
	pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC); /* now_ms()'s clock */
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, &monotonic);
	pthread_cond_init(&w->room, NULL);
	pthread_condattr_destroy(&monotonic);
	r = pthread_create(&w->thread, NULL, writer_main, w);
	if (r != 0) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->wake);
		pthread_cond_destroy(&w->room);
		free(w->ring);
		free(w);
		return -r;
	}
	*ret = w;
	return 0;
}

static int push(struct writer *w, struct item it, bool wait)
{
	pthread_mutex_lock(&w->lock);
	while (wait && w->len == w->capacity && !w->stopping) {
		w->waiting++;
		pthread_cond_wait(&w->room, &w->lock);
		w->waiting--;
	}
	if (w->len == w->capacity) {
		if (it.death)
			w->stats.deaths_dropped++;
		else
			w->stats.dropped++;
		pthread_mutex_unlock(&w->lock);
		st_event_free(it.ev);
		proc_extra_free(it.extra);
		deathq_ready_free(it.death);
		return -ENOBUFS;
	}
	w->ring[(w->head + w->len) % w->capacity] = it;
	w->len++;
	w->stats.queued++;
	if (w->len > w->stats.high_water)
		w->stats.high_water = w->len;
	if (w->idle_waiting || (w->gathering && w->len >= BATCH))
		pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

int writer_push_extra(struct writer *w, struct st_event *ev, struct proc_extra *extra, bool wait)
{
	return push(w, (struct item){.ev = ev, .extra = extra}, wait);
}

int writer_push_death(struct writer *w, struct deathq_ready *death)
{
	return push(w, (struct item){.death = death}, false);
}

void writer_set_limits(struct writer *w, int64_t retention_days, int64_t max_bytes)
{
	pthread_mutex_lock(&w->lock);
	w->retention_days = retention_days;
	w->max_bytes = max_bytes;
	w->last_prune_ms = now_ms() - PRUNE_INTERVAL_MS; /* first check at the first beat */
	pthread_mutex_unlock(&w->lock);
}

void writer_heartbeat(struct writer *w, const struct store_run *reader)
{
	pthread_mutex_lock(&w->lock);
	w->beat = *reader;
	w->beat_pending = true;
	if (w->idle_waiting)
		pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
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
	pthread_cond_destroy(&w->room);
	free(w->ring);
	free(w);
}
