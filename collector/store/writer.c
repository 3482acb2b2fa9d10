/* writer.c: the one thread that talks to SQLite. The audit reader pushes
 * events into a bounded ring under a mutex (a pointer store and a rare
 * condition signal); this thread takes them in batches and writes them in
 * one transaction, committed WRITER_COMMIT_MS after its first row (group
 * commit): a storm of 10,000 signals a second costs 20 commits, not 10,000,
 * and the reader does not wake the thread for each event meanwhile. A row is
 * visible to readers within WRITER_COMMIT_MS. The user-name lookups
 * (NSS, possibly LDAP) also happen here, off the reader.
 *
 * A prune (prune.c) runs in steps between commits, and waits while events
 * queue up (a storm's rows come first) and while the WAL is past its bound
 * (checkpoint.c: it would grow by all the prune writes). The copy of whole
 * eras of target pids into pid_eras (pid_eras.c) runs in steps the same way,
 * when no prune is under way. WAL checkpoints run on a thread of
 * their own (checkpoint.c), so that no commit waits for their fsync.
 *
 * Nothing is freed before its commit: the items of the open transaction are
 * held (held.c). When SQLite refuses a commit (a full disk, an I/O error),
 * they stay held, and so do the items that come after, up to a byte budget;
 * the thread retries every WRITER_RETRY_MS in transactions small enough to
 * store what fits, and returns to group commit once every held item is
 * stored. Only items beyond the budget (and those still held at the stop)
 * are lost, and counted. Exercise it through the kernel suite
 * (`meson test -C build --suite kernel`, diskfull fills a disk). */
#include "sigtrail/clock.h"
#include "sigtrail/writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "held.h"
#include "sigtrail/deaths.h"

enum {
	BATCH = 256,
	PRUNE_INTERVAL_MS = 60000,
	PRUNE_STEP_MS = 20,   /* one step of a prune; rows are committed between steps */
	PRUNE_YIELD_DIV = 16, /* no step while the queue holds capacity / this or more */
	PRUNE_WAIT_MS = 5,    /* a prune paused for the WAL looks again after this */
	SEAL_POLL_MS = 250,   /* idle: how often rows held for coalescing are sealed (chain.c) */
	CATCHUP_MAX = 4096,   /* items per transaction while storing held items */
};

struct writer {
	struct store *st;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_cond_t room;    /* signalled when the ring has room again */
	size_t waiting;         /* pushers waiting for room */
	struct held_item *ring; /* capacity slots */
	size_t capacity, head, len;
	bool stopping;     /* set by writer_stop: drain and exit */
	bool idle_waiting; /* the thread sleeps on `wake` with an empty ring */
	bool gathering;    /* it sleeps until its transaction is due: wake it only for a batch */
	bool beat_pending; /* a heartbeat waits in `beat` */
	struct store_run beat; /* the reader's counters of the next heartbeat */
	int64_t retention_days, max_bytes, last_prune_ms;
	bool pruning; /* a prune is under way: a step after each commit (writer thread) */
	bool copying; /* whole eras wait for pid_eras (pid_eras.c): likewise, after a prune */
	struct writer_stats stats;
	/* The writer thread's own, unlocked: */
	struct held held;     /* taken from the ring, not committed yet, oldest first */
	size_t in_txn;        /* held items [0, in_txn) are in the open transaction */
	bool stalled;         /* the database refused: held items wait for retry_ms */
	int64_t retry_ms;     /* next attempt to store them */
	size_t chunk;         /* items per transaction of the next attempt */
	int64_t txn_start;    /* when the open transaction got its first row */
	int64_t last_seal_ms; /* the last idle seal of the hash chain (store_seal) */
};

/* On the writer thread: the counters of the coverage row, as the writer
 * knows them. */
static void fill_run(struct writer *w, struct store_run *run, int64_t pruned)
{
	struct store_stats ss;

	store_stats(w->st, &ss);
	pthread_mutex_lock(&w->lock);
	run->rows = ss.rows_written;
	run->lost_db = w->stats.lost_rows;
	run->lost_queue = w->stats.dropped;
	run->pruned_rows = w->stats.pruned + (uint64_t)pruned;
	run->deaths = ss.deaths_written;
	run->redactions = ss.redactions;
	run->lost_deaths += w->stats.deaths_dropped + w->stats.lost_deaths;
	run->lost_zombies += w->stats.lost_zombies;
	pthread_mutex_unlock(&w->lock);
}

/* On the writer thread: start a prune when one is due, and update the run
 * row (while nothing is held: both write, and held rows come first). */
static void beat_and_prune(struct writer *w, struct store_run *run)
{
	int64_t now = now_mono_ms();

	if ((w->retention_days > 0 || w->max_bytes > 0) && !w->pruning &&
	    now - w->last_prune_ms >= PRUNE_INTERVAL_MS) {
		w->last_prune_ms = now;
		w->pruning = true;
	}
	if (!w->pruning && !w->copying && store_pid_eras_due(w->st))
		w->copying = true;
	fill_run(w, run, 0);
	(void)store_run_update(w->st, run, now_wall_ms(), NULL);
}

/* On the writer thread, with no transaction open: one step of the prune
 * under way, so that a prune of any size holds the database for at most
 * PRUNE_STEP_MS at a time. A failed step ends the prune (the next one is
 * due in PRUNE_INTERVAL_MS). */
static void prune_step(struct writer *w)
{
	bool done = false;
	int64_t n = store_prune_step(w->st, now_wall_ms(), w->retention_days, w->max_bytes,
	                             PRUNE_STEP_MS, &done);

	pthread_mutex_lock(&w->lock);
	if (n < 0)
		w->stats.last_error = (int)n;
	else
		w->stats.pruned += (uint64_t)n;
	pthread_mutex_unlock(&w->lock);
	if (n < 0 || done) {
		w->pruning = false;
		w->last_prune_ms = now_mono_ms();
	}
}

/* Likewise, once no prune is under way: one step of the copy of the eras
 * into pid_eras. A failed step ends it until the next heartbeat. */
static void copy_step(struct writer *w)
{
	bool done = false;
	int r = store_pid_era_step(w->st, PRUNE_STEP_MS, &done);

	if (r < 0) {
		pthread_mutex_lock(&w->lock);
		w->stats.last_error = r;
		pthread_mutex_unlock(&w->lock);
	}
	if (r < 0 || done)
		w->copying = false;
}

/* Write one held item into the open transaction. Returns >= 0 or -errno
 * (the transaction is then rolled back). */
static int insert_item(struct writer *w, const struct held_item *it)
{
	int r = it->death    ? deaths_write(w->st, it->death)
	        : it->zombie ? store_insert_zombie(w->st, it->zombie)
	                     : store_insert_extra(w->st, it->ev, it->extra);
	if (r < 0)
		store_rollback(w->st);
	return r;
}

static void note_error(struct writer *w, int err)
{
	pthread_mutex_lock(&w->lock);
	w->stats.last_error = err;
	pthread_mutex_unlock(&w->lock);
}

/* The database refused the open transaction (rolled back by now): its items
 * stay held, and the next attempt, right away, stores what fits. */
static void stall(struct writer *w, int err)
{
	w->in_txn = 0;
	w->chunk = w->chunk ? w->chunk : BATCH;
	w->retry_ms = now_mono_ms();
	note_error(w, err);
	if (!w->stalled) {
		w->stalled = true;
		pthread_mutex_lock(&w->lock);
		w->stats.stalls++;
		pthread_mutex_unlock(&w->lock);
	}
}

/* Count an item as lost to the database (the caller frees it). */
static void count_lost(struct writer *w, const struct held_item *it)
{
	pthread_mutex_lock(&w->lock);
	if (it->death)
		w->stats.lost_deaths++;
	else if (it->zombie)
		w->stats.lost_zombies++;
	else
		w->stats.lost_rows += held_item_rows(it);
	pthread_mutex_unlock(&w->lock);
}

/* Take one item from the ring: hold it, and while the database stores,
 * write it into the open transaction. While it refuses, the item waits
 * behind the others, unless it overflows the budget (lost). */
static void take(struct writer *w, struct held_item it)
{
	bool was_stalled = w->stalled;
	int r = held_push(&w->held, it, !w->stalled);

	if (r < 0) {
		count_lost(w, &it);
		held_item_free(&it);
		return;
	}
	if (was_stalled)
		return;
	if (w->in_txn == 0)
		w->txn_start = now_mono_ms();
	r = insert_item(w, held_at(&w->held, w->held.len - 1));
	if (r < 0)
		stall(w, r);
	else
		w->in_txn++;
}

/* Commit the open transaction: its items are stored and freed, or they stay
 * held. */
static void commit(struct writer *w)
{
	int r = store_commit(w->st);

	if (r < 0) {
		stall(w, r);
		return;
	}
	held_drop(&w->held, w->in_txn);
	w->in_txn = 0;
}

/* Stalled: store the held items in transactions of w->chunk, halving it
 * on a refusal until a single item is refused; then wait WRITER_RETRY_MS.
 * Once every held item is stored, group commit resumes. */
static void catch_up(struct writer *w)
{
	while (w->held.len > 0) {
		size_t n = w->chunk < w->held.len ? w->chunk : w->held.len;
		int r = 0;

		for (size_t i = 0; i < n && r >= 0; i++)
			r = insert_item(w, held_at(&w->held, i));
		if (r >= 0 && (r = store_commit(w->st)) == 0) {
			held_drop(&w->held, n);
			w->chunk = w->chunk * 2 < CATCHUP_MAX ? w->chunk * 2 : CATCHUP_MAX;
			continue;
		}
		note_error(w, r);
		if (w->chunk > 1) {
			w->chunk /= 2;
			continue;
		}
		w->retry_ms = now_mono_ms() + WRITER_RETRY_MS;
		return;
	}
	w->stalled = false;
	w->chunk = 0;
	pthread_mutex_lock(&w->lock);
	w->stats.resumes++;
	pthread_mutex_unlock(&w->lock);
}

/* Under the lock: sleep until there is work, a transaction is due, or a
 * stalled writer's next attempt is. */
static void wait_for_work(struct writer *w)
{
	while (w->len == 0 && !w->stopping && !w->beat_pending) {
		int64_t due;
		bool background = w->pruning || w->copying;
		bool paused = background && store_wal_behind(w->st);
		if (background && !paused && !w->stalled && w->in_txn == 0)
			return; /* the next step */
		if (w->stalled)
			due = w->retry_ms;
		else if (w->in_txn > 0)
			due = w->txn_start + WRITER_COMMIT_MS;
		else if (paused || store_unsealed(w->st)) {
			/* a prune paused until the checkpointer copied the WAL whole;
			 * rows waiting for their coalescing window to close */
			due = paused ? now_mono_ms() + PRUNE_WAIT_MS : INT64_MAX;
			if (store_unsealed(w->st) && w->last_seal_ms + SEAL_POLL_MS < due)
				due = w->last_seal_ms + SEAL_POLL_MS;
		} else {
			w->idle_waiting = true;
			pthread_cond_wait(&w->wake, &w->lock);
			w->idle_waiting = false;
			continue;
		}
		if (now_mono_ms() >= due)
			return;
		struct timespec ts = {.tv_sec = due / 1000, .tv_nsec = due % 1000 * 1000000};
		/* Gathering rows for a commit: wake only for a batch. */
		w->gathering = !w->stalled;
		int r = pthread_cond_timedwait(&w->wake, &w->lock, &ts);
		w->gathering = false;
		if (r == ETIMEDOUT)
			return;
	}
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct held_item batch[BATCH];

	for (;;) {
		size_t n = 0;

		pthread_mutex_lock(&w->lock);
		wait_for_work(w);
		while (n < BATCH && w->len > 0) {
			batch[n++] = w->ring[w->head];
			w->head = (w->head + 1) % w->capacity;
			w->len--;
		}
		if (n > 0 && w->waiting > 0)
			pthread_cond_broadcast(&w->room);
		bool stop = w->stopping && w->len == 0;
		/* A storm comes first: while events queue up, the prune waits
		 * and rows go in group commits (a step per commit would leave
		 * the queue to fill; tests/bench/prune.sh, the storm). */
		bool step = (w->pruning || w->copying) && w->len < w->capacity / PRUNE_YIELD_DIV &&
		            !store_wal_behind(w->st);
		struct store_run beat = w->beat;
		bool do_beat = w->beat_pending;
		w->beat_pending = false;
		pthread_mutex_unlock(&w->lock);

		for (size_t i = 0; i < n; i++)
			take(w, batch[i]);
		/* During a prune, rows are committed before each of its steps
		 * rather than gathered for WRITER_COMMIT_MS: the step is the wait. */
		if (!w->stalled && w->in_txn > 0 &&
		    (stop || do_beat || step || now_mono_ms() - w->txn_start >= WRITER_COMMIT_MS))
			commit(w);
		if (w->stalled && (stop || now_mono_ms() >= w->retry_ms))
			catch_up(w);
		if (stop && w->stalled) { /* no more time: what is still held is lost */
			for (size_t i = 0; i < w->held.len; i++)
				count_lost(w, held_at(&w->held, i));
			held_drop(&w->held, w->held.len);
		}
		if (!w->stalled && w->in_txn == 0 && store_unsealed(w->st) &&
		    now_mono_ms() - w->last_seal_ms >= SEAL_POLL_MS) {
			(void)store_seal(w->st); /* a failure: the next commit seals */
			w->last_seal_ms = now_mono_ms();
		}
		if (do_beat && !w->stalled)
			beat_and_prune(w, &beat);
		if (step && !w->stalled && !stop && w->in_txn == 0) {
			if (w->pruning)
				prune_step(w);
			else if (w->copying)
				copy_step(w);
		}

		pthread_mutex_lock(&w->lock);
		store_stats(w->st, &w->stats.store);
		w->stats.pruning = w->pruning;
		w->stats.held = w->held.len;
		w->stats.held_bytes = w->held.bytes;
		pthread_mutex_unlock(&w->lock);
		if (stop)
			return NULL;
	}
}

int writer_start(struct store *st, size_t capacity, size_t hold_bytes, struct writer **ret)
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
	/* A failure keeps SQLite's checkpoints inside the commits: slower, as safe. */
	(void)store_checkpoint_async(st);
	held_init(&w->held, hold_bytes);
	w->stats.held_max_bytes = hold_bytes;
	pthread_condattr_t monotonic;
	pthread_condattr_init(&monotonic);
	pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC); /* now_mono_ms()'s clock */
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
	(void)pthread_setname_np(w->thread, "sigtrail-writer"); /* top -H, ps -L */
	*ret = w;
	return 0;
}

static int push(struct writer *w, struct held_item it, bool wait)
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
		else if (it.zombie)
			w->stats.lost_zombies++;
		else
			w->stats.dropped++;
		pthread_mutex_unlock(&w->lock);
		held_item_free(&it);
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
	return push(w, (struct held_item){.ev = ev, .extra = extra}, wait);
}

int writer_push_death(struct writer *w, struct deathq_ready *death)
{
	return push(w, (struct held_item){.death = death}, false);
}

int writer_push_zombie(struct writer *w, struct zombie_note *z)
{
	return push(w, (struct held_item){.zombie = z}, false);
}
void writer_set_limits(struct writer *w, int64_t retention_days, int64_t max_bytes)
{
	pthread_mutex_lock(&w->lock);
	w->retention_days = retention_days;
	w->max_bytes = max_bytes;
	w->last_prune_ms = now_mono_ms() - PRUNE_INTERVAL_MS; /* first check at the first beat */
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
	held_free(&w->held);
	free(w->ring);
	free(w);
}
